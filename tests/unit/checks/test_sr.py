"""The security-requirements table (checks/sr.py): every criterion of SR-1 to SR-5 on hand-built evidence."""

from __future__ import annotations

import pytest

from sdl_gate.checks import CHECKS, Outcome, sr
from tests.unit.checks._build import (
    REQUIREMENTS_PATH,
    check_input,
    records,
    review_of,
    security_requirements,
    threat_model,
)
from tests.unit.checks._scenarios import Case, assert_case, cases


@pytest.mark.parametrize("case", cases(sr.CHECKS))
def test_criterion_answers_on_hand_built_evidence(case: Case) -> None:
    assert_case(case)


def test_sr2_is_met_by_a_covered_reviewed_model_and_a_review_record() -> None:
    review = records(review_of("security/threat-model.yaml", "SR-2"))
    findings = CHECKS["SR-2"].run(check_input("SR-2", threat_model(), review))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.PASS, Outcome.PASS]


def test_sr4_cannot_compare_levels_without_a_threat_model() -> None:
    (finding,) = CHECKS["SR-4"].run(check_input("SR-4", security_requirements()))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (security_requirements().id,)


def test_sr5_needs_the_review_to_link_the_requirements_file_itself() -> None:
    review = records(review_of("docs/other.md", "SR-5"))
    findings = CHECKS["SR-5"].run(check_input("SR-5", review, security_requirements()))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.FAIL]
    assert REQUIREMENTS_PATH in findings[1].message
