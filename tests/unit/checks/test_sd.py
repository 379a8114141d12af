"""The secure-design table (checks/sd.py): every criterion of SD-1 to SD-4 on hand-built evidence."""

from __future__ import annotations

import pytest

from sdl_gate.checks import CHECKS, Outcome, sd
from tests.unit.checks._build import MODEL_PATH, check_input, record_entry, records, review_of, threat_model
from tests.unit.checks._scenarios import Case, assert_case, cases


@pytest.mark.parametrize("case", cases(sd.CHECKS))
def test_criterion_answers_on_hand_built_evidence(case: Case) -> None:
    assert_case(case)


def test_sd1_needs_the_design_document_and_the_characterised_boundaries() -> None:
    design = records(record_entry("design", "process_document", ["SD-1"]))
    findings = CHECKS["SD-1"].run(check_input("SD-1", design, threat_model()))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.PASS]


def test_sd3_review_must_cover_the_current_threat_model() -> None:
    review = records(review_of(MODEL_PATH, "SD-3"))
    findings = CHECKS["SD-3"].run(check_input("SD-3", review, threat_model()))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.PASS]
    assert findings[1].location == "security/records/review-SD-3.yaml"
