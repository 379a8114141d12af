"""The ``sdl-gate sast`` decision and its console and JSON renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sdl_gate._files import pretty_json
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

__all__ = ["Decision", "Status", "decide", "render_console", "render_json"]


@dataclass(frozen=True)
class Decision:
    """Each finding's status, the thresholds applied and whether the run passes."""

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
        """Fingerprints of the findings that fail the run (open, or silenced by an unjustified nosec)."""
        return tuple(fp for fp, status in self.statuses.items() if status.blocks)

    @property
    def passed(self) -> bool:
        """No blocking finding or unjustified suppression, no file left unanalysed, nothing switched off unallowed."""
        return not (
            self.blocking
            or self.unjustified
            or self.not_analysed
            or self.disallowed_skips
            or self.disallowed_exclusions
            or self.analyser_problems
        )

    @property
    def summary(self) -> str:
        """One line for people."""
        if self.passed:
            return "static analysis passed"
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
        return "static analysis failed: " + ", ".join(parts)


def decide(report: SastReport, policy: ResolvedRequirement, waivers: WaiverRegister, today: date) -> Decision:
    """Apply the policy's SI-1 entry (thresholds, allowed skips and excludes), the baseline and the waivers."""
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
    return Decision(
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


def _line(finding: SastFinding, decision: Decision) -> str:
    status = decision.statuses[finding.fingerprint]
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
            note = f"  [waived by {decision.waivers[finding.fingerprint]}]"
        case Status.BELOW_THRESHOLD:
            note = "  [below threshold]"
    why = decision.why_open.get(finding.fingerprint)
    if why:
        note += f"  [{'; '.join(why)}: accepts nothing]"
    tool = f"{finding.tool} " if finding.tool != "bandit" else ""
    return (
        f"{finding.path}:{finding.line}:{finding.column}: {tool}{finding.test_id} "
        f"{finding.severity.value}/{finding.confidence.value} {finding.text}  ({finding.fingerprint}){note}"
    )


def _baseline_lines(report: SastReport, decision: Decision) -> list[str]:
    if report.baseline is None:
        return []
    lines = [f"baseline {report.baseline.path}: {len(report.baseline.entries)} entr(ies)"]
    for entry in report.baseline.entries:
        state = decision.baseline[entry.fingerprint]
        approval = entry.approval
        who = f"approved by {approval.approver} until {approval.expires.date()}" if approval else "no approval"
        reason = decision.baseline_reasons.get(entry.fingerprint)
        why = f" ({reason})" if reason else ""
        lines.append(f"  {entry.path}:{entry.line} {entry.test_id} ({entry.fingerprint}): {state.value}, {who}{why}")
    return lines


def render_console(report: SastReport, decision: Decision) -> str:
    """Findings, suppressions, baseline entries, what is switched off and files not analysed, for people."""
    lines = [_line(finding, decision) for finding in report.findings]
    for suppression in report.suppressions:
        if suppression.problems:
            problems = ", ".join(p.value.replace("_", " ") for p in suppression.problems)
            what = "# nosec" if suppression.tool == "bandit" else f"{suppression.tool} suppression"
            lines.append(f"{suppression.path}:{suppression.line}: unjustified {what} ({problems})")
    lines += [f"{item.path}: not analysed: {item.reason}" for item in report.not_analysed]
    lines += [f"not analysed: {problem}" for problem in decision.analyser_problems]
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
        for exclusion in decision.disallowed_exclusions
    ]
    lines += [
        f"bandit test {describe_skip(skip)}, which the policy does not allow ({ALLOWED_SKIPS_SETTING})"
        for skip in decision.disallowed_skips
    ]
    lines += _baseline_lines(report, decision)
    justified = sum(1 for s in report.suppressions if not s.problems)
    lines.append(
        f"bandit {report.scanner_version}: {report.analysed} file(s) analysed, {len(report.excluded)} excluded, "
        f"{len(report.config.skipped)} test(s) switched off or reconfigured, {len(report.findings)} finding(s), "
        f"{justified} justified suppression(s); thresholds severity >= {decision.severity.value}, confidence >= "
        f"{decision.confidence.value}"
    )
    lines.append(decision.summary)
    if decision.blocking or decision.unjustified:
        lines += [
            "fix: change the code; justify a deliberate case where it is (`# nosec B602 -- why it is safe`);",
            "     or waive a finding by its fingerprint (the hex in parentheses) in security/waivers.yaml:",
            "     scope: {finding: FINGERPRINT} with justification, approver and expiry.",
        ]
    if decision.disallowed_skips or decision.disallowed_exclusions:
        lines.append(
            "fix: let bandit run every test on every file, or have the policy allow the exception "
            f"({ALLOWED_SKIPS_SETTING}, {ALLOWED_EXCLUDES_SETTING})."
        )
    return "\n".join(lines) + "\n"


def render_json(report: SastReport, decision: Decision) -> str:
    """The report plus each finding's status and the decision, for tools."""
    document: dict[str, Any] = report.model_dump(mode="json")
    for finding in document["findings"]:
        finding["status"] = decision.statuses[finding["fingerprint"]].value
        finding["waiver"] = decision.waivers.get(finding["fingerprint"])
    document["decision"] = {
        "passed": decision.passed,
        "severity_threshold": decision.severity.value,
        "confidence_threshold": decision.confidence.value,
        "blocking": list(decision.blocking),
        "unjustified_suppressions": decision.unjustified,
        "not_analysed": decision.not_analysed,
        "disallowed_skips": [skip.test_id for skip in decision.disallowed_skips],
        "disallowed_exclusions": [exclusion.path for exclusion in decision.disallowed_exclusions],
        "baseline": {fp: state.value for fp, state in sorted(decision.baseline.items())},
    }
    return pretty_json(document)
