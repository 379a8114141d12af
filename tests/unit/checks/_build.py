"""Hand-built evidence for criterion unit tests: each kind's payload in a few lines, in the collectors' shapes.

Payloads of kinds with a typed model are built through that model (``model_dump(mode="json")``, as the
collectors do), so a test cannot hand a criterion a shape no collector would write. Records and repository
facts have no model; their dicts mirror ``collectors/records.py`` and ``collectors/repository.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sdl_gate.attest.files import SignatureFormat, VerifyStatus
from sdl_gate.bundle_payload import BundleRecord, SignerCheck
from sdl_gate.checks import CHECKS, Check, CheckInput, Criterion, Finding
from sdl_gate.collectors.dependencies import SourceRead
from sdl_gate.collectors.devenv import ActionUse, DevEnvPayload, WorkflowFacts, WorkflowFinding
from sdl_gate.collectors.sbom import SbomOrigin, SbomPayload
from sdl_gate.collectors.signatures import (
    ArtifactSignature,
    KeyScan,
    PrivateKeyFound,
    SignaturesPayload,
    Verification,
)
from sdl_gate.collectors.test_results import PLUGIN_PROVENANCE, Provenance, ProvenanceKind, TestOutcome, TestResult
from sdl_gate.collectors.vulns import (
    AuditedDependency,
    AuditPayload,
    AuditStatus,
    DependencyStatus,
    EcosystemRecords,
    Severity,
    VulnDatabaseInfo,
    Vulnerability,
)
from sdl_gate.config import SettingOrigin
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceSet, Rejection, StoredEvidence, Subject, ToolInfo
from sdl_gate.history_payload import (
    HistoryPayload,
    PracticeSnapshot,
    RefusedBundle,
    ReleaseFacts,
    ReleaseSnapshot,
    SeenRecord,
    SeenVulnerability,
)
from sdl_gate.payloads import RecordEntry
from sdl_gate.policy.models import ImportedResults, Mode, ResolvedRequirement, Threshold
from sdl_gate.policy.waivers import Scope, Vex, VexState, Waiver
from sdl_gate.sast.models import (
    AutomationHook,
    BanditConfigInfo,
    BaselineApproval,
    BaselineEntry,
    BaselineInfo,
    Exclusion,
    LanguageCount,
    Level,
    NosecStatus,
    NotAnalysed,
    SastFinding,
    SastReport,
    SkippedTest,
    SkipReason,
    Suppression,
    SuppressionProblem,
)
from sdl_gate.sast.models import Scope as SastScope
from sdl_gate.sbom.quality import Element, Gap, Mismatch, MismatchKind
from sdl_gate.sbom.sources import SourceKind, SourceReason
from sdl_gate.threatmodel.freshness import Freshness, FreshnessStatus
from sdl_gate.threatmodel.model import ThreatModel
from sdl_gate.threatmodel.requirements import SecurityRequirement
from tests.conftest import approved_baseline_verdicts, approved_waivers

TODAY = date(2026, 3, 1)
COMMIT = "c0ffee" + "0" * 34
COLLECTED = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
DIGEST = "ab" * 32
OTHER_DIGEST = "cd" * 32


def days_ago(days: int) -> str:
    """Return the ISO date ``days`` before TODAY."""
    return (TODAY - timedelta(days=days)).isoformat()


# --- Evidence sets and check inputs -------------------------------------------------------------------------------


def evidence(kind: EvidenceKind, payload: Mapping[str, Any]) -> Evidence:
    """Evidence of ``kind`` at the assessed commit."""
    return Evidence(
        kind=kind,
        tool=ToolInfo(name="sdl-gate", version="test"),
        subject=Subject(commit=COMMIT),
        payload=dict(payload),
    )


def rejection(kind: EvidenceKind, reason: str | None = None) -> Rejection:
    """A rejection of ``kind``'s evidence with a recognisable reason."""
    return Rejection(kind, reason or f"stored {kind.value} evidence is unreadable or truncated (unit test)")


def evidence_set(items: Iterable[Evidence] = (), rejections: Iterable[Rejection] = ()) -> EvidenceSet:
    """An admitted evidence set holding ``items`` (all at the assessed commit) and ``rejections``."""
    stored = tuple(StoredEvidence(id=e.id, collected_at=COLLECTED, evidence=e) for e in items)
    return EvidenceSet(commit=COMMIT, items=stored, rejections=tuple(rejections))


def policy_entry(
    *,
    max_age_days: int | None = None,
    max_patch_days: int | None = None,
    vulndb_max_age_days: int | None = None,
    severity_threshold: Threshold | None = None,
    confidence_threshold: Threshold | None = None,
    imported_test_results: ImportedResults | None = None,
    sast_unanalysed_languages_allowed: tuple[str, ...] | None = None,
    sast_allowed_excludes: tuple[str, ...] | None = None,
) -> ResolvedRequirement:
    """An enforced requirement's resolved policy entry with the given parameters."""
    return ResolvedRequirement(
        mode=Mode.ENFORCED,
        justification=None,
        enforced_from=None,
        max_age_days=max_age_days,
        max_patch_days=max_patch_days,
        vulndb_max_age_days=vulndb_max_age_days,
        severity_threshold=severity_threshold,
        confidence_threshold=confidence_threshold,
        imported_test_results=imported_test_results,
        sast_unanalysed_languages_allowed=sast_unanalysed_languages_allowed,
        sast_allowed_excludes=sast_allowed_excludes,
    )


def check_input(
    requirement: str,
    *items: Evidence,
    rejected: Iterable[Rejection] = (),
    waivers: Iterable[Waiver] = (),
    policy: ResolvedRequirement | None = None,
    today: date = TODAY,
) -> CheckInput:
    """What a criterion of ``requirement`` reads: the given evidence, rejections, waivers, policy and date."""
    return CheckInput(
        requirement=requirement,
        evidence=evidence_set(items, rejected),
        policy=policy or policy_entry(),
        waivers=approved_waivers(waivers),
        today=today,
    )


def run(criterion: Criterion, given: CheckInput) -> Finding:
    """Run one criterion as a check does, so an exception becomes an ``error`` finding."""
    (finding,) = Check(given.requirement, (criterion,)).run(given)
    return finding


def run_criterion(requirement: str, index: int, given: CheckInput) -> Finding:
    """Run ``requirement``'s check from the practice tables and return its ``index``-th criterion's finding."""
    findings = CHECKS[requirement].run(given)
    assert len(findings) == len(CHECKS[requirement].criteria)
    return findings[index]


# --- Waivers ------------------------------------------------------------------------------------------------------


def waiver(
    waiver_id: str = "W-1",
    *,
    finding: str | None = None,
    vulnerability: str | None = None,
    package: str | None = None,
    requirement: str | None = None,
    created_days_ago: int = 10,
    expires_in_days: int = 30,
    vex: VexState | None = None,
) -> Waiver:
    """A waiver created ``created_days_ago`` before TODAY, expiring ``expires_in_days`` after it (negative: expired)."""
    start = datetime.combine(TODAY, datetime.min.time(), tzinfo=timezone.utc)
    created = start - timedelta(days=created_days_ago)
    return Waiver(
        id=waiver_id,
        scope=Scope(requirement=requirement, finding=finding, vulnerability=vulnerability, package=package),
        justification="accepted after review: not reachable in our deployment",
        requester="Alice Example <alice@example.com>",
        approver="Bob Example <bob@example.com>",
        created=created,
        expires=start + timedelta(days=expires_in_days),
        vex=Vex(state=vex) if vex is not None else None,
    )


def waivers_evidence(*waivers: Waiver) -> Evidence:
    """``waivers`` evidence describing the register (what the waiver collector writes)."""
    return evidence(
        EvidenceKind.WAIVERS,
        {
            "present": bool(waivers),
            "waivers": [
                {
                    "id": w.id,
                    "kind": w.scope.kind.value,
                    "target": w.scope.describe(),
                    "requirement": w.scope.target_requirement,
                    "requester": w.requester,
                    "approver": w.approver,
                    "created": w.created.isoformat(),
                    "expires": w.expires.isoformat(),
                    "justification": w.justification,
                    "vex": w.vex.model_dump(mode="json") if w.vex else None,
                }
                for w in waivers
            ],
        },
    )


# --- Records and repository facts ---------------------------------------------------------------------------------


def link(path: str = "docs/process.md", *, status: str = "unchanged", expected: str = DIGEST) -> dict[str, Any]:
    """A record's link to a repository file as the records collector observes it."""
    actual = {"unchanged": expected, "changed": OTHER_DIGEST, "missing": None}[status]
    return {"path": path, "expected_sha256": expected, "actual_sha256": actual, "status": status}


BOB = {
    "name": "Bob Example",
    "email": "bob@example.com",
    "emails": ["bob@example.com"],
    "department": "Product Security",
    "organisation": "Example GmbH",
}


def approval(
    approved_on: str,
    *,
    status: str = "verified",
    person: Mapping[str, Any] | None = BOB,
    may_approve: Iterable[str] = (),
    changed: Iterable[str] = (),
    detail: str = "signed by Bob Example <bob@example.com> (SHA256:test)",
) -> dict[str, Any]:
    """One approval as the records collector observes it (by default: Bob's, verified)."""
    return {
        "approver": "bob@example.com",
        "date": approved_on,
        "method": "ssh",
        "status": status,
        "detail": detail,
        "signer": "SHA256:test" if status != "unverified" else None,
        "person": dict(person) if person is not None and status in ("verified", "stale") else None,
        "may_approve": sorted(may_approve),
        "changed_files": list(changed),
    }


def record_entry(
    record_id: str,
    kind: str,
    requirements: Iterable[str],
    *,
    dated: str | None = None,
    approved: str | None = "default",
    valid_until: str | None = None,
    links: Iterable[Mapping[str, Any]] = (),
    verifies: Iterable[str] = (),
    approvals: Iterable[Mapping[str, Any]] | None = None,
    author_email: str | None = "alice@example.com",
    placeholders: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """One record as the records collector lists it; by default dated 20 days ago and signed 18 days ago by Bob,
    whom the register entitles to approve it for every requirement it lists."""
    record_date = dated or days_ago(20)
    approval_date = days_ago(18) if approved == "default" else approved
    listed = sorted(set(requirements))
    if approvals is None:
        approvals = [approval(approval_date, may_approve=listed)] if approval_date is not None else []
    return {
        "id": record_id,
        "file": f"security/records/{record_id}.yaml",
        "kind": kind,
        "title": f"{record_id} title",
        "requirements": listed,
        "date": record_date,
        "author": "Alice Example <alice@example.com>",
        "author_email": author_email,
        "approvals": [dict(a) for a in approvals],
        "legacy_approval": False,
        "valid_until": valid_until,
        "links": [dict(item) for item in links],
        "verifies": sorted(set(verifies)),
        "notes": None,
        "placeholders": [dict(p) for p in placeholders],
        "placeholder_count": len(list(placeholders)),
    }


def typed_entry(entry: Mapping[str, Any]) -> RecordEntry:
    """A record entry as a check reads it from the records evidence: validated against its model."""
    return RecordEntry.model_validate(entry)


def person(email: str, department: str | None = "Development", organisation: str | None = "Example GmbH") -> dict:
    """Someone named in a record, as the register knows them (department and organisation)."""
    return {
        "email": email,
        "person": {
            "name": email.split("@", maxsplit=1)[0],
            "email": email,
            "emails": [email],
            "department": department,
            "organisation": organisation,
        },
    }


def signed_test_record(
    requirements: Iterable[str] = ("SVV-3",),
    *,
    kind: str = "test_report",
    testers: Iterable[Mapping[str, Any]] = (),
    authors: Iterable[Mapping[str, Any]] = (),
    observed: bool = True,
) -> dict[str, Any]:
    """A signed test record naming ``testers``, with the git authors of its code under test."""
    entry = record_entry("tests-1", kind, requirements)
    entry["testers"] = [dict(t) for t in testers] or [person("quinn@example.com", "QA")]
    entry["code_authors"] = {
        "range": "HEAD",
        "status": "observed" if observed else "unavailable",
        "detail": "3 commit(s) in HEAD" if observed else "git log HEAD: not a git repository",
        "authors": [dict(a) for a in authors] if observed else [],
    }
    return entry


REGISTER = {"source": "file approvers.yaml", "sha256": DIGEST, "people": 2, "edit": None}


def records(*entries: Mapping[str, Any], register: Mapping[str, Any] | None = REGISTER) -> Evidence:
    """``records`` evidence listing ``entries``, verified against a trusted register unless ``register`` is None."""
    described = dict(register) if register is not None else {"source": None, "sha256": None, "people": 0, "edit": None}
    return evidence(
        EvidenceKind.RECORDS,
        {"records": sorted((dict(e) for e in entries), key=lambda e: e["id"]), "register": described},
    )


def repository(
    *,
    security_policy: Mapping[str, Any] | None = None,
    codeowners: Mapping[str, Any] | None = None,
    guidelines: Mapping[str, Mapping[str, Any]] | None = None,
) -> Evidence:
    """``repository`` evidence; every fact absent unless given."""
    return evidence(
        EvidenceKind.REPOSITORY,
        {
            "security_policy": dict(security_policy) if security_policy is not None else None,
            "codeowners": dict(codeowners) if codeowners is not None else None,
            "guidelines": {k: dict(v) for k, v in (guidelines or {}).items()},
        },
    )


SECURITY_POLICY = {"path": "SECURITY.md", "contacts": ["security@example.com"]}
CODEOWNERS = {"path": ".github/CODEOWNERS", "rules": 2, "owners": ["@acme/security"]}


def guideline(path: str = "docs/user-guide.md", status: str = "present") -> dict[str, Any]:
    """A configured guideline document as the repository collector records it."""
    entry: dict[str, Any] = {"path": path, "status": status, "sha256": DIGEST if status != "missing" else None}
    if status == "present":
        entry |= {"placeholders": [], "placeholder_count": 0}
    return entry


# --- Signatures and bundles ---------------------------------------------------------------------------------------


def artifact(
    path: str = "dist/widget-2.0.0.tar.gz",
    *,
    status: VerifyStatus = VerifyStatus.VERIFIED,
    signature_format: SignatureFormat | None = SignatureFormat.SIGSTORE,
    signer: str | None = "release@example.com",
    detail: str = "verified",
) -> ArtifactSignature:
    """One release file and what verifying its signature found."""
    signed = status in (VerifyStatus.VERIFIED, VerifyStatus.INVALID)
    return ArtifactSignature(
        path=path,
        sha256=DIGEST,
        signature=f"{path}.sigstore.json" if signed else None,
        format=signature_format if signed else None,
        status=status,
        detail=detail,
        signer=signer if status is VerifyStatus.VERIFIED else None,
        issuer="https://accounts.example.com" if status is VerifyStatus.VERIFIED else None,
    )


def key_scan(
    *found: PrivateKeyFound, files_scanned: int = 42, complete: bool = True, problem: str | None = None
) -> KeyScan:
    """A repository scan for private keys."""
    return KeyScan(method="git ls-files", files_scanned=files_scanned, complete=complete, problem=problem, found=found)


def private_key(path: str = "tests/keys/ci.pem") -> PrivateKeyFound:
    """A private key found in the repository."""
    return PrivateKeyFound(path=path, key_type="RSA", encrypted=False)


def signatures(
    *artifacts: ArtifactSignature,
    patterns: tuple[str, ...] = ("dist/*",),
    scan: KeyScan | None = None,
    sigstore: str | None = "identity release@example.com; Sigstore production",
    key: str | None = None,
    problem: str | None = None,
) -> Evidence:
    """``signatures`` evidence: the configured globs, the verifiers in force, the files found and the key scan."""
    payload = SignaturesPayload(
        patterns=patterns,
        verification=Verification(sigstore=sigstore, key=key, problem=problem),
        artifacts=artifacts,
        key_scan=scan or key_scan(),
    )
    return evidence(EvidenceKind.SIGNATURES, payload.model_dump(mode="json"))


def bundle(*, signed: bool = True, signer_check: SignerCheck = SignerCheck.VERIFIED) -> Evidence:
    """``bundle`` evidence: the release-evidence bundle being made of this assessment."""
    payload = BundleRecord(
        format=1,
        file="widget-2.0.0-evidence.zip",
        signature=SignatureFormat.SIGSTORE if signed else None,
        signer="release@example.com" if signed else None,
        signer_check=signer_check if signed else None,
        expected_signer="release@example.com" if signed and signer_check is not SignerCheck.NOT_CONFIGURED else None,
    )
    return evidence(EvidenceKind.BUNDLE, payload.model_dump(mode="json"))


# --- Development environment, history, test results ---------------------------------------------------------------


def workflow(
    path: str = ".github/workflows/ci.yml", *problems: str, uses: tuple[ActionUse, ...] | None = None
) -> WorkflowFacts:
    """One workflow's facts; each of ``problems`` becomes a finding on line 7."""
    pinned = ActionUse(job="test", line=5, uses="actions/checkout@" + "a" * 40, kind="pinned")
    return WorkflowFacts(
        path=path,
        sha256=DIGEST,
        top_level_permissions="declared",
        uses=uses if uses is not None else (pinned,),
        findings=tuple(WorkflowFinding(job="test", line=7, problem=p) for p in problems),
    )


def devenv(*workflows: WorkflowFacts, ci: str = "github-actions", unreadable: tuple[str, ...] = ()) -> Evidence:
    """``development_environment`` evidence."""
    payload = DevEnvPayload(ci=ci, workflows=workflows, unreadable=unreadable)
    return evidence(EvidenceKind.DEVELOPMENT_ENVIRONMENT, payload.model_dump(mode="json"))


def release(
    days_before: int,
    score: float,
    *,
    version: str | None = None,
    practices: int = 8,
    ids: Iterable[str] | None = None,
    complete: bool | None = None,
    waivers: int = 0,
    facts: ReleaseFacts | None = None,
    bundle: str | None = None,
) -> ReleaseSnapshot:
    """An earlier verified release assessed ``days_before`` TODAY, every practice at ``score``.

    Practices are P0, P1, ... unless ``ids`` names them; each is complete when ``score`` is 1 unless ``complete``
    says otherwise; ``facts`` are what its evidence showed for the process metrics.
    """
    names = list(ids) if ids is not None else [f"P{i}" for i in range(practices)]
    done = score == 1.0 if complete is None else complete
    name = bundle or f"widget-{version or days_before}.zip"
    return ReleaseSnapshot(
        bundle=name,
        sha256=hashlib.sha256(name.encode()).hexdigest(),
        signer="release@example.com",
        product="widget",
        version=version,
        commit=None,
        assessed_on=TODAY - timedelta(days=days_before),
        practices=tuple(PracticeSnapshot(id=i, score=score, complete=done, waivers=waivers) for i in names),
        facts=facts,
    )


def facts(
    *,
    vulnerabilities: Iterable[SeenVulnerability] | None = None,
    sast_findings: int | None = None,
    records: Iterable[SeenRecord] | None = None,
) -> ReleaseFacts:
    """What a release's evidence showed; a fact not given was not measured."""
    return ReleaseFacts(
        vulnerabilities=tuple(vulnerabilities) if vulnerabilities is not None else None,
        sast_findings=sast_findings,
        records=tuple(records) if records is not None else None,
    )


def seen_vulnerability(
    vuln_id: str = "GHSA-aaaa-bbbb-cccc",
    *,
    published: date | None = TODAY - timedelta(days=200),
    package: str = "requests",
    aliases: tuple[str, ...] = (),
) -> SeenVulnerability:
    """A known vulnerability an earlier release's audit reported."""
    return SeenVulnerability(id=vuln_id, aliases=aliases, package=package, published=published)


def seen_record(
    record_id: str, requirements: Iterable[str], *, created: date, approved_after_days: int | None
) -> SeenRecord:
    """A record an earlier release carried, approved ``approved_after_days`` after its date (None: unapproved)."""
    approved = None if approved_after_days is None else created + timedelta(days=approved_after_days)
    return SeenRecord(id=record_id, requirements=tuple(requirements), created=created, approved=approved)


def history(*releases: ReleaseSnapshot, refused: Mapping[str, str] | None = None) -> Evidence:
    """``history`` evidence: earlier verified releases and the bundles refused, with why."""
    payload = HistoryPayload(
        releases=releases,
        refused=tuple(RefusedBundle(bundle=b, reason=r) for b, r in (refused or {}).items()),
    )
    return evidence(EvidenceKind.HISTORY, payload.model_dump(mode="json"))


def recorded_test(
    node_id: str,
    outcome: TestOutcome = TestOutcome.PASSED,
    *,
    requirements: tuple[str, ...] = (),
    mitigations: tuple[str, ...] = (),
    provenance: Provenance = PLUGIN_PROVENANCE,
) -> TestResult:
    """One recorded test, what it is traced to and how it was obtained (observed by the plugin by default)."""
    return TestResult(
        node_id=node_id, outcome=outcome, requirements=requirements, mitigations=mitigations, provenance=provenance
    )


def imported(
    sha256: str = DIGEST, *, file: str = "junit.xml", statement: str = "Jenkins job nightly #12"
) -> Provenance:
    """The provenance of results imported from a JUnit file with ``test-results import``."""
    return Provenance(kind=ProvenanceKind.IMPORTED, statement=statement, file=file, sha256=sha256)


def approved_junit_record(record_id: str = "TR-1", sha256: str = DIGEST, **changes: Any) -> dict[str, Any]:
    """An approved test_report record (listing SVV-1) that links the JUnit file at ``sha256``."""
    return record_entry(
        record_id, "test_report", ["SVV-1"], links=[link("reports/junit.xml", expected=sha256)], **changes
    )


def recorded_tests(*results: TestResult) -> Evidence:
    """``test_results`` evidence."""
    return evidence(EvidenceKind.TEST_RESULTS, {"tests": [r.model_dump(mode="json") for r in results]})


# --- SBOM and vulnerability audit ---------------------------------------------------------------------------------


def sbom(
    *,
    origin: SbomOrigin = SbomOrigin.GENERATED,
    components: int = 3,
    gaps: tuple[Gap, ...] = (),
    mismatches: tuple[Mismatch, ...] = (),
    against: tuple[str, ...] = ("requirements-lock.txt",),
) -> Evidence:
    """``sbom`` evidence; an ``unavailable`` origin carries its reason and nothing else."""
    if origin is SbomOrigin.UNAVAILABLE:
        payload = SbomPayload(
            origin=origin,
            reason="no SBOM configured and no dependency source found to generate one from",
            path=None,
            sha256=None,
            spec_version=None,
            components=0,
            purls=(),
            gaps=(),
            cross_checked_against=(),
            mismatches=(),
        )
    else:
        payload = SbomPayload(
            origin=origin,
            reason=None,
            path="sbom.cdx.json",
            sha256=DIGEST,
            spec_version="1.6",
            components=components,
            purls=tuple(f"pkg:pypi/dep{i}@1.0" for i in range(components)),
            gaps=gaps,
            cross_checked_against=against,
            mismatches=mismatches,
        )
    return evidence(EvidenceKind.SBOM, payload.model_dump(mode="json"))


def gap(element: Element, component: str | None = "dep0") -> Gap:
    """A missing NTIA element."""
    return Gap(component=component, element=element)


def mismatch(kind: MismatchKind, name: str = "requests") -> Mismatch:
    """A difference between the SBOM and the dependency sources."""
    return Mismatch(
        name=name,
        kind=kind,
        sbom_version=None if kind is MismatchKind.MISSING_FROM_SBOM else "2.0",
        source_version=None if kind is MismatchKind.NOT_IN_SOURCE else "2.1",
    )


RECENT = f"{days_ago(10)}T00:00:00Z"


def cvss(score: float | None = 7.5, vector: str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N") -> Severity:
    """An advisory's severity statement."""
    rating = None if score is None else ("high" if score >= 7 else "medium")
    return Severity(type="CVSS_V3", vector=vector, score=score, rating=rating)


def vuln(
    vuln_id: str = "GHSA-aaaa-bbbb-cccc",
    *,
    package: str = "requests",
    version: str = "2.0.0",
    aliases: tuple[str, ...] = ("CVE-2026-0001",),
    fix_versions: tuple[str, ...] = ("2.0.1",),
    published: str | None = RECENT,
    severity: tuple[Severity, ...] | None = None,
    record_found: bool = True,
) -> Vulnerability:
    """One known vulnerability with a fix; published 10 days ago with a high CVSS unless told otherwise."""
    return Vulnerability(
        id=vuln_id,
        aliases=aliases,
        package=package,
        version=version,
        fix_versions=fix_versions,
        description="a known vulnerability",
        published=published,
        severity=severity if severity is not None else (cvss(),),
        record_found=record_found,
    )


def dependency(name: str = "requests", *, skipped: str | None = None) -> AuditedDependency:
    """One dependency of the audit, audited unless ``skipped`` gives why not."""
    if skipped is not None:
        return AuditedDependency(name=name, version=None, status=DependencyStatus.SKIPPED, reason=skipped)
    return AuditedDependency(name=name, version="2.0.0", status=DependencyStatus.AUDITED)


def audit(
    *vulnerabilities: Vulnerability,
    dependencies: tuple[AuditedDependency, ...] | None = None,
    status: AuditStatus = AuditStatus.COMPLETED,
    reason: str | None = None,
    offline: bool = False,
    imported_at: str | None = None,
) -> Evidence:
    """``vulnerability_audit`` evidence: by default one audited dependency (requests) and the given findings."""
    # A database is as current as its newest record; ``imported_at`` stands for both in these tests.
    database = (
        VulnDatabaseInfo(
            records=1200,
            imported_at=imported_at,
            newest_modified=imported_at,
            sha256=DIGEST,
            ecosystems=(EcosystemRecords(ecosystem="PyPI", records=1200, newest_modified=imported_at),),
            chosen_by=SettingOrigin.OPTION,
        )
        if offline
        else None
    )
    source = SourceRead(
        kind=SourceKind.REQUIREMENTS,
        path="requirements-lock.txt",
        reason=SourceReason.CONFIGURED,
        entries=1,
        components=1,
        pinned=1,
    )
    payload = AuditPayload(
        status=status,
        reason=reason,
        service="osv",
        url="http://127.0.0.1:9/v1/query" if offline else "https://api.osv.dev/v1/query",
        url_chosen_by=SettingOrigin.DEFAULT,
        offline=offline,
        ecosystem="PyPI",
        database=database,
        sources=(source,),
        conflicts=(),
        dependencies=dependencies if dependencies is not None else (dependency(),),
        vulnerabilities=vulnerabilities,
    )
    return evidence(EvidenceKind.VULNERABILITY_AUDIT, payload.model_dump(mode="json"))


# --- Static analysis ----------------------------------------------------------------------------------------------


def sast_finding(
    fingerprint: str = "fp-1",
    *,
    path: str = "widget/run.py",
    line: int = 12,
    severity: Level = Level.HIGH,
    confidence: Level = Level.HIGH,
    baselined: bool = False,
) -> SastFinding:
    """One normalised bandit finding."""
    return SastFinding(
        fingerprint=fingerprint,
        path=path,
        line=line,
        end_line=line,
        column=5,
        test_id="B602",
        test_name="subprocess_popen_with_shell_equals_true",
        severity=severity,
        confidence=confidence,
        cwe=78,
        text="subprocess call with shell=True identified",
        more_info="https://bandit.readthedocs.io/",
        nosec=NosecStatus.NONE,
        nosec_line=None,
        baselined=baselined,
    )


def suppression(*problems: SuppressionProblem, path: str = "widget/run.py", line: int = 20) -> Suppression:
    """A ``# nosec`` comment with the given problems (none: it names its tests and is justified)."""
    return Suppression(
        path=path,
        line=line,
        tests=() if SuppressionProblem.NO_TEST_IDS in problems else ("B602",),
        named=() if SuppressionProblem.NO_TEST_IDS in problems else ("B602",),
        justification=None if SuppressionProblem.NO_JUSTIFICATION in problems else "input is a constant",
        problems=problems,
    )


def skipped_test(test_id: str = "B602", severity: Level | None = Level.HIGH) -> SkippedTest:
    """A bandit test the project's configuration skips."""
    return SkippedTest(
        test_id=test_id,
        name="subprocess_popen_with_shell_equals_true",
        severity=severity,
        reason=SkipReason.SKIPPED,
        source="pyproject.toml [tool.bandit] skips",
    )


def approved_baseline(fingerprint: str, *, expires_in_days: int = 30) -> BaselineInfo:
    """A baseline whose one entry, for ``fingerprint``, was approved ten days before ``TODAY``."""
    created = datetime.combine(TODAY - timedelta(days=10), time(), tzinfo=timezone.utc)
    approval = BaselineApproval(
        approver="Bob Example <bob@example.com>",
        justification="the command is a constant string, reviewed",
        created=created,
        expires=created + timedelta(days=10 + expires_in_days),
    )
    entry = BaselineEntry(fingerprint=fingerprint, path="widget/run.py", test_id="B602", line=12, approval=approval)
    return BaselineInfo(
        path="security/sast-baseline.json",
        sha256=DIGEST,
        entries=(entry,),
        approvals=approved_baseline_verdicts(entry, approved_on=created.date()),
    )


def sast(
    *findings: SastFinding,
    scope: SastScope = SastScope.GIT_TRACKED,
    analysed: int = 4,
    excluded: tuple[str, ...] = (),
    not_analysed: tuple[NotAnalysed, ...] = (),
    modified: tuple[str, ...] = (),
    suppressions: tuple[Suppression, ...] = (),
    config_source: str | None = "pyproject.toml",
    automation: tuple[AutomationHook, ...] | None = None,
    skipped: tuple[SkippedTest, ...] = (),
    baseline: BaselineInfo | None = None,
    languages: tuple[LanguageCount, ...] | None = None,
    source_exclusions: tuple[Exclusion, ...] = (),
) -> Evidence:
    """``sast`` evidence: a configured, automated bandit run over ``analysed`` files with ``findings``.

    The census holds the ``analysed`` Python files, covered by bandit, unless ``languages`` says otherwise.
    """
    if languages is None:
        languages = (language("Python", analysed, "bandit"),) if analysed else ()
    report = SastReport(
        scanner="bandit",
        scanner_version="1.8.0",
        config=BanditConfigInfo(source=config_source, digest=DIGEST, tests=(), skips=(), excludes=(), skipped=skipped),
        scope=scope,
        analysed=analysed,
        excluded=excluded,
        exclusions=(),
        not_analysed=not_analysed,
        modified_since_commit=modified,
        findings=findings,
        suppressions=suppressions,
        baseline=baseline,
        automation=(
            automation
            if automation is not None
            else (AutomationHook(path=".pre-commit-config.yaml", detail="sdl-gate-sast hook"),)
        ),
        languages=languages,
        source_exclusions=source_exclusions,
    )
    return evidence(EvidenceKind.SAST, report.model_dump(mode="json"))


def source_exclusion(path: str = "third_party/zlib/inflate.c", pattern: str = "third_party/*") -> Exclusion:
    """A source file ``source-exclude`` keeps out of the language census."""
    return Exclusion(path=path, pattern=pattern, source="pyproject.toml [tool.sdl-gate] source-exclude")


def language(name: str, files: int, *analysers: str) -> LanguageCount:
    """One line of the census: ``files`` source files in ``name``, covered by ``analysers``."""
    suffix = {"Python": "py", "C": "c", "C++": "cpp", "Go": "go"}.get(name, name.lower())
    examples = tuple(f"widget/file{index}.{suffix}" for index in range(min(files, 5)))
    return LanguageCount(language=name, files=files, examples=examples, analysers=analysers)


# --- Threat model and security requirements -----------------------------------------------------------------------


def model_data(**changes: Any) -> dict[str, Any]:
    """A complete native threat model (as YAML would give it); ``changes`` replace top-level sections.

    Two zones joined by a conduit, one boundary-crossing flow through it, one high threat on that flow
    mitigated by two independent mitigations, each tested, and a review at a commit.
    """
    data: dict[str, Any] = {
        "version": 1,
        "product": {
            "name": "widget",
            "intended_environment": "a plant network behind the site firewall",
            "assumptions": ["operators are authenticated by the site directory"],
        },
        "zones": [{"id": "plant", "name": "Plant", "sl_t": 2}, {"id": "ops", "name": "Operations", "sl_t": 3}],
        "conduits": [{"id": "c1", "between": ["plant", "ops"], "protocol": "https"}],
        "components": [
            {"id": "sensor", "name": "Sensor", "zone": "plant"},
            {"id": "api", "name": "API", "zone": "ops"},
        ],
        "flows": [{"id": "f1", "from": "sensor", "to": "api", "conduit": "c1"}],
        "threats": [
            {"id": "T1", "title": "Spoofed readings", "stride": "spoofing", "affects": ["f1"], "severity": "high"}
        ],
        "mitigations": [
            {
                "id": "M1",
                "description": "mutual TLS on the conduit",
                "requirements": ["SR-A"],
                "tests": ["tests/test_tls.py::test_mutual_tls"],
            },
            {
                "id": "M2",
                "description": "signed readings",
                "requirements": ["SR-A"],
                "tests": ["tests/test_sign.py::test_signed_reading"],
            },
        ],
        "dispositions": [{"threat": "T1", "status": "mitigated", "mitigations": ["M1", "M2"]}],
        "reviews": [{"date": days_ago(30), "reviewers": ["Carol Example"], "commit": "abc1234"}],
    }
    data.update(changes)
    return data


def fresh(*, status: FreshnessStatus = FreshnessStatus.FRESH, reviewed: str | None = None) -> Freshness:
    """What git said about the latest review (fresh unless told otherwise), reviewed 30 days ago."""
    if status is FreshnessStatus.NOT_REVIEWED:
        return Freshness(status=status, reason="the model records no review")
    reasons = {
        FreshnessStatus.FRESH: "no file in the review's scope changed since commit abc1234",
        FreshnessStatus.STALE: "1 file(s) in the review's scope changed since commit abc1234",
        FreshnessStatus.UNKNOWN: "reviewed commit abc1234 is not in this repository",
    }
    return Freshness(
        status=status,
        review_date=reviewed or days_ago(30),
        reviewed_commit="abc1234",
        changed=("widget/api.py",) if status is FreshnessStatus.STALE else (),
        changed_count=1 if status is FreshnessStatus.STALE else 0,
        reason=reasons[status],
    )


MODEL_PATH = "security/threat-model.yaml"
REQUIREMENTS_PATH = "security/requirements.yaml"


def threat_model(data: Mapping[str, Any] | None = None, *, freshness: Freshness | None = None) -> Evidence:
    """``threat_model`` evidence of a model (validated, as the loader would) and its review freshness."""
    model = ThreatModel.model_validate(dict(data) if data is not None else model_data())
    return evidence(
        EvidenceKind.THREAT_MODEL,
        {
            "present": True,
            "path": MODEL_PATH,
            "format": "native",
            "sha256": DIGEST,
            "model": model.to_json(),
            "freshness": (freshness or fresh()).model_dump(mode="json"),
        },
    )


def no_threat_model() -> Evidence:
    """``threat_model`` evidence saying there is no model file."""
    return evidence(EvidenceKind.THREAT_MODEL, {"present": False, "path": MODEL_PATH})


def requirement(requirement_id: str = "SR-A", **changes: Any) -> dict[str, Any]:
    """A complete security requirement (as YAML would give it); ``changes`` replace fields."""
    data: dict[str, Any] = {
        "id": requirement_id,
        "statement": "Readings shall be authenticated end to end.",
        "category": "FR1 identification and authentication",
        "scope": ["api"],
        "sl_c": 3,
        "threats": ["T1"],
        "verification": "test",
    }
    data.update(changes)
    return data


def security_requirements(*items: Mapping[str, Any], empty: bool = False) -> Evidence:
    """``security_requirements`` evidence (validated, as the loader would); one complete requirement by default.

    ``empty`` gives a present requirements file that defines no requirement.
    """
    loaded = [SecurityRequirement.model_validate(dict(r)) for r in (() if empty else items or (requirement(),))]
    return evidence(
        EvidenceKind.SECURITY_REQUIREMENTS,
        {
            "present": True,
            "path": REQUIREMENTS_PATH,
            "sha256": DIGEST,
            "requirements": [r.model_dump(mode="json") for r in loaded],
        },
    )


def no_security_requirements() -> Evidence:
    """``security_requirements`` evidence saying there is no requirements file."""
    return evidence(EvidenceKind.SECURITY_REQUIREMENTS, {"present": False, "path": REQUIREMENTS_PATH})


def review_of(path: str, requirement_id: str, *, digest: str = DIGEST, **changes: Any) -> dict[str, Any]:
    """An approved review record listing ``requirement_id`` that links ``path`` at ``digest``."""
    return record_entry(
        f"review-{requirement_id}", "review", [requirement_id], links=[link(path, expected=digest)], **changes
    )


def inspection(record_id: str, *requirement_ids: str, **changes: Any) -> dict[str, Any]:
    """An approved inspection record (listing SVV-1) that verifies the product requirements ``requirement_ids``."""
    return record_entry(record_id, "inspection", ["SVV-1"], verifies=requirement_ids, **changes)


def passing_tests() -> Evidence:
    """Test results verifying both mitigations of the default model (and so SR-A through them)."""
    return recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls", mitigations=("M1",)),
        recorded_test("tests/test_sign.py::test_signed_reading"),
    )


def imported_passing_tests(sha256: str = DIGEST) -> Evidence:
    """The same results as ``passing_tests``, but imported from a JUnit file at ``sha256``."""
    return recorded_tests(
        recorded_test("tests/test_tls.py::test_mutual_tls", mitigations=("M1",), provenance=imported(sha256)),
        recorded_test("tests/test_sign.py::test_signed_reading", provenance=imported(sha256)),
    )
