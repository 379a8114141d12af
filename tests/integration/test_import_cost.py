"""What a light command does not import: every run pays for every module it loads, so none loads the gate
it does not run. Asserted on the modules imported (``python -X importtime``), never on a timing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_PROJECT

#: The whole gate, every collector and check, the scanner and the signing stack.
HEAVY = (
    "sdl_gate.run",
    "sdl_gate.assess",
    "sdl_gate.checks._registry",
    "sdl_gate.collectors._registry",
    "bandit",
    "sigstore",
)
_IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| +(\S+)$")


def _imported(argv: list[str], cwd: Path) -> tuple[int, set[str]]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPROFILEIMPORTTIME"}
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sdl_gate", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    names = {found.group(1) for line in completed.stderr.splitlines() if (found := _IMPORTED.match(line))}
    return completed.returncode, names


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("import-cost") / "demo"
    shutil.copytree(DEMO_PROJECT, target, ignore=shutil.ignore_patterns(".sdl-gate"))
    return target


@pytest.mark.parametrize(
    "argv",
    [
        ["sbom", "--help"],
        ["sbom", "."],
        ["records", "status", "."],
        ["sast", "--help"],
        ["report", "--help"],
        ["catalogue"],
    ],
    ids=" ".join,
)
def test_a_light_command_does_not_import_the_gate(argv: list[str], demo: Path) -> None:
    code, imported = _imported(argv, demo)
    assert code in (0, 1), f"sdl-gate {' '.join(argv)} exited {code}"
    assert "sdl_gate.cli" in imported, "the import trace was not read"
    assert sorted(imported.intersection(HEAVY)) == []


def test_check_still_imports_the_gate_it_runs(demo: Path) -> None:
    # The other side of the test above: the trace names what a command loads, so an absence means something.
    _, imported = _imported(["check", "."], demo)
    assert {"sdl_gate.run", "sdl_gate.checks._registry", "sdl_gate.collectors._registry"} <= imported
    # threat-model check and records check decide through a slice of the gate (one decision path), so they load
    # the assessment.
    for argv in (["threat-model", "check"], ["records", "check", "."]):
        _, imported = _imported(argv, demo)
        assert {"sdl_gate.run", "sdl_gate.assess"} <= imported, argv


def test_validating_an_sbom_loads_no_checker_of_a_format_cyclonedx_does_not_use(demo: Path) -> None:
    code, imported = _imported(["sbom", "."], demo)
    assert code == 0  # the SBOM was built and validated against the CycloneDX schema
    assert "jsonschema.validators" in imported
    # A blocked checker still shows in the trace as a failed attempt; what it would have loaded does not.
    assert sorted(imported.intersection({"isoduration.parser", "arrow", "uri_template.expansions"})) == []
