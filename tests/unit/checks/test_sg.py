"""The security-guidelines table (checks/sg.py): every criterion of SG-1 to SG-7 on hand-built evidence."""

from __future__ import annotations

import pytest

from sdl_gate.checks import CHECKS, Outcome, sg
from tests.unit.checks._build import check_input, guideline, repository
from tests.unit.checks._scenarios import Case, assert_case, cases


@pytest.mark.parametrize("case", cases(sg.CHECKS))
def test_criterion_answers_on_hand_built_evidence(case: Case) -> None:
    assert_case(case)


@pytest.mark.parametrize("requirement_id", ["SG-1", "SG-2", "SG-3", "SG-4", "SG-5", "SG-6"])
def test_each_guideline_requirement_reads_only_its_own_document(requirement_id: str) -> None:
    others = {rid: guideline() for rid in ("SG-1", "SG-2", "SG-3", "SG-4", "SG-5", "SG-6") if rid != requirement_id}
    (finding,) = CHECKS[requirement_id].run(check_input(requirement_id, repository(guidelines=others)))
    assert finding.outcome is Outcome.FAIL
    assert requirement_id in finding.message
