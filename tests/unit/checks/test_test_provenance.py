"""Provenance rules for test results in SVV-1, SVV-2 and SUM-1 (checks/_test_provenance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from sdl_gate.checks import Outcome
from sdl_gate.checks._base import CheckInput, Criterion
from sdl_gate.checks._regression import regression_tests_pass
from sdl_gate.checks._threats import mitigations_tested, requirements_tested
from sdl_gate.collectors.test_results import Provenance, ProvenanceKind, TestOutcome
from sdl_gate.evidence import Evidence
from sdl_gate.policy.models import ImportedResults
from tests.unit.checks._build import (
    OTHER_DIGEST,
    approved_junit_record,
    check_input,
    imported,
    imported_passing_tests,
    passing_tests,
    policy_entry,
    recorded_test,
    recorded_tests,
    records,
    run,
    security_requirements,
    threat_model,
)

CRITERIA: dict[str, Criterion] = {
    "SVV-1": requirements_tested,
    "SVV-2": mitigations_tested,
    "SUM-1": regression_tests_pass,
}


def _given(
    requirement: str, *extra: Evidence, setting: ImportedResults | None = None, tests: Evidence | None = None
) -> CheckInput:
    """Check input with test results (imported passing ones by default), the default model and requirements."""
    return check_input(
        requirement,
        tests or imported_passing_tests(),
        threat_model(),
        security_requirements(),
        *extra,
        policy=policy_entry(imported_test_results=setting),
    )


@pytest.mark.parametrize("requirement", sorted(CRITERIA))
def test_observed_results_count_and_name_no_import(requirement: str) -> None:
    finding = run(CRITERIA[requirement], _given(requirement, tests=passing_tests()))
    assert finding.outcome is Outcome.PASS
    assert "imported" not in finding.message


@pytest.mark.parametrize("requirement", sorted(CRITERIA))
def test_imported_results_without_a_record_are_not_available_and_named(requirement: str) -> None:
    finding = run(CRITERIA[requirement], _given(requirement))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "imported from junit.xml" in finding.message
    assert "no records evidence" in finding.message


@pytest.mark.parametrize("requirement", sorted(CRITERIA))
def test_an_approved_current_test_report_linking_the_digest_lets_imports_count(requirement: str) -> None:
    report = records(approved_junit_record())
    finding = run(CRITERIA[requirement], _given(requirement, report))
    assert finding.outcome is Outcome.PASS
    assert "counted imported results: imported from junit.xml" in finding.message
    assert "approved by test_report TR-1" in finding.message
    assert report.id in finding.evidence


@pytest.mark.parametrize(
    ("record", "why"),
    [
        (approved_junit_record(sha256=OTHER_DIGEST), "no test_report record links sha256"),
        (approved_junit_record(approved=None), "it is not approved"),
        (approved_junit_record(valid_until="2026-01-01"), "expired"),
    ],
)
@pytest.mark.parametrize("requirement", sorted(CRITERIA))
def test_a_record_that_does_not_count_leaves_imports_uncounted(
    requirement: str, record: dict[str, Any], why: str
) -> None:
    given = _given(requirement, records(record))
    finding = run(CRITERIA[requirement], given)
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert why in finding.message


def test_a_record_of_another_kind_linking_the_digest_does_not_count() -> None:
    review = approved_junit_record()
    review["kind"] = "review"
    finding = run(CRITERIA["SVV-1"], _given("SVV-1", records(review)))
    assert finding.outcome is Outcome.NOT_AVAILABLE


@pytest.mark.parametrize("requirement", sorted(CRITERIA))
def test_never_refuses_imports_even_with_an_approved_record(requirement: str) -> None:
    given = _given(requirement, records(approved_junit_record()), setting=ImportedResults.NEVER)
    finding = run(CRITERIA[requirement], given)
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "the policy never counts imported results" in finding.message


@pytest.mark.parametrize("requirement", sorted(CRITERIA))
def test_always_counts_imports_and_still_shows_them(requirement: str) -> None:
    finding = run(CRITERIA[requirement], _given(requirement, setting=ImportedResults.ALWAYS))
    assert finding.outcome is Outcome.PASS
    assert "counted imported results: imported from junit.xml" in finding.message


@pytest.mark.parametrize("requirement", sorted(CRITERIA))
def test_an_observed_failure_stays_a_failure_beside_refused_imports(requirement: str) -> None:
    tests = recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls", TestOutcome.FAILED, mitigations=("M1",)),
        recorded_test("tests/test_sign.py::test_signed_reading", provenance=imported()),
    )
    finding = run(CRITERIA[requirement], _given(requirement, tests=tests))
    assert finding.outcome is Outcome.FAIL
    assert "tests/test_tls.py::test_mutual_tls" in finding.message


def test_observed_results_suffice_when_refused_imports_are_not_needed() -> None:
    tests = recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls", mitigations=("M1",)),
        recorded_test("tests/test_sign.py::test_signed_reading"),
        recorded_test("tests/test_extra.py::test_other", provenance=imported()),
    )
    finding = run(CRITERIA["SVV-2"], _given("SVV-2", tests=tests))
    assert finding.outcome is Outcome.PASS
    assert "imported results not counted" in finding.message


def test_a_ci_run_counts_as_observed() -> None:
    ci = Provenance(
        kind=ProvenanceKind.CI_RUN, run_id="42", run_url="https://github.com/o/r/actions/runs/42", commit="c" * 40
    )
    tests = recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls", mitigations=("M1",), provenance=ci),
        recorded_test("tests/test_sign.py::test_signed_reading", provenance=ci),
    )
    finding = run(CRITERIA["SVV-2"], _given("SVV-2", tests=tests))
    assert finding.outcome is Outcome.PASS


@pytest.mark.parametrize("requirement", sorted(CRITERIA))
def test_a_finding_says_as_a_field_whether_it_rests_on_or_refused_imported_results(requirement: str) -> None:
    # Reports note such findings even when they pass; they read this field, not the message.
    assert not run(CRITERIA[requirement], _given(requirement, tests=passing_tests())).imported_results
    assert run(CRITERIA[requirement], _given(requirement)).imported_results
    assert run(CRITERIA[requirement], _given(requirement, records(approved_junit_record()))).imported_results
