"""The ``sdl-gate sast`` decision and its console and JSON renderings."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from sdl_gate._files import pretty_json
from sdl_gate.policy.models import ResolvedRequirement
from sdl_gate.policy.waivers import WaiverRegister
from sdl_gate.sast.models import Finding, Level, SastReport


class Status(str, enum.Enum):
    """What a finding means for the gate."""

    OPEN = "open"
    BASELINED = "baselined"
    WAIVED = "waived"
    BELOW_THRESHOLD = "below_threshold"


@dataclass(frozen=True)
class Decision:
    """Each finding's status, the thresholds applied and whether the run passes."""

    severity: Level
    confidence: Level
    statuses: dict[str, Status]
    waivers: dict[str, str]
    unjustified: int
    not_analysed: int

    @property
    def blocking(self) -> tuple[str, ...]:
        """Fingerprints of the open findings."""
        return tuple(fp for fp, status in self.statuses.items() if status is Status.OPEN)

    @property
    def passed(self) -> bool:
        """No open finding, no unjustified suppression, no file left unanalysed."""
        return not self.blocking and not self.unjustified and not self.not_analysed

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
        return "static analysis failed: " + ", ".join(parts)


def decide(report: SastReport, policy: ResolvedRequirement, waivers: WaiverRegister, today: date) -> Decision:
    """Apply the policy's SI-1 thresholds, the baseline and the waivers to every finding."""
    severity = Level(policy.severity_threshold.value) if policy.severity_threshold else Level.LOW
    confidence = Level(policy.confidence_threshold.value) if policy.confidence_threshold else Level.LOW
    statuses: dict[str, Status] = {}
    applied: dict[str, str] = {}
    for finding in report.findings:
        waiver = waivers.for_finding(finding.fingerprint, today)
        if finding.severity.rank < severity.rank or finding.confidence.rank < confidence.rank:
            status = Status.BELOW_THRESHOLD
        elif finding.baselined:
            status = Status.BASELINED
        elif waiver is not None:
            status = Status.WAIVED
        else:
            status = Status.OPEN
        if waiver is not None:
            applied[finding.fingerprint] = waiver.id
        statuses[finding.fingerprint] = status
    return Decision(
        severity=severity,
        confidence=confidence,
        statuses=statuses,
        waivers=applied,
        unjustified=sum(1 for s in report.suppressions if s.problems),
        not_analysed=len(report.not_analysed),
    )


def _line(finding: Finding, decision: Decision) -> str:
    status = decision.statuses[finding.fingerprint]
    note = ""
    match status:
        case Status.OPEN:
            note = ""
        case Status.BASELINED:
            note = "  [baselined]"
        case Status.WAIVED:
            note = f"  [waived by {decision.waivers[finding.fingerprint]}]"
        case Status.BELOW_THRESHOLD:
            note = "  [below threshold]"
    return (
        f"{finding.path}:{finding.line}:{finding.column}: {finding.test_id} "
        f"{finding.severity.value}/{finding.confidence.value} {finding.text}  ({finding.fingerprint}){note}"
    )


def render_console(report: SastReport, decision: Decision) -> str:
    """Findings, suppressions and files not analysed, for people."""
    lines = [_line(finding, decision) for finding in report.findings]
    for suppression in report.suppressions:
        if suppression.problems:
            problems = ", ".join(p.value.replace("_", " ") for p in suppression.problems)
            lines.append(f"{suppression.path}:{suppression.line}: unjustified # nosec ({problems})")
    lines += [f"{item.path}: not analysed: {item.reason}" for item in report.not_analysed]
    justified = sum(1 for s in report.suppressions if not s.problems)
    lines.append(
        f"bandit {report.scanner_version}: {report.analysed} file(s) analysed, {len(report.excluded)} excluded, "
        f"{len(report.findings)} finding(s), {justified} justified suppression(s); thresholds severity >= "
        f"{decision.severity.value}, confidence >= {decision.confidence.value}"
    )
    lines.append(decision.summary)
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
    }
    return pretty_json(document)
