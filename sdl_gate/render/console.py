"""The console view of an assessment: practices, then what blocks and how to fix it, then exceptions."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING

from sdl_gate.approvals.state import ExceptionStatus
from sdl_gate.assess import Assessment, PolicyRef, RequirementResult, Verdict
from sdl_gate.render.view import fix_text, imported_test_notes, ordered_requirements, problem_findings

if TYPE_CHECKING:
    from sdl_gate.evidence import EvidenceSet

_WIDTH = 100
# Repository text (finding messages, names, paths) must not move the cursor, retitle the terminal or start a
# new line that CI reads as a workflow command: C0 controls (newline included, inside a line), DEL and C1.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SHORT = {
    Verdict.SATISFIED: "ok",
    Verdict.PARTIALLY_SATISFIED: "part",
    Verdict.NOT_SATISFIED: "fail",
    Verdict.NOT_ASSESSED: "n/assessed",
    Verdict.NOT_APPLICABLE: "n/a",
    Verdict.WAIVED: "waived",
}


def _wrap(text: str, indent: int) -> list[str]:
    prefix = " " * indent
    return textwrap.wrap(text, width=_WIDTH, initial_indent=prefix, subsequent_indent=prefix + "  ") or [prefix]


def _problem_lines(result: RequirementResult, shown: dict[str, str]) -> list[str]:
    """One line per finding that did not pass; a message already shown under another requirement is referred to.

    One cause (an unreachable vulnerability service, a missing threat model) answers for several requirements;
    printing its full text under each of them buries the rest.
    """
    lines: list[str] = []
    for finding in result.findings:
        if not finding.is_problem:
            continue
        where = f" [{finding.location}]" if finding.location else ""
        text = f"{finding.message}{where}"
        first = shown.setdefault(text, result.id)
        if first != result.id:
            text = f"as under {first} above"
        lines += _wrap(f"{finding.outcome.value}: {finding.criterion}: {text}", 6)
    return lines


def _requirement_block(result: RequirementResult, marker: str, shown: dict[str, str]) -> list[str]:
    lines = [f"  {marker} {result.id:<6} {result.title} ({result.verdict.value}, score {result.score:.2f})"]
    lines += _problem_lines(result, shown)
    lines += _wrap(f"fix: {fix_text(result)}  (sdl-gate explain {result.id})", 6)
    return lines


def _policy_label(policy: PolicyRef) -> str:
    """Name the policy once: a built-in by its name, a file without a name of its own by its path."""
    if policy.source == f"builtin:{policy.name}":
        return f"{policy.name} (built-in)"
    if PurePath(policy.source).stem == policy.name:
        return policy.source
    return f"{policy.name} ({policy.source})"


def render_console(assessment: Assessment) -> str:
    """Return the assessment as text for a terminal."""
    product = assessment.product
    commit = product.commit[:12] if product.commit else "no git commit"
    lines = [
        f"sdl-gate {assessment.generator.version} - {assessment.standard}",
        f"product  {product.name} {product.version or ''} @ {commit}".rstrip(),
        f"policy   {_policy_label(assessment.policy)} {assessment.policy.digest[:19]}",
        f"date     {assessment.assessed_on.isoformat()}",
        "",
        f"{'practice':<48} {'score':>5}  {'maturity':<8}  verdicts",
    ]
    for practice in assessment.practices:
        counts = ", ".join(f"{count} {_SHORT[Verdict(name)]}" for name, count in practice.verdicts.items() if count)
        lines.append(
            f"{practice.id:<4} {practice.title:<43} {practice.score:>5.2f}  {practice.maturity.value:<8}  {counts}"
        )
    requirements = assessment.requirements
    blocking = [r for r in requirements if r.blocking]
    advisory = [r for r in requirements if not r.blocking and r.is_problem and r.verdict is not Verdict.WAIVED]
    waived = [r for r in requirements if r.verdict is Verdict.WAIVED]
    not_applicable = [r for r in requirements if r.verdict is Verdict.NOT_APPLICABLE]
    shown: dict[str, str] = {}
    if blocking:
        lines += ["", f"Blocking ({len(blocking)}): the gate fails until these are met or waived"]
        for result in blocking:
            lines += _requirement_block(result, "x", shown)
    if advisory:
        lines += ["", f"Not met, not blocking ({len(advisory)}): advisory or disabled in this policy"]
        for result in advisory:
            lines += _requirement_block(result, "!", shown)
    if waived:
        lines += ["", f"Waived ({len(waived)})"]
        for result in waived:
            lines += _wrap(f"~ {result.id:<6} {result.title}: {result.rationale}", 2)
    if assessment.waivers:
        lines += ["", "Waiver register"]
        for waiver in assessment.waivers:
            approval = (
                f"approved by {waiver.approver}"
                if waiver.approval is ExceptionStatus.APPROVED
                else f"does not count: {waiver.approval_detail}"
            )
            lines += _wrap(
                f"{waiver.id}: {waiver.target} ({waiver.state.value}, expires {waiver.expires}, {approval})", 2
            )
    if not_applicable:
        lines += ["", f"Not applicable ({len(not_applicable)})"]
        for result in not_applicable:
            lines += _wrap(f"- {result.id:<6} {result.title}: {result.rationale}", 2)
    imported = imported_test_notes(assessment)
    if imported:
        lines += ["", "Imported test results (not observed by sdl-gate)"]
        for note in imported:
            lines += _wrap(f"- {note}", 2)
    if assessment.rejected_evidence:
        lines += ["", "Evidence not used"]
        for reason in assessment.rejected_evidence:
            lines += _wrap(f"- {reason}", 2)
    lines += ["", assessment.decision.summary]
    return "\n".join(_CONTROL.sub("\ufffd", line) for line in lines) + "\n"


#: How much of each reason the short list of what blocks shows; the full report has the rest.
_REASON_CHARS = 240


def blocking_lines(assessment: Assessment) -> list[str]:
    """What blocks the release, one requirement at a time: why (its failing criteria) and what would fix it."""
    lines: list[str] = []
    for result in ordered_requirements(assessment):
        if not result.blocking:
            continue
        problems = list(problem_findings(result))
        reasons = [f"{f.criterion}: {f.message}" for f in problems[:2]] or [result.rationale]
        more = f" (+{len(problems) - 2} more)" if len(problems) > 2 else ""
        why = "; ".join(r if len(r) <= _REASON_CHARS else r[: _REASON_CHARS - 3] + "..." for r in reasons) + more
        lines += _wrap(_CONTROL.sub(" ", f"{result.id} {result.title} ({result.verdict.value}): {why}"), 2)
        lines += _wrap(_CONTROL.sub(" ", f"fix: {fix_text(result)}"), 4)
    return lines


def slice_lines(results: Sequence[RequirementResult]) -> list[str]:
    """A slice of the gate in a few lines: one per criterion that does not pass, with its fix, then the decision.

    Hooks and sub-commands print this under their own report; the decision is the gate's for those criteria.
    """
    lines: list[str] = []
    for result in results:
        for finding in problem_findings(result):
            where = f" [{finding.location}]" if finding.location else ""
            text = f"{result.id} {finding.criterion} ({finding.outcome.value}): {finding.message}{where}"
            lines += _wrap(_CONTROL.sub(" ", text), 0)
            fix = finding.fix or result.remediation
            lines += _wrap(_CONTROL.sub(" ", f"fix: {fix}"), 2)
        if result.verdict is Verdict.WAIVED:
            lines += _wrap(_CONTROL.sub(" ", f"{result.id} waived by {result.waiver} (shown, not hidden)"), 0)
    blocking = [r.id for r in results if r.blocking]
    scope = ", ".join(f"{r.id} {'/'.join(f.criterion for f in r.findings)}" for r in results)
    if blocking:
        lines.append(f"FAILED: {', '.join(blocking)} block the gate ({scope})")
    else:
        lines.append(f"PASSED: nothing blocks the gate ({scope})")
    return lines


def audit_note(evidence: EvidenceSet) -> str:
    """How the run audited vulnerabilities: an online audit is never silent."""
    from sdl_gate.collectors.vulns import AuditPayload, AuditStatus
    from sdl_gate.evidence import EvidenceKind
    from sdl_gate.payloads import Unusable, typed

    audit = typed(evidence, AuditPayload)
    if isinstance(audit, Unusable):
        rejected = "; ".join(r.reason for r in evidence.rejected(EvidenceKind.VULNERABILITY_AUDIT))
        # Evidence found but malformed says so; otherwise the admission's rejections say why there is none.
        why = audit.reason if audit.evidence else rejected or "not collected"
        return f"vulnerability audit: not available ({why})"
    payload = audit.payload
    how = "offline, against the imported OSV database" if payload.offline else "online"
    if payload.status is not AuditStatus.COMPLETED:
        return f"vulnerability audit ({how}): not completed: {payload.reason}"
    if payload.offline:
        return f"vulnerability audit: {how}"
    where = f"{payload.service} at {payload.url}"
    return f"vulnerability audit: ONLINE, against {where} (--offline audits against the imported database)"
