"""Test evidence with provenance: imported JUnit against observed runs, and ``check --run-tests``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
from tests.conftest import RunCli, commit_all, sha256_of, ssh_key, write, write_register

pytest_plugins = ("pytester",)

MODEL = """\
version: 1
product: {name: widget}
components:
  - {id: C-1, name: service}
threats:
  - {id: T-1, title: Spoofed client, stride: spoofing, affects: [C-1], severity: low, status: mitigated}
mitigations:
  - {id: M-1, description: Client certificates are required, requirements: [SR-1]}
dispositions:
  - {threat: T-1, status: mitigated, mitigations: [M-1]}
"""
REQUIREMENTS = """\
version: 1
requirements:
  - {id: SR-1, statement: Clients shall authenticate., threats: [T-1], verification: test}
"""
TESTS = """\
import pytest

@pytest.mark.security(requirements=["SR-1"], mitigations=["M-1"])
def test_certificate_required():
    assert CERTIFICATE_CHECKED
"""
# What someone could write by hand: the security test "passed".
HAND_WRITTEN_JUNIT = """\
<testsuite name="pytest" tests="1">
  <testcase classname="test_sec" name="test_certificate_required">
    <properties>
      <property name="security.requirements" value="SR-1" />
      <property name="security.mitigations" value="M-1" />
    </properties>
  </testcase>
</testsuite>
"""
TEST_CRITERIA = {"SVV-1": "requirement_tests", "SVV-2": "mitigation_tests", "SUM-1": "regression_tests"}


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _project(root: Path, *, passing: bool) -> Path:
    write(root / "security" / "threat-model.yaml", MODEL)
    write(root / "security" / "requirements.yaml", REQUIREMENTS)
    write(root / "test_sec.py", f"CERTIFICATE_CHECKED = {passing}\n" + TESTS)
    write(root / "pytest.ini", "[pytest]\naddopts = -p no:cacheprovider\n")
    return root


def _test_report_record(run_cli: RunCli, root: Path, junit: Path) -> Path:
    """A current test_report record linking the JUnit file's digest, signed by an entitled approver who is not
    its author; returns the approver register (outside the project), which the operator names."""
    keys_dir = root.parent / f"{root.name}-approver-keys"
    keys = {name: ssh_key(keys_dir, name) for name in ("alice", "bob")}
    register = write_register(keys_dir / "approvers.yaml", keys)
    done = date.today() - timedelta(days=2)
    record = write(
        root / "security" / "records" / "junit-run.yaml",
        f"version: 1\nid: junit-run\nkind: test_report\ntitle: Release test run on the build farm\n"
        f"requirements: [SUM-1]\ndate: {done}\nauthor: Alice Example <alice@example.com>\n"
        f"links:\n  - {{path: {junit.relative_to(root).as_posix()}, sha256: {sha256_of(junit)}}}\n",
    )
    assert record.is_file()
    approved = run_cli(
        "records", "approve", "junit-run", "--key", keys["bob"], "--path", root, "--approvers", register,
        "--date", (done + timedelta(days=1)).isoformat(),
    )  # fmt: skip
    assert approved.code == 0, approved.stderr
    return register


def _assess(run_cli: RunCli, root: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("check", root, "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    return result.code, json.loads(result.stdout), result.stderr


def _finding(assessment: dict[str, Any], requirement: str) -> dict[str, Any]:
    entry = next(r for r in assessment["requirements"] if r["id"] == requirement)
    return next(f for f in entry["findings"] if f["criterion"] == TEST_CRITERIA[requirement])


def _import(run_cli: RunCli, root: Path, junit: Path) -> None:
    imported = run_cli("test-results", "import", junit, "--path", root, "--provenance", "build farm, job 7")
    assert imported.code == 0, imported.stderr
    assert "imported" in imported.stdout


@pytest.mark.slow
def test_a_hand_written_junit_never_hides_the_observed_failure(pytester: pytest.Pytester, run_cli: RunCli) -> None:
    root = _project(pytester.path, passing=False)
    junit = write(root / "reports" / "junit.xml", HAND_WRITTEN_JUNIT)
    # Even an approved record cannot turn an observed failure into a pass.
    register = _test_report_record(run_cli, root, junit)
    commit_all(root)
    pytester.runpytest_subprocess().assert_outcomes(failed=1)
    _import(run_cli, root, junit)
    code, assessment, _ = _assess(run_cli, root, "--approvers", str(register))
    assert code == 1
    for requirement in TEST_CRITERIA:
        finding = _finding(assessment, requirement)
        assert finding["outcome"] == "fail", (requirement, finding)
        assert "test_sec.py::test_certificate_required" in finding["message"]


@pytest.mark.slow
def test_a_hand_written_junit_alone_does_not_satisfy_the_test_requirements(
    pytester: pytest.Pytester, run_cli: RunCli
) -> None:
    root = _project(pytester.path, passing=False)
    junit = write(root / "reports" / "junit.xml", HAND_WRITTEN_JUNIT)
    commit_all(root)
    _import(run_cli, root, junit)
    code, assessment, _ = _assess(run_cli, root)
    assert code == 1
    for requirement in TEST_CRITERIA:
        finding = _finding(assessment, requirement)
        assert finding["outcome"] == "not_available", (requirement, finding)
        assert "imported from junit.xml" in finding["message"]
        assert "test_report" in finding["message"]
        assert requirement in assessment["decision"]["blocking"]


@pytest.mark.slow
def test_an_approved_test_report_linking_the_digest_lets_the_import_count_shown_as_imported(
    pytester: pytest.Pytester, run_cli: RunCli
) -> None:
    root = _project(pytester.path, passing=True)
    junit = write(root / "reports" / "junit.xml", HAND_WRITTEN_JUNIT)
    register = _test_report_record(run_cli, root, junit)
    commit_all(root)
    _import(run_cli, root, junit)
    _, assessment, _ = _assess(run_cli, root, "--approvers", str(register))
    for requirement in TEST_CRITERIA:
        finding = _finding(assessment, requirement)
        assert finding["outcome"] == "pass", (requirement, finding)
        assert "counted imported results: imported from junit.xml" in finding["message"]
        assert "approved by test_report junit-run" in finding["message"]
    for report_format in ("markdown", "console", "html"):
        shown = run_cli("check", root, "--format", report_format, "--approvers", register)
        assert "imported from junit.xml" in shown.stdout, report_format


def _recorded(root: Path) -> StoredEvidence:
    stored = EvidenceStore(root).latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(stored, StoredEvidence)
    return stored


@pytest.mark.slow
def test_run_tests_records_a_failing_security_test_and_the_gate_fails(
    pytester: pytest.Pytester, run_cli: RunCli
) -> None:
    root = _project(pytester.path, passing=False)
    head = commit_all(root)
    code, assessment, stderr = _assess(run_cli, root, "--run-tests")
    assert code == 1
    assert "1 test result(s) recorded" in stderr
    stored = _recorded(root)
    assert stored.evidence.subject.commit == head
    (result,) = stored.evidence.payload["tests"]
    assert (result["outcome"], result["provenance"]["kind"]) == ("failed", "observed_by_gate")
    assert stored.id in {item["id"] for item in assessment["evidence"]}
    for requirement in TEST_CRITERIA:
        assert _finding(assessment, requirement)["outcome"] == "fail", requirement


@pytest.mark.slow
def test_run_tests_with_passing_tests_gives_fresh_evidence_for_this_commit(
    pytester: pytest.Pytester, run_cli: RunCli
) -> None:
    root = _project(pytester.path, passing=False)
    commit_all(root)
    pytester.runpytest_subprocess().assert_outcomes(failed=1)  # stale evidence from an earlier commit
    write(root / "test_sec.py", "CERTIFICATE_CHECKED = True\n" + TESTS)
    head = commit_all(root, "fix the check")
    _, assessment, _ = _assess(run_cli, root, "--run-tests=python -m pytest -q")
    stored = _recorded(root)
    assert stored.evidence.subject.commit == head
    assert stored.id in {item["id"] for item in assessment["evidence"]}
    for requirement in TEST_CRITERIA:
        assert _finding(assessment, requirement)["outcome"] == "pass", requirement


@pytest.mark.slow
def test_run_tests_that_cannot_start_leaves_results_not_available(pytester: pytest.Pytester, run_cli: RunCli) -> None:
    root = _project(pytester.path, passing=True)
    commit_all(root)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)  # a passing run stored for this very commit
    code, assessment, stderr = _assess(run_cli, root, "--run-tests=no-such-test-runner --all")
    assert code == 1
    assert "could not run" in stderr
    assert any("could not run" in reason for reason in assessment["rejected_evidence"])
    for requirement in TEST_CRITERIA:
        # The stored passing run does not stand in for the run that was asked for and did not happen.
        assert _finding(assessment, requirement)["outcome"] == "not_available", requirement


def test_run_tests_with_an_unsplittable_command_is_a_usage_error(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("check", tmp_path, "--run-tests=pytest 'unclosed")
    assert result.code == 2
    assert "cannot be split into arguments" in result.stderr
    assert not (tmp_path / ".sdl-gate").exists()


@pytest.mark.parametrize(
    "report",
    [
        '<testsuite name="(empty)" tests="0" failures="0"></testsuite>\n',  # CTest when no test is defined
        '<testsuites name="jest tests" tests="0"><testsuite name="map" tests="0"/></testsuites>\n',
    ],
)
def test_a_report_of_no_test_is_refused_on_import(tmp_path: Path, run_cli: RunCli, report: str) -> None:
    junit = write(tmp_path / "junit.xml", report)
    result = run_cli("test-results", "import", junit, "--path", tmp_path, "--provenance", "CTest on build-07")
    assert result.code == 2
    assert "junit.xml" in result.stderr
    assert not (tmp_path / ".sdl-gate").exists()


def test_import_without_a_report_reads_the_configured_globs_and_refuses_a_glob_matching_nothing(
    tmp_path: Path, run_cli: RunCli
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.sdl-gate]\ntest-results = ["reports/*.xml", "build/gtest-*.xml"]\n')
    write(tmp_path / "reports" / "ctest.xml", '<testsuite><testcase classname="a" name="a" status="run"/></testsuite>')
    refused = run_cli("test-results", "import", "--path", tmp_path, "--provenance", "CTest on build-07")
    assert refused.code == 2
    assert "pyproject.toml" in refused.stderr and "build/gtest-*.xml" in refused.stderr
    assert not (tmp_path / ".sdl-gate").exists(), "nothing is stored when one configured report is missing"
    write(
        tmp_path / "build" / "gtest-mbap.xml",
        '<testsuites><testsuite><testcase classname="M" name="b"/></testsuite></testsuites>',
    )
    imported = run_cli("test-results", "import", "--path", tmp_path, "--provenance", "CTest on build-07")
    assert imported.code == 0, imported.stderr
    assert imported.stdout.count("imported (sha256") == 2
