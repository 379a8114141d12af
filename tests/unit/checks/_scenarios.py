"""One pass, one fail, one not_available and one empty input for every criterion of the practice tables.

The practice-table tests (``test_sm.py`` ... ``test_sg.py``) run each requirement's real ``Check`` on these
inputs and assert the outcome of the targeted criterion, so every (requirement, criterion) pair in
``sdl_gate.checks.CHECKS`` is exercised with hand-built evidence. The empty input is valid evidence in which
the collector found nothing to examine. ``test_registry.py`` asserts that every criterion in the tables has
its scenarios and that its empty input is never a pass; ``python -m tests.unit.checks._scenarios`` prints
the counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from sdl_gate.attest.files import SignatureFormat, VerifyStatus
from sdl_gate.bundle_payload import SignerCheck
from sdl_gate.checks import CHECKS, Check, CheckInput, Outcome
from sdl_gate.collectors.records import RecordKind
from sdl_gate.collectors.sbom import SbomOrigin
from sdl_gate.collectors.test_results import TestOutcome
from sdl_gate.collectors.vulns import AuditStatus
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.history_payload import ReleaseSnapshot
from sdl_gate.policy.waivers import Waiver
from sdl_gate.sast.models import Level, NotAnalysed, SuppressionProblem
from sdl_gate.sbom.quality import Element, MismatchKind
from sdl_gate.threatmodel.freshness import FreshnessStatus
from tests.unit.checks._build import (
    CODEOWNERS,
    MODEL_PATH,
    OTHER_DIGEST,
    REGISTER,
    REQUIREMENTS_PATH,
    SECURITY_POLICY,
    artifact,
    audit,
    bundle,
    check_input,
    dependency,
    devenv,
    facts,
    fresh,
    gap,
    guideline,
    history,
    inspection,
    key_scan,
    language,
    mismatch,
    model_data,
    passing_tests,
    person,
    private_key,
    record_entry,
    recorded_test,
    recorded_tests,
    records,
    rejection,
    release,
    repository,
    requirement,
    review_of,
    run_criterion,
    sast,
    sast_finding,
    sbom,
    security_requirements,
    signatures,
    signed_test_record,
    skipped_test,
    source_exclusion,
    suppression,
    threat_model,
    vuln,
    waiver,
    waivers_evidence,
    workflow,
)

#: The record kinds each requirement's record criterion accepts (the practice tables, read as a spec).
RECORD_KINDS: dict[str, tuple[str, ...]] = {
    "SM-1": ("process_document",),
    "SM-2": ("process_document",),
    "SM-3": ("process_document",),
    "SM-4": ("training",),
    "SM-5": ("process_document",),
    "SM-7": ("process_document",),
    "SM-8": ("key_custody",),
    "SM-9": ("review",),
    "SM-10": ("supplier_attestation",),
    "SM-12": ("review",),
    "SM-13": ("periodic_review",),
    "SR-2": ("review",),
    "SR-5": ("review",),
    "SD-1": ("process_document",),
    "SD-3": ("review",),
    "SD-4": ("process_document",),
    "SI-1": ("review",),
    "SI-2": ("process_document",),
    "SVV-3": ("test_report",),
    "SVV-4": ("pen_test",),
    "SVV-5": ("process_document", "test_report"),
    "DM-2": ("triage",),
    "DM-3": ("triage",),
    "DM-5": ("process_document",),
    "DM-6": ("periodic_review",),
    "SUM-1": ("test_report",),
    "SUM-2": ("release_notes",),
    "SUM-3": ("release_notes",),
    "SUM-5": ("process_document",),
    "SG-7": ("review",),
}

Build = Callable[[str], CheckInput]


def _accepted_record(requirement_id: str) -> Evidence:
    return records(record_entry("R-1", RECORD_KINDS[requirement_id][0], [requirement_id]))


def _wrong_kind_record(requirement_id: str) -> Evidence:
    wrong = next(k.value for k in RecordKind if k.value not in RECORD_KINDS[requirement_id])
    return records(record_entry("R-1", wrong, [requirement_id]))


def _nothing(requirement_id: str) -> CheckInput:
    return check_input(requirement_id)


def _with(*items: Evidence, waivers: tuple[Waiver, ...] = ()) -> Build:
    """A scenario whose evidence does not depend on the requirement."""
    return lambda requirement_id: check_input(requirement_id, *items, waivers=waivers)


_ACTIVE = waiver("W-1", requirement="SM-11")
_EXPIRED = waiver("W-old", requirement="SM-11", created_days_ago=60, expires_in_days=-1)
_VULN_WAIVER = waiver("W-vuln", vulnerability="GHSA-aaaa-bbbb-cccc", package="requests")
_OLD_FIX = vuln(published="2025-12-01T00:00:00Z")
_EMPTY_MODEL: dict[str, object] = {"version": 1}
_REGISTER_EDIT = "security/approvers.yaml is edited in this change (it differs from the trusted register)"
_INSPECTED = requirement("SR-M", verification="inspection", statement="The manual shall list every open port.")


def _findings_in(days_before: int, version: str, sast_findings: int) -> ReleaseSnapshot:
    """An earlier release of ``version`` whose code held ``sast_findings`` static-analysis findings."""
    return release(days_before, 1.0, version=version, facts=facts(sast_findings=sast_findings))


_BOUNDARY_FREE = model_data(zones=[{"id": "plant", "name": "Plant"}, {"id": "ops", "name": "Operations", "sl_t": 3}])


@dataclass(frozen=True)
class Scenarios:
    """Inputs on which one criterion answers pass, fail and not_available (None: it cannot answer that)."""

    passing: Build
    failing: Build | None
    unavailable: Build | None
    #: What the criterion answers when none of its evidence exists (optional evidence: not_applicable).
    absent: Outcome = Outcome.NOT_AVAILABLE
    #: Why ``failing`` or ``unavailable`` is None.
    why_not: str = ""
    #: Valid evidence with nothing in it to examine (zero files, dependencies, tests...): never a pass.
    empty: Build | None = None
    #: Why ``empty`` is None.
    no_empty: str = ""


SCENARIOS: dict[str, Scenarios] = {
    # _criteria.py
    "record": Scenarios(
        passing=lambda r: check_input(r, _accepted_record(r)),
        failing=lambda r: check_input(r, _wrong_kind_record(r)),
        unavailable=_nothing,
        empty=_with(records()),
    ),
    # _independence.py
    "testers_independent": Scenarios(
        passing=_with(records(signed_test_record(authors=[person("dev@example.com")]))),
        failing=_with(records(signed_test_record(authors=[person("quinn@example.com", "QA")]))),
        unavailable=_with(records(signed_test_record(observed=False))),
        empty=_with(records()),
    ),
    "codeowners or record": Scenarios(
        passing=_with(repository(codeowners=CODEOWNERS)),
        failing=_with(repository(), records()),
        unavailable=_nothing,
        empty=_with(repository(), records()),
    ),
    "approver_register": Scenarios(
        passing=_with(records()),
        failing=_with(records(register={**REGISTER, "edit": _REGISTER_EDIT})),
        unavailable=_nothing,
        # With no trusted register named nothing verifies an approval, so an edit of one cannot take effect.
        empty=_with(records(register=None)),
    ),
    "security_policy": Scenarios(
        passing=_with(repository(security_policy=SECURITY_POLICY)),
        failing=_with(repository()),
        unavailable=_nothing,
        empty=_with(repository()),
    ),
    "guideline_document": Scenarios(
        passing=lambda r: check_input(r, repository(guidelines={r: guideline()})),
        failing=lambda r: check_input(r, repository(guidelines={r: guideline(status="empty")})),
        unavailable=_nothing,
        empty=_with(repository()),
    ),
    "waiver_register": Scenarios(
        passing=_with(waivers_evidence(_ACTIVE), waivers=(_ACTIVE,)),
        failing=_with(waivers_evidence(_ACTIVE, _EXPIRED), waivers=(_ACTIVE, _EXPIRED)),
        unavailable=_with(waivers=(_ACTIVE,)),
        empty=_with(waivers_evidence()),
    ),
    # _signing.py
    "release_signatures": Scenarios(
        passing=_with(signatures(artifact())),
        failing=_with(signatures(artifact(status=VerifyStatus.UNSIGNED))),
        unavailable=_with(signatures(patterns=())),
        empty=_with(signatures()),
    ),
    "verifiable_updates": Scenarios(
        passing=_with(signatures(artifact())),
        failing=_with(signatures(artifact(status=VerifyStatus.INVALID, detail="digest mismatch"))),
        unavailable=_with(signatures()),
        empty=_with(signatures()),
    ),
    "keyless_signing or record": Scenarios(
        passing=_with(signatures(artifact())),
        failing=_with(signatures(artifact(signature_format=SignatureFormat.KEY)), records()),
        unavailable=_nothing,
        empty=_with(signatures(), records()),
    ),
    "no_committed_private_key": Scenarios(
        passing=_with(signatures(artifact())),
        failing=_with(signatures(artifact(), scan=key_scan(private_key()))),
        unavailable=_with(signatures(artifact(), scan=key_scan(complete=False, problem="git ls-files failed"))),
        empty=_with(signatures(artifact(), scan=key_scan(files_scanned=0))),
    ),
    "release_bundle": Scenarios(
        passing=_with(bundle()),
        failing=_with(bundle(signed=False)),
        unavailable=_with(bundle(signer_check=SignerCheck.NOT_CONFIGURED)),
        absent=Outcome.NOT_APPLICABLE,
        no_empty="a bundle record always describes one bundle; with none the evidence is absent",
    ),
    # _devenv.py
    "development_environment": Scenarios(
        passing=_with(devenv(workflow())),
        failing=_with(devenv(workflow(".github/workflows/ci.yml", "actions/setup-python@v5 is not pinned"))),
        unavailable=_with(devenv(ci="none")),
        empty=_with(devenv()),
    ),
    # _history.py
    "release_history": Scenarios(
        passing=_with(history(release(60, 0.8))),
        failing=_with(history(release(60, 0.8), refused={"widget-1.0.zip": "its manifest signature does not verify"})),
        unavailable=lambda r: check_input(r, rejected=[rejection(EvidenceKind.HISTORY)]),
        absent=Outcome.NOT_APPLICABLE,
        empty=_with(history()),
    ),
    "improvement_trend": Scenarios(
        passing=_with(history(_findings_in(90, "1.0", 3), _findings_in(30, "1.1", 1))),
        failing=_with(history(_findings_in(90, "1.0", 2), _findings_in(30, "1.1", 2))),
        unavailable=_with(history(_findings_in(30, "1.0", 3))),
        absent=Outcome.NOT_APPLICABLE,
        empty=_with(history()),
    ),
    # _regression.py
    "regression_tests": Scenarios(
        passing=_with(recorded_tests(recorded_test("tests/test_api.py::test_ok"))),
        failing=_with(recorded_tests(recorded_test("tests/test_api.py::test_ok", TestOutcome.FAILED))),
        unavailable=_nothing,
        empty=_with(recorded_tests()),
    ),
    # _vulns.py
    "sbom": Scenarios(
        passing=_with(sbom()),
        failing=_with(sbom(gaps=(gap(Element.VERSION),))),
        unavailable=_with(sbom(origin=SbomOrigin.UNAVAILABLE)),
        empty=_with(sbom(components=0)),
    ),
    "sbom_current": Scenarios(
        passing=_with(sbom()),
        failing=_with(sbom(mismatches=(mismatch(MismatchKind.MISSING_FROM_SBOM),))),
        unavailable=_with(sbom(origin=SbomOrigin.UNAVAILABLE)),
        empty=_with(sbom(origin=SbomOrigin.SUPPLIED, against=())),
    ),
    "known_vulnerabilities": Scenarios(
        passing=_with(audit()),
        failing=_with(audit(vuln())),
        unavailable=_with(audit(status=AuditStatus.UNAVAILABLE, reason="pip-audit timed out")),
        empty=_with(audit(dependencies=())),
    ),
    "vulnerability_dispositions": Scenarios(
        passing=_with(audit(vuln()), waivers=(_VULN_WAIVER,)),
        failing=_with(audit(vuln())),
        unavailable=_with(audit(vuln(), dependencies=(dependency(), dependency("lxml", skipped="not on PyPI")))),
        empty=_with(audit(dependencies=())),
    ),
    "vulnerability_severity": Scenarios(
        passing=_with(audit(vuln())),
        failing=None,
        unavailable=_with(audit(vuln(severity=(), record_found=False))),
        why_not="a vulnerability without a known severity is not_available, never fail",
        empty=_with(audit(dependencies=())),
    ),
    "patch_timeliness": Scenarios(
        passing=_with(audit(vuln())),
        failing=_with(audit(_OLD_FIX)),
        unavailable=_with(audit(vuln(published=None))),
        empty=_with(audit(dependencies=())),
    ),
    # _sast.py
    "sast_files_analysed": Scenarios(
        passing=_with(sast()),
        failing=_with(sast(not_analysed=(NotAnalysed(path="widget/broken.py", reason="syntax error"),))),
        unavailable=_nothing,
        empty=_with(sast(analysed=0)),
    ),
    "sast_scan_of_commit": Scenarios(
        passing=_with(sast()),
        failing=_with(sast(modified=("widget/api.py",))),
        unavailable=_nothing,
        empty=_with(sast(analysed=0)),
    ),
    "languages_analysed": Scenarios(
        passing=_with(sast(languages=(language("C", 2, "cppcheck"), language("Python", 4, "bandit")))),
        failing=_with(sast(source_exclusions=(source_exclusion(),))),
        unavailable=_with(sast(languages=(language("C", 1), language("Python", 4, "bandit")))),
        empty=_with(sast(analysed=0)),
    ),
    "sast_findings": Scenarios(
        passing=_with(sast()),
        failing=_with(sast(sast_finding())),
        unavailable=_nothing,
        empty=_with(sast(analysed=0)),
    ),
    "sast_skips": Scenarios(
        passing=_with(sast(skipped=(skipped_test("B101", Level.LOW),))),
        failing=_with(sast(skipped=(skipped_test(),))),
        unavailable=_nothing,
        empty=_with(sast(analysed=0)),
    ),
    "sast_configuration": Scenarios(
        passing=_with(sast()),
        failing=_with(sast(config_source=None)),
        unavailable=_nothing,
        empty=_with(sast(config_source=None, automation=())),
    ),
    "sast_suppressions": Scenarios(
        passing=_with(sast(suppressions=(suppression(),))),
        failing=_with(sast(suppressions=(suppression(SuppressionProblem.NO_JUSTIFICATION),))),
        unavailable=_nothing,
        empty=_with(sast(analysed=0)),
    ),
    # _threats.py
    "security_context": Scenarios(
        passing=_with(threat_model()),
        failing=_with(threat_model(model_data(product={"name": "widget"}))),
        unavailable=_nothing,
        empty=_with(threat_model(_EMPTY_MODEL)),
    ),
    "threat_coverage": Scenarios(
        passing=_with(threat_model()),
        failing=_with(threat_model(model_data(threats=[], dispositions=[]))),
        unavailable=_nothing,
        empty=_with(threat_model(_EMPTY_MODEL)),
    ),
    "threat_model_review": Scenarios(
        passing=_with(threat_model()),
        failing=_with(threat_model(freshness=fresh(status=FreshnessStatus.STALE))),
        unavailable=_with(threat_model(freshness=fresh(status=FreshnessStatus.UNKNOWN))),
        empty=_with(threat_model(_EMPTY_MODEL, freshness=fresh(status=FreshnessStatus.NOT_REVIEWED))),
    ),
    "boundary_characterisation": Scenarios(
        passing=_with(threat_model()),
        failing=_with(threat_model(_BOUNDARY_FREE)),
        unavailable=_nothing,
        empty=_with(threat_model(_EMPTY_MODEL)),
    ),
    "defence_in_depth": Scenarios(
        passing=_with(threat_model()),
        failing=_with(
            threat_model(model_data(dispositions=[{"threat": "T1", "status": "mitigated", "mitigations": ["M1"]}]))
        ),
        unavailable=_with(
            threat_model(
                model_data(threats=[{"id": "T1", "title": "Spoofed readings", "stride": "spoofing", "affects": ["f1"]}])
            )
        ),
        empty=_with(threat_model(_EMPTY_MODEL)),
    ),
    "security_requirements": Scenarios(
        passing=_with(security_requirements()),
        failing=_with(security_requirements(requirement(category=None))),
        unavailable=_nothing,
        empty=_with(security_requirements(empty=True)),
    ),
    "requirements_content": Scenarios(
        passing=_with(security_requirements(), threat_model()),
        failing=_with(security_requirements(requirement(sl_c=1)), threat_model()),
        unavailable=_with(security_requirements()),
        empty=_with(security_requirements(empty=True), threat_model()),
    ),
    "reviewed_security_requirements": Scenarios(
        passing=lambda r: check_input(r, records(review_of(REQUIREMENTS_PATH, r)), security_requirements()),
        failing=lambda r: check_input(
            r, records(review_of(REQUIREMENTS_PATH, r, digest=OTHER_DIGEST)), security_requirements()
        ),
        unavailable=lambda r: check_input(r, records(review_of(REQUIREMENTS_PATH, r))),
        empty=lambda r: check_input(r, records(), security_requirements()),
    ),
    "reviewed_threat_model": Scenarios(
        passing=lambda r: check_input(r, records(review_of(MODEL_PATH, r)), threat_model()),
        failing=lambda r: check_input(r, records(review_of(MODEL_PATH, r, digest=OTHER_DIGEST)), threat_model()),
        unavailable=lambda r: check_input(r, records(review_of(MODEL_PATH, r))),
        empty=lambda r: check_input(r, records(), threat_model()),
    ),
    "mitigation_tests": Scenarios(
        passing=_with(passing_tests(), threat_model()),
        failing=_with(recorded_tests(recorded_test("tests/test_tls.py::test_mutual_tls")), threat_model()),
        unavailable=_with(threat_model()),
        # Tests ran, but the model lists no mitigation for them to verify.
        empty=_with(passing_tests(), threat_model(_EMPTY_MODEL)),
    ),
    "requirement_tests": Scenarios(
        passing=_with(passing_tests(), security_requirements(), threat_model()),
        failing=_with(
            recorded_tests(
                recorded_test("tests/test_tls.py::test_mutual_tls"),
                recorded_test("tests/test_sign.py::test_signed_reading", TestOutcome.SKIPPED),
            ),
            security_requirements(),
            threat_model(),
        ),
        unavailable=_with(security_requirements(), threat_model()),
        # Tests ran, but no requirement is verified by test.
        empty=_with(passing_tests(), security_requirements(_INSPECTED), threat_model()),
    ),
    # _inspection.py
    "requirement_inspections": Scenarios(
        passing=_with(security_requirements(_INSPECTED), records(inspection("manual-inspection", "SR-M"))),
        failing=_with(security_requirements(_INSPECTED), records()),
        unavailable=_with(security_requirements(_INSPECTED)),
        empty=_with(security_requirements(), records()),
    ),
}


@dataclass(frozen=True)
class Case:
    """One criterion of one requirement's check, and the outcome a scenario must give it."""

    requirement: str
    index: int
    criterion: str
    expected: Outcome
    build: Build


def criteria_of(table: Mapping[str, Check]) -> Iterator[tuple[str, int, str]]:
    """Every (requirement, position, criterion name) of a practice table, in table order."""
    for requirement_id, check in table.items():
        for index, criterion in enumerate(check.criteria):
            yield requirement_id, index, criterion.name


def cases(table: Mapping[str, Check]) -> list[Any]:
    """Pytest parameters: a pass, a fail and a not_available case per criterion of ``table``, where it can."""
    params = []
    for requirement_id, index, name in criteria_of(table):
        scenarios = SCENARIOS[name]
        for expected, build in (
            (Outcome.PASS, scenarios.passing),
            (Outcome.FAIL, scenarios.failing),
            (Outcome.NOT_AVAILABLE, scenarios.unavailable),
        ):
            if build is not None:
                case = Case(requirement_id, index, name, expected, build)
                params.append(pytest.param(case, id=f"{requirement_id}[{index}]-{name}-{expected.value}"))
    return params


def assert_case(case: Case) -> None:
    """Run the requirement's real check on the case's input; its criterion must answer as expected."""
    given = case.build(case.requirement)
    finding = run_criterion(case.requirement, case.index, given)
    assert finding.outcome is case.expected, finding.message
    assert finding.requirement == case.requirement
    if case.expected in (Outcome.PASS, Outcome.FAIL):
        # A verdict names the evidence it read, and only evidence the assessment holds.
        assert finding.evidence
        assert set(finding.evidence) <= set(given.evidence.ids())


def counts() -> dict[str, int]:
    """How many criteria the tables hold and how many of them have a pass, fail and not_available scenario."""
    pairs = list(criteria_of(CHECKS))
    names = {name for _, _, name in pairs}
    return {
        "requirements": len(CHECKS),
        "criterion instances": len(pairs),
        "distinct criteria": len(names),
        "with a pass case": sum(1 for _, _, n in pairs if SCENARIOS[n].passing is not None),
        "with a fail case": sum(1 for _, _, n in pairs if SCENARIOS[n].failing is not None),
        "with a not_available case": sum(1 for _, _, n in pairs if SCENARIOS[n].unavailable is not None),
        "with an empty-evidence case": sum(1 for _, _, n in pairs if SCENARIOS[n].empty is not None),
        "distinct with a pass case": sum(1 for n in names if SCENARIOS[n].passing is not None),
        "distinct with a fail case": sum(1 for n in names if SCENARIOS[n].failing is not None),
        "distinct with a not_available case": sum(1 for n in names if SCENARIOS[n].unavailable is not None),
        "distinct with an empty-evidence case": sum(1 for n in names if SCENARIOS[n].empty is not None),
    }


if __name__ == "__main__":
    for label, number in counts().items():
        print(f"{label}: {number}")
