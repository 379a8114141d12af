"""Criteria on the threat model, the security requirements and the tests traced to them (SR, SD, SVV-1/2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sdl_gate._text import first_and_more
from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._base import Criterion, Finding, Outcome
from sdl_gate.checks._criteria import record_problems
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.checks._test_provenance import AdmittedResults, admitted_results
from sdl_gate.collectors.test_results import TestOutcome, TestResult
from sdl_gate.evidence import EvidenceKind
from sdl_gate.payloads import (
    RecordsPayload,
    SecurityRequirementsPayload,
    TestMapFacts,
    TestResultsPayload,
    ThreatModelPayload,
)
from sdl_gate.placeholders import MIN_CONTENT_CHARS, PlaceholderKind, find_placeholder
from sdl_gate.record_kinds import RecordKind
from sdl_gate.threatmodel import analysis
from sdl_gate.threatmodel.freshness import Freshness, FreshnessStatus
from sdl_gate.threatmodel.model import ThreatModel
from sdl_gate.threatmodel.requirements import SecurityRequirement, Verification
from sdl_gate.threatmodel.test_map import listed_for

TM = EvidenceKind.THREAT_MODEL
REQ = EvidenceKind.SECURITY_REQUIREMENTS
TESTS = EvidenceKind.TEST_RESULTS
DEFAULT_REVIEW_AGE_DAYS = 365
MAX_NAMED = 12
_NO_REQUIREMENT = "the security requirements file defines no requirement"


@dataclass(frozen=True)
class ModelView:
    """A threat model that exists: where it is, the model, and whether its review is current."""

    path: str
    model: ThreatModel
    freshness: Freshness


@dataclass(frozen=True)
class RequirementsView:
    """A requirements file that defines requirements, and the test map beside it."""

    path: str
    requirements: tuple[SecurityRequirement, ...]
    test_map: TestMapFacts | None


def present_model(evaluation: Evaluation, payload: ThreatModelPayload) -> ModelView | Finding:
    """The threat model, or the finding that there is none (a failure: the model is the project's to write)."""
    if not payload.present:
        return evaluation.finding(Outcome.FAIL, f"no threat model at {payload.path}")
    if payload.model is None or payload.freshness is None:
        return evaluation.finding(
            Outcome.NOT_AVAILABLE, f"threat-model evidence of {payload.path} holds no model or no review freshness"
        )
    return ModelView(payload.path, payload.model, payload.freshness)


def defined_requirements(evaluation: Evaluation, payload: SecurityRequirementsPayload) -> RequirementsView | Finding:
    """The requirements, or the finding that the file is missing or defines none."""
    if not payload.present:
        return evaluation.finding(Outcome.FAIL, f"no security requirements at {payload.path}")
    if not payload.requirements:
        return evaluation.finding(Outcome.FAIL, f"{payload.path} defines no requirement")
    return RequirementsView(payload.path, payload.requirements, payload.test_map)


def _missing_note(model: ThreatModel) -> str:
    if model.imported_from is None:
        return ""
    return f" (the {model.imported_from.format.value} format records no {', '.join(model.imported_from.missing[:1])})"


def _context_gaps(model: ThreatModel) -> list[str]:
    gaps: list[str] = []
    product = model.product
    environment = find_placeholder(product.intended_environment if product else None)
    if environment is not None:
        gaps.append(
            "no intended environment"
            if environment.kind is PlaceholderKind.EMPTY
            else f"the intended environment {environment.describe()}"
        )
    assumptions = list(product.assumptions) if product else []
    placeholders = [p for p in (find_placeholder(a) for a in assumptions) if p is not None]
    if not assumptions:
        gaps.append("no assumptions about the environment")
    elif len(placeholders) == len(assumptions):
        gaps.append(f"no assumption with real content (the first {placeholders[0].describe()})")
    if not model.zones:
        gaps.append("no zones")
    if len(model.zones) > 1 and not model.conduits:
        gaps.append("no conduits between the zones")
    return gaps


@criterion(
    ThreatModelPayload,
    view=present_model,
    name="security_context",
    description="a product security context: passes when the threat model states the intended environment and at "
    "least one assumption in real words (no TODO or placeholder), at least one zone, and conduits when there are "
    "several zones; no threat model fails, no threat_model evidence is not_available",
    fix="Describe the product's context in the threat model: its intended environment, the assumptions about it "
    "(with real content), and the zones and the conduits between them",
    when_empty=Outcome.FAIL,
    empty_means="the threat model states no intended environment, no assumption and no zone",
)
def security_context(evaluation: Evaluation, found: ModelView) -> Finding:
    """SR-1: the model states the intended environment, assumptions, zones (with SL-T) and conduits."""
    model, path = found.model, found.path
    gaps = _context_gaps(model)
    if gaps:
        return evaluation.finding(
            Outcome.FAIL, f"{path}: " + first_and_more(gaps, MAX_NAMED, "; ") + _missing_note(model), path
        )
    product = model.product
    assert product is not None  # noqa: S101 - the gaps above cover None
    real = [a for a in product.assumptions if find_placeholder(a) is None]
    return evaluation.finding(
        Outcome.PASS,
        f"{path}: intended environment and {len(real)} assumption(s), "
        f"{len(model.zones)} zone(s), {len(model.conduits)} conduit(s)",
        path,
        examined=1 + len(real) + len(model.zones) + len(model.conduits),
    )


@criterion(
    ThreatModelPayload,
    view=present_model,
    name="threat_coverage",
    description="threat coverage: passes when the model has threats and boundary-crossing flows, every such flow has "
    "a threat, and every threat a severity and a complete disposition whose mitigations, rationale and "
    "approver are real content; no threats or no boundary-crossing flow fails, no threat_model evidence "
    "is not_available",
    fix="Add threats for every data flow that crosses a trust boundary in the threat model, each with a "
    "disposition (mitigated, accepted or transferred)",
    when_empty=Outcome.FAIL,
    empty_means="the threat model lists no threat, or no flow crosses a zone or trust boundary",
)
def threat_coverage(evaluation: Evaluation, found: ModelView) -> Finding:
    """SR-2: every boundary-crossing flow has a threat; every threat has a severity and a complete disposition."""
    model, path = found.model, found.path
    gaps = analysis.coverage_gaps(model)
    if gaps:
        return evaluation.finding(Outcome.FAIL, f"{path}: " + first_and_more(gaps, MAX_NAMED, "; "), path)
    crossing = len(analysis.boundary_flows(model))
    return evaluation.finding(
        Outcome.PASS,
        f"{path}: {len(model.threats)} threat(s), each with a severity and a disposition; "
        f"all {crossing} boundary-crossing flow(s) considered",
        path,
        examined=len(model.threats) + crossing,
    )


@criterion(
    ThreatModelPayload,
    view=present_model,
    name="threat_model_review",
    description="a current review of the threat model: passes when the latest review is within the policy's age "
    "limit and git shows that neither the model (threats, severities, mitigations, dispositions, elements) nor "
    "any file in the review's scope changed since the reviewed commit; no review, a stale review or a scope "
    "matching no file fails, a reviewed commit git cannot find is not_available",
    fix="Review the threat model again and record it in the model's reviews (or an approved review record) "
    "within the policy's review interval",
    when_empty=Outcome.FAIL,
    empty_means="the threat model records no review, or the review's scope matches no file",
)
def threat_model_review(evaluation: Evaluation, found: ModelView) -> Finding:
    """SR-2: the model's latest review is within the policy's age limit and no file in its scope changed since."""
    path, freshness = found.path, found.freshness
    if freshness.status is FreshnessStatus.NOT_REVIEWED:
        return evaluation.finding(Outcome.FAIL, f"{path} records no review{_missing_note(found.model)}", path)
    max_age = evaluation.policy.max_age_days or DEFAULT_REVIEW_AGE_DAYS
    reviewed = date.fromisoformat(str(freshness.review_date))
    if reviewed > evaluation.today:
        return evaluation.finding(
            Outcome.FAIL, f"the latest review is dated {reviewed.isoformat()}, in the future", path
        )
    if reviewed < evaluation.today - timedelta(days=max_age):
        return evaluation.finding(
            Outcome.FAIL, f"the latest review ({reviewed.isoformat()}) is older than the policy's {max_age} days", path
        )
    match freshness.status:
        case FreshnessStatus.STALE:
            return evaluation.finding(Outcome.FAIL, f"stale: {freshness.stale_summary(MAX_NAMED)}", path)
        case FreshnessStatus.EMPTY_SCOPE:
            return evaluation.finding(Outcome.FAIL, freshness.reason, path)
        case FreshnessStatus.FRESH:
            return evaluation.finding(
                Outcome.PASS,
                f"reviewed {reviewed.isoformat()} at commit {str(freshness.reviewed_commit)[:12]}; {freshness.reason}",
                path,
                # The model and each path of the review's scope (the whole tree when it names none).
                examined=1 + max(1, len(freshness.scope)),
            )
        case _:
            return evaluation.finding(
                Outcome.NOT_AVAILABLE, f"cannot tell whether the review is current: {freshness.reason}", path
            )


@criterion(
    ThreatModelPayload,
    view=present_model,
    name="boundary_characterisation",
    description="boundary characterisation: passes when the model has zones, each with an SL-T, components, each in "
    "a zone, and boundary-crossing flows, each zone-crossing one through a conduit; a model with no zone, no "
    "component or no boundary-crossing flow fails, no threat_model evidence is not_available",
    fix="Give every zone its target security level (sl_t) and mark the conduits between zones in the threat model",
    when_empty=Outcome.FAIL,
    empty_means="the threat model has no zone, no component or no flow crossing a zone boundary",
)
def boundary_characterisation(evaluation: Evaluation, found: ModelView) -> Finding:
    """SD-1: every zone has an SL-T, every component a zone, every zone-crossing flow a conduit."""
    model, path = found.model, found.path
    gaps = analysis.characterisation_gaps(model)
    if gaps:
        return evaluation.finding(Outcome.FAIL, f"{path}: " + first_and_more(gaps, MAX_NAMED, "; "), path)
    crossing = len(analysis.boundary_flows(model))
    return evaluation.finding(
        Outcome.PASS,
        f"{path}: {len(model.components)} component(s) in {len(model.zones)} zone(s) with SL-T; "
        f"{crossing} boundary-crossing flow(s) through conduits",
        path,
        examined=len(model.zones) + len(model.components) + crossing,
    )


_DEPTH_OUTCOMES = {
    analysis.DepthOutcome.MET: Outcome.PASS,
    analysis.DepthOutcome.GAPS: Outcome.FAIL,
    analysis.DepthOutcome.UNJUDGED: Outcome.NOT_AVAILABLE,
}


@criterion(
    ThreatModelPayload,
    view=present_model,
    name="defence_in_depth",
    description="defence in depth: passes when every high or critical threat has two independent mitigations with "
    "real descriptions (a TBD does not count) and no severity was lowered since the latest review; with no high "
    "or critical threat it passes only if the latest review concludes no_high_threats and the model is "
    "unchanged since, else not_available; no threat model fails, no threats or unrated threats are "
    "not_available",
    fix="Mitigate every high-severity threat with at least two independent mitigations in the threat model",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means="the threat model lists no threats, so there is no severity to judge",
)
def defence_in_depth(evaluation: Evaluation, found: ModelView) -> Finding:
    """SD-2: every high or critical threat is mitigated by at least two independent mitigations."""
    judged = analysis.judge_defence_in_depth(found.model, found.freshness)
    outcome = _DEPTH_OUTCOMES[judged.outcome]
    # A met SD-2 has rated every threat: the high ones were checked for depth, or the review ruled them out.
    examined = len(found.model.threats) if outcome is Outcome.PASS else None
    return evaluation.finding(
        outcome, f"{found.path}: " + first_and_more(judged.reasons, MAX_NAMED, "; "), found.path, examined=examined
    )


@criterion(
    SecurityRequirementsPayload,
    view=defined_requirements,
    name="security_requirements",
    description="product security requirements: passes when requirements.yaml defines requirements, each with a "
    "statement and a category in real words (no TODO or placeholder), a verification method and source threats or "
    "a source; no file or no requirement fails, no security_requirements evidence is not_available",
    fix="Write security/requirements.yaml with every security requirement given a category and a verification",
    when_empty=Outcome.FAIL,
    empty_means=_NO_REQUIREMENT,
)
def requirements_defined(evaluation: Evaluation, found: RequirementsView) -> Finding:
    """SR-3: requirements exist, each with a category, a verification method and a source (threats or other)."""
    path = found.path
    gaps: list[str] = []
    for requirement in found.requirements:
        lacking = [
            label
            for label, ok in (
                ("category", requirement.category),
                ("verification method", requirement.verification),
                ("source threats or source", requirement.threats or requirement.source),
            )
            if not ok
        ]
        if lacking:
            gaps.append(f"{requirement.id} has no {', '.join(lacking)}")
        texts = (
            ("statement", requirement.statement, MIN_CONTENT_CHARS),
            ("category", requirement.category, analysis.NAME_MIN_CHARS),
            ("source", requirement.source, analysis.NAME_MIN_CHARS),
        )
        for label, text, minimum in texts:
            placeholder = find_placeholder(text, min_chars=minimum) if text else None
            if placeholder is not None:
                gaps.append(f"{requirement.id}'s {label} {placeholder.describe()}")
    if gaps:
        return evaluation.finding(Outcome.FAIL, f"{path}: " + first_and_more(gaps, MAX_NAMED, "; "), path)
    return evaluation.finding(
        Outcome.PASS,
        f"{path}: {len(found.requirements)} requirement(s), each with a category, a source and a verification method",
        path,
        examined=len(found.requirements),
    )


@criterion(
    SecurityRequirementsPayload,
    view=defined_requirements,
    name="requirements_content",
    description="requirement content: passes when every requirement has a scope that reaches a component or zone "
    "with an SL-T, and an SL-C meeting each such SL-T; no requirements, or a scope reaching no zone with an SL-T, "
    "fails; no threat model fails (not_available when its evidence is missing)",
    fix="Give every security requirement the capability security level its zone needs (sl_c at least the zone's "
    "sl_t) and trace it to the threats it counters",
    when_empty=Outcome.FAIL,
    empty_means=_NO_REQUIREMENT,
    also_reads=(TM,),
)
def requirements_content(evaluation: Evaluation, found: RequirementsView) -> Finding:
    """SR-4: each requirement has a scope and an SL-C that meets the SL-T of the zones of its components."""
    path, requirements = found.path, found.requirements
    gaps: list[str] = []
    for requirement in requirements:
        if not requirement.scope:
            gaps.append(f"{requirement.id} has no scope")
        if requirement.sl_c is None:
            gaps.append(f"{requirement.id} has no target capability level (sl_c)")
    if gaps:
        return evaluation.finding(Outcome.FAIL, f"{path}: " + first_and_more(gaps, MAX_NAMED, "; "), path)
    model_found = evaluation.load(ThreatModelPayload, present_model)
    if isinstance(model_found, Finding):
        return evaluation.citing(*model_found.evidence).finding(
            Outcome.NOT_AVAILABLE if model_found.outcome is Outcome.NOT_AVAILABLE else Outcome.FAIL,
            f"cannot compare SL-C with the zones' SL-T: {model_found.message}",
        )
    model = model_found.payload.model
    zones = {z.id: z.sl_t for z in model.zones}
    zone_of = analysis.zone_of(model)
    for requirement in requirements:
        compared = 0
        for element in requirement.scope:
            zone = element if element in zones else zone_of.get(element)
            target = zones.get(zone) if zone is not None else None
            if target is None:
                continue
            compared += 1
            if requirement.sl_c is not None and requirement.sl_c < target:
                where = f"zone {zone}" if zone == element else f"{element} sits in zone {zone}"
                gaps.append(f"{requirement.id} targets SL-C {requirement.sl_c} but {where} with SL-T {target}")
        if not compared:
            gaps.append(
                f"{requirement.id}'s scope reaches no component or zone with an SL-T, so its SL-C is compared "
                "with nothing"
            )
    judged = evaluation.citing(model_found.id)
    if gaps:
        return judged.finding(Outcome.FAIL, f"{path}: " + first_and_more(gaps, MAX_NAMED, "; "), path)
    return judged.finding(
        Outcome.PASS,
        f"{path}: every requirement has a scope and an SL-C meeting its zones' SL-T",
        path,
        examined=len(requirements),
    )


def reviewed_file(kind: EvidenceKind, what: str) -> Criterion:
    """An approved, current review record listing the requirement links the file ``kind`` reads, at its digest."""
    subject_model = ThreatModelPayload if kind is TM else SecurityRequirementsPayload

    @criterion(
        RecordsPayload,
        name=f"reviewed_{kind.value}",
        description=f"a review record of the {what}: passes when an approved, current review record listing the "
        f"requirement links the {what} at its current SHA-256; no such record, or no {what}, fails; missing records "
        f"or {kind.value} evidence is not_available",
        fix=f"Have the current {what} reviewed: an approved review record listing {{requirement}} that links the "
        f"file as it is now (`sdl-gate records approve ID` pins its digest again)",
        when_empty=Outcome.FAIL,
        empty_means=f"no review record lists the requirement and links the {what}",
        also_reads=(kind,),
    )
    def judge(evaluation: Evaluation, records: RecordsPayload) -> Finding:
        subject = evaluation.load(subject_model)
        if isinstance(subject, Finding):
            return subject
        evaluation = evaluation.citing(subject.id)
        if not subject.payload.present:
            return evaluation.finding(Outcome.FAIL, f"no {what} at {subject.payload.path}")
        path, digest = subject.payload.path, str(subject.payload.sha256)
        requirement = evaluation.requirement
        reasons: list[str] = []
        reviews = 0
        cannot_tell = False
        for entry in records.records:
            if requirement not in entry.requirements or entry.kind is not RecordKind.REVIEW:
                continue
            reviews += 1
            links = [link for link in entry.links if link.path == path]
            if not links:
                reasons.append(f"review {entry.id} does not link {path}")
                continue
            # A link without a pinned digest is pinned by the record's approvals, which must hold for the file now.
            if all((link.expected_sha256 or link.actual_sha256) != digest for link in links):
                reasons.append(f"review {entry.id} approved another version of {path}")
                continue
            problems = record_problems(entry, evaluation.today, evaluation.policy.max_age_days)
            register_edit = records.approver_register.edit
            state, _, why = approval_state(entry, requirement, evaluation.today, register_edit)
            cannot_tell = cannot_tell or (not problems and state is ApprovalState.CANNOT_TELL)
            if state is not ApprovalState.APPROVED:
                problems += why
            if problems:
                reasons.append(f"review {entry.id} does not count: " + "; ".join(problems))
                continue
            return evaluation.finding(
                Outcome.PASS,
                f"review {entry.id} covers {path} at its current digest",
                entry.file,
                examined=reviews,
            )
        message = " | ".join(reasons) or (
            f"no review record lists {requirement} and links {path} (sha256 {digest[:12]}...)"
        )
        return evaluation.finding(Outcome.NOT_AVAILABLE if cannot_tell else Outcome.FAIL, message, path)

    return judge


def _matches(listed: str, node_id: str) -> bool:
    """A listed test id covers the node itself and its parametrised instances."""
    return node_id == listed or node_id.startswith(listed + "[")


def _verdict_of(tests: list[TestResult]) -> tuple[bool, list[str]]:
    """Return whether linked tests verify something (one passed, none other) and the ones that did not pass."""
    bad = [f"{t.node_id} {t.outcome.value}" for t in tests if t.outcome is not TestOutcome.PASSED]
    return bool(tests) and not bad, bad


def _linked(
    results: tuple[TestResult, ...],
    listed: Iterable[str],
    field: Literal["mitigations", "requirements"],
    item_id: str,
) -> tuple[list[TestResult], list[str]]:
    """Return the results linked to an item (by marker or by listed id) and the listed ids that never ran."""
    listed = list(listed)

    def marked(test: TestResult) -> tuple[str, ...]:
        return test.mitigations if field == "mitigations" else test.requirements

    linked = [t for t in results if item_id in marked(t) or any(_matches(x, t.node_id) for x in listed)]
    missing = [x for x in listed if not any(_matches(x, t.node_id) for t in results)]
    return linked, missing


@criterion(
    TestResultsPayload,
    name="mitigation_tests",
    description="tested mitigations: passes when every mitigation with a real description has a linked test that ran "
    "and passed, and none of its tests failed, was skipped or is missing; no such mitigation fails, missing "
    "test_results or threat_model evidence is not_available; imported results count only as the policy's "
    "imported_test_results allows",
    fix="Write a passing test for every mitigation in the threat model and trace it with "
    "`@pytest.mark.security(mitigations=[...])`, then record the run with sdl-gate's pytest plugin",
    when_empty=Outcome.FAIL,
    empty_means="the threat model lists no mitigation with real content to verify (placeholders do not count)",
    also_reads=(TM, EvidenceKind.RECORDS),
)
def mitigations_tested(evaluation: Evaluation, tests: TestResultsPayload) -> Finding:
    """SVV-2: every mitigation has a passing test, and none of its tests fails, is skipped or is missing."""
    admitted = admitted_results(evaluation.check_input, tests.tests)
    return admitted.settle(evaluation.check_input, _mitigations_judged(evaluation, admitted))


def _mitigations_judged(evaluation: Evaluation, admitted: AdmittedResults) -> Finding:
    found = evaluation.load(ThreatModelPayload, present_model)
    if isinstance(found, Finding):
        return found
    evaluation = evaluation.citing(found.id)
    model = found.payload.model
    mitigations = analysis.real_mitigations(model)
    if not mitigations:
        placeholders = len(model.mitigations)
        why = f" ({placeholders} placeholder(s) do not count)" if placeholders else ""
        return evaluation.finding(
            Outcome.FAIL, f"the threat model lists no mitigation with real content to verify{why}"
        )
    gaps: list[str] = []
    for mitigation in mitigations:
        linked, missing = _linked(admitted.results, mitigation.tests, "mitigations", mitigation.id)
        verified, bad = _verdict_of(linked)
        bad += [f"{x} missing" for x in missing]
        if not linked and not missing:
            gaps.append(f"{mitigation.id} has no test")
        elif not verified or missing:
            gaps.append(f"{mitigation.id}: {', '.join(bad)}")
    if gaps:
        return evaluation.finding(Outcome.FAIL, first_and_more(gaps, MAX_NAMED, "; "), found.payload.path)
    return evaluation.finding(
        Outcome.PASS, f"all {len(mitigations)} mitigation(s) have passing tests", examined=len(mitigations)
    )


@criterion(
    TestResultsPayload,
    name="requirement_tests",
    description="tested requirements: passes when every requirement verified by test has a linked test (marked with "
    "it, listed for it in the test map, or a test of a mitigation implementing it) that ran and passed, and none "
    "failed, was skipped or is missing; no requirement verified by test fails, missing test_results or "
    "security_requirements evidence is not_available; imported results count only as the policy's "
    "imported_test_results allows",
    fix="Write a passing test for every security requirement verified by test and trace it with "
    "`@pytest.mark.security(requirements=[...])`, then record the run with sdl-gate's pytest plugin",
    when_empty=Outcome.FAIL,
    empty_means="no security requirement is verified by test, or the requirements file defines none",
    also_reads=(REQ, TM, EvidenceKind.RECORDS),
)
def requirements_tested(evaluation: Evaluation, tests: TestResultsPayload) -> Finding:
    """SVV-1: every requirement verified by test has a passing test (directly or through its mitigations)."""
    admitted = admitted_results(evaluation.check_input, tests.tests)
    return admitted.settle(evaluation.check_input, _requirements_judged(evaluation, admitted))


def _requirements_judged(evaluation: Evaluation, admitted: AdmittedResults) -> Finding:
    found = evaluation.load(SecurityRequirementsPayload, defined_requirements)
    if isinstance(found, Finding):
        return found
    evaluation = evaluation.citing(found.id)
    model: ThreatModel | None = None
    model_found = evaluation.load(ThreatModelPayload)
    if isinstance(model_found, Finding):
        if model_found.evidence:
            return model_found  # a threat model that cannot be read could link failing tests: never judge without it
    else:
        evaluation = evaluation.citing(model_found.id)
        if model_found.payload.present:
            model = model_found.payload.model
    results = admitted.results
    by_requirement = analysis.mitigations_by_requirement(model) if model else {}
    test_map: dict[str, list[str]] = found.payload.test_map.tests if found.payload.test_map else {}
    mitigations = {m.id: m for m in model.mitigations} if model else {}
    gaps: list[str] = []
    other: list[str] = []
    tested = 0
    for requirement in found.payload.requirements:
        if requirement.verification not in (None, Verification.TEST):
            other.append(f"{requirement.id} ({requirement.verification.value})")
            continue
        tested += 1
        listed = [x for m in by_requirement.get(requirement.id, []) for x in mitigations[m].tests]
        listed += listed_for(test_map, requirement.id)
        via = set(by_requirement.get(requirement.id, []))
        linked, missing = _linked(results, listed, "requirements", requirement.id)
        linked += [t for t in results if via & set(t.mitigations) and t not in linked]
        verified, bad = _verdict_of(linked)
        bad += [f"{x} missing" for x in missing]
        if not linked and not missing:
            gaps.append(f"{requirement.id} has no test")
        elif not verified or missing:
            gaps.append(f"{requirement.id}: {', '.join(bad)}")
    note = f"; verified otherwise: {', '.join(other)}" if other else ""
    if not tested:
        return evaluation.finding(Outcome.FAIL, f"no requirement is verified by test{note}")
    if gaps:
        return evaluation.finding(Outcome.FAIL, first_and_more(gaps, MAX_NAMED, "; ") + note, found.payload.path)
    return evaluation.finding(
        Outcome.PASS, f"all {tested} requirement(s) verified by test have passing tests{note}", examined=tested
    )
