"""Findings + policy + waivers -> Assessment: verdicts, practice scores, indicative maturity, the decision.

``assess`` is a pure function of its inputs: the same evidence, policy, waivers, catalogue and date
always give the same Assessment, byte for byte once rendered.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError

from sdl_gate import __version__
from sdl_gate._model import FrozenModel
from sdl_gate._text import first_and_more
from sdl_gate.approvals.state import ExceptionStatus
from sdl_gate.catalogue import Automation, Catalogue, Requirement
from sdl_gate.checks import CHECKS, Check, CheckInput, Finding, Outcome
from sdl_gate.checks.api import ApprovalState, approval_state, record, record_problems
from sdl_gate.evidence import EvidenceKind, EvidenceSet
from sdl_gate.history_metrics import Metric, Trend, measure, release_label, released_versions
from sdl_gate.history_payload import HistoryPayload, ReleaseSnapshot
from sdl_gate.payloads import RecordEntry, RecordsPayload, Unusable, typed
from sdl_gate.policy.models import MaturityRules, Mode, Policy
from sdl_gate.policy.waivers import Vex, WaiverRegister, WaiverState
from sdl_gate.record_kinds import RecordKind

SCHEMA_VERSION: Literal[1] = 1
MATURITY_BASIS = (
    "Indicative only. ML2 means every applicable requirement of the practice is satisfied by current, "
    "approved evidence for this release. ML3 also needs the practice complete in the policy's number of earlier "
    "released versions in a row (distinct versions whose signed bundles verified, `check --history DIR`; the "
    "latest bundle of a version stands for it), spanning the policy's number of days from first to last. ML4 "
    "also needs a process metric of the practice, measured from the verified evidence of those releases, to "
    "have improved: its value in the last release that measured it strictly lower than in the first (equal is "
    "flat, not improved). The releases, the metrics and their values are listed per practice. Without history, "
    "ML3 and ML4 are never awarded."
)
#: The requirement whose check also reads the verdicts of the rest of the same assessment (process verification).
PROCESS_VERIFICATION = "SM-12"
#: How many incomplete requirements process verification names before it counts the rest.
SHOWN_INCOMPLETE = 10
#: Criteria decided from the assessment itself rather than from evidence, by requirement (for `explain`).
ASSESSMENT_CRITERIA: dict[str, str] = {
    PROCESS_VERIFICATION: "every other requirement the policy enforces is satisfied, waived or not applicable in "
    "this same assessment",
}
#: The record kind an SM-5 scoping decision is written as (the kind SM-5 itself asks for).
SCOPING_RECORD_KIND = RecordKind.PROCESS_DOCUMENT
#: The finding the assessment adds when a class H requirement would pass on automated evidence alone.
HUMAN_RECORD_CRITERION = "human_record"
#: The finding the assessment adds for each expired waiver of a requirement.
EXPIRED_WAIVER_CRITERION = "waiver_expiry"


class Verdict(str, enum.Enum):
    """A requirement's verdict."""

    SATISFIED = "satisfied"
    PARTIALLY_SATISFIED = "partially_satisfied"
    NOT_SATISFIED = "not_satisfied"
    NOT_ASSESSED = "not_assessed"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"

    @property
    def is_problem(self) -> bool:
        """Whether the requirement is unmet: anything but satisfied or not applicable (a waived one is shown)."""
        return self not in (Verdict.SATISFIED, Verdict.NOT_APPLICABLE)


class Maturity(str, enum.Enum):
    """Indicative maturity levels (from CMMI), per practice."""

    ML1 = "ML1"
    ML2 = "ML2"
    ML3 = "ML3"
    ML4 = "ML4"


class OccurrenceResult(FrozenModel):
    """One located item behind a finding, shown on its own with its own waiver."""

    location: str
    message: str
    key: str = Field(description="What identifies the item across runs (a static-analysis fingerprint).")
    waiver: str | None = Field(default=None, description="The waiver in force that accepts this item; null when open.")


class FindingResult(FrozenModel):
    """One criterion's finding as it appears in the assessment."""

    criterion: str
    outcome: Outcome
    message: str
    evidence: list[str]
    location: str | None
    examined: int | None = Field(
        default=None,
        ge=0,
        description="How many items the criterion examined (files, dependencies, tests, records...); null when it "
        "did not get as far as counting. A criterion that examined nothing never passes.",
    )
    human_record: bool = Field(
        default=False,
        description="Whether the finding rests on a signed, counting human record; a class H requirement is "
        "satisfied only when one of its passing findings does.",
    )
    fix: str | None = Field(
        default=None,
        description="What would turn this criterion's answer into a pass; null when it passed or has no advice.",
    )
    occurrences: list[OccurrenceResult] = Field(
        default_factory=list,
        description="The located items the criterion judged one by one (open and waived); code scanning shows "
        "each on its own.",
    )
    waivers: list[str] = Field(
        default_factory=list,
        description="The ids of the finding and vulnerability waivers that name an item this criterion judged, in "
        "force or not, as the assessment matched them (see `waivers` for their state).",
    )

    imported_results: bool = Field(
        default=False,
        description="Whether the answer rests on, or refused, imported test results (reports note it even on a pass).",
    )

    @property
    def is_problem(self) -> bool:
        """Whether this finding keeps its requirement from being satisfied."""
        return self.outcome.is_problem


class RefreshAdvice(FrozenModel):
    """Evidence a requirement reads that was rejected only as stale, and the command that records it again."""

    kind: str
    command: str


class RequirementResult(FrozenModel):
    """The verdict on one requirement."""

    id: str
    practice: str
    title: str
    verdict: Verdict
    score: float = Field(ge=0, le=1)
    rationale: str
    mode: Mode = Field(description="The mode in force on the assessment date.")
    blocking: bool
    findings: list[FindingResult]
    evidence: list[str]
    waiver: str | None = Field(description="The waiver that covers the requirement, when its verdict is waived.")
    remediation: str
    refresh: list[RefreshAdvice] = Field(
        default_factory=list,
        description="Stale evidence the requirement reads and the command that refreshes each; when present, "
        "the remediation begins with them, since refreshing comes before anything else would help.",
    )

    @property
    def is_problem(self) -> bool:
        """Whether the requirement is unmet (waived included: a waived requirement is always shown)."""
        return self.verdict.is_problem


class ReleaseRef(FrozenModel):
    """An earlier released version whose verified bundle counted towards a practice's maturity."""

    version: str
    assessed_on: date
    bundle: str


class MetricResult(FrozenModel):
    """One process metric over the releases of a practice's maturity, with the value in each."""

    metric: Metric
    description: str
    values: list[float | None] = Field(description="One per release, in order; null where it was not measured.")
    trend: Trend


class MaturityEvidence(FrozenModel):
    """What a practice's indicative maturity rests on: the releases, the span, the metrics and the conclusion."""

    releases: list[ReleaseRef] = Field(
        description="The most recent earlier released versions in a row with the practice complete, oldest first."
    )
    span_days: int = Field(ge=0, description="Days from the first of those releases to the last.")
    min_releases: int
    min_span_days: int
    metrics: list[MetricResult] = Field(description="Measured over those releases once they reach ML3.")
    conclusion: str


class PracticeResult(FrozenModel):
    """The score and indicative maturity of one practice."""

    id: str
    title: str
    score: float = Field(ge=0, le=1)
    maturity: Maturity
    maturity_evidence: MaturityEvidence
    requirements: int
    verdicts: dict[str, int]


class WaiverResult(FrozenModel):
    """A waiver in the register and its state on the assessment date."""

    id: str
    kind: str
    target: str
    requirement: str
    state: WaiverState
    requester: str
    approver: str
    expires: str
    justification: str
    vex: Vex | None = Field(default=None, description="The VEX statement of a vulnerability waiver.")
    approval: ExceptionStatus = Field(
        description="What verifying its signed approval found; only `approved` lets the waiver count."
    )
    approval_detail: str = Field(description="Who approved it, or why it does not count and what to do.")


class Decision(FrozenModel):
    """Whether the gate passes, and which requirements block it."""

    passed: bool
    blocking: list[str]
    summary: str


class PolicyRef(FrozenModel):
    """Which policy was applied."""

    name: str
    source: str
    digest: str


class ToolRef(FrozenModel):
    """A tool whose output fed the assessment."""

    name: str
    version: str


class EvidenceRef(FrozenModel):
    """A piece of evidence the assessment used."""

    id: str
    kind: str
    tool: ToolRef


class ProductRef(FrozenModel):
    """The product assessed."""

    name: str
    version: str | None
    commit: str | None


class Assessment(FrozenModel):
    """The result of assessing one commit of a product against a policy (``schema_version`` 1)."""

    model_config = ConfigDict(title="sdl-gate assessment")

    schema_version: Literal[1]
    generator: ToolRef
    standard: str
    product: ProductRef
    assessed_on: date
    policy: PolicyRef
    decision: Decision
    practices: list[PracticeResult]
    requirements: list[RequirementResult]
    waivers: list[WaiverResult]
    evidence: list[EvidenceRef]
    rejected_evidence: list[str]
    maturity_basis: str


@dataclass(frozen=True)
class _Scored:
    verdict: Verdict
    score: float


def score_findings(findings: tuple[Finding, ...]) -> _Scored:
    """Combine one requirement's findings into a verdict and score; unknowns never count as passes."""
    counted = [f for f in findings if f.outcome is not Outcome.NOT_APPLICABLE]
    if not counted:
        return _Scored(Verdict.NOT_APPLICABLE, 1.0)
    passes = sum(1 for f in counted if f.outcome is Outcome.PASS)
    fails = sum(1 for f in counted if f.outcome is Outcome.FAIL)
    score = round(passes / len(counted), 4)
    if passes == len(counted):
        return _Scored(Verdict.SATISFIED, 1.0)
    if fails:
        return _Scored(Verdict.PARTIALLY_SATISFIED if passes else Verdict.NOT_SATISFIED, score)
    return _Scored(Verdict.NOT_ASSESSED, score)


def _rationale(verdict: Verdict, findings: tuple[Finding, ...]) -> str:
    label = {
        Verdict.SATISFIED: "Satisfied",
        Verdict.PARTIALLY_SATISFIED: "Partially satisfied",
        Verdict.NOT_SATISFIED: "Not satisfied",
        Verdict.NOT_ASSESSED: "Not assessed",
        Verdict.NOT_APPLICABLE: "Not applicable",
        Verdict.WAIVED: "Waived",
    }[verdict]
    parts = [f"{f.criterion}: {f.outcome.value}: {f.message}" for f in findings]
    return f"{label}. " + " ".join(part if part.endswith(".") else part + "." for part in parts)


def _expired_waiver_findings(register: WaiverRegister, requirement_id: str, today: date) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            requirement_id,
            EXPIRED_WAIVER_CRITERION,
            Outcome.FAIL,
            f"waiver {w.id} for {w.scope.describe()} expired on {w.expires.isoformat()}; renew or fix",
        )
        for w in register.waivers
        if w.scope.target_requirement == requirement_id and register.state(w, today) is WaiverState.EXPIRED
    )


def _blocks(mode: Mode, verdict: Verdict, policy: Policy) -> bool:
    match mode:
        case Mode.ADVISORY | Mode.DISABLED | Mode.NOT_APPLICABLE:
            return False
        case Mode.ENFORCED:
            if verdict is Verdict.NOT_ASSESSED:
                return policy.not_assessed_blocks
            return verdict in (Verdict.NOT_SATISFIED, Verdict.PARTIALLY_SATISFIED)


def _names(entry: RecordEntry, requirement_id: str) -> bool:
    """Whether a record names ``requirement_id``: in its requirements, or in its title or notes."""
    if requirement_id in entry.requirements:
        return True
    pattern = re.compile(rf"(?<![A-Za-z0-9-]){re.escape(requirement_id)}(?![0-9])")
    return any(pattern.search(text or "") for text in (entry.title, entry.notes))


def scoping_decision(evidence: EvidenceSet, requirement_id: str, today: date) -> tuple[str | None, str, int | None]:
    """Return the approved SM-5 scoping record that scopes ``requirement_id`` out, or None and why there is none.

    The third value is how many scoping records naming the requirement were examined (None without records).
    """
    if not evidence.stored(EvidenceKind.RECORDS):
        return None, "no records evidence was collected, so no SM-5 scoping decision could be found", None
    records = typed(evidence, RecordsPayload)
    if isinstance(records, Unusable):
        return None, f"{records.reason}, so no SM-5 scoping decision could be found", None
    register_edit = records.payload.approver_register.edit
    reasons: list[str] = []
    examined = 0
    for entry in records.payload.records:
        if entry.kind is not SCOPING_RECORD_KIND or "SM-5" not in entry.requirements:
            continue
        if not _names(entry, requirement_id):
            continue
        examined += 1
        problems = record_problems(entry, today, None)
        # A scoping decision counts like any SM-5 record: only with a verified signed approval.
        state, approved, why = approval_state(entry, "SM-5", today, register_edit)
        if state is not ApprovalState.APPROVED:
            problems += why
        if not problems:
            return entry.id, f"scoping record {entry.id}: {approved}", examined
        reasons.append(f"record {entry.id} does not count: " + "; ".join(problems))
    if reasons:
        return None, " | ".join(reasons), examined
    return (
        None,
        (
            f"no approved {SCOPING_RECORD_KIND.value} record listing SM-5 names {requirement_id}; a requirement is "
            "scoped out only by an approved SM-5 scoping decision"
        ),
        examined,
    )


def human_record_rule(requirement: Requirement) -> str | None:
    """Say what a class H requirement needs beyond its check (for `explain`); None for any other class."""
    if requirement.automation is not Automation.HUMAN:
        return None
    kinds = " or ".join(requirement.record_kinds)
    return (
        f"{HUMAN_RECORD_CRITERION}: class H, so it is satisfied only when a passing finding rests on a current "
        f"{kinds} record listing {requirement.id}, signed by an entitled approver other than its author"
    )


def _human_record(requirement: Requirement, findings: tuple[Finding, ...], check_input: CheckInput) -> Finding | None:
    """The finding that keeps a class H requirement from passing on automated evidence alone, or None.

    Only a signed, counting human record evidences a class H requirement (the catalogue says which record kinds):
    when every finding passes but none rests on such a record, the requirement's own record decides.
    """
    if requirement.automation is not Automation.HUMAN:
        return None
    if score_findings(findings).verdict is not Verdict.SATISFIED:
        return None
    if any(f.outcome is Outcome.PASS and f.human_record for f in findings):
        return None
    purpose = f"{requirement.id} ({requirement.title.lower()})"
    found = record(*requirement.record_kinds, purpose=purpose).answer(check_input)
    if found.outcome is Outcome.PASS:
        return replace(found, criterion=HUMAN_RECORD_CRITERION)
    new = " or ".join(f"`sdl-gate records new {kind}`" for kind in requirement.record_kinds)
    message = (
        f"{requirement.id} is class H (only a signed human record evidences it), and its other findings rest on "
        f"automated evidence alone: it needs a signed {' or '.join(requirement.record_kinds)} record listing "
        f"{requirement.id} (start one with {new}); {found.message}"
    )
    return replace(found, criterion=HUMAN_RECORD_CRITERION, message=message)


def assess_requirement(
    requirement: Requirement,
    evidence: EvidenceSet,
    policy: Policy,
    waivers: WaiverRegister,
    today: date,
    assessed: Sequence[RequirementResult] = (),
    only: frozenset[str] | None = None,
) -> RequirementResult:
    """Run one requirement's check and turn its findings into a verdict under the policy.

    ``assessed`` holds the verdicts of the other requirements, which process verification reads. ``only`` names
    the criteria of a slice of the gate (a hook or sub-command deciding one question): just those run, by the
    same code, and the verdict is theirs; ``waiver_expiry`` among them keeps the expired-waiver findings.
    """
    entry = policy.requirements[requirement.id]
    mode = entry.effective_mode(today)
    waiver_id: str | None = None
    unproven_scoping = False
    if mode is Mode.NOT_APPLICABLE:
        findings: tuple[Finding, ...] = ()
        record_id, why, examined = scoping_decision(evidence, requirement.id, today)
        if record_id is not None:
            verdict, score = Verdict.NOT_APPLICABLE, 1.0
            rationale = f"Not applicable under policy {policy.name} ({why}): {entry.justification}"
        else:
            # The policy's word alone does not scope a requirement out: without the approved decision it fails.
            unproven_scoping = True
            verdict, score = Verdict.NOT_SATISFIED, 0.0
            rationale = f"Not satisfied: policy {policy.name} marks it not_applicable, but {why}."
            findings = (Finding(requirement.id, "scoping_decision", Outcome.FAIL, why, examined=examined),)
    else:
        check_input = CheckInput(requirement.id, evidence, entry, waivers, today)
        check = CHECKS[requirement.id]
        if only is not None:
            check = Check(requirement.id, tuple(c for c in check.criteria if c.name in only))
        findings = check.run(check_input)
        if requirement.id == PROCESS_VERIFICATION and only is None:
            findings += (process_verification(requirement.id, assessed),)
        if only is None or EXPIRED_WAIVER_CRITERION in only:
            findings += _expired_waiver_findings(waivers, requirement.id, today)
        human = _human_record(requirement, findings, check_input) if only is None else None
        if human is not None:
            findings += (human,)
        scored = score_findings(findings)
        verdict, score = scored.verdict, scored.score
        rationale = _rationale(verdict, findings)
        waiver = waivers.for_requirement(requirement.id, today)
        if waiver is None and verdict.is_problem:
            unapproved = waivers.not_counting(waivers.matching_requirement(requirement.id), today)
            if unapproved:
                rationale = f"{rationale} " + " ".join(f"{line[0].upper()}{line[1:]}." for line in unapproved)
        if waiver is not None and verdict.is_problem:
            if entry.waivable:
                waiver_id = waiver.id
                rationale = (
                    f"Waived by {waiver.id} (requested by {waiver.requester}, approved by {waiver.approver}, expires "
                    f"{waiver.expires.isoformat()}): {waiver.justification} Underlying verdict: {rationale}"
                )
                verdict = Verdict.WAIVED
            else:
                rationale = (
                    f"{rationale} Waiver {waiver.id} does not count: policy {policy.name} does not allow waiving "
                    f"{requirement.id} (waivable: true in the policy is the operator's decision)."
                )
    refresh = _stale_refresh(requirement, evidence, findings, verdict)
    return RequirementResult(
        id=requirement.id,
        practice=requirement.practice,
        title=requirement.title,
        verdict=verdict,
        score=score,
        rationale=rationale,
        mode=mode,
        blocking=unproven_scoping or _blocks(mode, verdict, policy),
        findings=[
            FindingResult(
                criterion=f.criterion,
                outcome=f.outcome,
                message=f.message,
                evidence=list(f.evidence),
                location=f.location,
                examined=f.examined,
                human_record=f.human_record,
                fix=f.fix or None,
                occurrences=[
                    OccurrenceResult(location=o.location, message=o.message, key=o.key, waiver=o.waiver)
                    for o in f.occurrences
                ],
                waivers=_naming_waivers(f, waivers),
                imported_results=f.imported_results,
            )
            for f in findings
        ],
        evidence=sorted({e for f in findings for e in f.evidence}),
        waiver=waiver_id,
        remediation=_remediation(requirement, refresh, findings),
        refresh=refresh,
    )


def _naming_waivers(finding: Finding, waivers: WaiverRegister) -> list[str]:
    """The waivers naming an item the finding judged: those its criterion matched, and every finding waiver of a
    located item's fingerprint (one in force, or one that no longer counts and is shown with its state)."""
    named = set(finding.waivers)
    for occurrence in finding.occurrences:
        if occurrence.waiver is not None:
            named.add(occurrence.waiver)
        named.update(w.id for w in waivers.matching_finding(occurrence.key))
    return sorted(named)


def _stale_refresh(
    requirement: Requirement, evidence: EvidenceSet, findings: tuple[Finding, ...], verdict: Verdict
) -> list[RefreshAdvice]:
    """Return the evidence the unmet requirement reads that was rejected only as stale, with its refresh command.

    Test results of the previous commit are not a reason to "add tests": the fix is to record them again.
    """
    if verdict in (Verdict.SATISFIED, Verdict.NOT_APPLICABLE, Verdict.WAIVED) or not findings:
        return []
    kinds = {kind for criterion in CHECKS[requirement.id].criteria for kind in criterion.kinds}
    stale = sorted({(r.kind.value, r.refresh) for r in evidence.rejections if r.refresh and r.kind in kinds})
    return [RefreshAdvice(kind=kind, command=command) for kind, command in stale]


def _remediation(requirement: Requirement, refresh: list[RefreshAdvice], findings: tuple[Finding, ...]) -> str:
    """How to fix the requirement: first refresh evidence it reads that is only stale, naming the command."""
    if not refresh:
        return requirement.remediation
    refresh_text = " ".join(f"Refresh the stale {r.kind} evidence: {r.command}." for r in refresh)
    if all(f.outcome in (Outcome.PASS, Outcome.NOT_AVAILABLE, Outcome.NOT_APPLICABLE) for f in findings):
        return refresh_text
    return f"{refresh_text} Then: {requirement.remediation}"


def process_verification(requirement_id: str, assessed: Sequence[RequirementResult]) -> Finding:
    """Every other requirement the policy enforces is complete in this assessment (satisfied, waived or n/a).

    This reads the verdicts of the release being assessed, not any bundle made of it: a bundle cannot vouch for
    the process that produced it.
    """
    name = "process_verification"
    scoped = [r for r in assessed if r.id != requirement_id and r.mode is Mode.ENFORCED]
    if not scoped:
        return Finding(
            requirement_id, name, Outcome.NOT_AVAILABLE, "the policy enforces no other requirement: nothing to verify"
        )
    failed = [r for r in scoped if r.verdict in (Verdict.NOT_SATISFIED, Verdict.PARTIALLY_SATISFIED)]
    unknown = [r for r in scoped if r.verdict is Verdict.NOT_ASSESSED]
    waived = [r.id for r in scoped if r.verdict is Verdict.WAIVED]
    if failed or unknown:
        incomplete = [f"{r.id} {r.verdict.value.replace('_', ' ')}" for r in failed + unknown]
        listing = first_and_more(incomplete, SHOWN_INCOMPLETE, "; ")
        outcome = Outcome.FAIL if failed else Outcome.NOT_AVAILABLE
        message = f"{len(failed) + len(unknown)} of {len(scoped)} enforced requirements are not complete: {listing}"
        return Finding(requirement_id, name, outcome, message)
    suffix = f" ({len(waived)} waived: {', '.join(waived)})" if waived else ""
    return Finding(
        requirement_id,
        name,
        Outcome.PASS,
        f"all {len(scoped)} other enforced requirements are satisfied, waived or not applicable{suffix}",
    )


def _streak(practice_id: str, releases: Sequence[ReleaseSnapshot]) -> int:
    """Return where the most recent run of releases with the practice complete starts."""
    start = len(releases)
    while start > 0:
        snapshot = next((p for p in releases[start - 1].practices if p.id == practice_id), None)
        if snapshot is None or not snapshot.complete:
            break
        start -= 1
    return start


@dataclass(frozen=True)
class _PracticeHistory:
    """What a practice's maturity reads besides its own verdicts."""

    releases: Sequence[ReleaseSnapshot] = ()
    rules: MaturityRules = field(default_factory=MaturityRules)
    metrics: tuple[Metric, ...] = ()
    requirements: frozenset[str] = frozenset()


def _maturity(practice_id: str, complete: bool, history: _PracticeHistory) -> tuple[Maturity, MaturityEvidence]:
    """ML1/ML2 from this release; ML3 from released versions over time; ML4 when a process metric improved."""
    rules = history.rules
    start = _streak(practice_id, history.releases) if complete else len(history.releases)
    streak = list(history.releases[start:])
    span = (streak[-1].assessed_on - streak[0].assessed_on).days if streak else 0
    refs = [ReleaseRef(version=release_label(r), assessed_on=r.assessed_on, bundle=r.bundle) for r in streak]

    def result(
        level: Maturity, conclusion: str, metrics: Sequence[MetricResult] = ()
    ) -> tuple[Maturity, MaturityEvidence]:
        evidence = MaturityEvidence(
            releases=refs,
            span_days=span,
            min_releases=rules.min_releases,
            min_span_days=rules.min_span_days,
            metrics=list(metrics),
            conclusion=conclusion,
        )
        return level, evidence

    if not complete:
        return result(Maturity.ML1, "some applicable requirement of the practice is not satisfied in this release")
    run = f"complete in this release and in {len(streak)} earlier released version(s) in a row spanning {span} days"
    if len(streak) < rules.min_releases or span < rules.min_span_days:
        needed = f"ML3 needs {rules.min_releases} over at least {rules.min_span_days} days"
        return result(Maturity.ML2, f"{run}; {needed}")
    measured = [measure(m, history.releases, start, history.requirements) for m in history.metrics]
    metrics = [
        MetricResult(metric=m.metric, description=m.metric.description, values=list(m.values), trend=m.trend)
        for m in measured
    ]
    improved = [m for m in measured if m.trend is Trend.IMPROVED]
    if improved:
        return result(Maturity.ML4, f"{run}; improved: " + "; ".join(m.describe() for m in improved), metrics)
    if not measured:
        return result(Maturity.ML3, f"{run}; no process metric measures this practice", metrics)
    return result(
        Maturity.ML3, f"{run}; no process metric improved: " + "; ".join(m.describe() for m in measured), metrics
    )


def _practice(
    practice_id: str, title: str, results: list[RequirementResult], history: _PracticeHistory | None = None
) -> PracticeResult:
    applicable = [r for r in results if r.verdict is not Verdict.NOT_APPLICABLE]
    score = round(sum(r.score for r in applicable) / len(applicable), 4) if applicable else 1.0
    complete = all(r.verdict is Verdict.SATISFIED for r in applicable)
    verdicts = {v.value: sum(1 for r in results if r.verdict is v) for v in Verdict}
    maturity, evidence = _maturity(practice_id, complete, history or _PracticeHistory())
    return PracticeResult(
        id=practice_id,
        title=title,
        score=score,
        maturity=maturity,
        maturity_evidence=evidence,
        requirements=len(results),
        verdicts=verdicts,
    )


def _history_payloads(evidence: EvidenceSet) -> list[HistoryPayload]:
    """The history payloads that parse; a malformed one is an error finding of SM-12 and SM-13, and no history."""
    payloads = []
    for item in evidence.of(EvidenceKind.HISTORY):
        try:
            payloads.append(HistoryPayload.model_validate(item.payload))
        except ValidationError:
            continue
    return payloads


def _practice_history(
    practice_id: str, catalogue: Catalogue, releases: Sequence[ReleaseSnapshot], rules: MaturityRules
) -> _PracticeHistory:
    """The history a practice's maturity reads, and the metrics of the evidence its requirements are checked on."""
    requirements = frozenset(r.id for r in catalogue.requirements if r.practice == practice_id)
    kinds = {kind for rid in requirements for criterion in CHECKS[rid].criteria for kind in criterion.kinds}
    return _PracticeHistory(
        releases=releases,
        rules=rules,
        metrics=tuple(m for m in Metric if m.source in kinds),
        requirements=requirements,
    )


def assess(
    *,
    catalogue: Catalogue,
    evidence: EvidenceSet,
    policy: Policy,
    waivers: WaiverRegister,
    today: date,
    product: ProductRef,
) -> Assessment:
    """Assess every requirement of the catalogue and decide whether the gate passes."""
    # Process verification reads every other verdict of this assessment, so it is decided after them.
    assessed = {
        r.id: assess_requirement(r, evidence, policy, waivers, today)
        for r in catalogue.requirements
        if r.id != PROCESS_VERIFICATION
    }
    for requirement in catalogue.requirements:
        if requirement.id == PROCESS_VERIFICATION:
            assessed[requirement.id] = assess_requirement(
                requirement, evidence, policy, waivers, today, tuple(assessed.values())
            )
    results = [assessed[r.id] for r in catalogue.requirements]
    releases = released_versions(_history_payloads(evidence), today, product.name)
    practices = [
        _practice(
            p.id,
            p.title,
            [r for r in results if r.practice == p.id],
            _practice_history(p.id, catalogue, releases, policy.maturity),
        )
        for p in catalogue.practices
    ]
    blocking = [r.id for r in results if r.blocking]
    satisfied = sum(1 for r in results if r.verdict is Verdict.SATISFIED)
    summary = f"{'PASSED' if not blocking else 'FAILED'}: {satisfied} of {len(results)} requirements satisfied" + (
        f", {len(blocking)} blocking" if blocking else ""
    )
    waiver_results = [
        WaiverResult(
            id=w.id,
            kind=w.scope.kind.value,
            target=w.scope.describe(),
            requirement=w.scope.target_requirement,
            state=waivers.state(w, today),
            requester=w.requester,
            approver=w.approver,
            expires=w.expires.isoformat(),
            justification=w.justification,
            vex=w.vex,
            approval=waivers.approval(w).status,
            approval_detail=waivers.why_not_approved(w, today) or waivers.approval(w).detail,
        )
        for w in sorted(waivers.waivers, key=lambda w: w.id)
    ]
    return Assessment(
        schema_version=SCHEMA_VERSION,
        generator=ToolRef(name="sdl-gate", version=__version__),
        standard=catalogue.standard,
        product=product,
        assessed_on=today,
        policy=PolicyRef(name=policy.name, source=policy.source, digest=policy.digest),
        decision=Decision(passed=not blocking, blocking=blocking, summary=summary),
        practices=practices,
        requirements=results,
        waivers=waiver_results,
        evidence=[
            EvidenceRef(
                id=item.id,
                kind=item.evidence.kind.value,
                tool=ToolRef(name=item.evidence.tool.name, version=item.evidence.tool.version),
            )
            for item in evidence.items
        ],
        rejected_evidence=sorted(r.reason for r in evidence.rejections),
        maturity_basis=MATURITY_BASIS,
    )
