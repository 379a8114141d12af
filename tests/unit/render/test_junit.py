"""JUnit XML from the fixed sample assessment: it parses, and every count matches the assessment."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from sdl_gate.assess import Verdict
from sdl_gate.render.junit import CaseState, case_state, render_junit
from tests.report_data import sample_assessment, sample_input


def _root() -> ET.Element:
    return ET.fromstring(render_junit(sample_input()))  # noqa: S314 - our own output


def test_junit_has_one_case_per_requirement_with_failures_and_skips() -> None:
    assessment = sample_assessment()
    root = _root()
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 47
    by_id = {case.get("name", "").split()[0]: case for case in cases}
    failed = {rid for rid, case in by_id.items() if case.find("failure") is not None}
    skipped = {rid for rid, case in by_id.items() if case.find("skipped") is not None}
    expected_failed = {
        r.id
        for r in assessment.requirements
        if r.verdict in (Verdict.NOT_SATISFIED, Verdict.PARTIALLY_SATISFIED)
        or (r.verdict is Verdict.NOT_ASSESSED and r.blocking)
    }
    assert failed == expected_failed
    assert {"SM-10", "SVV-4"} <= skipped
    assert "SI-1" in failed and "DM-6" in failed and "SM-6" in failed
    assert root.get("tests") == "47"
    assert root.get("failures") == str(len(failed))
    assert root.get("skipped") == str(len(skipped))
    assert [s.get("name", "").split()[0] for s in root.findall("testsuite")] == [
        "SM",
        "SR",
        "SD",
        "SI",
        "SVV",
        "DM",
        "SUM",
        "SG",
    ]
    si1 = by_id["SI-1"].find("failure")
    assert si1 is not None and "src/modbus_mqtt_gateway/registers.py:42" in (si1.text or "")
    # The bell character in SM-2's message cannot appear in XML 1.0; it is replaced, and the file parses.
    sm2 = by_id["SM-2"].find("failure")
    assert sm2 is not None and "\x07" not in (sm2.text or "") and "<script>" in (sm2.text or "")


def test_each_suite_counts_its_own_cases() -> None:
    root = _root()
    total = 0
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        total += len(cases)
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
        assert suite.get("skipped") == str(sum(1 for c in cases if c.find("skipped") is not None))
        assert suite.get("errors") == "0"
        # The assessment date, never the wall clock.
        assert suite.get("timestamp") == "2026-11-20T00:00:00"
    assert total == 47


def test_suites_carry_product_commit_and_policy_digest() -> None:
    assessment = sample_assessment()
    for suite in _root().findall("testsuite"):
        properties = {p.get("name"): p.get("value") for p in suite.findall("./properties/property")}
        assert properties["product"] == "modbus-mqtt-gateway"
        assert properties["commit"] == assessment.product.commit
        assert properties["policy_digest"] == assessment.policy.digest


def test_failure_type_is_the_verdict_and_says_whether_it_blocks() -> None:
    by_id = {c.get("name", "").split()[0]: c for c in _root().findall("./testsuite/testcase")}
    blocking = by_id["SR-2"].find("failure")
    assert blocking is not None and blocking.get("type") == "partially_satisfied"
    assert "blocks the gate" in (blocking.get("message") or "")
    advisory = by_id["DM-6"].find("failure")
    assert advisory is not None and "does not block (advisory)" in (advisory.get("message") or "")


@pytest.mark.parametrize(
    ("verdict", "blocking", "state"),
    [
        (Verdict.SATISFIED, False, CaseState.PASSED),
        (Verdict.NOT_SATISFIED, True, CaseState.FAILED),
        (Verdict.NOT_SATISFIED, False, CaseState.FAILED),
        (Verdict.PARTIALLY_SATISFIED, False, CaseState.FAILED),
        (Verdict.NOT_ASSESSED, True, CaseState.FAILED),
        (Verdict.NOT_ASSESSED, False, CaseState.SKIPPED),
        (Verdict.NOT_APPLICABLE, False, CaseState.SKIPPED),
        (Verdict.WAIVED, False, CaseState.SKIPPED),
    ],
)
def test_case_state_for_every_verdict(verdict: Verdict, blocking: bool, state: CaseState) -> None:
    result = sample_assessment().requirements[0].model_copy(update={"verdict": verdict, "blocking": blocking})
    assert case_state(result) is state
