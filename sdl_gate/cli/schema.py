"""`sdl-gate schema`: the JSON Schemas of inputs and outputs."""

from __future__ import annotations

import click

from sdl_gate.schemas import SCHEMA_NAMES


@click.command(epilog="Exit codes: 0 printed, 2 unknown schema name, 3 internal error.")
@click.argument(
    "name",
    type=click.Choice(list(SCHEMA_NAMES)),
)
def schema(name: str) -> None:
    """Print the JSON Schema of an input or output format."""
    from sdl_gate._files import pretty_json
    from sdl_gate.schemas import load_schema

    click.echo(pretty_json(load_schema(name)), nl=False)
