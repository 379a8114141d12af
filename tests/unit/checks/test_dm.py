"""The defect-management table (checks/dm.py): every criterion of DM-1 to DM-6 on hand-built evidence."""

from __future__ import annotations

import pytest

from sdl_gate.checks import CHECKS, Outcome, dm
from tests.unit.checks._build import audit, check_input, cvss, record_entry, records, vuln
from tests.unit.checks._scenarios import Case, assert_case, cases


@pytest.mark.parametrize("case", cases(dm.CHECKS))
def test_criterion_answers_on_hand_built_evidence(case: Case) -> None:
    assert_case(case)


def test_dm3_needs_a_triage_record_and_rated_vulnerabilities() -> None:
    triage = records(record_entry("triage", "triage", ["DM-3"]))
    rated = CHECKS["DM-3"].run(check_input("DM-3", triage, audit(vuln(severity=(cvss(9.1),)))))
    unrated = CHECKS["DM-3"].run(check_input("DM-3", triage, audit(vuln(severity=()))))
    assert [f.outcome for f in rated] == [Outcome.PASS, Outcome.PASS]
    assert [f.outcome for f in unrated] == [Outcome.PASS, Outcome.NOT_AVAILABLE]
