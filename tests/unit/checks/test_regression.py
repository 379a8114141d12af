"""SUM-1's recorded test run (checks/_regression.py)."""

from __future__ import annotations

import pytest

from sdl_gate.checks import Outcome
from sdl_gate.checks._regression import SHOWN, regression_tests_pass
from sdl_gate.collectors.test_results import TestOutcome, TestResult
from sdl_gate.evidence import EvidenceKind
from tests.unit.checks._build import check_input, evidence, recorded_test, recorded_tests, rejection, run


def test_a_run_with_passing_tests_and_none_failed_passes() -> None:
    run_ = recorded_tests(recorded_test("t.py::a"), recorded_test("t.py::b", TestOutcome.SKIPPED))
    finding = run(regression_tests_pass, check_input("SUM-1", run_))
    assert finding.outcome is Outcome.PASS
    assert "1 of 2" in finding.message


@pytest.mark.parametrize("outcome", [TestOutcome.FAILED, TestOutcome.ERROR])
def test_a_failed_or_erroring_test_fails_and_is_named(outcome: TestOutcome) -> None:
    run_ = recorded_tests(recorded_test("t.py::a"), recorded_test("t.py::broken", outcome))
    finding = run(regression_tests_pass, check_input("SUM-1", run_))
    assert finding.outcome is Outcome.FAIL
    assert "t.py::broken" in finding.message


def test_many_failures_are_counted_beyond_the_shown_ones() -> None:
    broken = [recorded_test(f"t.py::broken_{i:02d}", TestOutcome.FAILED) for i in range(SHOWN + 2)]
    finding = run(regression_tests_pass, check_input("SUM-1", recorded_tests(*broken)))
    assert "(and 2 more)" in finding.message


def test_an_empty_run_fails() -> None:
    finding = run(regression_tests_pass, check_input("SUM-1", recorded_tests()))
    assert finding.outcome is Outcome.FAIL
    assert "no test" in finding.message


def test_missing_or_rejected_results_are_not_available() -> None:
    assert run(regression_tests_pass, check_input("SUM-1")).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(EvidenceKind.TEST_RESULTS)
    finding = run(regression_tests_pass, check_input("SUM-1", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


def test_a_malformed_result_is_not_available_naming_the_evidence_and_place() -> None:
    broken = evidence(EvidenceKind.TEST_RESULTS, {"tests": [{"node_id": "t.py::a", "outcome": "flaky"}]})
    finding = run(regression_tests_pass, check_input("SUM-1", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (broken.id,)
    assert "payload.tests.0.outcome" in finding.message


def test_a_run_in_which_every_test_skipped_is_not_a_pass() -> None:
    skipped = recorded_tests(
        recorded_test("t.py::a", TestOutcome.SKIPPED), recorded_test("t.py::b", TestOutcome.SKIPPED)
    )
    finding = run(regression_tests_pass, check_input("SUM-1", skipped))
    assert finding.outcome is Outcome.FAIL
    assert "every test skipped" in finding.message


@pytest.mark.parametrize("link", ["requirements", "threats", "mitigations"])
def test_a_skipped_security_test_fails_as_a_gap_in_traceability(link: str) -> None:
    traced = TestResult.model_validate({"node_id": "t.py::test_tls", "outcome": "skipped", link: ["X-1"]})
    run_ = recorded_tests(recorded_test("t.py::a"), traced)
    finding = run(regression_tests_pass, check_input("SUM-1", run_))
    assert finding.outcome is Outcome.FAIL
    assert "t.py::test_tls" in finding.message
    assert "t.py::a" not in finding.message
