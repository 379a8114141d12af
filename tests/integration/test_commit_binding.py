"""Evidence other steps leave in the store counts only when bound to the assessed commit: never outside git.

Outside a git checkout (a tarball, a copied folder) nothing ties a file in ``.sdl-gate/evidence`` to the code
being assessed: whoever made the folder could have written it. Test results, release bundles and history
found there are rejected with the reason, and the requirements that read them are not met by them.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.collectors.test_results import TestOutcome, TestResult, results_evidence
from sdl_gate.evidence import EvidenceStore
from tests.conftest import ProjectFactory, RunCli, write

OUTSIDE = "cannot be bound to the assessed commit: there is no assessed commit (not a git checkout"
PASSPHRASE = {"SDL_GATE_KEY_PASSPHRASE": "commit binding tests"}
JUNIT = '<testsuite name="s" tests="2"><testcase classname="t" name="test_a"/><testcase classname="t" name="test_b"/>'


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _check(run_cli: RunCli, root: Path, *args: str) -> dict[str, Any]:
    result = run_cli("check", root, "--format", "json", *args, env=PASSPHRASE)
    assert result.code in (0, 1), result.stderr
    assessment: dict[str, Any] = json.loads(result.stdout)
    assert assessment["product"]["commit"] is None
    return assessment


def _finding(assessment: dict[str, Any], requirement: str, criterion: str) -> dict[str, Any]:
    result = next(r for r in assessment["requirements"] if r["id"] == requirement)
    found: dict[str, Any] = next(f for f in result["findings"] if f["criterion"] == criterion)
    return found


def test_forged_passing_test_results_outside_git_do_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    results = [TestResult(node_id=f"tests/test_all.py::test_{n}", outcome=TestOutcome.PASSED) for n in range(50)]
    forged = EvidenceStore(project.root).put(
        results_evidence(results, commit=None, tool=("pytest", "9.0")), datetime.now(tz=timezone.utc)
    )
    assessment = _check(run_cli, project.root)
    assert forged.id not in {item["id"] for item in assessment["evidence"]}
    assert any(f"test_results evidence {OUTSIDE}" in reason for reason in assessment["rejected_evidence"])
    regression = _finding(assessment, "SUM-1", "regression_tests")
    assert regression["outcome"] == "not_available"
    assert OUTSIDE in regression["message"]


def test_imported_test_results_outside_git_do_not_count(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    report = write(tmp_path / "junit.xml", JUNIT + "</testsuite>\n")
    imported = run_cli("test-results", "import", report, "--path", project.root, "--provenance", "CI")
    assert imported.code == 0, imported.stderr
    assessment = _check(run_cli, project.root)
    assert _finding(assessment, "SUM-1", "regression_tests")["outcome"] == "not_available"
    assert OUTSIDE in _finding(assessment, "SVV-1", "requirement_tests")["message"]


def test_test_results_naming_a_commit_outside_git_do_not_count(run_cli: RunCli, project: ProjectFactory) -> None:
    results = [TestResult(node_id="tests/test_a.py::test_a", outcome=TestOutcome.PASSED)]
    EvidenceStore(project.root).put(
        results_evidence(results, commit="c" * 40, tool=("pytest", "9.0")), datetime.now(tz=timezone.utc)
    )
    assessment = _check(run_cli, project.root)
    regression = _finding(assessment, "SUM-1", "regression_tests")
    assert (regression["outcome"], OUTSIDE in regression["message"]) == ("not_available", True)


@pytest.fixture
def signed(project: ProjectFactory, run_cli: RunCli, tmp_path: Path) -> Path:
    """A project outside git whose releases are key-signed; returns the private key."""
    made = run_cli("keygen", "--output", tmp_path / "release", env=PASSPHRASE)
    assert made.code == 0, made.stderr
    shutil.copyfile(tmp_path / "release.pub.pem", project.root / "release.pub.pem")
    project.pyproject('signing = { key = "release.pub.pem" }\n')
    return tmp_path / "release.pem"


@pytest.mark.slow
def test_a_signed_bundle_made_outside_git_does_not_meet_sm6(
    run_cli: RunCli, project: ProjectFactory, signed: Path, tmp_path: Path
) -> None:
    created = run_cli(
        "bundle", "create", project.root, "--output", tmp_path / "b.zip", "--sign", "key", "--key", signed,
        env=PASSPHRASE,
    )  # fmt: skip
    assert created.code in (0, 1), created.stderr
    # The bundle is declared only to the run that makes it; outside git that run cannot bind it to a commit.
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        bundled = json.loads(archive.read("assessment.json"))
    release = _finding(bundled, "SM-6", "release_bundle")
    assert release["outcome"] != "pass"
    assert any(f"bundle evidence {OUTSIDE}" in reason for reason in bundled["rejected_evidence"])


@pytest.mark.slow
def test_release_history_recorded_outside_git_does_not_count(
    run_cli: RunCli, project: ProjectFactory, signed: Path, tmp_path: Path
) -> None:
    history = tmp_path / "releases"
    history.mkdir()
    created = run_cli(
        "bundle", "create", project.root, "--output", history / "r1.zip", "--sign", "key", "--key", signed,
        env=PASSPHRASE,
    )  # fmt: skip
    assert created.code in (0, 1), created.stderr
    assessment = _check(run_cli, project.root, "--history", str(history))
    assert any(f"history evidence {OUTSIDE}" in reason for reason in assessment["rejected_evidence"])
    assert "history" not in {item["kind"] for item in assessment["evidence"]}
    assert _finding(assessment, "SM-12", "release_history")["outcome"] != "pass"


def test_test_results_of_the_previous_commit_are_named_stale_with_the_command_that_refreshes_them(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    recorded_at = project.commit("first")
    results = [TestResult(node_id="tests/test_a.py::test_a", outcome=TestOutcome.PASSED, requirements=("SR-1",))]
    EvidenceStore(project.root).put(
        results_evidence(results, commit=recorded_at, tool=("pytest", "9.0")), datetime.now(tz=timezone.utc)
    )
    project.doc("src/change.py", "VALUE = 2\n")
    assessed = project.commit("second")
    result = run_cli("check", project.root, "--format", "json")
    assert result.code == 1, result.stderr
    assessment = json.loads(result.stdout)
    tests = _finding(assessment, "SVV-1", "requirement_tests")
    assert tests["outcome"] == "not_available"
    assert recorded_at in tests["message"] and assessed in tests["message"]
    assert "sdl-gate check --run-tests" in tests["message"]
    svv1 = next(r for r in assessment["requirements"] if r["id"] == "SVV-1")
    assert svv1["remediation"].startswith("Refresh the stale test_results evidence: `sdl-gate check --run-tests`")
    [refresh] = svv1["refresh"]
    assert refresh["kind"] == "test_results" and refresh["command"].startswith("`sdl-gate check --run-tests`")
    assert "pytest.mark.security" not in svv1["remediation"]
    console = run_cli("check", project.root)
    assert "Refresh the stale test_results evidence" in console.stdout


def test_imported_results_of_the_previous_commit_name_the_import_command(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    project.commit("first")
    report = write(tmp_path / "junit.xml", JUNIT + "</testsuite>\n")
    assert run_cli("test-results", "import", report, "--path", project.root, "--provenance", "CI").code == 0
    project.doc("src/change.py", "VALUE = 2\n")
    project.commit("second")
    result = run_cli("check", project.root, "--format", "json")
    message = _finding(json.loads(result.stdout), "SUM-1", "regression_tests")["message"]
    assert "sdl-gate test-results import" in message and "--run-tests" not in message


@pytest.mark.slow
def test_a_bundle_assessed_with_stale_test_results_verifies(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    # The advice to refresh stale evidence is part of the assessment, so the bundle must carry what it came from.
    recorded_at = project.commit("first")
    results = [TestResult(node_id="tests/test_a.py::test_a", outcome=TestOutcome.PASSED)]
    EvidenceStore(project.root).put(
        results_evidence(results, commit=recorded_at, tool=("pytest", "9.0")), datetime.now(tz=timezone.utc)
    )
    project.doc("src/change.py", "VALUE = 2\n")
    project.commit("second")
    assert run_cli("keygen", "--output", tmp_path / "release", env=PASSPHRASE).code == 0
    bundle = tmp_path / "release.zip"
    created = run_cli(
        "bundle", "create", project.root, "--output", bundle, "--sign", "key", "--key", tmp_path / "release.pem",
        env=PASSPHRASE,
    )  # fmt: skip
    assert created.code == 1, created.stderr
    verified = run_cli("bundle", "verify", bundle, "--key", tmp_path / "release.pub.pem")
    assert verified.code == 0, verified.stdout + verified.stderr
