"""The ``sdl-gate sast`` report for people (console) and tools (JSON): each finding as the policy reads it.

Whether the scan passes is not decided here: the gate's criteria decide it (:mod:`sdl_gate.sast.verdict`), and
these renderings show their decision beside the findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sdl_gate._files import pretty_json
from sdl_gate.assess import RequirementResult
from sdl_gate.policy.models import ResolvedRequirement
from sdl_gate.policy.waivers import WaiverRegister
from sdl_gate.sast.models import BaselineState, Exclusion, Level, SastFinding, SastReport, SkippedTest
from sdl_gate.sast.rules import (
    ALLOWED_EXCLUDES_SETTING,
    ALLOWED_SKIPS_SETTING,
    Status,
    analyser_problems,
    baseline_problem,
    baseline_state,
    describe_exclusion,
    describe_skip,
    disallowed_exclusions,
    disallowed_skips,
    judge,
    thresholds,
)

__all__ = ["FindingNotes", "ScanVerdict", "Status", "annotate", "render_console", "render_json"]


@dataclass(frozen=True)
class FindingNotes:
    """How the policy reads each finding (its status, waiver, baseline entry) and the thresholds, for showing."""

    severity: Level
    confidence: Level
    statuses: dict[str, Status]
    waivers: dict[str, str]
    baseline: dict[str, BaselineState]
    unjustified: int
    not_analysed: int
    disallowed_skips: tuple[SkippedTest, ...] = ()
    disallowed_exclusions: tuple[Exclusion, ...] = ()
    analyser_problems: tuple[str, ...] = ()
    baseline_reasons: dict[str, str] = field(default_factory=dict)
    why_open: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def blocking(self) -> tuple[str, ...]:
        """Fingerprints of the findings whose status blocks (open, or silenced by an unjustified nosec).

        Whether they fail the run is the gate's decision: under an advisory or waived SI-1 they do not.
        """
        return tuple(fp for fp, status in self.statuses.items() if status.blocks)

    def problems(self) -> list[str]:
        """What the scan shows that can block, counted, for the one-line summary."""
        parts = []
        if self.blocking:
            parts.append(f"{len(self.blocking)} open finding(s)")
        if self.unjustified:
            parts.append(f"{self.unjustified} unjustified suppression(s)")
        if self.not_analysed:
            parts.append(f"{self.not_analysed} file(s) not analysed")
        if self.disallowed_skips:
            parts.append(f"{len(self.disallowed_skips)} test(s) switched off that the policy does not allow")
        if self.disallowed_exclusions:
            parts.append(f"{len(self.disallowed_exclusions)} file(s) excluded that the policy does not allow")
        if self.analyser_problems:
            parts.append(f"{len(self.analyser_problems)} analyser problem(s)")
        return parts


def annotate(report: SastReport, policy: ResolvedRequirement, waivers: WaiverRegister, today: date) -> FindingNotes:
    """Read each finding under the policy's SI-1 entry, the baseline and the waivers, with the rules SI-1 uses."""
    severity, confidence = thresholds(policy)
    statuses: dict[str, Status] = {}
    applied: dict[str, str] = {}
    baseline: dict[str, BaselineState] = {}
    reasons: dict[str, str] = {}
    why_open: dict[str, tuple[str, ...]] = {}
    for finding in report.findings:
        judgement = judge(finding, report, policy, waivers, today)
        statuses[finding.fingerprint] = judgement.status
        if judgement.waiver is not None:
            applied[finding.fingerprint] = judgement.waiver
        if judgement.why_open:
            why_open[finding.fingerprint] = judgement.why_open
    if report.baseline is not None:
        baseline = {
            entry.fingerprint: baseline_state(entry, today, report.baseline) for entry in report.baseline.entries
        }
        reasons = {
            entry.fingerprint: baseline_problem(entry, baseline[entry.fingerprint], report.baseline, today)
            for entry in report.baseline.entries
        }
    return FindingNotes(
        severity=severity,
        confidence=confidence,
        statuses=statuses,
        waivers=applied,
        baseline=baseline,
        baseline_reasons=reasons,
        why_open=why_open,
        unjustified=sum(1 for s in report.suppressions if s.problems),
        not_analysed=len(report.not_analysed),
        disallowed_skips=disallowed_skips(report, policy),
        disallowed_exclusions=disallowed_exclusions(report, policy),
        analyser_problems=analyser_problems(report),
    )


def _line(finding: SastFinding, notes: FindingNotes) -> str:
    status = notes.statuses[finding.fingerprint]
    note = ""
    match status:
        case Status.OPEN:
            note = ""
        case Status.SUPPRESSED_WITHOUT_JUSTIFICATION:
            where = f" at line {finding.nosec_line}" if finding.nosec_line is not None else ""
            note = f"  [silenced by an unjustified # nosec{where}: counts as open]"
        case Status.SUPPRESSED:
            note = f"  [suppressed by the justified # nosec at line {finding.nosec_line}]"
        case Status.BASELINED:
            note = "  [baselined]"
        case Status.WAIVED:
            note = f"  [waived by {notes.waivers[finding.fingerprint]}]"
        case Status.BELOW_THRESHOLD:
            note = "  [below threshold]"
    why = notes.why_open.get(finding.fingerprint)
    if why:
        note += f"  [{'; '.join(why)}: accepts nothing]"
    tool = f"{finding.tool} " if finding.tool != "bandit" else ""
    return (
        f"{finding.path}:{finding.line}:{finding.column}: {tool}{finding.test_id} "
        f"{finding.severity.value}/{finding.confidence.value} {finding.text}  ({finding.fingerprint}){note}"
    )


def _baseline_lines(report: SastReport, notes: FindingNotes) -> list[str]:
    if report.baseline is None:
        return []
    lines = [f"baseline {report.baseline.path}: {len(report.baseline.entries)} entr(ies)"]
    for entry in report.baseline.entries:
        state = notes.baseline[entry.fingerprint]
        approval = entry.approval
        who = f"approved by {approval.approver} until {approval.expires.date()}" if approval else "no approval"
        reason = notes.baseline_reasons.get(entry.fingerprint)
        why = f" ({reason})" if reason else ""
        lines.append(f"  {entry.path}:{entry.line} {entry.test_id} ({entry.fingerprint}): {state.value}, {who}{why}")
    return lines


@dataclass(frozen=True)
class ScanVerdict:
    """A scan's report, each finding as the policy reads it, and the gate's decision on the scan."""

    report: SastReport
    notes: FindingNotes
    #: The gate's verdicts on the requirements that judge a scan, each on its scoped criteria alone.
    requirements: tuple[RequirementResult, ...]

    @property
    def blocking(self) -> tuple[str, ...]:
        """The requirements that block, as the gate's decision would."""
        return tuple(r.id for r in self.requirements if r.blocking)

    @property
    def passed(self) -> bool:
        """Whether nothing in the slice blocks, as ``check`` would decide on the same scan."""
        return not self.blocking

    @property
    def summary(self) -> str:
        """One line for people."""
        if self.passed:
            return "static analysis passed"
        shown = self.notes.problems() or [
            f"{r.id} {finding.criterion} {finding.outcome.value}"
            for r in self.requirements
            if r.blocking
            for finding in r.findings
            if finding.outcome.value not in ("pass", "not_applicable")
        ]
        return f"static analysis failed: {', '.join(shown)} ({', '.join(self.blocking)} block the gate)"


def render_console(verdict: ScanVerdict) -> str:
    """Findings, suppressions, baseline entries, what is switched off and files not analysed, then the decision."""
    from sdl_gate.render.console import slice_lines

    report, notes = verdict.report, verdict.notes
    lines = [_line(finding, notes) for finding in report.findings]
    for suppression in report.suppressions:
        if suppression.problems:
            problems = ", ".join(p.value.replace("_", " ") for p in suppression.problems)
            what = "# nosec" if suppression.tool == "bandit" else f"{suppression.tool} suppression"
            lines.append(f"{suppression.path}:{suppression.line}: unjustified {what} ({problems})")
    lines += [f"{item.path}: not analysed: {item.reason}" for item in report.not_analysed]
    lines += [f"not analysed: {problem}" for problem in notes.analyser_problems]
    for run in report.analysers:
        origin = f" from {run.file}" if run.file else ""
        lines.append(
            f"{run.tool} {run.version or '(version not given)'}{origin}: {len(run.files)} file(s) covered, "
            f"{run.results} finding(s)"
        )
        lines += [
            f"  result refused ({item.rule_id}): {item.reason}; not the product's, not counted" for item in run.refused
        ]
    lines += [
        f"excluded from analysis: {describe_exclusion(exclusion)}, which the policy does not allow "
        f"({ALLOWED_EXCLUDES_SETTING})"
        for exclusion in notes.disallowed_exclusions
    ]
    lines += [
        f"bandit test {describe_skip(skip)}, which the policy does not allow ({ALLOWED_SKIPS_SETTING})"
        for skip in notes.disallowed_skips
    ]
    lines += _baseline_lines(report, notes)
    justified = sum(1 for s in report.suppressions if not s.problems)
    lines.append(
        f"bandit {report.scanner_version}: {report.analysed} file(s) analysed, {len(report.excluded)} excluded, "
        f"{len(report.config.skipped)} test(s) switched off or reconfigured, {len(report.findings)} finding(s), "
        f"{justified} justified suppression(s); thresholds severity >= {notes.severity.value}, confidence >= "
        f"{notes.confidence.value}"
    )
    lines.append(verdict.summary)
    # The decision and each fix are the gate's, for the criteria that judge a scan.
    lines += slice_lines(verdict.requirements)
    return "\n".join(lines) + "\n"


def render_json(verdict: ScanVerdict) -> str:
    """The report plus each finding's status and the gate's decision on the scan, for tools."""
    report, notes = verdict.report, verdict.notes
    document: dict[str, Any] = report.model_dump(mode="json")
    for finding in document["findings"]:
        finding["status"] = notes.statuses[finding["fingerprint"]].value
        finding["waiver"] = notes.waivers.get(finding["fingerprint"])
    document["decision"] = {
        "passed": verdict.passed,
        "blocking_requirements": list(verdict.blocking),
        "requirements": [
            {
                "id": result.id,
                "verdict": result.verdict.value,
                "blocking": result.blocking,
                "waiver": result.waiver,
                "findings": [
                    {"criterion": f.criterion, "outcome": f.outcome.value, "message": f.message}
                    for f in result.findings
                ],
            }
            for result in verdict.requirements
        ],
        "severity_threshold": notes.severity.value,
        "confidence_threshold": notes.confidence.value,
        "blocking": list(notes.blocking),
        "unjustified_suppressions": notes.unjustified,
        "not_analysed": notes.not_analysed,
        "disallowed_skips": [skip.test_id for skip in notes.disallowed_skips],
        "disallowed_exclusions": [exclusion.path for exclusion in notes.disallowed_exclusions],
        "baseline": {fp: state.value for fp, state in sorted(notes.baseline.items())},
    }
    return pretty_json(document)
