"""The assessment (assess.py) on hand-built evidence: maturity from released versions and process metrics, and
SM-12 process verification from the verdicts of the same assessment."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest

from sdl_gate.assess import (
    HUMAN_RECORD_CRITERION,
    Assessment,
    FindingResult,
    Maturity,
    PracticeResult,
    ProductRef,
    RequirementResult,
    Verdict,
    assess,
    assess_requirement,
    scoping_decision,
)
from sdl_gate.catalogue import Automation, Requirement, load_catalogue
from sdl_gate.checks import CHECKS, Outcome
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.history_metrics import Metric, Trend
from sdl_gate.history_payload import ReleaseSnapshot
from sdl_gate.policy.loader import resolve_policy
from sdl_gate.policy.models import Policy
from sdl_gate.policy.waivers import Waiver, WaiverRegister
from sdl_gate.record_kinds import RecordKind
from sdl_gate.records_workflow import requirements_accepting
from sdl_gate.render.json import render_json
from tests.conftest import approved_waivers, write
from tests.unit.checks._build import (
    COMMIT,
    TODAY,
    approval,
    bundle,
    days_ago,
    evidence_set,
    facts,
    guideline,
    history,
    record_entry,
    records,
    release,
    repository,
    seen_record,
    waiver,
)

CATALOGUE = load_catalogue()
PRACTICES = [p.id for p in CATALOGUE.practices]
PRODUCT = ProductRef(name="widget", version="2.0.0", commit=COMMIT)
GUIDELINES = ("SG-1", "SG-2", "SG-3", "SG-4", "SG-5", "SG-6")


@cache
def _ml2() -> Policy:
    return resolve_policy("iec62443-4-1-ml2")


def _assess(*items: Evidence, policy: Policy | None = None, waivers: tuple[Waiver, ...] = ()) -> Assessment:
    return assess(
        catalogue=CATALOGUE,
        evidence=evidence_set(items),
        policy=policy or _ml2(),
        waivers=approved_waivers(waivers),
        today=TODAY,
        product=PRODUCT,
    )


def _guidelines(*, missing: tuple[str, ...] = ()) -> list[Evidence]:
    """The user guidelines practice (SG) complete in this release, but for the ``missing`` documents."""
    documents = {rid: guideline(status="missing" if rid in missing else "present") for rid in GUIDELINES}
    reviews = records(
        record_entry("guide-review", "review", [*GUIDELINES, "SG-7"]), record_entry("verification", "review", ["SM-12"])
    )
    return [repository(guidelines=documents), reviews]


def _shipped(
    days_before: int,
    version: str,
    *,
    approval_days: int | None = 5,
    complete: bool = True,
    waivers: int = 0,
    bundle_name: str | None = None,
) -> ReleaseSnapshot:
    """An earlier release of ``version``, its guideline review approved ``approval_days`` after it was written."""
    created = TODAY - timedelta(days=days_before + 30)
    reviews = [seen_record("guide-review", ["SG-7"], created=created, approved_after_days=approval_days)]
    return release(
        days_before,
        1.0,
        version=version,
        ids=PRACTICES,
        complete=complete,
        waivers=waivers,
        facts=facts(records=reviews),
        bundle=bundle_name,
    )


def _sg(assessment: Assessment) -> PracticeResult:
    return next(p for p in assessment.practices if p.id == "SG")


def _requirement(assessment: Assessment, requirement_id: str) -> RequirementResult:
    return next(r for r in assessment.requirements if r.id == requirement_id)


def _policy(tmp_path: Path, body: str) -> Policy:
    return resolve_policy(str(write(tmp_path / "policy.yaml", body)))


# --- Maturity: ML3 from distinct released versions over time ------------------------------------------------------


def test_without_history_a_complete_practice_is_ml2_and_says_what_ml3_needs() -> None:
    practice = _sg(_assess(*_guidelines()))
    assert practice.maturity is Maturity.ML2
    assert practice.maturity_evidence.releases == []
    assert "ML3 needs 3 over at least 90 days" in practice.maturity_evidence.conclusion


def test_bundles_of_one_version_made_minutes_apart_are_not_ml3() -> None:
    same = [_shipped(1, "1.0", bundle_name=f"widget-1.0-{n}.zip") for n in range(3)]
    practice = _sg(_assess(*_guidelines(), history(*same)))
    assert practice.maturity is Maturity.ML2
    assert [r.version for r in practice.maturity_evidence.releases] == ["1.0"]


def test_three_versions_over_100_days_are_ml3() -> None:
    releases = history(_shipped(120, "1.0"), _shipped(60, "1.1"), _shipped(20, "1.2"))
    practice = _sg(_assess(*_guidelines(), releases))
    assert practice.maturity is Maturity.ML3
    evidence = practice.maturity_evidence
    assert [(r.version, r.bundle) for r in evidence.releases] == [
        ("1.0", "widget-1.0.zip"),
        ("1.1", "widget-1.1.zip"),
        ("1.2", "widget-1.2.zip"),
    ]
    assert evidence.span_days == 100
    assert (evidence.min_releases, evidence.min_span_days) == (3, 90)


def test_three_versions_within_two_months_are_not_ml3() -> None:
    practice = _sg(_assess(*_guidelines(), history(_shipped(70, "1.0"), _shipped(40, "1.1"), _shipped(10, "1.2"))))
    assert practice.maturity is Maturity.ML2
    assert practice.maturity_evidence.span_days == 60


def test_a_release_without_the_practice_complete_starts_the_count_again() -> None:
    releases = [
        _shipped(300, "1.0"),
        _shipped(200, "1.1", complete=False),
        _shipped(120, "1.2"),
        _shipped(60, "1.3"),
        _shipped(10, "1.4"),
    ]
    practice = _sg(_assess(*_guidelines(), history(*releases)))
    assert practice.maturity is Maturity.ML3
    assert [r.version for r in practice.maturity_evidence.releases] == ["1.2", "1.3", "1.4"]
    practice = _sg(_assess(*_guidelines(), history(*releases[:-1], _shipped(10, "1.4", complete=False))))
    assert practice.maturity is Maturity.ML2
    assert practice.maturity_evidence.releases == []


def test_the_policy_sets_how_many_releases_over_how_many_days(tmp_path: Path) -> None:
    lenient = _policy(
        tmp_path, "version: 1\nextends: iec62443-4-1-ml2\nsettings: {maturity: {min_releases: 2, min_span_days: 30}}\n"
    )
    releases = history(_shipped(45, "1.0"), _shipped(10, "1.1"))
    assert _sg(_assess(*_guidelines(), releases)).maturity is Maturity.ML2
    assert _sg(_assess(*_guidelines(), releases, policy=lenient)).maturity is Maturity.ML3


def test_an_incomplete_practice_is_ml1_whatever_its_history() -> None:
    releases = history(
        _shipped(120, "1.0", approval_days=20),
        _shipped(60, "1.1", approval_days=9),
        _shipped(20, "1.2", approval_days=1),
    )
    practice = _sg(_assess(*_guidelines(missing=("SG-3",)), releases))
    assert practice.maturity is Maturity.ML1
    assert practice.maturity_evidence.metrics == []


def test_releases_of_another_product_do_not_count() -> None:
    foreign = [
        _shipped(d, v).model_copy(update={"product": "gadget"}) for d, v in ((120, "1.0"), (60, "1.1"), (20, "1.2"))
    ]
    assert _sg(_assess(*_guidelines(), history(*foreign))).maturity is Maturity.ML2


# --- Maturity: ML4 from a process metric that improved -----------------------------------------------------------


def test_waivers_falling_over_the_releases_are_not_ml4() -> None:
    # Padding earlier releases with waivers (3, 2, 1, now none) shows nothing about the process.
    padded = history(_shipped(120, "1.0", waivers=3), _shipped(60, "1.1", waivers=2), _shipped(20, "1.2", waivers=1))
    practice = _sg(_assess(*_guidelines(), padded))
    assert practice.maturity is Maturity.ML3
    assert "no process metric improved" in practice.maturity_evidence.conclusion


def test_an_improving_metric_without_any_waiver_is_ml4_with_its_numbers() -> None:
    improving = history(
        _shipped(120, "1.0", approval_days=20),
        _shipped(60, "1.1", approval_days=9),
        _shipped(20, "1.2", approval_days=2),
    )
    practice = _sg(_assess(*_guidelines(), improving))
    assert practice.maturity is Maturity.ML4
    (metric,) = practice.maturity_evidence.metrics
    assert metric.metric is Metric.RECORD_APPROVAL_DAYS
    assert metric.values == [20.0, 9.0, 2.0]
    assert metric.trend is Trend.IMPROVED
    assert "record_approval_days 1.0: 20 -> 1.1: 9 -> 1.2: 2 (improved)" in practice.maturity_evidence.conclusion


def test_a_flat_metric_stays_ml3() -> None:
    flat = history(_shipped(120, "1.0"), _shipped(60, "1.1"), _shipped(20, "1.2"))
    practice = _sg(_assess(*_guidelines(), flat))
    assert practice.maturity is Maturity.ML3
    assert [(m.values, m.trend) for m in practice.maturity_evidence.metrics] == [([5.0, 5.0, 5.0], Trend.FLAT)]


def test_releases_whose_evidence_measured_nothing_stay_ml3() -> None:
    unmeasured = history(*(_shipped(d, v, approval_days=None) for d, v in ((120, "1.0"), (60, "1.1"), (20, "1.2"))))
    practice = _sg(_assess(*_guidelines(), unmeasured))
    assert practice.maturity is Maturity.ML3
    assert [m.trend for m in practice.maturity_evidence.metrics] == [Trend.NOT_MEASURED]


def test_the_assessment_with_history_is_deterministic() -> None:
    releases = history(
        _shipped(120, "1.0", approval_days=20), _shipped(60, "1.1"), _shipped(20, "1.2", approval_days=2)
    )
    assert render_json(_assess(*_guidelines(), releases)) == render_json(_assess(*_guidelines(), releases))


# --- SM-12: process verification reads this assessment, not the bundle being made --------------------------------


def _only_guidelines_enforced(tmp_path: Path, *, waivable: tuple[str, ...] = ()) -> Policy:
    """Every requirement advisory but the user guidelines (SG) and process verification (SM-12)."""
    enforced = "".join(
        f"  {rid}: {{mode: enforced{', waivable: true' if rid in waivable else ''}}}\n"
        for rid in (*GUIDELINES, "SG-7", "SM-12")
    )
    return _policy(tmp_path, f"version: 1\ndefaults: {{mode: advisory}}\nrequirements:\n{enforced}")


def _verification(assessment: Assessment) -> tuple[Verdict, str, str]:
    sm12 = _requirement(assessment, "SM-12")
    finding = next(f for f in sm12.findings if f.criterion == "process_verification")
    return sm12.verdict, finding.outcome.value, finding.message


def test_sm12_is_not_satisfied_by_a_signed_bundle_and_its_review_record() -> None:
    # Under ML2 every requirement is enforced, and almost none has evidence here: the process did not run.
    review = records(record_entry("verification", "review", ["SM-12"]))
    verdict, outcome, message = _verification(_assess(review, bundle()))
    assert verdict is Verdict.PARTIALLY_SATISFIED
    assert outcome == "fail"
    assert "45 of 45 enforced requirements are not complete: SM-1 not satisfied" in message
    assert "and 35 more" in message  # SM-13 is advisory under ML2


def test_sm12_is_satisfied_when_every_enforced_requirement_is_complete(tmp_path: Path) -> None:
    verdict, outcome, message = _verification(_assess(*_guidelines(), policy=_only_guidelines_enforced(tmp_path)))
    assert verdict is Verdict.SATISFIED
    assert outcome == "pass"
    assert "all 7 other enforced requirements" in message


def test_sm12_fails_naming_an_enforced_requirement_that_is_not_satisfied(tmp_path: Path) -> None:
    policy = _only_guidelines_enforced(tmp_path)
    verdict, outcome, message = _verification(_assess(*_guidelines(missing=("SG-4",)), policy=policy))
    assert verdict is Verdict.PARTIALLY_SATISFIED
    assert outcome == "fail"
    assert "1 of 7 enforced requirements are not complete: SG-4 not satisfied" in message


def test_a_waived_requirement_counts_as_complete_and_is_named(tmp_path: Path) -> None:
    policy = _only_guidelines_enforced(tmp_path, waivable=("SG-4",))
    waived = (waiver("W-SG4", requirement="SG-4"),)
    verdict, outcome, message = _verification(_assess(*_guidelines(missing=("SG-4",)), policy=policy, waivers=waived))
    assert verdict is Verdict.SATISFIED
    assert outcome == "pass"
    assert "(1 waived: SG-4)" in message


def test_a_requirement_waiver_without_a_verified_approval_waives_nothing_and_says_why(tmp_path: Path) -> None:
    policy = _only_guidelines_enforced(tmp_path, waivable=("SG-4",))
    unsigned = WaiverRegister(waivers=(waiver("W-SG4", requirement="SG-4"),), source="security/waivers.yaml")
    assessment = assess(
        catalogue=CATALOGUE,
        evidence=evidence_set(_guidelines(missing=("SG-4",))),
        policy=policy,
        waivers=unsigned,
        today=TODAY,
        product=PRODUCT,
    )
    sg4 = _requirement(assessment, "SG-4")
    assert sg4.verdict is not Verdict.WAIVED and sg4.waiver is None
    assert "Waiver W-SG4 does not count: unverified" in sg4.rationale
    assert assessment.waivers[0].approval.value == "unverified"


def test_a_policy_that_enforces_nothing_else_leaves_nothing_to_verify(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "version: 1\ndefaults: {mode: advisory}\nrequirements:\n  SM-12: {mode: enforced}\n")
    verdict, outcome, message = _verification(_assess(*_guidelines(), policy=policy))
    assert verdict is Verdict.NOT_ASSESSED
    assert outcome == "not_available"
    assert "nothing to verify" in message


@pytest.mark.parametrize("mode", ["not_applicable", "disabled"])
def test_sm12_scoped_out_or_disabled_does_not_block(tmp_path: Path, mode: str) -> None:
    justification = ", justification: verified by the parent programme" if mode == "not_applicable" else ""
    policy = _policy(tmp_path, f"version: 1\nrequirements:\n  SM-12: {{mode: {mode}{justification}}}\n")
    # Scoping a requirement out takes an approved SM-5 scoping decision naming it.
    repository_evidence, reviews = _guidelines()
    entries = [*reviews.payload["records"], record_entry("scoping", "process_document", ["SM-5", "SM-12"])]
    scoped = [repository_evidence, records(*entries)]
    assert not _requirement(_assess(*scoped, policy=policy), "SM-12").blocking


# --- Class H: never satisfied on automated evidence alone -------------------------------------------------------


def _one(requirement_id: str, *items: Evidence, automation: Automation | None = None) -> RequirementResult:
    requirement = CATALOGUE.requirement(requirement_id)
    if automation is not None:
        requirement = replace(requirement, automation=automation)
    return assess_requirement(requirement, evidence_set(items), _ml2(), WaiverRegister(), TODAY)


def _finding(result: RequirementResult, criterion: str) -> FindingResult:
    return next(f for f in result.findings if f.criterion == criterion)


def test_a_class_h_requirement_on_automated_evidence_alone_is_not_satisfied_and_says_why() -> None:
    sg1 = _one("SG-1", repository(guidelines={"SG-1": guideline()}), records())
    assert sg1.verdict is not Verdict.SATISFIED
    assert _finding(sg1, "guideline_document").outcome is Outcome.PASS
    rule = _finding(sg1, HUMAN_RECORD_CRITERION)
    assert rule.outcome is Outcome.FAIL
    assert "class H" in rule.message
    assert "`sdl-gate records new review`" in rule.message
    assert "no record lists SG-1" in rule.message
    assert sg1.blocking


def test_the_same_class_h_requirement_with_a_signed_record_is_satisfied() -> None:
    signed = records(record_entry("guides-review", "review", ["SG-1", "SG-7"]))
    sg1 = _one("SG-1", repository(guidelines={"SG-1": guideline()}), signed)
    assert sg1.verdict is Verdict.SATISFIED, sg1.rationale
    rule = _finding(sg1, HUMAN_RECORD_CRITERION)
    assert rule.outcome is Outcome.PASS
    assert rule.human_record
    assert "guides-review" in rule.message


def test_a_record_of_a_kind_the_catalogue_does_not_name_does_not_count() -> None:
    other = records(record_entry("training-1", "training", ["SG-1"]))
    sg1 = _one("SG-1", repository(guidelines={"SG-1": guideline()}), other)
    assert sg1.verdict is not Verdict.SATISFIED
    assert "training-1 is a training, but SG-1 needs review" in _finding(sg1, HUMAN_RECORD_CRITERION).message


def test_a_signed_record_with_placeholders_does_not_satisfy_a_class_h_requirement() -> None:
    todo = {"file": "security/records/guides-review.yaml", "line": 4, "kind": "marker", "reason": "contains 'TODO'"}
    signed = records(record_entry("guides-review", "review", ["SG-1"], placeholders=[todo]))
    sg1 = _one("SG-1", repository(guidelines={"SG-1": guideline()}), signed)
    assert sg1.verdict is not Verdict.SATISFIED
    assert "security/records/guides-review.yaml:4 contains 'TODO'" in sg1.rationale


def test_without_a_trusted_register_a_class_h_requirement_cannot_be_told_satisfied() -> None:
    unverified = [approval(days_ago(18), status="unverified")]
    signed = records(record_entry("guides-review", "review", ["SG-1"], approvals=unverified), register=None)
    sg1 = _one("SG-1", repository(guidelines={"SG-1": guideline()}), signed)
    assert sg1.verdict is Verdict.NOT_ASSESSED
    assert _finding(sg1, HUMAN_RECORD_CRITERION).outcome is Outcome.NOT_AVAILABLE


def test_the_rule_is_the_catalogue_s_class_not_the_check_s() -> None:
    automated = repository(guidelines={"SG-1": guideline()})
    assert _one("SG-1", automated, records(), automation=Automation.PARTLY).verdict is Verdict.SATISFIED
    # DM-1 is class P: its security policy alone satisfies it.
    dm1 = _one("DM-1", repository(security_policy={"path": "SECURITY.md", "contacts": ["psirt@example.com"]}))
    assert dm1.verdict is Verdict.SATISFIED
    assert all(f.criterion != HUMAN_RECORD_CRITERION for f in dm1.findings)


def test_a_codeowners_file_alone_does_not_satisfy_sm2() -> None:
    owners = repository(codeowners={"path": ".github/CODEOWNERS", "rules": 2, "owners": ["@acme/security"]})
    assert _one("SM-2", owners, records()).verdict is not Verdict.SATISFIED
    roles = records(record_entry("roles", "process_document", ["SM-2"]))
    sm2 = _one("SM-2", owners, roles)
    assert sm2.verdict is Verdict.SATISFIED, sm2.rationale


def test_a_class_h_requirement_whose_own_record_passes_needs_no_second_record() -> None:
    sm1 = _one("SM-1", records(record_entry("sdl", "process_document", ["SM-1"])))
    assert sm1.verdict is Verdict.SATISFIED
    assert [f.criterion for f in sm1.findings] == ["record"]


@pytest.mark.parametrize("requirement", [r for r in CATALOGUE.requirements if r.automation is Automation.HUMAN])
def test_every_class_h_requirement_names_the_record_kinds_its_check_accepts(requirement: Requirement) -> None:
    accepted = {kind for criterion in CHECKS[requirement.id].criteria for kind in criterion.record_kinds}
    assert requirement.record_kinds
    assert accepted <= set(requirement.record_kinds)
    for kind in requirement.record_kinds:
        # `records new KIND` lists the requirement in the skeleton it writes.
        assert requirement.id in requirements_accepting(RecordKind(kind))


# --- Structured results: waivers per finding, one rule for "is a problem" ------------------------------------------


def test_a_finding_names_every_waiver_of_a_located_item_it_judged_in_force_or_not() -> None:
    from tests.unit.checks._build import sast, sast_finding

    active = waiver("W-in-force", finding="fp-1")
    expired = waiver("W-lapsed", finding="fp-2", created_days_ago=90, expires_in_days=-1)
    unrelated = waiver("W-other", finding="fp-9")
    requirement = CATALOGUE.requirement("SI-1")
    result = assess_requirement(
        requirement,
        evidence_set([sast(sast_finding("fp-1"), sast_finding("fp-2", line=30))]),
        _ml2(),
        approved_waivers((active, expired, unrelated)),
        TODAY,
    )
    judged = next(f for f in result.findings if f.criterion == "sast_findings")
    assert judged.outcome is Outcome.FAIL
    assert judged.waivers == ["W-in-force", "W-lapsed"]
    assert all(not f.waivers for f in result.findings if f is not judged)


def test_an_assessment_written_before_findings_named_their_waivers_still_reads() -> None:
    document = _assess().model_dump(mode="json")
    for requirement in document["requirements"]:
        for finding in requirement["findings"]:
            del finding["waivers"]
    again = Assessment.model_validate(document)
    assert all(f.waivers == [] for r in again.requirements for f in r.findings)


def test_one_rule_says_what_a_problem_is() -> None:
    assert {o for o in Outcome if o.is_problem} == {Outcome.FAIL, Outcome.NOT_AVAILABLE, Outcome.ERROR}
    assert {v for v in Verdict if v.is_problem} == {
        Verdict.PARTIALLY_SATISFIED,
        Verdict.NOT_SATISFIED,
        Verdict.NOT_ASSESSED,
        Verdict.WAIVED,
    }
    result = _assess().requirements[0]
    assert result.is_problem is result.verdict.is_problem
    assert all(f.is_problem is f.outcome.is_problem for f in result.findings)


def test_a_malformed_scoping_record_scopes_nothing_out_and_names_the_evidence_and_place() -> None:
    broken = {**record_entry("scoping", "process_document", ["SM-5", "SM-12"]), "valid_until": "someday"}
    given = evidence_set([records(broken)])
    (stored,) = given.stored(EvidenceKind.RECORDS)
    record_id, why, examined = scoping_decision(given, "SM-12", TODAY)
    assert (record_id, examined) == (None, None)
    assert stored.id in why
    assert "payload.records.0.valid_until" in why
