"""`sdl-gate policy`: validate and show policies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sdl_gate.cli._output import GROUP_EPILOG


@click.group(epilog=GROUP_EPILOG)
def policy() -> None:
    """Validate and show policies (built-in: iec62443-4-1-ml2, -ml3, -ml4)."""


@policy.command("validate", epilog="Exit codes: 0 valid, 2 invalid policy, 3 internal error.")
@click.argument("policy_file", type=click.Path(path_type=Path))
def policy_validate(policy_file: Path) -> None:
    """Validate POLICY_FILE, including the policies it extends."""
    from sdl_gate.policy.loader import resolve_policy

    resolved = resolve_policy(str(policy_file), relative_to=Path.cwd())
    chain = f", extends {' -> '.join(resolved.chain)}" if resolved.chain else ""
    click.echo(f"{policy_file}: valid policy {resolved.name!r}{chain}; digest {resolved.digest}")


@policy.command("show", epilog="Exit codes: 0 shown, 2 unknown or invalid policy, 3 internal error.")
@click.argument("name")
@click.option("--format", "output_format", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def policy_show(name: str, output_format: str) -> None:
    """Show the fully resolved policy NAME (a built-in name or a file), every requirement included."""
    from sdl_gate._files import pretty_json
    from sdl_gate.policy.loader import resolve_policy

    resolved = resolve_policy(name, relative_to=Path.cwd())
    document: dict[str, Any] = {"digest": resolved.digest, "source": resolved.source, **resolved.to_json()}
    if output_format == "json":
        click.echo(pretty_json(document), nl=False)
    else:
        import yaml

        click.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), nl=False)
