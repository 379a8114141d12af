"""SUM-1: the update's recorded test run passed (regression testing before a security update ships)."""

from __future__ import annotations

from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criteria import _single
from sdl_gate.collectors.test_results import TestOutcome, TestResult
from sdl_gate.evidence import EvidenceKind

SHOWN = 10


def regression_tests_pass() -> Criterion:
    """Test results recorded at the assessed commit, with none failed or in error."""
    name = "regression_tests"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.TEST_RESULTS, name)
        if isinstance(evidence, Finding):
            return evidence
        results = [TestResult.model_validate(t) for t in evidence.payload["tests"]]
        if not results:
            return check_input.finding(name, Outcome.FAIL, "the recorded test run holds no test", (evidence.id,))
        broken = [r.node_id for r in results if r.outcome in (TestOutcome.FAILED, TestOutcome.ERROR)]
        if broken:
            more = f" (and {len(broken) - SHOWN} more)" if len(broken) > SHOWN else ""
            return check_input.finding(
                name, Outcome.FAIL, "failing tests: " + ", ".join(broken[:SHOWN]) + more, (evidence.id,)
            )
        passed = sum(1 for r in results if r.outcome is TestOutcome.PASSED)
        return check_input.finding(
            name, Outcome.PASS, f"{passed} of {len(results)} recorded tests passed, none failed", (evidence.id,)
        )

    return Criterion(
        name, "the recorded test run at this commit passed (no failed test)", (EvidenceKind.TEST_RESULTS,), evaluate
    )
