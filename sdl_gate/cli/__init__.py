"""The ``sdl-gate`` command line: the only package that imports click; each module parses and dispatches one group.

Exit codes: 0 passed, 1 gate failed, 2 usage or invalid input, 3 internal or tool error (mapped in ``_errors``).
Commands import the library lazily, inside their bodies: ``--help`` and light commands never load the gate.
"""

from __future__ import annotations

import sys

import click

from sdl_gate import __version__
from sdl_gate.cli import (
    bundle,
    deps,
    gate,
    hooks,
    policy,
    records,
    sast,
    sbom,
    schema,
    signing,
    testresults,
    threat_model,
    vulndb,
    waivers,
)
from sdl_gate.cli._errors import run_command
from sdl_gate.cli._options import MAX_DAYS_OPTION
from sdl_gate.cli._output import EPILOG
from sdl_gate.cli.gate import check, report

__all__ = ["MAX_DAYS_OPTION", "check", "cli", "main", "report"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}, epilog=EPILOG)
@click.version_option(__version__, "--version", prog_name="sdl-gate", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors; hooks list every item.")
def cli(verbose: bool) -> None:
    """Score a product's secure development evidence against IEC 62443-4-1 and gate its release.

    Start with `sdl-gate init` in your project, then `sdl-gate check`.
    """


#: Every command, by the module that parses it: a static list, so what the CLI offers is read here, not discovered.
COMMANDS: tuple[click.Command, ...] = (
    bundle.bundle,
    gate.catalogue,
    gate.check,
    gate.collect,
    gate.explain,
    gate.report,
    deps.deps,
    deps.vex,
    hooks.init,
    hooks.install_hooks,
    hooks.pre_push,
    policy.policy,
    records.records,
    sast.sast_group,
    sbom.sbom,
    sbom.sbom_check,
    sbom.sbom_current,
    schema.schema,
    signing.keygen,
    signing.private_keys,
    signing.sign,
    signing.verify,
    testresults.test_results,
    threat_model.threat_model,
    vulndb.vulndb,
    waivers.waivers,
)
for _command in COMMANDS:
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the documented exit code."""
    sys.exit(run_command(cli, sys.argv[1:] if argv is None else argv))
