"""Threat-model, security-requirement and traceability criteria (checks/_threats.py): SR, SD and SVV-1/2."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sdl_gate.checks import Criterion, Outcome
from sdl_gate.checks._threats import (
    DEFAULT_REVIEW_AGE_DAYS,
    boundary_characterisation,
    defence_in_depth,
    mitigations_tested,
    requirements_content,
    requirements_defined,
    requirements_tested,
    reviewed_file,
    security_context,
    threat_coverage,
    threat_model_review,
)
from sdl_gate.collectors.test_results import TestOutcome
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.threatmodel.freshness import FreshnessStatus
from tests.unit.checks._build import (
    MODEL_PATH,
    OTHER_DIGEST,
    REQUIREMENTS_PATH,
    check_input,
    days_ago,
    evidence,
    fresh,
    link,
    model_data,
    no_security_requirements,
    no_threat_model,
    passing_tests,
    policy_entry,
    record_entry,
    recorded_test,
    recorded_tests,
    records,
    rejection,
    requirement,
    review_of,
    run,
    security_requirements,
    threat_model,
)

VACUOUS = "vacuous pass: the criterion passes with nothing to examine"
TM = EvidenceKind.THREAT_MODEL
MODEL_CRITERIA = [
    pytest.param(security_context, id="security_context"),
    pytest.param(threat_coverage, id="threat_coverage"),
    pytest.param(threat_model_review, id="threat_model_review"),
    pytest.param(boundary_characterisation, id="boundary_characterisation"),
    pytest.param(defence_in_depth, id="defence_in_depth"),
]
REQUIREMENT_CRITERIA = [
    pytest.param(requirements_defined, id="requirements_defined"),
    pytest.param(requirements_content, id="requirements_content"),
]


def _model(**changes: Any) -> Evidence:
    return threat_model(model_data(**changes))


def _threat(threat_id: str = "T1", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": threat_id,
        "title": "Spoofed readings",
        "stride": "spoofing",
        "affects": ["f1"],
        "severity": "high",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- what every threat-model criterion shares ---------------------------------------------------------------------


@pytest.mark.parametrize("criterion", MODEL_CRITERIA)
def test_model_criteria_pass_on_a_complete_model(criterion: Criterion) -> None:
    given = check_input("SR-2", threat_model())
    finding = run(criterion, given)
    assert finding.outcome is Outcome.PASS, finding.message
    assert finding.location == MODEL_PATH
    assert finding.evidence == given.evidence.ids()


@pytest.mark.parametrize("criterion", MODEL_CRITERIA)
def test_model_criteria_fail_when_the_project_has_no_threat_model(criterion: Criterion) -> None:
    finding = run(criterion, check_input("SR-2", no_threat_model()))
    assert finding.outcome is Outcome.FAIL
    assert MODEL_PATH in finding.message


@pytest.mark.parametrize("criterion", MODEL_CRITERIA)
def test_model_criteria_are_not_available_without_or_with_rejected_evidence(criterion: Criterion) -> None:
    assert run(criterion, check_input("SR-2")).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(TM, "threat_model evidence does not match its content digest")
    finding = run(criterion, check_input("SR-2", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


@pytest.mark.parametrize("criterion", MODEL_CRITERIA)
def test_model_criteria_on_a_model_no_loader_would_accept_are_not_available(criterion: Criterion) -> None:
    broken = evidence(TM, {"present": True, "path": MODEL_PATH, "model": {"version": 2}, "freshness": {}})
    finding = run(criterion, check_input("SR-2", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (broken.id,)
    assert "payload.model" in finding.message


# --- security_context ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "gap"),
    [
        ({"product": None}, "no intended environment"),
        ({"product": {"name": "widget", "assumptions": ["a"]}}, "no intended environment"),
        (
            {"product": {"name": "widget", "intended_environment": "   ", "assumptions": ["a"]}},
            "no intended environment",
        ),
        ({"product": {"name": "widget", "intended_environment": "plant"}}, "no assumptions"),
        ({"zones": []}, "no zones"),
        ({"conduits": []}, "no conduits between the zones"),
    ],
    ids=["no-product", "no-environment", "blank-environment", "no-assumptions", "no-zones", "no-conduits"],
)
def test_security_context_fails_on_each_gap(changes: dict[str, Any], gap: str) -> None:
    finding = run(security_context, check_input("SR-1", _model(**changes)))
    assert finding.outcome is Outcome.FAIL
    assert gap in finding.message


def test_a_single_zone_needs_no_conduit() -> None:
    one_zone = _model(zones=[{"id": "plant", "name": "Plant", "sl_t": 2}], conduits=[])
    assert run(security_context, check_input("SR-1", one_zone)).outcome is Outcome.PASS


def test_an_imported_model_says_what_its_format_cannot_record() -> None:
    imported = {"format": "threat-dragon", "source": "td.json", "sha256": "ab" * 32, "missing": ["zones"]}
    finding = run(security_context, check_input("SR-1", _model(zones=[], imported_from=imported)))
    assert finding.outcome is Outcome.FAIL
    assert "threat-dragon format records no zones" in finding.message


# --- threat_coverage ----------------------------------------------------------------------------------------------


def test_a_model_without_threats_fails() -> None:
    finding = run(threat_coverage, check_input("SR-2", _model(threats=[], dispositions=[])))
    assert finding.outcome is Outcome.FAIL
    assert "lists no threats" in finding.message


def test_a_boundary_flow_no_threat_considers_fails() -> None:
    flows = [{"id": "f1", "from": "sensor", "to": "api", "conduit": "c1"}, {"id": "f2", "from": "api", "to": "sensor"}]
    finding = run(threat_coverage, check_input("SR-2", _model(flows=flows)))
    assert finding.outcome is Outcome.FAIL
    assert "flow f2 from 'API' (api) to 'Sensor' (sensor) crosses a boundary" in finding.message


def test_a_threat_on_the_conduit_covers_the_flows_through_it() -> None:
    model = _model(threats=[_threat(affects=["c1"])])
    assert run(threat_coverage, check_input("SR-2", model)).outcome is Outcome.PASS


@pytest.mark.parametrize(
    ("threat", "dispositions", "gap"),
    [
        (_threat(severity=None), None, "T1 has no severity"),
        (_threat(), [], "T1 has no disposition"),
        (_threat(status="open"), [], "T1 is open"),
        (_threat(), [{"threat": "T1", "status": "mitigated"}], "mitigated but names no mitigation"),
        (_threat(), [{"threat": "T1", "status": "accepted", "approver": "Dana"}], "accepted without date, rationale"),
        (_threat(), [{"threat": "T1", "status": "transferred", "rationale": "hosting"}], "transferred without to"),
    ],
    ids=["no-severity", "no-disposition", "open", "mitigated-bare", "accepted-bare", "transferred-bare"],
)
def test_every_threat_needs_a_severity_and_a_complete_disposition(
    threat: dict[str, Any], dispositions: list[dict[str, Any]] | None, gap: str
) -> None:
    changes: dict[str, Any] = {"threats": [threat]}
    if dispositions is not None:
        changes["dispositions"] = dispositions
    finding = run(threat_coverage, check_input("SR-2", _model(**changes)))
    assert finding.outcome is Outcome.FAIL
    assert gap in finding.message


def test_complete_accepted_and_transferred_dispositions_pass() -> None:
    threats = [_threat("T1"), _threat("T2")]
    dispositions = [
        {"threat": "T1", "status": "accepted", "approver": "Dana", "date": days_ago(5), "rationale": "low exposure"},
        {"threat": "T2", "status": "transferred", "to": "the site operator", "rationale": "physical access"},
    ]
    given = check_input("SR-2", _model(threats=threats, dispositions=dispositions))
    assert run(threat_coverage, given).outcome is Outcome.PASS


# --- threat_model_review ------------------------------------------------------------------------------------------


def test_a_recent_review_with_nothing_changed_since_passes() -> None:
    finding = run(threat_model_review, check_input("SR-2", threat_model()))
    assert finding.outcome is Outcome.PASS
    assert "abc1234" in finding.message


def test_an_unreviewed_model_fails() -> None:
    unreviewed = threat_model(model_data(reviews=[]), freshness=fresh(status=FreshnessStatus.NOT_REVIEWED))
    finding = run(threat_model_review, check_input("SR-2", unreviewed))
    assert finding.outcome is Outcome.FAIL
    assert "records no review" in finding.message


def test_a_review_dated_in_the_future_fails() -> None:
    future = threat_model(freshness=fresh(reviewed=days_ago(-3)))
    finding = run(threat_model_review, check_input("SR-2", future))
    assert finding.outcome is Outcome.FAIL
    assert "in the future" in finding.message


def test_a_review_older_than_a_year_fails_unless_the_policy_allows_more() -> None:
    old = threat_model(freshness=fresh(reviewed=days_ago(DEFAULT_REVIEW_AGE_DAYS + 1)))
    finding = run(threat_model_review, check_input("SR-2", old))
    assert finding.outcome is Outcome.FAIL
    assert f"{DEFAULT_REVIEW_AGE_DAYS} days" in finding.message
    lenient = check_input("SR-2", old, policy=policy_entry(max_age_days=DEFAULT_REVIEW_AGE_DAYS + 30))
    assert run(threat_model_review, lenient).outcome is Outcome.PASS
    strict = check_input("SR-2", threat_model(), policy=policy_entry(max_age_days=10))
    assert run(threat_model_review, strict).outcome is Outcome.FAIL


def test_a_review_whose_scope_changed_since_is_stale() -> None:
    stale = threat_model(freshness=fresh(status=FreshnessStatus.STALE))
    finding = run(threat_model_review, check_input("SR-2", stale))
    assert finding.outcome is Outcome.FAIL
    assert "widget/api.py" in finding.message


def test_a_review_git_cannot_place_is_not_available() -> None:
    unknown = threat_model(freshness=fresh(status=FreshnessStatus.UNKNOWN))
    finding = run(threat_model_review, check_input("SR-2", unknown))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "not in this repository" in finding.message


# --- boundary_characterisation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "gap"),
    [
        ({"zones": [], "conduits": []}, "no zones"),
        (
            {"zones": [{"id": "plant", "name": "Plant"}, {"id": "ops", "name": "Ops", "sl_t": 3}]},
            "zone 'Plant' (plant) has no",
        ),
        ({"components": [{"id": "sensor", "name": "Sensor"}, {"id": "api", "name": "API", "zone": "ops"}]}, "sensor"),
        (
            {"flows": [{"id": "f1", "from": "sensor", "to": "api"}]},
            "flow f1 from 'Sensor' (sensor) to 'API' (api) crosses from zone 'Plant' (plant) to 'Operations' (ops)",
        ),
    ],
    ids=["no-zones", "no-sl-t", "component-without-zone", "flow-without-conduit"],
)
def test_boundary_characterisation_fails_on_each_gap(changes: dict[str, Any], gap: str) -> None:
    finding = run(boundary_characterisation, check_input("SD-1", _model(**changes)))
    assert finding.outcome is Outcome.FAIL
    assert gap in finding.message


def test_zones_without_components_or_flows_are_not_a_pass() -> None:
    bare = _model(components=[], flows=[], threats=[], dispositions=[])
    assert run(boundary_characterisation, check_input("SD-1", bare)).outcome is not Outcome.PASS


# --- defence_in_depth ---------------------------------------------------------------------------------------------


def test_a_high_threat_with_one_mitigation_fails() -> None:
    one = [{"threat": "T1", "status": "mitigated", "mitigations": ["M1"]}]
    finding = run(defence_in_depth, check_input("SD-2", _model(dispositions=one)))
    assert finding.outcome is Outcome.FAIL
    assert "T1 (high) has 1 mitigation(s) (M1)" in finding.message


def test_mitigations_that_depend_on_each_other_are_not_independent() -> None:
    mitigations = [
        {"id": "M1", "description": "mutual TLS", "depends_on": ["M2"]},
        {"id": "M2", "description": "certificate store"},
    ]
    finding = run(defence_in_depth, check_input("SD-2", _model(mitigations=mitigations)))
    assert finding.outcome is Outcome.FAIL


def test_an_accepted_critical_threat_is_not_defended_in_depth() -> None:
    accepted = [{"threat": "T1", "status": "accepted", "approver": "Dana", "date": days_ago(1), "rationale": "r"}]
    given = check_input("SD-2", _model(threats=[_threat(severity="critical")], dispositions=accepted))
    finding = run(defence_in_depth, given)
    assert finding.outcome is Outcome.FAIL
    assert "(critical) has 0 mitigation(s)" in finding.message


def test_a_cvss_vector_is_rated_by_its_score() -> None:
    critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    one = [{"threat": "T1", "status": "mitigated", "mitigations": ["M1"]}]
    given = check_input("SD-2", _model(threats=[_threat(severity=critical)], dispositions=one))
    assert run(defence_in_depth, given).outcome is Outcome.FAIL


def test_low_and_medium_threats_need_no_second_mitigation_but_a_review_that_concludes_so() -> None:
    one = [{"threat": "T1", "status": "mitigated", "mitigations": ["M1"]}]
    given = check_input("SD-2", _model(threats=[_threat(severity="medium")], dispositions=one))
    # With no high threat there is nothing to defend in depth: only a review saying so makes it a pass.
    assert run(defence_in_depth, given).outcome is Outcome.NOT_AVAILABLE


def test_an_unrated_threat_makes_defence_in_depth_not_available() -> None:
    finding = run(defence_in_depth, check_input("SD-2", _model(threats=[_threat(severity=None)])))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "T1" in finding.message


def test_a_model_without_threats_is_not_defended_in_depth() -> None:
    bare = _model(threats=[], dispositions=[])
    assert run(defence_in_depth, check_input("SD-2", bare)).outcome is not Outcome.PASS


# --- security requirements ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("criterion", REQUIREMENT_CRITERIA)
def test_requirement_criteria_fail_without_a_requirements_file_or_without_requirements(criterion: Criterion) -> None:
    absent = run(criterion, check_input("SR-3", no_security_requirements(), threat_model()))
    empty = check_input(
        "SR-3",
        evidence(
            EvidenceKind.SECURITY_REQUIREMENTS,
            {"present": True, "path": REQUIREMENTS_PATH, "sha256": "ab" * 32, "requirements": []},
        ),
        threat_model(),
    )
    assert absent.outcome is Outcome.FAIL
    assert REQUIREMENTS_PATH in absent.message
    assert run(criterion, empty).outcome is Outcome.FAIL


@pytest.mark.parametrize("criterion", REQUIREMENT_CRITERIA)
def test_requirement_criteria_are_not_available_without_or_with_rejected_requirements(criterion: Criterion) -> None:
    assert run(criterion, check_input("SR-3", threat_model())).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(EvidenceKind.SECURITY_REQUIREMENTS)
    finding = run(criterion, check_input("SR-3", threat_model(), rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


def test_complete_requirements_are_defined() -> None:
    finding = run(requirements_defined, check_input("SR-3", security_requirements()))
    assert finding.outcome is Outcome.PASS
    assert finding.location == REQUIREMENTS_PATH


@pytest.mark.parametrize(
    ("changes", "lacking"),
    [
        ({"category": None}, "category"),
        ({"verification": None}, "verification method"),
        ({"threats": [], "source": None}, "source threats or source"),
    ],
)
def test_a_requirement_lacking_a_field_is_not_defined(changes: dict[str, Any], lacking: str) -> None:
    finding = run(requirements_defined, check_input("SR-3", security_requirements(requirement("SR-B", **changes))))
    assert finding.outcome is Outcome.FAIL
    assert f"SR-B has no {lacking}" in finding.message


def test_a_requirement_from_a_regulation_needs_no_threat() -> None:
    sourced = requirement(threats=[], source="EU Cyber Resilience Act annex I")
    assert run(requirements_defined, check_input("SR-3", security_requirements(sourced))).outcome is Outcome.PASS


def test_requirement_content_passes_when_sl_c_meets_every_zone_in_scope() -> None:
    given = check_input("SR-4", security_requirements(), threat_model())
    finding = run(requirements_content, given)
    assert finding.outcome is Outcome.PASS
    assert finding.evidence == (security_requirements().id, threat_model().id)


@pytest.mark.parametrize(
    ("changes", "gap"),
    [({"scope": []}, "SR-A has no scope"), ({"sl_c": None}, "SR-A has no target capability level")],
)
def test_requirement_content_needs_scope_and_sl_c(changes: dict[str, Any], gap: str) -> None:
    given = check_input("SR-4", security_requirements(requirement(**changes)), threat_model())
    finding = run(requirements_content, given)
    assert finding.outcome is Outcome.FAIL
    assert gap in finding.message


def test_an_sl_c_below_the_zone_sl_t_fails() -> None:
    given = check_input("SR-4", security_requirements(requirement(sl_c=2)), threat_model())
    finding = run(requirements_content, given)
    assert finding.outcome is Outcome.FAIL
    assert "SL-C 2 but api sits in zone ops with SL-T 3" in finding.message


def test_requirement_content_cannot_compare_levels_without_the_model() -> None:
    missing = run(requirements_content, check_input("SR-4", security_requirements()))
    absent = run(requirements_content, check_input("SR-4", security_requirements(), no_threat_model()))
    assert missing.outcome is Outcome.NOT_AVAILABLE
    assert absent.outcome is Outcome.FAIL
    assert "cannot compare" in missing.message and "cannot compare" in absent.message


# --- reviewed_file ------------------------------------------------------------------------------------------------

REVIEWED = [
    pytest.param(EvidenceKind.THREAT_MODEL, MODEL_PATH, threat_model, "SD-3", id="threat_model"),
    pytest.param(
        EvidenceKind.SECURITY_REQUIREMENTS, REQUIREMENTS_PATH, security_requirements, "SR-5", id="requirements"
    ),
]


@pytest.mark.parametrize(("kind", "path", "subject", "requirement_id"), REVIEWED)
def test_a_current_review_of_the_file_at_its_digest_passes(
    kind: EvidenceKind, path: str, subject: Callable[[], Evidence], requirement_id: str
) -> None:
    given = check_input(requirement_id, records(review_of(path, requirement_id)), subject())
    finding = run(reviewed_file(kind, "file"), given)
    assert finding.outcome is Outcome.PASS
    assert finding.location == f"security/records/review-{requirement_id}.yaml"
    assert set(finding.evidence) == set(given.evidence.ids())


@pytest.mark.parametrize(("kind", "path", "subject", "requirement_id"), REVIEWED)
def test_a_review_of_another_version_of_the_file_fails(
    kind: EvidenceKind, path: str, subject: Callable[[], Evidence], requirement_id: str
) -> None:
    given = check_input(requirement_id, records(review_of(path, requirement_id, digest=OTHER_DIGEST)), subject())
    finding = run(reviewed_file(kind, "file"), given)
    assert finding.outcome is Outcome.FAIL
    assert "approved another version" in finding.message


@pytest.mark.parametrize(("kind", "path", "subject", "requirement_id"), REVIEWED)
def test_reviews_that_do_not_count_fail_with_their_reasons(
    kind: EvidenceKind, path: str, subject: Callable[[], Evidence], requirement_id: str
) -> None:
    unlinked = record_entry("rev-1", "review", [requirement_id], links=[link("docs/other.md")])
    unapproved = record_entry("rev-2", "review", [requirement_id], approved=None, links=[link(path)])
    other_kind = record_entry("doc-1", "process_document", [requirement_id], links=[link(path)])
    other_requirement = review_of(path, "SM-1")
    given = check_input(requirement_id, records(unlinked, unapproved, other_kind, other_requirement), subject())
    finding = run(reviewed_file(kind, "file"), given)
    assert finding.outcome is Outcome.FAIL
    assert f"review rev-1 does not link {path}" in finding.message
    assert "review rev-2 does not count: it is not approved" in finding.message
    assert "doc-1" not in finding.message and "SM-1" not in finding.message
    assert finding.location == path


@pytest.mark.parametrize(("kind", "path", "subject", "requirement_id"), REVIEWED)
def test_no_review_at_all_fails_naming_the_file_and_digest(
    kind: EvidenceKind, path: str, subject: Callable[[], Evidence], requirement_id: str
) -> None:
    finding = run(reviewed_file(kind, "file"), check_input(requirement_id, records(), subject()))
    assert finding.outcome is Outcome.FAIL
    assert f"links {path}" in finding.message


def test_a_review_of_a_file_that_does_not_exist_fails() -> None:
    given = check_input("SD-3", records(review_of(MODEL_PATH, "SD-3")), no_threat_model())
    finding = run(reviewed_file(TM, "threat model"), given)
    assert finding.outcome is Outcome.FAIL
    assert "no threat model" in finding.message


@pytest.mark.parametrize(("kind", "path", "subject", "requirement_id"), REVIEWED)
def test_reviewed_file_is_not_available_without_either_kind(
    kind: EvidenceKind, path: str, subject: Callable[[], Evidence], requirement_id: str
) -> None:
    criterion = reviewed_file(kind, "file")
    no_records = run(criterion, check_input(requirement_id, subject()))
    no_subject = run(criterion, check_input(requirement_id, records(review_of(path, requirement_id))))
    rejected = run(
        criterion, check_input(requirement_id, records(review_of(path, requirement_id)), rejected=[rejection(kind)])
    )
    assert no_records.outcome is Outcome.NOT_AVAILABLE
    assert no_subject.outcome is Outcome.NOT_AVAILABLE
    assert rejected.outcome is Outcome.NOT_AVAILABLE
    assert rejection(kind).reason in rejected.message


# --- mitigations_tested -------------------------------------------------------------------------------------------


def test_every_mitigation_with_a_passing_test_passes() -> None:
    given = check_input("SVV-2", passing_tests(), threat_model())
    finding = run(mitigations_tested, given)
    assert finding.outcome is Outcome.PASS
    assert "all 2 mitigation(s)" in finding.message
    assert set(finding.evidence) == set(given.evidence.ids())


def test_a_listed_test_matches_its_parametrised_instances() -> None:
    tests = recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls[rsa]"),
        recorded_test("tests/test_tls.py::test_mutual_tls[ec]"),
        recorded_test("tests/test_sign.py::test_signed_reading"),
    )
    assert run(mitigations_tested, check_input("SVV-2", tests, threat_model())).outcome is Outcome.PASS


def test_a_listed_test_does_not_match_another_test_that_shares_its_prefix() -> None:
    tests = recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls_disabled"),
        recorded_test("tests/test_sign.py::test_signed_reading"),
    )
    finding = run(mitigations_tested, check_input("SVV-2", tests, threat_model()))
    assert finding.outcome is Outcome.FAIL
    assert "tests/test_tls.py::test_mutual_tls missing" in finding.message


def test_a_mitigation_linked_only_by_marker_passes() -> None:
    mitigations = [{"id": "M1", "description": "mutual TLS"}]
    tests = recorded_tests(recorded_test("tests/test_x.py::test_y", mitigations=("M1",)))
    given = check_input("SVV-2", tests, _model(mitigations=mitigations))
    assert run(mitigations_tested, given).outcome is Outcome.PASS


@pytest.mark.parametrize(
    ("tests", "gap"),
    [
        ((recorded_test("tests/test_tls.py::test_mutual_tls"),), "tests/test_sign.py::test_signed_reading missing"),
        (
            (
                recorded_test("tests/test_tls.py::test_mutual_tls"),
                recorded_test("tests/test_sign.py::test_signed_reading", TestOutcome.FAILED),
            ),
            "test_signed_reading failed",
        ),
        (
            (
                recorded_test("tests/test_tls.py::test_mutual_tls"),
                recorded_test("tests/test_sign.py::test_signed_reading", TestOutcome.SKIPPED),
            ),
            "test_signed_reading skipped",
        ),
    ],
    ids=["missing", "failed", "skipped"],
)
def test_a_mitigation_whose_test_did_not_pass_fails(tests: tuple[Any, ...], gap: str) -> None:
    finding = run(mitigations_tested, check_input("SVV-2", recorded_tests(*tests), threat_model()))
    assert finding.outcome is Outcome.FAIL
    assert "M2" in finding.message and gap in finding.message
    assert "M1" not in finding.message


def test_a_mitigation_without_any_test_fails() -> None:
    mitigations = [{"id": "M1", "description": "mutual TLS"}]
    unrelated = recorded_tests(recorded_test("tests/test_other.py::test_x"))
    finding = run(mitigations_tested, check_input("SVV-2", unrelated, _model(mitigations=mitigations)))
    assert finding.outcome is Outcome.FAIL
    assert "M1 has no test" in finding.message


def test_a_model_without_mitigations_fails() -> None:
    finding = run(mitigations_tested, check_input("SVV-2", passing_tests(), _model(mitigations=[])))
    assert finding.outcome is Outcome.FAIL
    assert finding.location is None


def test_mitigation_tests_are_not_available_without_tests_or_model() -> None:
    assert run(mitigations_tested, check_input("SVV-2", threat_model())).outcome is Outcome.NOT_AVAILABLE
    assert run(mitigations_tested, check_input("SVV-2", passing_tests())).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(EvidenceKind.TEST_RESULTS)
    finding = run(mitigations_tested, check_input("SVV-2", threat_model(), rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


def test_mitigation_tests_fail_when_there_is_no_threat_model() -> None:
    assert run(mitigations_tested, check_input("SVV-2", passing_tests(), no_threat_model())).outcome is Outcome.FAIL


# --- requirements_tested ------------------------------------------------------------------------------------------


def test_a_requirement_verified_through_its_mitigations_passes() -> None:
    given = check_input("SVV-1", passing_tests(), security_requirements(), threat_model())
    finding = run(requirements_tested, given)
    assert finding.outcome is Outcome.PASS
    assert "all 1 requirement(s)" in finding.message
    assert set(finding.evidence) == set(given.evidence.ids())


def test_a_requirement_verified_by_a_marked_test_passes_without_a_model() -> None:
    tests = recorded_tests(recorded_test("tests/test_auth.py::test_login", requirements=("SR-A",)))
    given = check_input("SVV-1", tests, security_requirements())
    assert run(requirements_tested, given).outcome is Outcome.PASS


def test_a_requirement_without_any_test_fails() -> None:
    tests = recorded_tests(recorded_test("tests/test_other.py::test_x"))
    finding = run(requirements_tested, check_input("SVV-1", tests, security_requirements()))
    assert finding.outcome is Outcome.FAIL
    assert "SR-A has no test" in finding.message


def test_a_requirement_whose_mitigation_test_failed_fails() -> None:
    tests = recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls", TestOutcome.FAILED),
        recorded_test("tests/test_sign.py::test_signed_reading"),
    )
    finding = run(requirements_tested, check_input("SVV-1", tests, security_requirements(), threat_model()))
    assert finding.outcome is Outcome.FAIL
    assert "test_mutual_tls failed" in finding.message


def test_requirements_verified_otherwise_are_listed_but_not_tested() -> None:
    reviewed = requirement("SR-R", verification="review")
    tests = recorded_tests(recorded_test("tests/test_auth.py::test_login", requirements=("SR-A",)))
    passing = run(requirements_tested, check_input("SVV-1", tests, security_requirements(requirement(), reviewed)))
    only_reviewed = run(requirements_tested, check_input("SVV-1", tests, security_requirements(reviewed)))
    assert passing.outcome is Outcome.PASS
    assert "SR-R (review)" in passing.message
    assert only_reviewed.outcome is Outcome.FAIL
    assert "no requirement is verified by test" in only_reviewed.message


def _mapped(tests: dict[str, list[str]]) -> Evidence:
    """Security requirements with a test map, as the collector stores it."""
    mapped = security_requirements()
    payload = {**mapped.payload, "test_map": {"path": "security/test-map.yaml", "sha256": "d" * 64, "tests": tests}}
    return evidence(EvidenceKind.SECURITY_REQUIREMENTS, payload)


def test_a_requirement_verified_by_a_test_the_map_lists_passes() -> None:
    tests = recorded_tests(recorded_test("mbap_rejects_bad_length"), recorded_test("unrelated"))
    given = check_input("SVV-1", tests, _mapped({"mbap_rejects_bad_length": ["SR-A"]}))
    assert run(requirements_tested, given).outcome is Outcome.PASS
    # Without the map the same results trace nothing to SR-A.
    assert run(requirements_tested, check_input("SVV-1", tests, security_requirements())).outcome is Outcome.FAIL


@pytest.mark.parametrize("outcome", [TestOutcome.FAILED, TestOutcome.SKIPPED, TestOutcome.ERROR])
def test_a_mapped_test_that_did_not_pass_fails_the_requirement(outcome: TestOutcome) -> None:
    tests = recorded_tests(recorded_test("mbap_rejects_bad_length", outcome), recorded_test("other"))
    finding = run(requirements_tested, check_input("SVV-1", tests, _mapped({"mbap_rejects_bad_length": ["SR-A"]})))
    assert finding.outcome is Outcome.FAIL
    assert f"mbap_rejects_bad_length {outcome.value}" in finding.message


def test_a_mapped_test_that_never_ran_is_named_missing_and_fails() -> None:
    tests = recorded_tests(recorded_test("mbap_rejects_bad_length"))
    mapped = _mapped({"mbap_rejects_bad_length": ["SR-A"], "mbap_waits_for_a_complete_frame": ["SR-A"]})
    finding = run(requirements_tested, check_input("SVV-1", tests, mapped))
    assert finding.outcome is Outcome.FAIL
    assert "mbap_waits_for_a_complete_frame missing" in finding.message


def test_requirement_tests_are_not_available_without_tests_or_requirements() -> None:
    assert run(requirements_tested, check_input("SVV-1", security_requirements())).outcome is Outcome.NOT_AVAILABLE
    assert run(requirements_tested, check_input("SVV-1", passing_tests())).outcome is Outcome.NOT_AVAILABLE


def test_a_rejected_threat_model_cannot_vouch_for_mitigation_linked_tests() -> None:
    given = check_input("SVV-1", passing_tests(), security_requirements(), rejected=[rejection(TM)])
    assert run(requirements_tested, given).outcome is Outcome.FAIL
