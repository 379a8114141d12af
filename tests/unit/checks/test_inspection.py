"""SVV-1's inspection criterion (checks/_inspection.py): requirements verified by inspection need a record."""

from __future__ import annotations

import pytest

from sdl_gate.assess import Verdict, assess_requirement
from sdl_gate.catalogue import load_catalogue
from sdl_gate.checks import CHECKS, Outcome
from sdl_gate.checks._inspection import inspected_requirements
from sdl_gate.evidence import EvidenceKind
from sdl_gate.policy.loader import resolve_policy
from sdl_gate.policy.waivers import WaiverRegister
from tests.unit.checks._build import (
    TODAY,
    approval,
    check_input,
    days_ago,
    inspection,
    link,
    no_security_requirements,
    passing_tests,
    policy_entry,
    record_entry,
    records,
    rejection,
    requirement,
    run,
    security_requirements,
    threat_model,
)

MANUAL = requirement("SR-M", verification="inspection", statement="The manual shall list every open port.")
LABEL = requirement("SR-L", verification="inspection", statement="The housing shall carry the SL-C label.")
TESTED = requirement()  # SR-A, verified by test


def test_a_requirement_with_an_approved_inspection_record_passes_and_names_it() -> None:
    given = check_input("SVV-1", security_requirements(TESTED, MANUAL), records(inspection("insp-1", "SR-M")))
    finding = run(inspected_requirements, given)
    assert finding.outcome is Outcome.PASS
    assert "SR-M by insp-1" in finding.message
    assert finding.examined == 1
    assert set(finding.evidence) == set(given.evidence.ids())


def test_every_requirement_without_an_inspection_record_fails_and_is_named() -> None:
    given = check_input("SVV-1", security_requirements(MANUAL, LABEL, TESTED), records(inspection("insp-1", "SR-M")))
    finding = run(inspected_requirements, given)
    assert finding.outcome is Outcome.FAIL
    assert "SR-L" in finding.message
    assert "SR-M" not in finding.message
    assert "SR-A" not in finding.message
    assert finding.location == "security/requirements.yaml"


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        (inspection("insp-1", "SR-M", approved=None), "not approved"),
        (inspection("insp-1", "SR-M", valid_until=days_ago(1)), "expired"),
        (inspection("insp-1", "SR-M", dated=days_ago(-3), approved=days_ago(-2)), "in the future"),
        (inspection("insp-1", "SR-M", links=[link("docs/manual.md", status="changed")]), "changed"),
    ],
)
def test_an_inspection_record_that_does_not_count_fails_and_says_why(entry: dict[str, object], why: str) -> None:
    finding = run(inspected_requirements, check_input("SVV-1", security_requirements(MANUAL), records(entry)))
    assert finding.outcome is Outcome.FAIL
    assert "SR-M" in finding.message and "insp-1" in finding.message and why in finding.message


@pytest.mark.parametrize(
    ("approvals", "why"),
    [
        pytest.param([approval(days_ago(9), status="invalid")], "invalid signature", id="invalid-signature"),
        pytest.param([approval(days_ago(9))], "does not entitle", id="approver-not-entitled"),
        pytest.param(
            [approval(days_ago(9), may_approve=["SVV-1"], status="stale", changed=["docs/manual.md"])],
            "stale",
            id="linked-file-changed",
        ),
    ],
)
def test_an_inspection_record_counts_only_with_a_signed_approval_that_counts(
    approvals: list[dict[str, object]], why: str
) -> None:
    entry = inspection("insp-1", "SR-M", approvals=approvals)
    finding = run(inspected_requirements, check_input("SVV-1", security_requirements(MANUAL), records(entry)))
    assert finding.outcome is Outcome.FAIL
    assert "SR-M" in finding.message and why in finding.message


def test_an_inspection_record_by_its_own_approver_does_not_count() -> None:
    entry = inspection("insp-1", "SR-M", author_email="bob@example.com")
    finding = run(inspected_requirements, check_input("SVV-1", security_requirements(MANUAL), records(entry)))
    assert finding.outcome is Outcome.FAIL
    assert "self-approval" in finding.message


def test_without_a_trusted_register_an_inspection_record_cannot_be_judged() -> None:
    entry = inspection("insp-1", "SR-M", approvals=[approval(days_ago(9), status="unverified")])
    finding = run(inspected_requirements, check_input("SVV-1", security_requirements(MANUAL), records(entry)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "SR-M" in finding.message and "no trusted approver register" in finding.message


def test_an_old_inspection_record_does_not_count_past_the_policys_age_limit() -> None:
    old = inspection("insp-1", "SR-M", dated=days_ago(400), approved=days_ago(399))
    given = check_input("SVV-1", security_requirements(MANUAL), records(old), policy=policy_entry(max_age_days=365))
    assert run(inspected_requirements, given).outcome is Outcome.FAIL


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param(inspection("insp-1", "SR-OTHER"), id="verifies-another-requirement"),
        pytest.param(record_entry("rev-1", "review", ["SVV-1"]), id="a-review-listing-svv-1"),
        pytest.param({**record_entry("rev-1", "review", ["SVV-1"]), "verifies": ["SR-M"]}, id="not-an-inspection"),
    ],
)
def test_only_an_inspection_record_verifying_the_requirement_counts(entry: dict[str, object]) -> None:
    finding = run(inspected_requirements, check_input("SVV-1", security_requirements(MANUAL), records(entry)))
    assert finding.outcome is Outcome.FAIL
    assert "SR-M" in finding.message


def test_records_stored_before_inspections_existed_read_as_no_inspection() -> None:
    earlier = record_entry("rev-1", "review", ["SVV-1"])
    del earlier["verifies"]
    finding = run(inspected_requirements, check_input("SVV-1", security_requirements(MANUAL), records(earlier)))
    assert finding.outcome is Outcome.FAIL


def test_no_requirement_verified_by_inspection_is_not_applicable_even_without_records() -> None:
    finding = run(inspected_requirements, check_input("SVV-1", security_requirements(TESTED)))
    assert finding.outcome is Outcome.NOT_APPLICABLE
    assert "no security requirement is verified by inspection" in finding.message
    assert finding.examined == 0


def test_missing_or_rejected_records_are_not_available_when_something_needs_inspecting() -> None:
    assert (
        run(inspected_requirements, check_input("SVV-1", security_requirements(MANUAL))).outcome
        is Outcome.NOT_AVAILABLE
    )
    reason = rejection(EvidenceKind.RECORDS, "records evidence was taken at another commit")
    finding = run(inspected_requirements, check_input("SVV-1", security_requirements(MANUAL), rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


def test_without_a_requirements_file_or_its_evidence_it_cannot_tell() -> None:
    # The missing file itself fails SR-3 and requirement_tests; this criterion cannot tell what needs inspecting.
    absent = run(inspected_requirements, check_input("SVV-1", no_security_requirements(), records()))
    assert absent.outcome is Outcome.NOT_AVAILABLE
    assert "security/requirements.yaml" in absent.message
    assert run(inspected_requirements, check_input("SVV-1", records())).outcome is Outcome.NOT_AVAILABLE


def test_svv1_is_not_satisfied_by_passing_tests_alone_when_a_requirement_needs_inspecting() -> None:
    evidence = (passing_tests(), security_requirements(TESTED, MANUAL), threat_model(), records())
    given = check_input("SVV-1", *evidence)
    tested, inspected = CHECKS["SVV-1"].run(given)
    assert tested.outcome is Outcome.PASS
    assert inspected.outcome is Outcome.FAIL
    result = assess_requirement(
        load_catalogue().requirement("SVV-1"),
        given.evidence,
        resolve_policy("iec62443-4-1-ml2"),
        WaiverRegister(),
        TODAY,
    )
    assert result.verdict is Verdict.PARTIALLY_SATISFIED
    assert result.blocking
    assert "SR-M" in result.rationale


def test_the_assessment_carries_how_many_requirements_were_inspected() -> None:
    given = check_input("SVV-1", security_requirements(MANUAL, LABEL), records(inspection("insp-1", "SR-M", "SR-L")))
    result = assess_requirement(
        load_catalogue().requirement("SVV-1"),
        given.evidence,
        resolve_policy("iec62443-4-1-ml2"),
        WaiverRegister(),
        TODAY,
    )
    inspected = next(f for f in result.findings if f.criterion == "requirement_inspections")
    assert inspected.outcome is Outcome.PASS
    assert inspected.examined == 2
