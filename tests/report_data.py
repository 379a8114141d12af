"""Assessments built with the Assessment model for report tests: every verdict, topic findings, waivers."""

from __future__ import annotations

from datetime import date

from sdl_gate.approvals.state import ExceptionStatus
from sdl_gate.assess import (
    Assessment,
    Decision,
    EvidenceRef,
    FindingResult,
    PolicyRef,
    ProductRef,
    RequirementResult,
    ToolRef,
    Verdict,
    WaiverResult,
    _practice,
    score_findings,
)
from sdl_gate.catalogue import load_catalogue
from sdl_gate.checks import Finding, Outcome
from sdl_gate.policy.models import Mode
from sdl_gate.policy.waivers import WaiverState
from sdl_gate.render.diagram import Component, Flow, Zone, ZoneDiagram
from sdl_gate.render.view import ReportInput, SourceKind

RECORDS = "sha256:" + "1" * 64
REPOSITORY = "sha256:" + "2" * 64
SAST = "sha256:" + "3" * 64
VULNS = "sha256:" + "4" * 64
THREAT_MODEL = "sha256:" + "5" * 64

EVIDENCE = [
    EvidenceRef(id=RECORDS, kind="records", tool=ToolRef(name="sdl-gate", version="0.1.0")),
    EvidenceRef(id=REPOSITORY, kind="repository", tool=ToolRef(name="sdl-gate", version="0.1.0")),
    EvidenceRef(id=SAST, kind="sast", tool=ToolRef(name="bandit", version="1.8.6")),
    EvidenceRef(id=VULNS, kind="vulnerability_audit", tool=ToolRef(name="pip-audit", version="2.9.0")),
    EvidenceRef(id=THREAT_MODEL, kind="threat_model", tool=ToolRef(name="sdl-gate", version="0.1.0")),
]

WAIVERS = [
    WaiverResult(
        id="W-001",
        kind="requirement",
        target="requirement SVV-4",
        requirement="SVV-4",
        state=WaiverState.ACTIVE,
        approval=ExceptionStatus.APPROVED,
        approval_detail="approved by Erika Lind <erika.lind@example.com> on 2026-10-01 (SHA256:test)",
        requester="Max Mustermann <max@example.com>",
        approver="Erika Lind <erika.lind@example.com>",
        expires="2027-04-30T23:59:59+00:00",
        justification="External penetration test booked for 2027-02; interim fuzzing and ACL tests done.",
    ),
    WaiverResult(
        id="W-002",
        kind="vulnerability",
        target="PYSEC-2018-28 in requests",
        requirement="SVV-3",
        state=WaiverState.ACTIVE,
        approval=ExceptionStatus.APPROVED,
        approval_detail="approved by Erika Lind <erika.lind@example.com> on 2026-10-01 (SHA256:test)",
        requester="Erika Lind <erika.lind@example.com>",
        approver="Max Mustermann <max@example.com>",
        expires="2027-01-31T00:00:00+00:00",
        justification="The gateway never follows redirects, so the credential leak cannot happen.",
    ),
    WaiverResult(
        id="W-003",
        kind="finding",
        target="finding 9f8e7d6c5b4a3921",
        requirement="SI-1",
        state=WaiverState.EXPIRED,
        approval=ExceptionStatus.APPROVED,
        approval_detail="approved by Erika Lind <erika.lind@example.com> on 2026-10-01 (SHA256:test)",
        requester="Erika Lind <erika.lind@example.com>",
        approver="Max Mustermann <max@example.com>",
        expires="2026-10-01T00:00:00+00:00",
        justification="Test helper only, never shipped in the wheel.",
    ),
]


def _f(
    criterion: str,
    outcome: Outcome,
    message: str,
    evidence: str | None = None,
    location: str | None = None,
    waivers: tuple[str, ...] = (),
) -> Finding:
    return Finding("", criterion, outcome, message, (evidence,) if evidence else (), location, waivers=waivers)


def _record_pass(requirement: str) -> Finding:
    return _f(
        "record",
        Outcome.PASS,
        f"record rec-{requirement.lower()} (review, 2026-09-14) approved by Max Mustermann on 2026-09-16",
        RECORDS,
        f"security/records/rec-{requirement.lower()}.yaml",
    )


SCENARIOS: dict[str, list[Finding]] = {
    "SM-2": [
        _f("record", Outcome.FAIL, 'record <script>alert("x")</script> & co | is not approved\x07', RECORDS),
    ],
    "SM-6": [
        _f("signatures", Outcome.NOT_AVAILABLE, "needs a verified signature for every released file"),
    ],
    "SR-2": [
        _f("threat_model", Outcome.PASS, "security/threat-model.yaml is valid: 3 zones, 4 conduits", THREAT_MODEL),
        _f(
            "threat_model",
            Outcome.FAIL,
            "flow F-3 (publisher -> broker) crosses zone Plant DMZ with no threat considered",
            THREAT_MODEL,
            "security/threat-model.yaml:88",
        ),
    ],
    "SI-1": [
        _f("sast", Outcome.PASS, "static analysis covered 12 of 12 tracked Python files", SAST),
        _f(
            "sast",
            Outcome.FAIL,
            "B608 hardcoded_sql_expressions (medium severity, medium confidence): possible SQL injection "
            "through string-based query construction; fingerprint 1a2b3c4d5e6f7081",
            SAST,
            "src/modbus_mqtt_gateway/registers.py:42",
        ),
        _f(
            "sast",
            Outcome.FAIL,
            "B602 subprocess_popen_with_shell_equals_true (high severity, high confidence); fingerprint "
            "9f8e7d6c5b4a3921 (waiver W-003 expired)",
            SAST,
            "src/modbus_mqtt_gateway/cli.py:7:5",
            ("W-003",),
        ),
    ],
    "SVV-3": [
        _f(
            "vulnerability_audit",
            Outcome.FAIL,
            "PYSEC-2021-142 (CVE-2020-14343) in pyyaml 5.3: arbitrary code execution; fixed in 5.4",
            VULNS,
            "requirements.txt:3",
        ),
        _f(
            "vulnerability_audit",
            Outcome.PASS,
            "PYSEC-2018-28 (CVE-2018-18074) in requests 2.19.0 is covered by waiver W-002",
            VULNS,
            "requirements.txt:1",
            ("W-002",),
        ),
        _f("vulnerability_audit", Outcome.NOT_AVAILABLE, "jinja2 2.10 was skipped by the audit", VULNS),
        _record_pass("SVV-3"),
    ],
    "SVV-4": [_f("record", Outcome.FAIL, "no record lists SVV-4; add an approved pen_test record", RECORDS)],
    "DM-6": [_f("record", Outcome.FAIL, "record disclosure-2025 does not count: it expired on 2026-06-30", RECORDS)],
    "SUM-5": [
        _f("vulnerability_audit", Outcome.NOT_AVAILABLE, "no vulnerability_audit evidence was collected"),
    ],
}

MODES = {"SM-10": Mode.NOT_APPLICABLE, "DM-6": Mode.ADVISORY}


def _result(requirement_id: str, practice: str, title: str, remediation: str) -> RequirementResult:
    mode = MODES.get(requirement_id, Mode.ENFORCED)
    waiver: str | None = None
    if mode is Mode.NOT_APPLICABLE:
        findings: list[Finding] = []
        verdict, score = Verdict.NOT_APPLICABLE, 1.0
        rationale = "Not applicable under policy sample: no supplier develops custom components."
    else:
        findings = SCENARIOS.get(requirement_id, [_record_pass(requirement_id)])
        scored = score_findings(tuple(findings))
        verdict, score = scored.verdict, scored.score
        rationale = f"{verdict.value}: " + " ".join(f"{f.criterion}: {f.outcome.value}: {f.message}." for f in findings)
        if requirement_id == "SVV-4":
            verdict, waiver = Verdict.WAIVED, "W-001"
            rationale = f"Waived by W-001. Underlying verdict: {rationale}"
    blocking = mode is Mode.ENFORCED and verdict in (
        Verdict.NOT_SATISFIED,
        Verdict.PARTIALLY_SATISFIED,
        Verdict.NOT_ASSESSED,
    )
    return RequirementResult(
        id=requirement_id,
        practice=practice,
        title=title,
        verdict=verdict,
        score=score,
        rationale=rationale,
        mode=mode,
        blocking=blocking,
        findings=[
            FindingResult(
                criterion=f.criterion,
                outcome=f.outcome,
                message=f.message,
                evidence=list(f.evidence),
                location=f.location,
                waivers=list(f.waivers),
            )
            for f in findings
        ],
        evidence=sorted({e for f in findings for e in f.evidence}),
        waiver=waiver,
        remediation=remediation,
    )


def sample_assessment(extra_findings: dict[str, list[FindingResult]] | None = None) -> Assessment:
    """An assessment with every verdict, static-analysis, vulnerability and threat-model findings, and waivers."""
    catalogue = load_catalogue()
    results = []
    for requirement in catalogue.requirements:
        result = _result(requirement.id, requirement.practice, requirement.title, requirement.remediation)
        if extra_findings and requirement.id in extra_findings:
            result = result.model_copy(update={"findings": result.findings + extra_findings[requirement.id]})
        results.append(result)
    practices = [_practice(p.id, p.title, [r for r in results if r.practice == p.id]) for p in catalogue.practices]
    blocking = [r.id for r in results if r.blocking]
    satisfied = sum(1 for r in results if r.verdict is Verdict.SATISFIED)
    return Assessment(
        schema_version=1,
        generator=ToolRef(name="sdl-gate", version="0.1.0"),
        standard=catalogue.standard,
        product=ProductRef(
            name="modbus-mqtt-gateway", version="1.4.0", commit="0123456789abcdef0123456789abcdef01234567"
        ),
        assessed_on=date(2026, 11, 20),
        policy=PolicyRef(name="sample", source="security/policy.yaml", digest="sha256:" + "a" * 64),
        decision=Decision(
            passed=not blocking,
            blocking=blocking,
            summary=f"FAILED: {satisfied} of {len(results)} requirements satisfied, {len(blocking)} blocking",
        ),
        practices=practices,
        requirements=results,
        waivers=WAIVERS,
        evidence=EVIDENCE,
        rejected_evidence=["sbom evidence from commit 89abcdef is not for the assessed commit"],
        maturity_basis="Indicative only.",
    )


DIAGRAM = ZoneDiagram(
    zones=[
        Zone(id="field", name="Field network", security_level=2),
        Zone(id="dmz", name="Plant DMZ", security_level=3),
        Zone(id="cloud", name="Enterprise cloud", security_level=None),
    ],
    components=[
        Component(id="plc", name="PLC (Modbus TCP)", zone="field"),
        Component(id="gateway", name="Gateway", zone="dmz"),
        Component(id="config", name="Config store", zone="dmz"),
        Component(id="broker", name="MQTT broker", zone="cloud"),
    ],
    flows=[
        Flow(source="gateway", target="plc", conduit="C1", protocol="Modbus/TCP"),
        Flow(source="gateway", target="broker", conduit="C2", protocol="MQTT over TLS"),
        Flow(source="config", target="gateway", protocol="file"),
    ],
)


def sample_input(*, diagram: bool = True) -> ReportInput:
    """The sample assessment as an assessment file would give it, with the zones diagram when asked."""
    return ReportInput(
        assessment=sample_assessment(),
        source=SourceKind.ASSESSMENT_FILE,
        origin="sample-assessment.json",
        diagram=DIAGRAM if diagram else None,
    )


def many_findings(count: int) -> dict[str, list[FindingResult]]:
    """``count`` static-analysis findings for SI-1, each at its own file and line."""
    return {
        "SI-1": [
            FindingResult(
                criterion="sast",
                outcome=Outcome.FAIL,
                message=f"B{600 + index % 12} finding number {index}: subprocess call with shell=True",
                evidence=[SAST],
                location=f"src/pkg/module_{index % 97}.py:{index + 1}",
            )
            for index in range(count)
        ]
    }
