"""The security-update table (checks/update.py): every criterion of SUM-1 to SUM-5 on hand-built evidence."""

from __future__ import annotations

import pytest

from sdl_gate.checks import CHECKS, Outcome
from sdl_gate.checks import update as update_table
from tests.unit.checks._build import audit, check_input, record_entry, recorded_test, recorded_tests, records, vuln
from tests.unit.checks._scenarios import Case, assert_case, cases


@pytest.mark.parametrize("case", cases(update_table.CHECKS))
def test_criterion_answers_on_hand_built_evidence(case: Case) -> None:
    assert_case(case)


def test_sum1_needs_a_test_report_and_a_passing_recorded_run() -> None:
    report = records(record_entry("regression", "test_report", ["SUM-1"]))
    run = recorded_tests(recorded_test("tests/test_api.py::test_ok"))
    findings = CHECKS["SUM-1"].run(check_input("SUM-1", report, run))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.PASS]


def test_sum5_reads_the_patch_window_from_the_policy_document_and_the_audit() -> None:
    policy_doc = records(record_entry("patching", "process_document", ["SUM-5"]))
    findings = CHECKS["SUM-5"].run(check_input("SUM-5", policy_doc, audit(vuln())))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.PASS]
