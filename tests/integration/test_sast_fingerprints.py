"""Fingerprints survive line shifts and path spellings; the baseline, waivers and # nosec rules use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sdl_gate.config import load_project
from sdl_gate.sast.analyse import analyse
from sdl_gate.sast.models import NosecStatus, SuppressionProblem
from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions, write

APP = """\
import subprocess


def run(cmd):
    subprocess.call(cmd, shell=True)


def again(cmd):
    subprocess.call(cmd, shell=True)
"""


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _fingerprints(root: Path, *explicit: Path) -> list[tuple[str, int, str]]:
    report = analyse(load_project(root), list(explicit) or None, use_cache=False).report
    return [(f.path, f.line, f.fingerprint) for f in report.findings if f.test_id == "B602"]


def test_fingerprints_survive_inserted_lines_and_path_spellings(
    project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project.root
    write(root / "src" / "app.py", APP)
    before = _fingerprints(root)
    assert len(before) == 2
    assert before[0][2] != before[1][2], "two identical findings in one file need distinct fingerprints"

    write(root / "src" / "app.py", '"""Module docstring."""\n\n# a comment\n\n\n' + APP)
    after = _fingerprints(root)
    assert [line for _, line, _ in after] == [line + 5 for _, line, _ in before]
    assert [fp for _, _, fp in after] == [fp for _, _, fp in before]

    monkeypatch.chdir(root)
    spellings = [Path("src/app.py"), Path("./src/app.py"), root / "src" / "app.py", Path("src/../src/app.py")]
    seen = {tuple(fp for _, _, fp in _fingerprints(root, spelling)) for spelling in spellings}
    assert seen == {tuple(fp for _, _, fp in after)}


def _approve(baseline: Path, approver: str = "Erika Lind <erika@example.com>") -> None:
    """Fill in every entry's approval, as the person accepting the findings would."""
    document = json.loads(baseline.read_text())
    for entry in document["findings"]:
        entry["approval"] = {
            "approver": approver,
            "requester": "Max Mustermann <max@example.com>",
            "justification": "Adopted with the gate; each call is scheduled for rework this quarter.",
            "created": "2026-01-01T00:00:00Z",
            "expires": "2026-12-31T00:00:00Z",
        }
    baseline.write_text(json.dumps(document))


@pytest.mark.slow
def test_baseline_accepts_approved_findings_and_a_second_identical_one_is_new(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "app.py", APP)
    bandit_baseline = root / "bandit-baseline.json"
    bandit = [sys.executable, "-m", "bandit", "-q", "-f", "json", "-r", "app.py"]
    subprocess.run([*bandit, "-o", str(bandit_baseline)], cwd=root, check=False, timeout=60)
    written = run_cli("sast", "--write-baseline", root)
    assert written.code == 0, written.stderr
    path = root / "security" / "sast-baseline.json"
    baseline = json.loads(path.read_text())
    assert baseline["version"] == 2
    assert len(baseline["findings"]) == 3  # two B602 and the B404 import
    assert {entry["approval"] for entry in baseline["findings"]} == {None}

    # Written but not approved, the baseline accepts nothing.
    unapproved = run_cli("sast", "--format", "json", "--as-of", "2026-06-01", root)
    assert unapproved.code == 1, unapproved.stdout + unapproved.stderr
    report = json.loads(unapproved.stdout)
    assert {f["status"] for f in report["findings"]} == {"open", "below_threshold"}
    assert set(report["decision"]["baseline"].values()) == {"unapproved"}

    _approve(path)
    approve_project_exceptions(project)  # signed by the approver each entry names
    accepted = run_cli("sast", "--format", "json", "--as-of", "2026-06-01", root)
    assert accepted.code == 0, accepted.stdout + accepted.stderr
    assert {f["status"] for f in json.loads(accepted.stdout)["findings"]} == {"baselined", "below_threshold"}

    # A third copy of an already-accepted call is new, even though its text matches a baselined one.
    write(root / "app.py", APP + "\n\ndef third(cmd):\n    subprocess.call(cmd, shell=True)\n")
    grown = run_cli("sast", "--format", "json", "--as-of", "2026-06-01", root)
    assert grown.code == 1
    report = json.loads(grown.stdout)
    open_findings = [f for f in report["findings"] if f["status"] == "open"]
    assert [(f["test_id"], f["line"]) for f in open_findings] == [("B602", 13)]
    assert report["decision"]["blocking"] == [open_findings[0]["fingerprint"]]
    # bandit's own baseline matches issues by text and file, not by count, so it lets the third one through.
    theirs = subprocess.run(
        [*bandit, "-b", str(bandit_baseline)], cwd=root, capture_output=True, timeout=60, check=False
    )
    assert json.loads(theirs.stdout)["results"] == []


@pytest.mark.slow
def test_a_finding_waiver_targets_a_fingerprint(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(root / "app.py", "import subprocess\n\nsubprocess.call(CMD, shell=True)\n")
    first = json.loads(run_cli("sast", "--format", "json", root).stdout)
    fingerprint = next(f["fingerprint"] for f in first["findings"] if f["test_id"] == "B602")
    project.waivers(
        f"""
        version: 1
        waivers:
          - id: W-7
            scope: {{finding: {fingerprint}}}
            justification: CMD is a constant list built at import time.
            requester: Max Mustermann <max@example.com>
            approver: Erika Lind <erika@example.com>
            created: 2026-01-01T00:00:00Z
            expires: 2026-06-29T00:00:00Z
        """
    )
    approve_project_exceptions(project)
    inside = run_cli("sast", "--format", "json", "--as-of", "2026-06-01", root)
    assert inside.code == 0, inside.stdout
    waived = next(f for f in json.loads(inside.stdout)["findings"] if f["fingerprint"] == fingerprint)
    assert (waived["status"], waived["waiver"]) == ("waived", "W-7")
    expired = run_cli("sast", "--as-of", "2027-01-02", root)
    assert expired.code == 1
    assert fingerprint in expired.stdout


def test_unjustified_nosec_is_reported_and_justified_ones_are_listed(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(
        root / "app.py",
        """\
        import subprocess  # nosec B404 -- only used with constant argv below
        subprocess.call("ls", shell=True)  # nosec
        subprocess.call("id", shell=True)  # nosec B602
        subprocess.call("pwd", shell=True)  # nosec B602 -- constant command, no user input
        """,
    )
    result = analyse(load_project(root), use_cache=False).report
    # bandit honours each as written: a bare nosec silences the line, a named one only its tests; what it
    # silences is still listed, and only a justified nosec naming the test keeps it from counting.
    reported = [(f.test_id, f.line, f.nosec) for f in result.findings]
    assert reported == [
        ("B404", 1, NosecStatus.JUSTIFIED),
        ("B602", 2, NosecStatus.UNJUSTIFIED),
        ("B607", 2, NosecStatus.UNJUSTIFIED),
        ("B602", 3, NosecStatus.UNJUSTIFIED),
        ("B607", 3, NosecStatus.NONE),
        ("B602", 4, NosecStatus.JUSTIFIED),
        ("B607", 4, NosecStatus.NONE),
    ]
    problems = {s.line: s.problems for s in result.suppressions}
    assert problems == {
        1: (),
        2: (SuppressionProblem.NO_TEST_IDS, SuppressionProblem.NO_JUSTIFICATION),
        3: (SuppressionProblem.NO_JUSTIFICATION,),
        4: (),
    }
    cli = run_cli("sast", root)
    assert cli.code == 1
    assert "app.py:2: unjustified # nosec (no test ids, no justification)" in cli.stdout
    assert "app.py:3: unjustified # nosec (no justification)" in cli.stdout


def test_columns_count_characters_where_bandit_counts_bytes(project: ProjectFactory) -> None:
    prefix = 'subprocess.call("é", shell=True) or '
    write(project.root / "app.py", f'import subprocess\n{prefix}subprocess.call("ü", shell=True)\n')
    result = analyse(load_project(project.root), use_cache=False)
    second = max((f for f in result.report.findings if f.test_id == "B602"), key=lambda f: f.column)
    assert second.column == len(prefix) + 1
    raw = max(r["col_offset"] for r in result.bandit["results"] if r["test_id"] == "B602")
    assert raw == len(prefix.encode("utf-8"))  # bandit's own report keeps its byte offset


@pytest.mark.slow
def test_a_malformed_baseline_is_an_input_error_and_partial_baselines_are_refused(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "app.py", APP)
    baseline = write(root / "security" / "sast-baseline.json", '{"version": 2, "tool": "bandit",\n "findings": [1]}\n')
    bad = run_cli("sast", root)
    assert bad.code == 2
    assert f"{baseline}:2" in bad.stderr
    partial = run_cli("sast", "--write-baseline", "--path", root, root / "app.py")
    assert partial.code == 2
    assert "whole project" in partial.stderr
    assert baseline.read_text().endswith("[1]}\n")  # untouched
