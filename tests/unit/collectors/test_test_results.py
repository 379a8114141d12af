"""JUnit XML import (pytest's and other runners'), the ``security.*`` links, and the stored test-results evidence."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from sdl_gate.collectors.test_results import (
    MAX_JUNIT_BYTES,
    RUN_TESTS_ENV,
    Provenance,
    ProvenanceKind,
    TestOutcome,
    TestResult,
    configured_reports,
    parse_junit,
    record_results,
    results_evidence,
    run_provenance,
    split_ids,
)
from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceKind, EvidenceStore, FileDigest, StoredEvidence
from tests.conftest import write

NOW = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
TOOL = ("pytest", "8.3.0")

# What ``pytest --junitxml`` writes, with the properties the sdl-gate plugin adds to marked tests.
PYTEST_XML = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests">
  <testsuite name="pytest" errors="1" failures="1" skipped="1" tests="6" time="0.5" hostname="ci">
    <testcase classname="tests.test_app" name="test_login" time="0.01">
      <properties>
        <property name="security.requirements" value="SR-1, SR-2" />
        <property name="security.threats" value="T-1 T-2" />
        <property name="security.mitigations" value="M-1" />
        <property name="security.owner" value="ignored: not a link field" />
        <property name="requirements" value="ignored: no security. prefix" />
      </properties>
    </testcase>
    <testcase classname="tests.test_app.TestSession" name="test_expiry[30s]" time="0.01">
      <failure message="assert False">tests/test_app.py:20: AssertionError</failure>
    </testcase>
    <testcase classname="tests.test_app" name="test_slow" time="0.0">
      <skipped type="pytest.skip" message="needs network">tests/test_app.py:30: needs network</skipped>
    </testcase>
    <testcase classname="tests.test_app" name="test_setup_broken" time="0.0">
      <error message="failed on setup">fixture 'db' not found</error>
    </testcase>
    <testcase classname="tests.test_app" name="test_skipped_then_failed" time="0.0">
      <skipped message="xfail" />
      <failure message="boom" />
    </testcase>
    <testcase classname="tests.test_app" name="test_plain" time="0.0">
      <system-out>hello</system-out>
    </testcase>
  </testsuite>
</testsuites>
"""


def _project(tmp_path: Path) -> Path:
    write(tmp_path / "tests" / "test_app.py", "def test_login(): pass\n")
    return tmp_path


def _error(tmp_path: Path, data: bytes) -> InputError:
    path = tmp_path / "report.xml"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        parse_junit(path, tmp_path)
    assert caught.value.path == str(path)
    return caught.value


def test_pytest_junit_xml_gives_node_ids_outcomes_and_links(tmp_path: Path) -> None:
    root = _project(tmp_path)
    results = parse_junit(write(root / "report.xml", PYTEST_XML), root)
    assert [(r.node_id, r.outcome) for r in results] == [
        ("tests/test_app.py::test_login", TestOutcome.PASSED),
        ("tests/test_app.py::TestSession::test_expiry[30s]", TestOutcome.FAILED),
        ("tests/test_app.py::test_slow", TestOutcome.SKIPPED),
        ("tests/test_app.py::test_setup_broken", TestOutcome.ERROR),
        ("tests/test_app.py::test_skipped_then_failed", TestOutcome.FAILED),
        ("tests/test_app.py::test_plain", TestOutcome.PASSED),
    ]
    login = results[0]
    assert (login.requirements, login.threats, login.mitigations) == (("SR-1", "SR-2"), ("T-1", "T-2"), ("M-1",))
    assert all(r.requirements == () for r in results[1:])


def test_a_single_testsuite_root_and_other_runners_reports(tmp_path: Path) -> None:
    xml = """<testsuite name="jest">
      <testcase classname="com.example.LoginTest" name="rejectsBadPassword" file="src/test/LoginTest.java"/>
      <testcase classname="checks" name="lint" file="scripts/lint.py"/>
      <testcase classname="suite.Group" name="case"/>
      <testcase classname="" name="bare"/>
    </testsuite>"""
    results = parse_junit(write(tmp_path / "report.xml", xml), tmp_path)
    assert [r.node_id for r in results] == [
        "com.example.LoginTest::rejectsBadPassword",
        "scripts/lint.py::lint",
        "suite.Group::case",
        "bare",
    ]
    assert all(r.outcome is TestOutcome.PASSED for r in results)


def test_an_impossible_module_name_in_a_report_is_no_file(tmp_path: Path) -> None:
    xml = f'<testsuite><testcase classname="{"a" * 300}.b" name="t"/></testsuite>'
    (result,) = parse_junit(write(tmp_path / "report.xml", xml), tmp_path)
    assert result.node_id == f"{'a' * 300}.b::t"


# --- other runners' dialects (tests/data/junit/, each in the shape its tool writes) ------------------------------

JUNIT_DATA = Path(__file__).parents[2] / "data" / "junit"
PASSED, FAILED, ERROR, SKIPPED = TestOutcome.PASSED, TestOutcome.FAILED, TestOutcome.ERROR, TestOutcome.SKIPPED


def _dialect(tmp_path: Path, name: str) -> list[tuple[str, TestOutcome, tuple[str, ...]]]:
    return [(r.node_id, r.outcome, r.requirements) for r in parse_junit(JUNIT_DATA / name, tmp_path)]


def test_ctest_names_tests_by_name_and_a_disabled_test_is_skipped_not_passed(tmp_path: Path) -> None:
    assert _dialect(tmp_path, "ctest.xml") == [
        ("mbap_rejects_bad_length", PASSED, ()),
        ("fc3_rejects_bad_quantities", FAILED, ()),
        ("fc6_writes_a_setpoint", SKIPPED, ()),
        ("fc16_writes_a_block", SKIPPED, ()),
        ("unsupported_function_codes_are_illegal", PASSED, ()),
    ]


def test_googletest_nesting_properties_disabled_and_skipped_tests(tmp_path: Path) -> None:
    results = parse_junit(JUNIT_DATA / "googletest.xml", tmp_path)
    assert [(r.node_id, r.outcome, r.requirements) for r in results] == [
        ("Mbap::RejectsNonzeroProtocolId", PASSED, ("SR-FW-001",)),
        ("Mbap::RejectsBadLength", FAILED, ("SR-FW-001",)),
        ("Mbap::WaitsForCompleteFrame", SKIPPED, ()),
        ("Registers/Fc3::DISABLED_ReadsOutsideTheMap", SKIPPED, ("SR-FW-002",)),
        ("Registers/Fc3::ReadsTheMap/0", PASSED, ()),
    ]
    assert results[0].mitigations == ("M-01",)
    # GoogleTest writes __FILE__, an absolute build path: it never becomes part of a test id.
    assert not any("/home/" in r.node_id for r in results)


def test_googletest_before_1_10_records_properties_as_attributes(tmp_path: Path) -> None:
    assert _dialect(tmp_path, "googletest-1.8.xml") == [
        ("Fc6::RefusesReadOnlyRegisters", PASSED, ("SR-FW-003",)),
        ("Fc6::RefusesValuesOutOfRange", SKIPPED, ("SR-FW-003",)),
    ]


def test_jest_junit_default_templates_give_the_test_title(tmp_path: Path) -> None:
    assert _dialect(tmp_path, "jest-junit.xml") == [
        ("register map view escapes register names", PASSED, ()),
        ("register map view refuses setpoints out of range", FAILED, ()),
        ("register map view shows units", SKIPPED, ()),
        ("register map view exports CSV", SKIPPED, ()),
    ]


def test_go_junit_report_keeps_the_package_path_and_a_build_failure_fails(tmp_path: Path) -> None:
    assert _dialect(tmp_path, "go-junit-report.xml") == [
        ("example.com/plc/modbus::TestMbapRejectsBadLength", PASSED, ()),
        ("example.com/plc/modbus::TestMbapRejectsBadLength/zero_length", FAILED, ()),
        ("example.com/plc/modbus::TestSocketHarness", SKIPPED, ()),
        ("example.com/plc/webapi::[build failed]", FAILED, ()),
    ]


def test_surefire_flaky_passes_reruns_fail_and_suite_properties_are_no_links(tmp_path: Path) -> None:
    assert _dialect(tmp_path, "surefire.xml") == [
        ("com.example.plc.MbapTest::rejectsNonzeroProtocolId", PASSED, ()),
        ("com.example.plc.MbapTest::waitsForCompleteFrame", PASSED, ()),
        ("com.example.plc.MbapTest::rejectsBadLength", FAILED, ()),
        ("com.example.plc.MbapTest::readsTheMap", ERROR, ()),
        ("com.example.plc.MbapTest::exportsCsv", SKIPPED, ()),
    ]


@pytest.mark.parametrize(
    ("declared", "outcomes"),
    [
        ("1", {"fast": PASSED, "todo": SKIPPED}),  # jest-junit: the todo is listed but not counted
        ("2", {"fast": PASSED, "todo": PASSED}),  # every case counted: a 0 s case is a real pass
        ("", {"fast": PASSED, "todo": PASSED}),
    ],
)
def test_a_case_the_suite_does_not_count_is_not_a_pass(
    tmp_path: Path, declared: str, outcomes: dict[str, TestOutcome]
) -> None:
    xml = (
        f'<testsuites><testsuite name="view" tests="{declared}">'
        '<testcase classname="fast" name="fast" time="0.002"></testcase>'
        '<testcase classname="todo" name="todo" time="0"></testcase>'
        "</testsuite></testsuites>"
    )
    results = parse_junit(write(tmp_path / "report.xml", xml), tmp_path)
    assert {r.node_id: r.outcome for r in results} == outcomes


@pytest.mark.parametrize(
    ("attributes", "outcome"),
    [
        ('status="run"', PASSED),
        ('status="disabled"', SKIPPED),
        ('status="notrun"', SKIPPED),
        ('status="run" result="suppressed"', SKIPPED),
        ('status="run" result="skipped"', SKIPPED),
        ('status="fail"', FAILED),
        ('status="NOTRUN"', SKIPPED),
    ],
)
def test_status_attributes_alone_decide_a_childless_case(tmp_path: Path, attributes: str, outcome: TestOutcome) -> None:
    xml = f'<testsuite><testcase classname="c" name="t" {attributes}/></testsuite>'
    (result,) = parse_junit(write(tmp_path / "report.xml", xml), tmp_path)
    assert result.outcome is outcome


def test_a_link_given_as_property_and_attribute_is_read_once(tmp_path: Path) -> None:
    xml = (
        '<testsuite><testcase classname="c" name="t" security.requirements="SR-3" security.threats="T-1">'
        '<properties><property name="security.requirements" value="SR-1"/>'
        '<property name="security.requirements" value="SR-1, SR-3"/></properties></testcase></testsuite>'
    )
    (result,) = parse_junit(write(tmp_path / "report.xml", xml), tmp_path)
    assert (result.requirements, result.threats) == (("SR-1", "SR-3"), ("T-1",))


@pytest.mark.parametrize("file_attr", ["/abs/tests/x.cc", "../outside/x.cc", "C:\\src\\x.cc"])
def test_a_file_attribute_outside_the_project_is_not_part_of_the_id(tmp_path: Path, file_attr: str) -> None:
    xml = f'<testsuite><testcase classname="Suite" name="t" file="{file_attr}"/></testsuite>'
    (result,) = parse_junit(write(tmp_path / "report.xml", xml), tmp_path)
    assert result.node_id == "Suite::t"


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">]><testsuite><testcase name="&a;"/></testsuite>',
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<testsuite><testcase name="&e;"/></testsuite>',
    ],
)
def test_entities_are_refused(tmp_path: Path, data: bytes) -> None:
    _error(tmp_path, data)


def test_malformed_xml_names_its_line(tmp_path: Path) -> None:
    assert _error(tmp_path, b"<testsuites>\n  <testsuite>\n  </testsuites>\n").line == 3


def test_an_unknown_encoding_is_refused_at_line_one(tmp_path: Path) -> None:
    assert _error(tmp_path, b'<?xml version="1.0" encoding="x-no-such"?><testsuite/>').line == 1


@pytest.mark.parametrize("root", [b"<html><body/></html>", b"<coverage/>"])
def test_a_document_that_is_not_a_junit_report_is_refused(tmp_path: Path, root: bytes) -> None:
    assert _error(tmp_path, root).line == 1


def test_a_test_case_without_a_name_is_refused(tmp_path: Path) -> None:
    _error(tmp_path, b'<testsuite><testcase classname="x"/></testsuite>')


def test_a_report_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    with path.open("wb") as handle:
        handle.truncate(MAX_JUNIT_BYTES + 1)
    with pytest.raises(InputError) as caught:
        parse_junit(path, tmp_path)
    assert caught.value.path == str(path)
    assert str(MAX_JUNIT_BYTES) in caught.value.message


@pytest.mark.parametrize(
    ("value", "ids"),
    [("SR-1, SR-2", ("SR-1", "SR-2")), ("SR-1 SR-2", ("SR-1", "SR-2")), (" , ", ()), ("SR-1,,SR-2", ("SR-1", "SR-2"))],
)
def test_split_ids(value: str, ids: tuple[str, ...]) -> None:
    assert split_ids(value) == ids


# --- evidence -------------------------------------------------------------------------------------------------

COMMIT = "c" * 40


def _result(
    node_id: str, outcome: TestOutcome = TestOutcome.PASSED, *, requirements: tuple[str, ...] = ()
) -> TestResult:
    return TestResult(node_id=node_id, outcome=outcome, requirements=requirements)


def test_results_evidence_is_sorted_and_its_id_does_not_depend_on_order() -> None:
    results = [_result("tests/b.py::t"), _result("tests/a.py::t", TestOutcome.FAILED, requirements=("SR-1",))]
    files = [FileDigest(path="tests/b.py", sha256="b" * 64), FileDigest(path="tests/a.py", sha256="a" * 64)]
    first = results_evidence(results, commit=COMMIT, tool=TOOL, files=files)
    second = results_evidence(list(reversed(results)), commit=COMMIT, tool=TOOL, files=list(reversed(files)))
    assert first.id == second.id
    assert first.kind is EvidenceKind.TEST_RESULTS
    assert [t["node_id"] for t in first.payload["tests"]] == ["tests/a.py::t", "tests/b.py::t"]
    assert first.payload["tests"][0] == {
        "node_id": "tests/a.py::t",
        "outcome": "failed",
        "requirements": ["SR-1"],
        "threats": [],
        "mitigations": [],
        "provenance": {"kind": "observed_by_plugin"},
    }
    assert [f.path for f in first.subject.files] == ["tests/a.py", "tests/b.py"]


def test_later_runs_on_the_same_commit_merge_and_replace_earlier_results(tmp_path: Path) -> None:
    record_results(tmp_path, [_result("t::a", TestOutcome.FAILED), _result("t::b")], commit=COMMIT, now=NOW, tool=TOOL)
    record_results(tmp_path, [_result("t::a"), _result("t::c")], commit=COMMIT, now=NOW, tool=TOOL)
    latest = EvidenceStore(tmp_path).latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(latest, StoredEvidence)
    assert [(t["node_id"], t["outcome"]) for t in latest.evidence.payload["tests"]] == [
        ("t::a", "passed"),
        ("t::b", "passed"),
        ("t::c", "passed"),
    ]


def test_earlier_results_not_in_their_form_are_replaced_not_a_crash(tmp_path: Path) -> None:
    # The store lives in the checkout: an earlier item may be anything that hashes to its id.
    from sdl_gate.evidence import Evidence, Subject, ToolInfo

    for malformed in ({"tests": [{"node_id": "t::old"}]}, {"results": []}):
        earlier = Evidence(
            kind=EvidenceKind.TEST_RESULTS,
            tool=ToolInfo(name="pytest", version="8"),
            subject=Subject(commit=COMMIT),
            payload=malformed,
        )
        EvidenceStore(tmp_path).put(earlier, NOW)
        stored = record_results(tmp_path, [_result("t::new")], commit=COMMIT, now=NOW, tool=TOOL)
        assert [t["node_id"] for t in stored.evidence.payload["tests"]] == ["t::new"]


def test_a_run_on_another_commit_starts_afresh(tmp_path: Path) -> None:
    record_results(tmp_path, [_result("t::old")], commit="d" * 40, now=NOW, tool=TOOL)
    stored = record_results(tmp_path, [_result("t::new")], commit=COMMIT, now=NOW, tool=TOOL)
    assert [t["node_id"] for t in stored.evidence.payload["tests"]] == ["t::new"]
    assert stored.evidence.subject.commit == COMMIT


# --- provenance --------------------------------------------------------------------------------------------------

IMPORTED = Provenance(kind=ProvenanceKind.IMPORTED, statement="Jenkins nightly #7", file="junit.xml", sha256="e" * 64)


def test_an_imported_result_never_replaces_an_observed_one(tmp_path: Path) -> None:
    record_results(tmp_path, [_result("t::a", TestOutcome.FAILED)], commit=COMMIT, now=NOW, tool=TOOL)
    claim = TestResult(node_id="t::a", outcome=TestOutcome.PASSED, provenance=IMPORTED)
    other = TestResult(node_id="t::b", outcome=TestOutcome.PASSED, provenance=IMPORTED)
    stored = record_results(tmp_path, [claim, other], commit=COMMIT, now=NOW, tool=TOOL)
    tests = {t["node_id"]: t for t in stored.evidence.payload["tests"]}
    assert (tests["t::a"]["outcome"], tests["t::a"]["provenance"]["kind"]) == ("failed", "observed_by_plugin")
    assert tests["t::b"]["provenance"] == {
        "kind": "imported",
        "statement": "Jenkins nightly #7",
        "file": "junit.xml",
        "sha256": "e" * 64,
    }


def test_an_observed_result_replaces_an_imported_one(tmp_path: Path) -> None:
    claim = TestResult(node_id="t::a", outcome=TestOutcome.PASSED, provenance=IMPORTED)
    record_results(tmp_path, [claim], commit=COMMIT, now=NOW, tool=TOOL)
    stored = record_results(tmp_path, [_result("t::a", TestOutcome.FAILED)], commit=COMMIT, now=NOW, tool=TOOL)
    (only,) = stored.evidence.payload["tests"]
    assert (only["outcome"], only["provenance"]["kind"]) == ("failed", "observed_by_plugin")


def test_parsed_junit_results_carry_the_given_provenance(tmp_path: Path) -> None:
    report = write(tmp_path / "report.xml", PYTEST_XML)
    results = parse_junit(report, tmp_path, IMPORTED)
    assert results and {r.provenance for r in results} == {IMPORTED}


@pytest.mark.parametrize(
    "fields",
    [
        {"statement": "  ", "file": "junit.xml", "sha256": "e" * 64},
        {"statement": "CI", "file": "junit.xml"},
        {"statement": "CI", "sha256": "e" * 64},
    ],
)
def test_imported_provenance_needs_a_statement_the_file_and_its_digest(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Provenance(kind=ProvenanceKind.IMPORTED, **fields)


GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_RUN_ID": "1234",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/widget",
    "GITHUB_SHA": "f" * 40,
    "RUNNER_NAME": "GitHub Actions 7",
    "RUNNER_OS": "Linux",
}


def test_a_github_actions_run_is_named_from_its_environment() -> None:
    provenance = run_provenance(GITHUB)
    assert provenance.kind is ProvenanceKind.CI_RUN
    assert provenance.run_id == "1234"
    assert provenance.run_url == "https://github.com/acme/widget/actions/runs/1234"
    assert provenance.runner == "GitHub Actions 7 Linux"
    assert provenance.commit == "f" * 40


def test_an_incomplete_github_environment_is_no_ci_run() -> None:
    assert run_provenance({**GITHUB, "GITHUB_RUN_ID": ""}).kind is ProvenanceKind.OBSERVED_BY_PLUGIN
    assert run_provenance({RUN_TESTS_ENV: "1"}).kind is ProvenanceKind.OBSERVED_BY_GATE
    in_ci = run_provenance({**GITHUB, RUN_TESTS_ENV: "1"})
    assert (in_ci.kind, in_ci.run_id) == (ProvenanceKind.OBSERVED_BY_GATE, "1234")
    assert run_provenance({}).kind is ProvenanceKind.OBSERVED_BY_PLUGIN


# --- configured report globs ([tool.sdl-gate] test-results) --------------------------------------------------------


def test_configured_globs_give_the_matching_reports_sorted(tmp_path: Path) -> None:
    first = write(tmp_path / "reports" / "b.xml", "<testsuite/>")
    second = write(tmp_path / "reports" / "a.xml", "<testsuite/>")
    write(tmp_path / "reports" / "notes.txt", "")
    (tmp_path / "reports" / "dir.xml").mkdir()
    assert configured_reports(tmp_path, ["reports/*.xml"], None) == [second, first]


@pytest.mark.parametrize("pattern", ["/etc/*.xml", "../*.xml", "reports/../../*.xml", "missing/*.xml"])
def test_a_glob_outside_the_project_or_matching_nothing_is_refused(tmp_path: Path, pattern: str) -> None:
    project = tmp_path / "project"
    write(project / "reports" / "a.xml", "<testsuite/>")
    write(tmp_path / "outside.xml", "<testsuite/>")
    pyproject = write(project / "pyproject.toml", "")
    with pytest.raises(InputError) as caught:
        configured_reports(project, [pattern], pyproject)
    assert caught.value.path == str(pyproject)
    assert caught.value.location == "tool.sdl-gate.test-results"


def test_a_link_out_of_the_project_is_not_a_report(tmp_path: Path) -> None:
    project = tmp_path / "project"
    outside = write(tmp_path / "outside.xml", "<testsuite/>")
    (project / "reports").mkdir(parents=True)
    (project / "reports" / "a.xml").symlink_to(outside)
    with pytest.raises(InputError):
        configured_reports(project, ["reports/*.xml"], None)


def test_no_report_and_no_glob_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        configured_reports(tmp_path, [], None)
