"""The root group: commands listed from a static table, each module imported only when its command is used."""

from __future__ import annotations

import subprocess
import sys

from sdl_gate.cli import COMMANDS
from tests.conftest import REPO_ROOT, RunCli

_LOADED = """
import sys
from sdl_gate.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(m for m in sys.modules if m.startswith("sdl_gate.cli."))), file=sys.stderr)
"""


def _cli_modules_loaded(*argv: str) -> set[str]:
    completed = subprocess.run(
        [sys.executable, "-c", _LOADED, *argv], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    return set(completed.stderr.strip().splitlines()[-1].split())


def test_a_command_loads_only_the_module_that_parses_it() -> None:
    assert _cli_modules_loaded("sbom", "--help") == {
        "sdl_gate.cli._errors",
        "sdl_gate.cli._options",
        "sdl_gate.cli._output",
        "sdl_gate.cli.sbom",
    }


def test_the_root_help_lists_every_command(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("--help")
    assert result.code == 0
    block = result.stdout.split("Commands:\n")[1].split("\n\n")[0]
    listed = {line.split()[0] for line in block.splitlines() if line.startswith("  ") and line[2] != " "}
    assert listed == set(COMMANDS)


def test_a_mistyped_command_is_a_usage_error_offering_the_close_one(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("recrds")
    assert result.code == 2
    assert "'records'" in result.stderr


def test_the_names_the_cli_declares_for_help_match_the_library() -> None:
    # --help must not load the signing stack or pydantic, so the CLI names these values itself.
    from dataclasses import fields

    from sdl_gate.attest.trust import SignWith, TrustRequest
    from sdl_gate.cli._options import TRUST_OPTION_NAMES
    from sdl_gate.cli.bundle import SIGN_WITH
    from sdl_gate.cli.sbom import sbom
    from sdl_gate.sbom.project import InventorySource

    assert tuple(field.name for field in fields(TrustRequest)) == TRUST_OPTION_NAMES
    assert tuple(choice.value for choice in SignWith) == SIGN_WITH
    (source,) = (p for p in sbom.params if p.name == "source")
    assert list(source.type.choices) == [choice.value for choice in InventorySource]  # type: ignore[attr-defined]
