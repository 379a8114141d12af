"""`sdl-gate schema`: the JSON Schemas of inputs and outputs."""

from __future__ import annotations

import click

#: The names `sdl-gate schema` accepts (sdl_gate.schemas.SCHEMA_NAMES, kept here so --help needs no import).
SCHEMA_CHOICES = (
    "approvals",
    "approvers",
    "assessment",
    "config",
    "exception-approvals",
    "policy",
    "record",
    "requirements",
    "threat-model",
    "waivers",
)


@click.command(epilog="Exit codes: 0 printed, 2 unknown schema name, 3 internal error.")
@click.argument(
    "name",
    type=click.Choice(list(SCHEMA_CHOICES)),
)
def schema(name: str) -> None:
    """Print the JSON Schema of an input or output format."""
    from sdl_gate._files import pretty_json
    from sdl_gate.schemas import load_schema

    click.echo(pretty_json(load_schema(name)), nl=False)
