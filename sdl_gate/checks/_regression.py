"""SUM-1: the update's recorded test run passed (regression testing before a security update ships)."""

from __future__ import annotations

from sdl_gate._text import first_and_more
from sdl_gate.checks._base import Finding, Outcome
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.checks._test_provenance import admitted_results
from sdl_gate.collectors.test_results import TestOutcome, TestResult
from sdl_gate.evidence import EvidenceKind
from sdl_gate.payloads import TestResultsPayload

SHOWN = 10


@criterion(
    TestResultsPayload,
    name="regression_tests",
    description="the recorded test run at this commit passed: tests ran, none failed, no security test skipped; "
    "imported results count only as the policy's imported_test_results allows",
    # The plugin registers itself through its entry point: naming it again with `-p` stops pytest.
    fix="Run the test suite at this commit where sdl-gate is installed (`python -m pytest`: its pytest plugin "
    "records the run once a test carries the `security` marker) and make it pass with no security test skipped",
    when_empty=Outcome.FAIL,
    empty_means="the recorded run has no test that ran (no test recorded, or every test skipped)",
    also_reads=(EvidenceKind.RECORDS,),
)
def regression_tests_pass(evaluation: Evaluation, tests: TestResultsPayload) -> Finding:
    """Test results recorded at the assessed commit: some ran, none failed, no security test skipped."""
    admitted = admitted_results(evaluation.check_input, tests.tests)
    return admitted.settle(evaluation.check_input, _judged(evaluation, admitted.results))


def _judged(evaluation: Evaluation, results: tuple[TestResult, ...]) -> Finding:
    broken = [r.node_id for r in results if r.outcome in (TestOutcome.FAILED, TestOutcome.ERROR)]
    # A skipped security test verifies nothing and breaks the trace from requirement to test.
    skipped = [r.node_id for r in results if not r.ran and r.traced]
    problems = []
    if broken:
        problems.append("failing tests: " + first_and_more(broken, SHOWN))
    if skipped:
        problems.append("skipped security tests (a skipped test verifies nothing): " + first_and_more(skipped, SHOWN))
    if problems:
        return evaluation.finding(Outcome.FAIL, "; ".join(problems))
    passed = sum(1 for r in results if r.outcome is TestOutcome.PASSED)
    return evaluation.finding(
        Outcome.PASS,
        f"{passed} of {len(results)} recorded tests passed, none failed",
        examined=sum(1 for r in results if r.ran),
    )
