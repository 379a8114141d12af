"""The ``sdl-gate`` command line: the only package that imports click; each module parses and dispatches one group.

Exit codes: 0 passed, 1 gate failed, 2 usage or invalid input, 3 internal or tool error (mapped in ``_errors``).
A command's module is imported when the command runs (or a help lists it), and commands import the library
inside their bodies: ``--help`` and light commands never load the gate, and a hook loads only its own module.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from sdl_gate import __version__
from sdl_gate.cli._errors import run_command
from sdl_gate.cli._options import MAX_DAYS_OPTION
from sdl_gate.cli._output import EPILOG

__all__ = ["COMMANDS", "MAX_DAYS_OPTION", "check", "cli", "main", "report"]

#: Every command, by name: the module under ``sdl_gate.cli`` that parses it and the click command in it. A
#: static table, so what the CLI offers is read here, never discovered.
COMMANDS: dict[str, tuple[str, str]] = {
    "bundle": ("bundle", "bundle"),
    "catalogue": ("gate", "catalogue"),
    "check": ("gate", "check"),
    "collect": ("gate", "collect"),
    "deps": ("deps", "deps"),
    "explain": ("gate", "explain"),
    "init": ("hooks", "init"),
    "install-hooks": ("hooks", "install_hooks"),
    "keygen": ("signing", "keygen"),
    "policy": ("policy", "policy"),
    "pre-push": ("hooks", "pre_push"),
    "private-keys": ("signing", "private_keys"),
    "records": ("records", "records"),
    "report": ("gate", "report"),
    "sast": ("sast", "sast_group"),
    "sbom": ("sbom", "sbom"),
    "sbom-check": ("sbom", "sbom_check"),
    "sbom-current": ("sbom", "sbom_current"),
    "schema": ("schema", "schema"),
    "sign": ("signing", "sign"),
    "test-results": ("testresults", "test_results"),
    "threat-model": ("threat_model", "threat_model"),
    "verify": ("signing", "verify"),
    "vex": ("deps", "vex"),
    "vulndb": ("vulndb", "vulndb"),
    "waivers": ("waivers", "waivers"),
}


def _load(name: str) -> click.Command:
    module, attribute = COMMANDS[name]
    command = getattr(importlib.import_module(f"sdl_gate.cli.{module}"), attribute)
    assert isinstance(command, click.Command)  # noqa: S101 - the table names commands; a typo is a bug, not input
    assert command.name == name, f"{module}.{attribute} is named {command.name!r}, not {name!r}"  # noqa: S101
    return command


class _Root(click.Group):
    """The root group: its commands come from :data:`COMMANDS`, each module imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted as help lists them."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command named ``cmd_name``, importing only the module that parses it."""
        return _load(cmd_name) if cmd_name in COMMANDS else None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve as click does; a mistyped name is offered the close ones, loaded or not."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            import difflib

            typed = args[0] if args else ""
            close = difflib.get_close_matches(typed, COMMANDS) if typed not in COMMANDS else []
            if not close or "Did you mean" in exc.message:
                raise
            offered = " or ".join(repr(name) for name in close)
            raise click.UsageError(f"{exc.message} Did you mean {offered}?", ctx) from None


@click.group(
    cls=_Root,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.version_option(__version__, "--version", prog_name="sdl-gate", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors; hooks list every item.")
def cli(verbose: bool) -> None:
    """Score a product's secure development evidence against IEC 62443-4-1 and gate its release.

    Start with `sdl-gate init` in your project, then `sdl-gate check`.
    """


def __getattr__(name: str) -> Any:
    # `from sdl_gate.cli import check, report` (the commands) keeps working without importing every module.
    if name in ("check", "report"):
        return _load(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the documented exit code."""
    sys.exit(run_command(cli, sys.argv[1:] if argv is None else argv))
