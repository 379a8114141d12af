"""Every comment bandit treats as ``# nosec`` is seen, and a finding it silences without justification stays open.

bandit reads ``#\\s*nosec`` followed by anything: a word it cannot resolve to a test (``# nosecurity``,
``#nosec0``, ``# nosec b602``) leaves it with no test ids, which it takes as "silence every test on the
line"; test names after ``--`` are silenced too. These tests run the real bandit and the real CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectFactory, RunCli, write

CALL = "subprocess.call(CMD, shell=True)"

# File name -> the comment on a high-severity B602 call. bandit silences the call in each of these files.
BLANKET = {
    "nosecurity.py": "# nosecurity",
    "nosec0.py": "#nosec0",
    "nosec_ok.py": "# nosec_ok",
    "colon.py": "# nosec:",
    "lower_case_id.py": "# nosec b602 -- bandit resolves no lower-case id",
    "unknown_id.py": "# nosec B999 -- no such test",
    "after_noqa.py": "# noqa: S602 #nosec",
    "named_in_justification.py": "# nosec B404 -- subprocess_popen_with_shell_equals_true is fine here",
}
# Spellings bandit does not honour: the call stays in its report, and in ours as open.
NOT_HONOURED = {"upper_case.py": "#NOSEC", "capitalised.py": "# Nosec B602 -- looks right, is not"}
JUSTIFIED = {"justified.py": "# nosec B602 -- CMD is a constant list"}


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _module(comment: str) -> str:
    return f"import subprocess  # nosec B404 -- constant commands only\n\n{CALL}  {comment}\n"


def _bandit_b602_files(root: Path) -> set[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-f", "json", "-r", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    results = json.loads(completed.stdout)["results"]
    return {r["filename"].removeprefix("./") for r in results if r["test_id"] == "B602"}


def test_each_spelling_bandit_honours_is_seen_and_leaves_its_finding_open(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    for name, comment in {**BLANKET, **NOT_HONOURED, **JUSTIFIED}.items():
        write(root / name, _module(comment))
    # bandit spreads a statement over its lines: a nosec on any of them silences it.
    write(
        root / "multiline.py",
        "import subprocess  # nosec B404 -- constant\n\nsubprocess.call(\n    CMD,  # nosec\n    shell=True,\n)\n",
    )

    result = run_cli("sast", "--format", "json", root)
    assert result.code == 1, result.stderr
    report = json.loads(result.stdout)
    b602 = {f["path"]: f for f in report["findings"] if f["test_id"] == "B602"}
    assert set(b602) == {*BLANKET, *NOT_HONOURED, *JUSTIFIED, "multiline.py"}, "silenced findings are listed"
    for name in (*BLANKET, "multiline.py"):
        assert (name, b602[name]["nosec"], b602[name]["status"]) == (
            name,
            "unjustified",
            "suppressed_without_justification",
        )
        assert b602[name]["fingerprint"] in report["decision"]["blocking"]
    for name in NOT_HONOURED:
        assert (name, b602[name]["nosec"], b602[name]["status"]) == (name, "none", "open")
    assert (b602["justified.py"]["nosec"], b602["justified.py"]["status"]) == ("justified", "suppressed")

    # What sdl-gate takes as silenced is exactly what the bandit command leaves out of its report.
    reported_by_bandit = _bandit_b602_files(root)
    assert {f["path"] for f in b602.values() if f["nosec"] == "none"} == reported_by_bandit == set(NOT_HONOURED)

    suppressions = {s["path"]: s for s in report["suppressions"] if s["line"] == 3 or s["path"] == "multiline.py"}
    for name in BLANKET:
        assert suppressions[name]["problems"], name
    assert suppressions["named_in_justification.py"]["tests"] == ["B404", "B602"]
    assert suppressions["named_in_justification.py"]["problems"] == ["silences_unnamed_tests"]
    assert not set(NOT_HONOURED) & set(suppressions)


def _criteria(run_cli: RunCli, root: Path, *args: str) -> dict[str, dict[str, Any]]:
    result = run_cli("check", root, "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    return {
        f"{requirement['id']}/{finding['criterion']}": finding
        for requirement in json.loads(result.stdout)["requirements"]
        if requirement["id"] in ("SI-1", "SI-2")
        for finding in requirement["findings"]
    }


@pytest.mark.slow
@pytest.mark.parametrize("comment", ["# nosecurity", "#nosec0", "# nosec_ok", BLANKET["named_in_justification.py"]])
def test_si1_and_si2_fail_on_a_high_severity_finding_silenced_by_an_unjustified_nosec(
    project: ProjectFactory, run_cli: RunCli, comment: str
) -> None:
    write(project.root / "app.py", _module(comment))
    found = _criteria(run_cli, project.root)
    assert found["SI-1/sast_findings"]["outcome"] == "fail"
    assert "app.py:3 B602" in found["SI-1/sast_findings"]["message"]
    assert "unjustified # nosec at line 3" in found["SI-1/sast_findings"]["message"]
    assert found["SI-2/sast_suppressions"]["outcome"] == "fail"
    assert "app.py:3" in found["SI-2/sast_suppressions"]["message"]


@pytest.mark.slow
def test_a_justified_nosec_naming_its_test_passes_both(project: ProjectFactory, run_cli: RunCli) -> None:
    write(project.root / "app.py", _module(JUSTIFIED["justified.py"]))
    found = _criteria(run_cli, project.root)
    assert found["SI-1/sast_findings"]["outcome"] == "pass"
    assert "suppressed by a justified # nosec" in found["SI-1/sast_findings"]["message"]
    assert found["SI-2/sast_suppressions"]["outcome"] == "pass"
