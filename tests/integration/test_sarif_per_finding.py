"""`check --format sarif` shows each static-analysis finding on its own, with its own waiver state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions, write

TWO_CALLS = (
    "import subprocess\n\nsubprocess.call(CMD, shell=True)\n\n\ndef again(cmd):\n    subprocess.call(cmd, shell=True)\n"
)


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _si1_findings(run_cli: RunCli, root: Path, tmp_path: Path) -> list[dict[str, Any]]:
    out = tmp_path / "gate.sarif"
    result = run_cli("check", root, "--format", "sarif", "--output", out, "--as-of", "2026-06-01")
    assert result.code in (0, 1), result.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    return [
        r
        for r in log["runs"][0]["results"]
        if r["ruleId"] == "SI-1" and r["properties"]["criterion"] == "sast_findings"
    ]


def _line(result: dict[str, Any]) -> int:
    line: int = result["locations"][0]["physicalLocation"]["region"]["startLine"]
    return line


@pytest.mark.slow
def test_each_open_finding_is_its_own_result_and_a_waiver_suppresses_only_its_own(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    root = project.root
    write(root / "app.py", TWO_CALLS)
    results = _si1_findings(run_cli, root, tmp_path)
    assert sorted(_line(r) for r in results) == [3, 7]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py" for r in results)
    assert not any("suppressions" in r for r in results)
    fingerprints = {r["partialFingerprints"]["sdlGateFinding/v1"] for r in results}
    assert len(fingerprints) == 2

    report = json.loads(run_cli("sast", "--format", "json", root).stdout)
    first = next(f["fingerprint"] for f in report["findings"] if f["line"] == 3)
    project.waivers(
        f"""
        version: 1
        waivers:
          - id: W-7
            scope: {{finding: {first}}}
            justification: CMD is a constant list built at import time.
            requester: Max Mustermann <max@example.com>
            approver: Erika Lind <erika@example.com>
            created: 2026-01-01T00:00:00Z
            expires: 2026-06-29T00:00:00Z
        """
    )
    approve_project_exceptions(project)
    waived = {_line(r): r for r in _si1_findings(run_cli, root, tmp_path)}
    assert sorted(waived) == [3, 7]
    assert waived[3]["suppressions"][0]["status"] == "accepted"
    assert waived[3]["suppressions"][0]["justification"].startswith("W-7 ")
    assert "suppressions" not in waived[7], "the open finding must stay visible to code scanning"
    assert waived[7]["level"] == "error"
    # The fingerprints do not move when a waiver is added.
    assert {r["partialFingerprints"]["sdlGateFinding/v1"] for r in waived.values()} == fingerprints
