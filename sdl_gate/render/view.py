"""What every report format shares: verdict labels, finding topics, locations and where a report came from.

Renderers present an assessment and never decide: everything here reads the Assessment as it is.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sdl_gate.assess import Assessment, FindingResult, RequirementResult, Verdict, WaiverResult
from sdl_gate.checks import Outcome
from sdl_gate.render.diagram import ZoneDiagram


class SourceKind(str, enum.Enum):
    """Where the assessment a report presents came from, which says how far it can be trusted."""

    CHECK_RUN = "check_run"
    ASSESSMENT_FILE = "assessment_file"
    VERIFIED_BUNDLE = "verified_bundle"
    #: The report ``bundle create`` puts inside the bundle, before anyone has verified it.
    BUNDLED = "bundled"


@dataclass(frozen=True)
class ReportInput:
    """An assessment plus what a report says about its origin, and optional data a format can draw."""

    assessment: Assessment
    source: SourceKind
    origin: str
    #: Evidence id -> path of the normalised evidence inside a bundle (only known for bundle input).
    bundle_paths: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: The threat model's zones, components and flows, when the input carries them.
    diagram: ZoneDiagram | None = None

    def provenance(self) -> str:
        """Return one sentence a reader needs to judge how far this report can be trusted."""
        match self.source:
            case SourceKind.CHECK_RUN:
                return f"Rendered directly by `sdl-gate check` ({self.origin})."
            case SourceKind.ASSESSMENT_FILE:
                return (
                    f"Rendered from the assessment file {self.origin}. An assessment file is not signed: "
                    "its content has not been verified against a release-evidence bundle."
                )
            case SourceKind.VERIFIED_BUNDLE:
                return (
                    f"Rendered from the release-evidence bundle {self.origin}, whose signature and digests verified "
                    "and whose assessment was re-derived identically from its evidence."
                )
            case SourceKind.BUNDLED:
                return (
                    f"Rendered by `sdl-gate bundle create` into the release-evidence bundle of {self.origin}. The "
                    "bundle's signed manifest covers this file, and `sdl-gate bundle verify` checks that it is the "
                    "report of the re-derived assessment: verify the bundle before relying on it."
                )


def verdict_label(verdict: Verdict) -> str:
    """Return the verdict as words people read."""
    match verdict:
        case Verdict.SATISFIED:
            return "Satisfied"
        case Verdict.PARTIALLY_SATISFIED:
            return "Partially satisfied"
        case Verdict.NOT_SATISFIED:
            return "Not satisfied"
        case Verdict.NOT_ASSESSED:
            return "Not assessed"
        case Verdict.NOT_APPLICABLE:
            return "Not applicable"
        case Verdict.WAIVED:
            return "Waived"


def verdict_symbol(verdict: Verdict) -> str:
    """Return a symbol that tells verdicts apart without colour."""
    match verdict:
        case Verdict.SATISFIED:
            return "\u2714"  # heavy check mark
        case Verdict.PARTIALLY_SATISFIED:
            return "\u25d0"  # circle with left half black
        case Verdict.NOT_SATISFIED:
            return "\u2718"  # heavy ballot x
        case Verdict.NOT_ASSESSED:
            return "?"
        case Verdict.NOT_APPLICABLE:
            return "\u2013"  # en dash
        case Verdict.WAIVED:
            return "~"


def outcome_label(outcome: Outcome) -> str:
    """Return a criterion outcome as words people read."""
    match outcome:
        case Outcome.PASS:
            return "pass"
        case Outcome.FAIL:
            return "fail"
        case Outcome.NOT_AVAILABLE:
            return "not available"
        case Outcome.NOT_APPLICABLE:
            return "not applicable"
        case Outcome.ERROR:
            return "error"


class Topic(str, enum.Enum):
    """The finding sections a report shows besides the matrix, keyed by the evidence kind they come from."""

    SAST = "sast"
    VULNERABILITIES = "vulnerability_audit"
    THREAT_MODEL = "threat_model"

    def title(self) -> str:
        """Return the section title."""
        match self:
            case Topic.SAST:
                return "Static analysis"
            case Topic.VULNERABILITIES:
                return "Known vulnerabilities"
            case Topic.THREAT_MODEL:
                return "Threat model"


@dataclass(frozen=True)
class TopicFinding:
    """A finding in a topic section, with the requirement it belongs to."""

    requirement: RequirementResult
    finding: FindingResult


def evidence_kinds(assessment: Assessment) -> dict[str, str]:
    """Map each evidence id the assessment used to its kind."""
    return {ref.id: ref.kind for ref in assessment.evidence}


def finding_topic(finding: FindingResult, kinds: Mapping[str, str]) -> Topic | None:
    """Return the topic a finding belongs to, from the kinds of the evidence it read (or its criterion's name)."""
    names = {kinds.get(evidence_id, "") for evidence_id in finding.evidence}
    # A criterion that found no evidence at all is named after the kind it needed.
    names.add(finding.criterion)
    for topic in Topic:
        if topic.value in names:
            return topic
    return None


def topic_findings(assessment: Assessment) -> dict[Topic, list[TopicFinding]]:
    """Group the assessment's findings by topic; within a topic, problems come before passes."""
    kinds = evidence_kinds(assessment)
    grouped: dict[Topic, list[TopicFinding]] = {topic: [] for topic in Topic}
    for requirement in assessment.requirements:
        for finding in requirement.findings:
            topic = finding_topic(finding, kinds)
            if topic is not None:
                grouped[topic].append(TopicFinding(requirement, finding))
    for items in grouped.values():
        items.sort(key=lambda item: item.finding.outcome is Outcome.PASS)
    return grouped


def topic_has_evidence(assessment: Assessment, topic: Topic) -> bool:
    """Whether the assessment used any evidence of the topic's kind."""
    return any(ref.kind == topic.value for ref in assessment.evidence)


def imported_test_notes(assessment: Assessment) -> list[str]:
    """The test-result findings that rest on, or refused, imported results: shown even when they pass."""
    return [
        f"{requirement.id} {finding.criterion}: {finding.outcome.value}: {finding.message}"
        for requirement in assessment.requirements
        for finding in requirement.findings
        if finding.imported_results
    ]


def problem_findings(result: RequirementResult) -> Iterator[FindingResult]:
    """Yield the findings that keep a requirement from being satisfied."""
    for finding in result.findings:
        if finding.is_problem:
            yield finding


def fix_text(result: RequirementResult) -> str:
    """What would satisfy the requirement: each failing criterion's own fix, else the requirement's remediation."""
    if result.refresh:
        # Stale evidence: the one command that refreshes it comes before anything else would help.
        return result.remediation
    own = [f"{fix.rstrip('.')}." for fix in dict.fromkeys(f.fix for f in problem_findings(result) if f.fix)]
    return " ".join(own) or result.remediation


def ordered_requirements(assessment: Assessment) -> list[RequirementResult]:
    """Return the requirements with blocking ones first, then other unmet ones, then the rest, stable."""

    def rank(result: RequirementResult) -> int:
        if result.blocking:
            return 0
        return 1 if result.is_problem else 2

    return sorted(assessment.requirements, key=rank)


_LOCATION = re.compile(r"^(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+)(?::(?P<column>\d+))?)?$")


@dataclass(frozen=True)
class FileLocation:
    """A finding location that names a file in the project, optionally a line and column."""

    path: str
    line: int | None
    column: int | None


def file_location(location: str | None) -> FileLocation | None:
    """Parse ``path``, ``path:line`` or ``path:line:column``; anything else (a URL, free text) is not a file."""
    if not location or "://" in location or location.startswith(("/", "\\")):
        return None
    match = _LOCATION.match(location)
    if match is None:
        return None
    line = match.group("line")
    column = match.group("column")
    return FileLocation(
        path=match.group("path").replace("\\", "/"),
        line=int(line) if line and int(line) > 0 else None,
        column=int(column) if column and int(column) > 0 else None,
    )


def vex_state(waiver: WaiverResult) -> str | None:
    """Return the VEX state a vulnerability waiver records, when the assessment carries one."""
    return waiver.vex.state.value if waiver.vex is not None else None


def finding_waivers(assessment: Assessment, finding: FindingResult) -> list[WaiverResult]:
    """Return the waivers the assessment names on a finding (shown beside it), from the register's entries."""
    named = set(finding.waivers)
    return [waiver for waiver in assessment.waivers if waiver.id in named]
