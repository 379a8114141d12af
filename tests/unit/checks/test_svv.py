"""The verification-and-validation table (checks/svv.py): every criterion of SVV-1 to SVV-5 on hand-built evidence."""

from __future__ import annotations

import pytest

from sdl_gate.checks import CHECKS, Outcome, svv
from sdl_gate.collectors.test_results import TestOutcome
from tests.unit.checks._build import (
    audit,
    check_input,
    language,
    passing_tests,
    record_entry,
    recorded_test,
    recorded_tests,
    records,
    sast,
    security_requirements,
    threat_model,
)
from tests.unit.checks._scenarios import Case, assert_case, cases


@pytest.mark.parametrize("case", cases(svv.CHECKS))
def test_criterion_answers_on_hand_built_evidence(case: Case) -> None:
    assert_case(case)


def test_svv1_and_svv2_pass_on_traced_passing_tests() -> None:
    evidence = (passing_tests(), security_requirements(), threat_model())
    assert CHECKS["SVV-1"].run(check_input("SVV-1", *evidence))[0].outcome is Outcome.PASS
    assert CHECKS["SVV-2"].run(check_input("SVV-2", *evidence))[0].outcome is Outcome.PASS


def test_svv3_needs_a_clean_audit_every_language_analysed_and_a_test_report() -> None:
    report = records(record_entry("fuzzing", "test_report", ["SVV-3"]))
    findings = CHECKS["SVV-3"].run(check_input("SVV-3", audit(), sast(), report))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.PASS, Outcome.PASS]


def test_svv3_names_a_language_no_analyser_covers() -> None:
    report = records(record_entry("fuzzing", "test_report", ["SVV-3"]))
    census = (language("C", 3), language("Python", 4, "bandit"))
    findings = CHECKS["SVV-3"].run(check_input("SVV-3", audit(), sast(languages=census), report))
    (languages,) = [f for f in findings if f.criterion == "languages_analysed"]
    assert languages.outcome is Outcome.NOT_AVAILABLE
    assert "C (3 file(s)" in languages.message
    assert "SVV-3 params sast_unanalysed_languages_allowed" in languages.message


@pytest.mark.parametrize("requirement_id", ["SVV-1", "SVV-2", "SUM-1"])
def test_a_run_in_which_every_traced_test_skipped_satisfies_nothing(requirement_id: str) -> None:
    # "0 passed, none failed" is no verification: skipped security tests are gaps in traceability.
    skipped = recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls", TestOutcome.SKIPPED, mitigations=("M1",)),
        recorded_test("tests/test_sign.py::test_signed_reading", TestOutcome.SKIPPED, requirements=("SR-A",)),
    )
    report = records(record_entry("qualification", "test_report", [requirement_id]))
    given = check_input(requirement_id, skipped, security_requirements(), threat_model(), report)
    findings = CHECKS[requirement_id].run(given)
    assert all(f.outcome is not Outcome.PASS for f in findings if f.criterion != "record"), findings
    assert any(f.outcome is Outcome.FAIL for f in findings)
