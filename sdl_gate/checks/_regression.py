"""SUM-1: the update's recorded test run passed (regression testing before a security update ships)."""

from __future__ import annotations

from sdl_gate._text import first_and_more
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criteria import _single
from sdl_gate.checks._test_provenance import admitted_results
from sdl_gate.collectors.test_results import TestOutcome, TestResult
from sdl_gate.evidence import EvidenceKind

SHOWN = 10


def regression_tests_pass() -> Criterion:
    """Test results recorded at the assessed commit: some ran, none failed, no security test skipped."""
    name = "regression_tests"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.TEST_RESULTS, name)
        if isinstance(evidence, Finding):
            return evidence
        admitted = admitted_results(check_input, evidence)
        return admitted.settle(check_input, judge(check_input, evidence.id, list(admitted.results)))

    def judge(check_input: CheckInput, evidence_id: str, results: list[TestResult]) -> Finding:
        broken = [r.node_id for r in results if r.outcome in (TestOutcome.FAILED, TestOutcome.ERROR)]
        # A skipped security test verifies nothing and breaks the trace from requirement to test.
        skipped = [r.node_id for r in results if not r.ran and r.traced]
        problems = []
        if broken:
            problems.append("failing tests: " + first_and_more(broken, SHOWN))
        if skipped:
            problems.append(
                "skipped security tests (a skipped test verifies nothing): " + first_and_more(skipped, SHOWN)
            )
        if problems:
            return check_input.finding(name, Outcome.FAIL, "; ".join(problems), (evidence_id,))
        passed = sum(1 for r in results if r.outcome is TestOutcome.PASSED)
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{passed} of {len(results)} recorded tests passed, none failed",
            (evidence_id,),
            examined=sum(1 for r in results if r.ran),
        )

    return Criterion(
        name,
        "the recorded test run at this commit passed: tests ran, none failed, no security test skipped; imported "
        "results count only as the policy's imported_test_results allows",
        (EvidenceKind.TEST_RESULTS, EvidenceKind.RECORDS),
        evaluate,
        # The plugin registers itself through its entry point: naming it again with `-p` stops pytest.
        fix="Run the test suite at this commit where sdl-gate is installed (`python -m pytest`: its pytest plugin "
        "records the run once a test carries the `security` marker) and make it pass with no security test skipped",
        when_empty=Outcome.FAIL,
        empty_means="the recorded run has no test that ran (no test recorded, or every test skipped)",
    )
