"""Which recorded test results may count: observed runs always, imported files only as the policy allows.

A JUnit file imported with ``test-results import`` is a claim about a run sdl-gate did not see. The
requirement's ``imported_test_results`` parameter decides whether such claims satisfy SVV-1, SVV-2 and
SUM-1; by default (``with_approved_record``) they count only when an approved, current ``test_report``
record links the imported file's sha256, judged like every other record (``record_problems`` and its
signed approvals, ``approval_state``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._base import CheckInput, Finding, Outcome
from sdl_gate.checks._criteria import record_problems
from sdl_gate.collectors.test_results import Provenance, TestOutcome, TestResult
from sdl_gate.payloads import RecordsPayload, Unusable, typed
from sdl_gate.policy.models import ImportedResults
from sdl_gate.record_kinds import RecordKind

#: The criteria that read test results; their findings name every import they counted or refused.
TEST_CRITERIA = frozenset({"requirement_tests", "mitigation_tests", "regression_tests"})
COUNTED = "counted imported results: "
REFUSED = "imported results not counted: "


@dataclass(frozen=True)
class AdmittedResults:
    """The results a criterion may judge, and the imported files it counted or refused (with why)."""

    results: tuple[TestResult, ...]
    counted_imports: tuple[str, ...]
    refused_imports: tuple[str, ...]
    record_ids: tuple[str, ...]

    def settle(self, check_input: CheckInput, finding: Finding) -> Finding:
        """Mark a finding with the imports it used or refused; refused imports make a gap not_available."""
        notes: list[str] = []
        if self.counted_imports:
            notes.append(COUNTED + "; ".join(self.counted_imports))
        if self.refused_imports:
            notes.append(REFUSED + "; ".join(self.refused_imports))
        if not notes:
            return finding
        message = f"{finding.message} [{' | '.join(notes)}]"
        evidence = tuple(dict.fromkeys((*finding.evidence, *self.record_ids)))
        observed_failure = any(
            r.provenance.observed and r.outcome in (TestOutcome.FAILED, TestOutcome.ERROR) for r in self.results
        )
        # A gap that only a refused import could have filled is missing evidence, not a failed test; a failure
        # a run observed stays a failure.
        refused_gap = finding.outcome is Outcome.FAIL or (finding.outcome is Outcome.PASS and finding.examined == 0)
        if refused_gap and self.refused_imports and not observed_failure:
            return replace(
                finding, outcome=Outcome.NOT_AVAILABLE, message=message, evidence=evidence, imported_results=True
            )
        return replace(finding, message=message, evidence=evidence, imported_results=True)


def _import_label(provenance: Provenance) -> str:
    return provenance.describe()


def _approving_record(check_input: CheckInput, sha256: str) -> tuple[str | None, str, str | None]:
    """Return (record id that approves the file, why none does, records evidence id)."""
    records = typed(check_input.evidence, RecordsPayload)
    if isinstance(records, Unusable):
        return None, records.reason, records.evidence[0] if records.evidence else None
    reasons: list[str] = []
    for entry in records.payload.records:
        if entry.kind is not RecordKind.TEST_REPORT:
            continue
        links = [link for link in entry.links if link.expected_sha256 == sha256]
        if not links:
            continue
        problems = record_problems(entry, check_input.today, check_input.policy.max_age_days)
        # A record counts only with a signed approval by an entitled approver who is not its author.
        register_edit = records.payload.approver_register.edit
        state, _approved, why = approval_state(entry, None, check_input.today, register_edit)
        if state is not ApprovalState.APPROVED:
            problems += why or [f"it is {state.value.replace('_', ' ')}"]
        if not problems:
            return entry.id, "", records.id
        reasons.append(f"test_report {entry.id} does not count: " + "; ".join(problems))
    if not reasons:
        reasons.append(f"no test_report record links sha256 {sha256}")
    return None, "; ".join(reasons), records.id


def admitted_results(check_input: CheckInput, results: Iterable[TestResult]) -> AdmittedResults:
    """Split the recorded results into those the policy lets count and the imported files it refuses."""
    setting = check_input.policy.imported_test_results or ImportedResults.WITH_APPROVED_RECORD
    results = tuple(results)
    verdicts: dict[Provenance, tuple[bool, str]] = {}
    record_ids: list[str] = []
    for provenance in {r.provenance for r in results if not r.provenance.observed}:
        label = _import_label(provenance)
        match setting:
            case ImportedResults.ALWAYS:
                verdicts[provenance] = (True, label)
            case ImportedResults.NEVER:
                verdicts[provenance] = (False, f"{label}: the policy never counts imported results")
            case ImportedResults.WITH_APPROVED_RECORD:
                record_id, why, records_id = _approving_record(check_input, provenance.sha256 or "")
                if records_id is not None:
                    record_ids.append(records_id)
                if record_id is not None:
                    verdicts[provenance] = (True, f"{label}, approved by test_report {record_id}")
                else:
                    verdicts[provenance] = (
                        False,
                        f"{label}: needs an approved, current test_report record linking it ({why})",
                    )
    admitted = tuple(r for r in results if r.provenance.observed or verdicts[r.provenance][0])
    return AdmittedResults(
        results=admitted,
        counted_imports=tuple(sorted(text for ok, text in verdicts.values() if ok)),
        refused_imports=tuple(sorted(text for ok, text in verdicts.values() if not ok)),
        record_ids=tuple(dict.fromkeys(record_ids)),
    )
