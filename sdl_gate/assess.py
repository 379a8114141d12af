"""Findings + policy + waivers -> Assessment: verdicts, practice scores, indicative maturity, the decision.

``assess`` is a pure function of its inputs: the same evidence, policy, waivers, catalogue and date
always give the same Assessment, byte for byte once rendered.
"""

from __future__ import annotations

import enum
import itertools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sdl_gate import __version__
from sdl_gate.bundle.snapshots import HistoryPayload, ReleaseSnapshot
from sdl_gate.catalogue import Catalogue, Requirement
from sdl_gate.checks import CHECKS, CheckInput, Finding, Outcome
from sdl_gate.checks._criteria import record_problems
from sdl_gate.evidence import EvidenceKind, EvidenceSet
from sdl_gate.policy.models import Mode, Policy
from sdl_gate.policy.waivers import Vex, WaiverRegister, WaiverState

SCHEMA_VERSION: Literal[1] = 1
MATURITY_BASIS = (
    "Indicative only. ML2 means every applicable requirement of the practice is satisfied by current, "
    "approved evidence for this release. ML3 also needs the practice complete in the two most recent earlier "
    "releases whose signed bundles verified (history evidence, `check --history DIR`); ML4 also needs the "
    "practice's active waivers to have fallen over those releases, never rising. Without history, ML3 and ML4 "
    "are never awarded."
)
#: The record kind an SM-5 scoping decision is written as (the kind SM-5 itself asks for).
SCOPING_RECORD_KIND = "process_document"
#: How many earlier verified releases ML3 and ML4 look at.
HISTORY_WINDOW = 2


class Verdict(str, enum.Enum):
    """A requirement's verdict."""

    SATISFIED = "satisfied"
    PARTIALLY_SATISFIED = "partially_satisfied"
    NOT_SATISFIED = "not_satisfied"
    NOT_ASSESSED = "not_assessed"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"


class Maturity(str, enum.Enum):
    """Indicative maturity levels (from CMMI), per practice."""

    ML1 = "ML1"
    ML2 = "ML2"
    ML3 = "ML3"
    ML4 = "ML4"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FindingResult(_Out):
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


class RequirementResult(_Out):
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


class PracticeResult(_Out):
    """The score and indicative maturity of one practice."""

    id: str
    title: str
    score: float = Field(ge=0, le=1)
    maturity: Maturity
    requirements: int
    verdicts: dict[str, int]


class WaiverResult(_Out):
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


class Decision(_Out):
    """Whether the gate passes, and which requirements block it."""

    passed: bool
    blocking: list[str]
    summary: str


class PolicyRef(_Out):
    """Which policy was applied."""

    name: str
    source: str
    digest: str


class ToolRef(_Out):
    """A tool whose output fed the assessment."""

    name: str
    version: str


class EvidenceRef(_Out):
    """A piece of evidence the assessment used."""

    id: str
    kind: str
    tool: ToolRef


class ProductRef(_Out):
    """The product assessed."""

    name: str
    version: str | None
    commit: str | None


class Assessment(_Out):
    """The result of assessing one commit of a product against a policy (``schema_version`` 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="sdl-gate assessment")

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
            "waiver_expiry",
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


def _names(entry: dict[str, Any], requirement_id: str) -> bool:
    """Whether a record names ``requirement_id``: in its requirements, or in its title or notes."""
    if requirement_id in entry["requirements"]:
        return True
    pattern = re.compile(rf"(?<![A-Za-z0-9-]){re.escape(requirement_id)}(?![0-9])")
    return any(pattern.search(str(entry.get(field) or "")) for field in ("title", "notes"))


def scoping_decision(evidence: EvidenceSet, requirement_id: str, today: date) -> tuple[str | None, str]:
    """Return the approved SM-5 scoping record that scopes ``requirement_id`` out, or None and why there is none."""
    found = evidence.of(EvidenceKind.RECORDS)
    if not found:
        return None, "no records evidence was collected, so no SM-5 scoping decision could be found"
    reasons: list[str] = []
    for entry in found[0].payload["records"]:
        if entry["kind"] != SCOPING_RECORD_KIND or "SM-5" not in entry["requirements"]:
            continue
        if not _names(entry, requirement_id):
            continue
        problems = record_problems(entry, today, None)
        if not problems:
            return str(entry["id"]), f"scoping record {entry['id']} approved by {entry['approval']['approver']}"
        reasons.append(f"record {entry['id']} does not count: " + "; ".join(problems))
    if reasons:
        return None, " | ".join(reasons)
    return None, (
        f"no approved {SCOPING_RECORD_KIND} record listing SM-5 names {requirement_id}; a requirement is scoped "
        "out only by an approved SM-5 scoping decision"
    )


def assess_requirement(
    requirement: Requirement, evidence: EvidenceSet, policy: Policy, waivers: WaiverRegister, today: date
) -> RequirementResult:
    """Run one requirement's check and turn its findings into a verdict under the policy."""
    entry = policy.requirements[requirement.id]
    mode = entry.effective_mode(today)
    waiver_id: str | None = None
    unproven_scoping = False
    if mode is Mode.NOT_APPLICABLE:
        findings: tuple[Finding, ...] = ()
        record_id, why = scoping_decision(evidence, requirement.id, today)
        if record_id is not None:
            verdict, score = Verdict.NOT_APPLICABLE, 1.0
            rationale = f"Not applicable under policy {policy.name} ({why}): {entry.justification}"
        else:
            # The policy's word alone does not scope a requirement out: without the approved decision it fails.
            unproven_scoping = True
            verdict, score = Verdict.NOT_SATISFIED, 0.0
            rationale = f"Not satisfied: policy {policy.name} marks it not_applicable, but {why}."
            findings = (Finding(requirement.id, "scoping_decision", Outcome.FAIL, why),)
    else:
        check_input = CheckInput(requirement.id, evidence, entry, waivers, today)
        findings = CHECKS[requirement.id].run(check_input)
        findings += _expired_waiver_findings(waivers, requirement.id, today)
        scored = score_findings(findings)
        verdict, score = scored.verdict, scored.score
        rationale = _rationale(verdict, findings)
        waiver = waivers.for_requirement(requirement.id, today)
        if waiver is not None and verdict not in (Verdict.SATISFIED, Verdict.NOT_APPLICABLE):
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
            )
            for f in findings
        ],
        evidence=sorted({e for f in findings for e in f.evidence}),
        waiver=waiver_id,
        remediation=requirement.remediation,
    )


def _history(evidence: EvidenceSet, today: date, product: str) -> list[ReleaseSnapshot]:
    """Return the earlier verified releases of ``product`` before ``today``, oldest first, one per commit."""
    releases: dict[str, ReleaseSnapshot] = {}
    for item in evidence.of(EvidenceKind.HISTORY):
        for release in HistoryPayload.model_validate(item.payload).releases:
            if release.product == product and release.assessed_on < today:
                key = release.commit or release.sha256
                if key not in releases or releases[key].assessed_on <= release.assessed_on:
                    releases[key] = release
    return sorted(releases.values(), key=lambda r: (r.assessed_on, r.bundle))


def _maturity(practice_id: str, complete: bool, waivers_now: int, history: list[ReleaseSnapshot]) -> Maturity:
    """ML1/ML2 from this release; ML3 when also complete in the window; ML4 when its waivers fell over it."""
    if not complete:
        return Maturity.ML1
    window = history[-HISTORY_WINDOW:]
    snapshots = [next((p for p in r.practices if p.id == practice_id), None) for r in window]
    if len(window) < HISTORY_WINDOW or not all(s is not None and s.complete for s in snapshots):
        return Maturity.ML2
    counts = [s.waivers for s in snapshots if s is not None] + [waivers_now]
    if all(later <= earlier for earlier, later in itertools.pairwise(counts)) and counts[-1] < counts[0]:
        return Maturity.ML4
    return Maturity.ML3


def _practice(
    practice_id: str, title: str, results: list[RequirementResult], waivers_now: int, history: list[ReleaseSnapshot]
) -> PracticeResult:
    applicable = [r for r in results if r.verdict is not Verdict.NOT_APPLICABLE]
    score = round(sum(r.score for r in applicable) / len(applicable), 4) if applicable else 1.0
    complete = all(r.verdict is Verdict.SATISFIED for r in applicable)
    verdicts = {v.value: sum(1 for r in results if r.verdict is v) for v in Verdict}
    return PracticeResult(
        id=practice_id,
        title=title,
        score=score,
        maturity=_maturity(practice_id, complete, waivers_now, history),
        requirements=len(results),
        verdicts=verdicts,
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
    results = [assess_requirement(r, evidence, policy, waivers, today) for r in catalogue.requirements]
    history = _history(evidence, today, product.name)
    practice_of = {r.id: r.practice for r in results}
    active_waivers = [
        practice_of.get(w.scope.target_requirement)
        for w in waivers.waivers
        if waivers.state(w, today) is WaiverState.ACTIVE
    ]
    practices = [
        _practice(
            p.id,
            p.title,
            [r for r in results if r.practice == p.id],
            sum(1 for practice in active_waivers if practice == p.id),
            history,
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
