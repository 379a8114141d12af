"""Test traceability: the pytest plugin in a sub-session, JUnit XML import, and SVV-1/SVV-2 on the results."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from sdl_gate.approvals.register import RegisterChoice
from sdl_gate.collectors.test_results import parse_junit
from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
from sdl_gate.run import assess_project
from tests.conftest import RunCli, commit_all, ssh_key, write, write_register

pytest_plugins = ("pytester",)

MODEL = """\
version: 1
product: {name: widget}
components:
  - {id: C-1, name: service}
threats:
  - {id: T-1, title: Spoofed client, stride: spoofing, affects: [C-1], severity: low, status: mitigated}
mitigations:
  - {id: M-1, description: Client certificates, requirements: [SR-1]}
  - {id: M-2, description: Rate limit, requirements: [SR-2], tests: ["test_sec.py::test_rate_limit"]}
dispositions:
  - {threat: T-1, status: mitigated, mitigations: [M-1, M-2]}
"""
REQUIREMENTS = """\
version: 1
requirements:
  - {id: SR-1, statement: Clients shall authenticate., threats: [T-1], verification: test}
  - {id: SR-2, statement: Requests shall be rate limited., threats: [T-1], verification: test}
  - {id: SR-3, statement: The manual shall name the ports., source: customer, verification: inspection}
"""
TESTS = """\
import pytest

@pytest.mark.security(requirements=["SR-1"], mitigations=["M-1"])
def test_certificate_required():
    assert True

@pytest.mark.parametrize("n", [1, 2])
def test_rate_limit(n):
    assert RATE_OK

def test_unrelated():
    assert True
"""


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _setup(pytester: pytest.Pytester, rate_ok: bool) -> Path:
    root = pytester.path
    write(root / "security" / "threat-model.yaml", MODEL)
    write(root / "security" / "requirements.yaml", REQUIREMENTS)
    pytester.makepyfile(test_sec=f"RATE_OK = {rate_ok}\n" + TESTS)
    commit_all(root)  # test results count only when bound to the assessed commit
    return root


def _inspection_record(root: Path, verifies: str, keys_dir: Path) -> RegisterChoice:
    """An inspection record of ``verifies`` by Alice, signed by Bob; return the register that entitles Bob."""
    keys = {name: ssh_key(keys_dir, name) for name in ("alice", "bob")}
    register = write_register(keys_dir / "approvers.yaml", keys)
    done = date.today() - timedelta(days=10)
    record = write(
        root / "security" / "records" / "manual-inspection.yaml",
        f"version: 1\nid: manual-inspection\nkind: inspection\ntitle: The manual names the ports\n"
        f"requirements: [SVV-1]\nverifies: [{verifies}]\ndate: {done}\nauthor: Alice Example <alice@example.com>\n",
    )
    assert record.is_file()
    # Signed through the CLI, as an approver would: no sdl-gate module is imported into this pytester session.
    approved = subprocess.run(
        [sys.executable, "-m", "sdl_gate", "records", "approve", "manual-inspection", "--key", str(keys["bob"]),
         "--path", str(root), "--approvers", str(register), "--date", (done + timedelta(days=1)).isoformat()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    return RegisterChoice(file=register)


def _verdicts(root: Path, register: RegisterChoice | None = None) -> dict[str, tuple[str, str]]:
    assessment = assess_project(root, today=date.today(), store=True, register=register).assessment
    return {r.id: (r.verdict.value, r.rationale) for r in assessment.requirements}


@pytest.mark.slow
def test_plugin_records_results_and_svv_passes(pytester: pytest.Pytester, tmp_path: Path) -> None:
    root = _setup(pytester, rate_ok=True)
    register = _inspection_record(root, "SR-3", tmp_path / "keys")
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["sdl-gate: 4 test result(s) recorded as sha256:*"])
    stored = EvidenceStore(root).latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(stored, StoredEvidence)
    tests = {t["node_id"]: t for t in stored.evidence.payload["tests"]}
    assert tests["test_sec.py::test_certificate_required"]["mitigations"] == ["M-1"]
    assert tests["test_sec.py::test_rate_limit[1]"]["outcome"] == "passed"
    verdicts = _verdicts(root, register)
    assert verdicts["SVV-1"][0] == "satisfied", verdicts["SVV-1"]
    assert "verified otherwise: SR-3 (inspection)" in verdicts["SVV-1"][1]
    assert verdicts["SVV-2"][0] == "satisfied", verdicts["SVV-2"]


@pytest.mark.slow
def test_a_requirement_verified_by_inspection_without_an_inspection_record_fails_svv1(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    root = _setup(pytester, rate_ok=True)
    # An inspection of another requirement does not verify SR-3, however well it is signed.
    register = _inspection_record(root, "SR-1", tmp_path / "keys")
    pytester.runpytest_subprocess("-q").assert_outcomes(passed=4)
    verdict, rationale = _verdicts(root, register)["SVV-1"]
    assert verdict == "partially_satisfied"
    assert "requirement_inspections: fail: no approved inspection record verifies SR-3" in rationale


CRASHING = """\
import os

import pytest

@pytest.mark.security(requirements=["SR-2"], mitigations=["M-2"])
def test_worker_dies():
    os._exit(1)
"""


BAD_MARKER = "import pytest\n\n@pytest.mark.security(requirement='SR-1')\ndef test_one():\n    assert True\n"


@pytest.mark.slow
def test_under_xdist_the_controller_records_every_worker_result_once(pytester: pytest.Pytester) -> None:
    """Two workers run the tests; one set of evidence holds all of them with their links, none is lost.

    A crashed worker's test and a test whose marker is invalid are recorded as not passed, and the invalid
    marker is named (raised from a worker's collection, xdist would lose the message in an internal error).
    """
    root = _setup(pytester, rate_ok=True)
    pytester.makepyfile(test_crash=CRASHING, test_bad=BAD_MARKER)
    result = pytester.runpytest_subprocess("-q", "-n", "2", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=4, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*test_bad.py::test_one: @pytest.mark.security has unknown argument(s) requirement*",
            "sdl-gate: 6 test result(s) recorded as sha256:*",
        ],
        consecutive=False,
    )
    objects = list((root / ".sdl-gate" / "evidence" / "objects").glob("*.json"))
    assert len(objects) == 1, "each worker wrote evidence of its own"
    stored = EvidenceStore(root).latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(stored, StoredEvidence)
    tests = {t["node_id"]: t for t in stored.evidence.payload["tests"]}
    assert sorted(tests) == [
        "test_bad.py::test_one",
        "test_crash.py::test_worker_dies",
        "test_sec.py::test_certificate_required",
        "test_sec.py::test_rate_limit[1]",
        "test_sec.py::test_rate_limit[2]",
        "test_sec.py::test_unrelated",
    ]
    assert tests["test_sec.py::test_certificate_required"]["requirements"] == ["SR-1"]
    assert tests["test_sec.py::test_certificate_required"]["mitigations"] == ["M-1"]
    # The crashed worker's test does not pass, and stays traced to what it verifies.
    assert tests["test_crash.py::test_worker_dies"]["outcome"] in ("failed", "error")
    assert tests["test_crash.py::test_worker_dies"]["mitigations"] == ["M-2"]
    assert tests["test_bad.py::test_one"]["outcome"] == "error"
    assert {f.path for f in stored.evidence.subject.files} == {"test_bad.py", "test_crash.py", "test_sec.py"}


def test_a_failing_test_is_named_in_svv_rationale(pytester: pytest.Pytester) -> None:
    root = _setup(pytester, rate_ok=False)
    pytester.runpytest_subprocess("-q").assert_outcomes(passed=2, failed=2)
    verdicts = _verdicts(root)
    assert verdicts["SVV-2"][0] == "not_satisfied"
    assert "M-2: test_sec.py::test_rate_limit[1] failed, test_sec.py::test_rate_limit[2] failed" in verdicts["SVV-2"][1]
    # SR-2 is verified through M-2's tests, which fail.
    assert "SR-2: test_sec.py::test_rate_limit[1] failed" in verdicts["SVV-1"][1]


@pytest.mark.slow
def test_a_session_without_the_marker_writes_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    pytester.runpytest_subprocess("-q").assert_outcomes(passed=1)
    assert not (pytester.path / ".sdl-gate").exists()


@pytest.mark.slow
def test_a_bad_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="import pytest\n\n@pytest.mark.security(requirement='SR-1')\ndef test_one():\n    assert True\n"
    )
    result = pytester.runpytest_subprocess("-q")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_bad.py::test_one: @pytest.mark.security has unknown argument(s) requirement*"])


def test_junit_xml_from_pytest_is_imported(pytester: pytest.Pytester, run_cli: RunCli) -> None:
    root = _setup(pytester, rate_ok=True)
    pytester.runpytest_subprocess("-q", "--no-sdl-gate", "--junitxml=report.xml").assert_outcomes(passed=4)
    assert not (root / ".sdl-gate").exists()
    results = {r.node_id: r for r in parse_junit(root / "report.xml", root)}
    assert results["test_sec.py::test_certificate_required"].requirements == ("SR-1",)
    assert results["test_sec.py::test_rate_limit[2]"].outcome.value == "passed"
    imported = run_cli("test-results", "import", root / "report.xml", "--path", root, "--provenance", "local pytest")
    assert imported.code == 0, imported.stderr
    assert "4 test result(s), 1 traced to security ids" in imported.stdout
    # Imported without an approved test_report record linking the file: shown, not counted.
    verdict, rationale = _verdicts(root)["SVV-2"]
    assert verdict == "not_assessed"
    assert "imported from report.xml" in rationale


@pytest.mark.slow
def test_junit_xml_with_entities_or_garbage_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    bomb = write(
        tmp_path / "bomb.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
        '<testsuite><testcase classname="t" name="&b;"/></testsuite>\n',
    )
    with pytest.raises(InputError, match="refused JUnit XML"):
        parse_junit(bomb, tmp_path)
    broken = write(tmp_path / "broken.xml", "<testsuite><testcase name='x'>\n")
    result = run_cli("test-results", "import", broken, "--path", tmp_path, "--provenance", "local pytest")
    assert result.code == 2
    assert "broken.xml:2: malformed JUnit XML" in result.stderr
