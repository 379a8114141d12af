"""The SBOM and known-vulnerability criteria (checks/_vulns.py): SM-9, SM-11, SVV-3, DM-3, DM-4 and SUM-5."""

from __future__ import annotations

import pytest

from sdl_gate.checks import Criterion, Outcome
from sdl_gate.checks._vulns import (
    DEFAULT_MAX_PATCH_DAYS,
    known_vulnerabilities,
    patch_timeliness,
    sbom_current,
    sbom_quality,
    vulnerability_dispositions,
    vulnerability_severity,
)
from sdl_gate.collectors.sbom import SbomOrigin
from sdl_gate.collectors.vulns import AuditStatus
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.policy.waivers import VexState
from sdl_gate.sbom.quality import Element, MismatchKind
from tests.unit.checks._build import (
    audit,
    check_input,
    cvss,
    days_ago,
    dependency,
    evidence,
    gap,
    mismatch,
    policy_entry,
    rejection,
    run,
    sbom,
    vuln,
    waiver,
)

#: Each audit criterion and the requirements whose checks use it.
AUDIT: dict[str, tuple[Criterion, str]] = {
    "known_vulnerabilities": (known_vulnerabilities, "SM-9/SVV-3"),
    "vulnerability_dispositions": (vulnerability_dispositions, "SM-11/DM-4"),
    "vulnerability_severity": (vulnerability_severity, "DM-3"),
    "patch_timeliness": (patch_timeliness, "SUM-5"),
}
AUDIT_CRITERIA = [pytest.param(criterion, id=name) for name, (criterion, _) in AUDIT.items()]
WAIVED = waiver("W-vuln", vulnerability="GHSA-aaaa-bbbb-cccc", package="requests", vex=VexState.NOT_AFFECTED)


# --- sbom_quality -------------------------------------------------------------------------------------------------


def test_a_complete_sbom_passes() -> None:
    given = check_input("SM-9", sbom(components=3))
    finding = run(sbom_quality, given)
    assert finding.outcome is Outcome.PASS
    assert "3 components" in finding.message
    assert finding.location == "sbom.cdx.json"
    assert finding.evidence == given.evidence.ids()


def test_an_unknown_supplier_is_noted_but_does_not_fail() -> None:
    finding = run(sbom_quality, check_input("SM-9", sbom(gaps=(gap(Element.SUPPLIER),))))
    assert finding.outcome is Outcome.PASS
    assert "supplier unknown for 1" in finding.message


@pytest.mark.parametrize("element", [e for e in Element if e is not Element.SUPPLIER])
def test_a_missing_ntia_element_fails(element: Element) -> None:
    finding = run(sbom_quality, check_input("SM-9", sbom(gaps=(gap(element),))))
    assert finding.outcome is Outcome.FAIL
    assert element.value.replace("_", " ") in finding.message


def test_a_generated_sbom_without_author_says_where_the_author_comes_from() -> None:
    finding = run(sbom_quality, check_input("SM-9", sbom(gaps=(gap(Element.AUTHOR, component=None),))))
    assert finding.outcome is Outcome.FAIL
    assert "authors under [project] in pyproject.toml" in finding.message
    # A supplied SBOM's author is its generator's business, not the project's pyproject.
    supplied = sbom(origin=SbomOrigin.SUPPLIED, gaps=(gap(Element.AUTHOR, component=None),))
    finding = run(sbom_quality, check_input("SM-9", supplied))
    assert finding.outcome is Outcome.FAIL
    assert "pyproject.toml" not in finding.message


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        (MismatchKind.MISSING_FROM_SBOM, "missing from the SBOM"),
        (MismatchKind.NOT_IN_SOURCE, "not in the dependency sources"),
        (MismatchKind.VERSION_MISMATCH, "2.0 in the SBOM but 2.1"),
    ],
)
def test_an_sbom_that_disagrees_with_the_dependency_sources_is_not_current(kind: MismatchKind, says: str) -> None:
    given = check_input("SM-9", sbom(mismatches=(mismatch(kind),)))
    finding = run(sbom_current, given)
    assert finding.outcome is Outcome.FAIL
    assert "requests" in finding.message and says in finding.message
    assert finding.location == "sbom.cdx.json"
    # Whether it is current is not a question of the NTIA elements: `sbom` passes it.
    assert run(sbom_quality, given).outcome is Outcome.PASS


@pytest.mark.parametrize("origin", [SbomOrigin.GENERATED, SbomOrigin.SUPPLIED])
def test_an_sbom_that_matches_the_dependency_sources_is_current(origin: SbomOrigin) -> None:
    finding = run(sbom_current, check_input("SM-9", sbom(origin=origin)))
    assert finding.outcome is Outcome.PASS
    assert "requirements-lock.txt" in finding.message and finding.examined == 1


def test_a_current_sbom_may_still_lack_ntia_elements() -> None:
    given = check_input("SM-9", sbom(gaps=(gap(Element.VERSION),)))
    assert run(sbom_current, given).outcome is Outcome.PASS
    assert run(sbom_quality, given).outcome is Outcome.FAIL


def test_an_sbom_with_no_dependency_source_to_compare_is_not_known_current() -> None:
    finding = run(sbom_current, check_input("SM-9", sbom(origin=SbomOrigin.SUPPLIED, against=())))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no dependency source" in finding.message


def test_an_sbom_that_could_not_be_made_is_not_known_current() -> None:
    finding = run(sbom_current, check_input("SM-9", sbom(origin=SbomOrigin.UNAVAILABLE)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no dependency source" in finding.message


def test_an_sbom_that_could_not_be_made_is_not_available() -> None:
    finding = run(sbom_quality, check_input("SM-9", sbom(origin=SbomOrigin.UNAVAILABLE)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no dependency source" in finding.message


def test_missing_or_rejected_sbom_is_not_available() -> None:
    assert run(sbom_quality, check_input("SM-9")).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(EvidenceKind.SBOM)
    finding = run(sbom_quality, check_input("SM-9", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


def test_a_malformed_sbom_payload_is_not_available_naming_it() -> None:
    broken = evidence(EvidenceKind.SBOM, {"origin": "generated", "gaps": None})
    finding = run(sbom_quality, check_input("SM-9", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (broken.id,)
    assert "payload.reason (missing)" in finding.message


def test_an_sbom_without_components_is_not_a_pass() -> None:
    finding = run(sbom_quality, check_input("SM-9", sbom(components=0)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no component" in finding.message


def _with_imported(components: int, gaps: list[dict[str, str | None]], unauditable: int = 0) -> Evidence:
    """``sbom`` evidence of sdl-gate's own SBOM with ``components`` plus one imported SPDX file of three."""
    payload = dict(sbom(components=components).payload)
    payload["imported"] = [
        {
            "path": "web/sbom.spdx.json",
            "sha256": "0" * 64,
            "format": "spdx-json",
            "spec_version": "SPDX-2.3",
            "components": 3,
            "gaps": gaps,
        }
    ]
    payload["unauditable"] = [
        {"name": f"blob{i}", "version": None, "origin": "web/sbom.spdx.json", "reason": "no_purl"}
        for i in range(unauditable)
    ]
    return evidence(EvidenceKind.SBOM, payload)


def test_an_ntia_gap_in_an_imported_sbom_fails_naming_the_file() -> None:
    given = check_input("SM-9", _with_imported(3, [{"component": "vendored@1", "element": "unique_identifier"}]))
    finding = run(sbom_quality, given)
    assert finding.outcome is Outcome.FAIL
    assert "web/sbom.spdx.json: vendored@1 lacks unique identifier" in finding.message


def test_imported_sboms_count_so_a_project_without_python_dependencies_is_assessed() -> None:
    given = check_input("SM-9", _with_imported(0, [{"component": "x@1", "element": "supplier"}], unauditable=2))
    finding = run(sbom_quality, given)
    assert finding.outcome is Outcome.PASS
    assert finding.examined == 3
    assert "web/sbom.spdx.json (spdx-json SPDX-2.3, 3 components)" in finding.message
    assert "2 without a package URL" in finding.message and "blob1 (no version) (web/sbom.spdx.json)" in finding.message
    assert "supplier unknown for 1" in finding.message


# --- what every audit criterion shares ----------------------------------------------------------------------------


@pytest.mark.parametrize("criterion", AUDIT_CRITERIA)
def test_an_unavailable_audit_is_not_available_with_its_reason(criterion: Criterion) -> None:
    given = check_input("SVV-3", audit(status=AuditStatus.UNAVAILABLE, reason="pip-audit timed out after 600 s"))
    finding = run(criterion, given)
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "pip-audit timed out" in finding.message


@pytest.mark.parametrize("criterion", AUDIT_CRITERIA)
def test_an_audit_that_skipped_a_dependency_cannot_show_it_clean(criterion: Criterion) -> None:
    deps = (dependency(), dependency("private-lib", skipped="not on PyPI"))
    finding = run(criterion, check_input("SVV-3", audit(dependencies=deps)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "private-lib (not on PyPI)" in finding.message


@pytest.mark.parametrize("criterion", AUDIT_CRITERIA)
def test_missing_or_rejected_audit_is_not_available(criterion: Criterion) -> None:
    assert run(criterion, check_input("SVV-3")).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(EvidenceKind.VULNERABILITY_AUDIT, "vulnerability_audit evidence collected 2025-01-01 is too old")
    finding = run(criterion, check_input("SVV-3", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


@pytest.mark.parametrize("criterion", AUDIT_CRITERIA)
def test_a_malformed_audit_is_never_a_pass(criterion: Criterion) -> None:
    broken = evidence(EvidenceKind.VULNERABILITY_AUDIT, {"status": "completed", "dependencies": [{"name": "x"}]})
    # Either the criterion cannot read it (error) or it sees no audited dependency in it (not_available).
    assert run(criterion, check_input("SVV-3", broken)).outcome in (Outcome.ERROR, Outcome.NOT_AVAILABLE)


@pytest.mark.parametrize("criterion", AUDIT_CRITERIA)
def test_an_audit_of_no_dependency_is_not_a_pass(criterion: Criterion) -> None:
    finding = run(criterion, check_input("SVV-3", audit(dependencies=())))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no dependency" in finding.message


# --- known_vulnerabilities ----------------------------------------------------------------------------------------


def test_a_clean_complete_audit_passes_and_says_what_it_checked() -> None:
    given = check_input("SVV-3", audit(dependencies=(dependency("requests"), dependency("lxml"))))
    finding = run(known_vulnerabilities, given)
    assert finding.outcome is Outcome.PASS
    assert "2 dependencies audited" in finding.message and "api.osv.dev" in finding.message
    assert finding.evidence == given.evidence.ids()


def test_an_open_vulnerability_fails_and_names_its_fix() -> None:
    finding = run(known_vulnerabilities, check_input("SVV-3", audit(vuln(), vuln("GHSA-2", fix_versions=()))))
    assert finding.outcome is Outcome.FAIL
    assert "2 known vulnerabilities" in finding.message
    assert "requests 2.0.0: GHSA-aaaa-bbbb-cccc (fixed in 2.0.1)" in finding.message
    assert "GHSA-2 (no fix yet)" in finding.message


def test_a_waived_vulnerability_passes_and_is_shown() -> None:
    finding = run(known_vulnerabilities, check_input("SVV-3", audit(vuln()), waivers=[WAIVED]))
    assert finding.outcome is Outcome.PASS
    assert "waived by W-vuln" in finding.message


def test_a_waiver_matches_any_alias_and_the_normalised_package_name() -> None:
    by_alias = waiver("W-cve", vulnerability="CVE-2026-0001", package="Requests")
    finding = run(known_vulnerabilities, check_input("SVV-3", audit(vuln()), waivers=[by_alias]))
    assert finding.outcome is Outcome.PASS


def test_a_waiver_for_another_package_or_an_expired_one_does_not_count() -> None:
    elsewhere = waiver("W-x", vulnerability="GHSA-aaaa-bbbb-cccc", package="urllib3")
    expired = waiver(
        "W-old", vulnerability="GHSA-aaaa-bbbb-cccc", package="requests", created_days_ago=90, expires_in_days=-1
    )
    for register in ([elsewhere], [expired]):
        finding = run(known_vulnerabilities, check_input("SVV-3", audit(vuln()), waivers=register))
        assert finding.outcome is Outcome.FAIL


def test_a_waiver_without_a_verified_approval_leaves_the_vulnerability_open_and_says_why() -> None:
    from dataclasses import replace

    from sdl_gate.policy.waivers import WaiverRegister

    given = check_input("SVV-3", audit(vuln()), waivers=[WAIVED])
    unverified = replace(given, waivers=WaiverRegister(waivers=(WAIVED,), source="security/waivers.yaml"))
    for criterion in (known_vulnerabilities, vulnerability_dispositions):
        finding = run(criterion, unverified)
        assert finding.outcome is Outcome.FAIL
        assert "waiver W-vuln does not count: unverified" in finding.message


def test_an_audit_against_a_stale_offline_database_is_not_available() -> None:
    stale = audit(offline=True, imported_at=f"{days_ago(31)}T00:00:00Z")
    finding = run(known_vulnerabilities, check_input("SVV-3", stale))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "vulndb import" in finding.message


def test_an_offline_database_without_an_import_date_is_not_available() -> None:
    finding = run(known_vulnerabilities, check_input("SVV-3", audit(offline=True, imported_at=None)))
    assert finding.outcome is Outcome.NOT_AVAILABLE


def test_a_current_offline_database_passes_and_the_policy_sets_how_current() -> None:
    recent = audit(offline=True, imported_at=f"{days_ago(20)}T00:00:00Z")
    finding = run(known_vulnerabilities, check_input("SVV-3", recent))
    assert finding.outcome is Outcome.PASS
    assert "offline OSV database (1200 PyPI advisories" in finding.message
    strict = check_input("SVV-3", recent, policy=policy_entry(vulndb_max_age_days=7))
    assert run(known_vulnerabilities, strict).outcome is Outcome.NOT_AVAILABLE


@pytest.mark.parametrize("requirement", ["SM-9", "SVV-3"])
def test_a_database_too_old_names_the_requirement_whose_params_set_the_limit(requirement: str) -> None:
    # SM-9 and SVV-3 each read their own parameters: the message says which one to change.
    recent = audit(offline=True, imported_at=f"{days_ago(20)}T00:00:00Z")
    strict = check_input(requirement, recent, policy=policy_entry(vulndb_max_age_days=7))
    finding = run(known_vulnerabilities, strict)
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert f"{requirement}'s params.vulndb_max_age_days" in finding.message


def test_an_offline_database_imported_in_the_future_is_not_current() -> None:
    future = audit(offline=True, imported_at=f"{days_ago(-400)}T00:00:00Z")
    assert run(known_vulnerabilities, check_input("SVV-3", future)).outcome is Outcome.NOT_AVAILABLE


# --- vulnerability_dispositions -----------------------------------------------------------------------------------


def test_every_vulnerability_with_a_current_disposition_passes_and_shows_it() -> None:
    finding = run(vulnerability_dispositions, check_input("DM-4", audit(vuln()), waivers=[WAIVED]))
    assert finding.outcome is Outcome.PASS
    assert "not_affected (W-vuln, approved by Bob Example" in finding.message


def test_a_clean_audit_needs_no_disposition() -> None:
    finding = run(vulnerability_dispositions, check_input("DM-4", audit()))
    assert finding.outcome is Outcome.PASS


def test_a_vulnerability_without_a_disposition_fails() -> None:
    finding = run(vulnerability_dispositions, check_input("DM-4", audit(vuln())))
    assert finding.outcome is Outcome.FAIL
    assert "no disposition" in finding.message


def test_an_expired_disposition_fails_and_says_when_it_expired() -> None:
    expired = waiver(
        "W-old", vulnerability="GHSA-aaaa-bbbb-cccc", package="requests", created_days_ago=90, expires_in_days=-3
    )
    finding = run(vulnerability_dispositions, check_input("DM-4", audit(vuln()), waivers=[expired]))
    assert finding.outcome is Outcome.FAIL
    assert f"waiver W-old expired {days_ago(3)}" in finding.message


def test_a_missing_disposition_fails_and_still_lists_the_given_ones() -> None:
    given = check_input("DM-4", audit(vuln(), vuln("GHSA-other", aliases=())), waivers=[WAIVED])
    finding = run(vulnerability_dispositions, given)
    assert finding.outcome is Outcome.FAIL
    assert "GHSA-other" in finding.message and "dispositions:" in finding.message


# --- vulnerability_severity ---------------------------------------------------------------------------------------


def test_rated_vulnerabilities_pass_highest_first() -> None:
    given = check_input(
        "DM-3", audit(vuln("GHSA-low", severity=(cvss(5.3),)), vuln("GHSA-high", severity=(cvss(9.8),)))
    )
    finding = run(vulnerability_severity, given)
    assert finding.outcome is Outcome.PASS
    assert finding.message.index("GHSA-high") < finding.message.index("GHSA-low")


def test_a_vector_without_a_score_still_rates() -> None:
    v4 = cvss(None, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N")
    finding = run(vulnerability_severity, check_input("DM-3", audit(vuln(severity=(v4,)))))
    assert finding.outcome is Outcome.PASS
    assert "CVSS:4.0" in finding.message


@pytest.mark.parametrize(
    ("found", "says"), [(True, "its advisory has no CVSS"), (False, "its advisory could not be fetched")]
)
def test_an_unrated_vulnerability_is_not_available_never_a_fail(found: bool, says: str) -> None:
    finding = run(vulnerability_severity, check_input("DM-3", audit(vuln(severity=(), record_found=found))))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert says in finding.message


def test_a_clean_audit_has_nothing_to_rate() -> None:
    assert run(vulnerability_severity, check_input("DM-3", audit())).outcome is Outcome.PASS


# --- patch_timeliness ---------------------------------------------------------------------------------------------


def test_a_fix_published_within_the_limit_passes() -> None:
    finding = run(patch_timeliness, check_input("SUM-5", audit(vuln())))
    assert finding.outcome is Outcome.PASS
    assert f"within the {DEFAULT_MAX_PATCH_DAYS}-day limit" in finding.message


def test_a_fix_waiting_longer_than_the_limit_fails() -> None:
    late = vuln(published=f"{days_ago(DEFAULT_MAX_PATCH_DAYS + 1)}T12:00:00Z")
    finding = run(patch_timeliness, check_input("SUM-5", audit(late)))
    assert finding.outcome is Outcome.FAIL
    assert f"{DEFAULT_MAX_PATCH_DAYS + 1} days" in finding.message


def test_the_policy_sets_the_patch_window() -> None:
    given = check_input("SUM-5", audit(vuln()), policy=policy_entry(max_patch_days=7))
    finding = run(patch_timeliness, given)
    assert finding.outcome is Outcome.FAIL
    assert "7-day limit" in finding.message


def test_vulnerabilities_without_a_fix_or_with_a_disposition_are_not_late() -> None:
    old = f"{days_ago(400)}T00:00:00Z"
    given = check_input(
        "SUM-5", audit(vuln(published=old), vuln("GHSA-nofix", fix_versions=(), published=old)), waivers=[WAIVED]
    )
    finding = run(patch_timeliness, given)
    assert finding.outcome is Outcome.PASS
    assert "no known vulnerability with an available fix" in finding.message


@pytest.mark.parametrize("published", [None, "not a date"])
def test_an_unknown_publication_date_is_not_available(published: str | None) -> None:
    finding = run(patch_timeliness, check_input("SUM-5", audit(vuln(published=published))))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "publication date unknown" in finding.message


def test_a_late_fix_fails_even_beside_an_unknown_date() -> None:
    late = vuln(published=f"{days_ago(90)}T00:00:00Z")
    unknown = vuln("GHSA-undated", published=None)
    assert run(patch_timeliness, check_input("SUM-5", audit(late, unknown))).outcome is Outcome.FAIL


# --- a VEX statement that leaves the vulnerability open is no disposition ----------------------------------------


@pytest.mark.parametrize("state", [VexState.EXPLOITABLE, VexState.IN_TRIAGE])
@pytest.mark.parametrize(
    ("criterion", "requirement"),
    [
        pytest.param(known_vulnerabilities, "SVV-3", id="known_vulnerabilities"),
        pytest.param(vulnerability_dispositions, "DM-4", id="vulnerability_dispositions"),
    ],
)
def test_an_open_vex_state_keeps_the_vulnerability_open(
    criterion: Criterion, requirement: str, state: VexState
) -> None:
    statement = waiver("W-open", vulnerability="GHSA-aaaa-bbbb-cccc", package="requests", vex=state)
    finding = run(criterion, check_input(requirement, audit(vuln()), waivers=[statement]))
    assert finding.outcome is Outcome.FAIL
    assert "W-open" in finding.message
    assert f"VEX {state.value}" in finding.message
    assert "not a disposition" in finding.message


@pytest.mark.parametrize("state", [VexState.EXPLOITABLE, VexState.IN_TRIAGE])
def test_an_open_vex_state_does_not_excuse_a_late_patch(state: VexState) -> None:
    statement = waiver("W-open", vulnerability="GHSA-aaaa-bbbb-cccc", package="requests", vex=state)
    late = vuln(published=days_ago(DEFAULT_MAX_PATCH_DAYS + 5))
    finding = run(patch_timeliness, check_input("SUM-5", audit(late), waivers=[statement]))
    assert finding.outcome is Outcome.FAIL
    assert "GHSA-aaaa-bbbb-cccc" in finding.message


def test_a_vulnerability_finding_names_the_waivers_of_what_it_judged_in_force_or_not() -> None:
    # Reports show these ids beside the finding; they never search the waiver's text in the message.
    expired = waiver("W-old", vulnerability="GHSA-2", package="requests", created_days_ago=90, expires_in_days=-1)
    elsewhere = waiver("W-x", vulnerability="GHSA-aaaa-bbbb-cccc", package="urllib3")
    given = check_input("SVV-3", audit(vuln(), vuln("GHSA-2")), waivers=[WAIVED, expired, elsewhere])
    for criterion in (known_vulnerabilities, vulnerability_dispositions):
        assert run(criterion, given).waivers == ("W-old", "W-vuln")
    assert run(known_vulnerabilities, check_input("SVV-3", audit(vuln()))).waivers == ()
