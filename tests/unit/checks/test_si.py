"""The secure-implementation table (checks/si.py): every criterion of SI-1 and SI-2 on hand-built evidence."""

from __future__ import annotations

import pytest

from sdl_gate.checks import CHECKS, Outcome, si
from tests.unit.checks._build import check_input, record_entry, records, sast, sast_finding, waiver
from tests.unit.checks._scenarios import Case, assert_case, cases


@pytest.mark.parametrize("case", cases(si.CHECKS))
def test_criterion_answers_on_hand_built_evidence(case: Case) -> None:
    assert_case(case)


def test_si1_is_met_by_code_review_full_coverage_and_no_open_finding() -> None:
    review = records(record_entry("code-review", "review", ["SI-1"]))
    accepted = waiver("W-sast", finding="fp-1")
    findings = CHECKS["SI-1"].run(check_input("SI-1", review, sast(sast_finding("fp-1")), waivers=[accepted]))
    assert [f.outcome for f in findings] == [Outcome.PASS] * 6
    assert "W-sast" in next(f.message for f in findings if f.criterion == "sast_findings")


def test_si2_reads_one_static_analysis_report_for_configuration_and_suppressions() -> None:
    standard = records(record_entry("coding-standard", "process_document", ["SI-2"]))
    findings = CHECKS["SI-2"].run(check_input("SI-2", standard, sast(automation=())))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.FAIL, Outcome.PASS]
