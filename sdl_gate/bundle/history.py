"""Release history: earlier bundles, verified against the project's signer, as ``history`` evidence.

The indicative maturity reads it: ML3 needs a practice complete across several released versions over time, ML4
also needs a process metric (read from each release's verified evidence) that improved over them. Because history
is evidence, it is bundled and re-assessed like the rest.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sdl_gate import __version__
from sdl_gate._model import LenientFrozenModel
from sdl_gate.attest.manifest import ManifestVerifier
from sdl_gate.bundle import layout
from sdl_gate.bundle.signer import configured_verifier
from sdl_gate.bundle.verify import verify_bundle
from sdl_gate.bundle.zipfmt import Entry, UnsafeArchive, inspect_archive, read_entry
from sdl_gate.config import Project
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceStore, StoredEvidence, Subject, ToolInfo
from sdl_gate.history_payload import (
    HistoryPayload,
    PracticeSnapshot,
    RefusedBundle,
    ReleaseFacts,
    ReleaseSnapshot,
    SeenRecord,
    SeenVulnerability,
)

MAX_HISTORY_BUNDLES = 200
MAX_ASSESSMENT_BYTES = 64 * 1024 * 1024
#: More evidence objects than an assessment uses are not read (one per kind is the norm).
MAX_EVIDENCE_OBJECTS = 64
#: Verdicts as an assessment writes them (``assess.Verdict``; its module sits above this one).
SATISFIED = "satisfied"
NOT_APPLICABLE = "not_applicable"


def manifest_verifier(project: Project) -> ManifestVerifier:
    """Build the verifier for earlier bundles from ``[tool.sdl-gate.signing]``; ConfigError when none is set."""
    verifier = configured_verifier(project, with_ref=False)
    if verifier is None:
        source = project.config_source or (project.root / "pyproject.toml")
        raise ConfigError(
            "--history needs [tool.sdl-gate.signing] (key or identity) to verify earlier bundles", path=source
        )
    return verifier


class _EarlierProduct(LenientFrozenModel):
    name: str
    version: str | None
    commit: str | None


class _EarlierPractice(LenientFrozenModel):
    id: str
    score: float


class _EarlierRequirement(LenientFrozenModel):
    id: str
    practice: str
    verdict: str


class _EarlierWaiver(LenientFrozenModel):
    requirement: str
    state: str


class _EarlierAssessment(LenientFrozenModel):
    product: _EarlierProduct
    assessed_on: date
    practices: tuple[_EarlierPractice, ...]
    requirements: tuple[_EarlierRequirement, ...]
    waivers: tuple[_EarlierWaiver, ...]


class _EarlierInputs(LenientFrozenModel):
    evidence: tuple[str, ...]


class _EarlierApproval(LenientFrozenModel):
    date: date


class _EarlierRecord(LenientFrozenModel):
    id: str
    requirements: tuple[str, ...]
    date: date
    #: Evidence of sdl-gate versions before signed approvals: the free-text approval it counted then.
    approval: _EarlierApproval | None = None
    #: Signed approvals as the records collector verified them; None in evidence from before they existed.
    approvals: tuple[dict[str, Any], ...] | None = None
    author: str = ""
    author_email: str | None = None
    kind: str = ""


#: What of an earlier record its approvals are judged against (``RecordApprovals`` without the approvals).
_APPROVAL_SUBJECT = {"id", "kind", "requirements", "author", "author_email"}


def _approved_on(record: _EarlierRecord) -> date | None:
    """The day of the earliest approval that counts for any requirement the record lists."""
    if record.approvals is None:
        return record.approval.date if record.approval is not None else None
    from sdl_gate.checks.api import ApprovalState, approval_state
    from sdl_gate.payloads import RecordApprovals

    days: list[date] = []
    for approval in record.approvals:
        try:
            # Each approval on its own: one this version cannot read never counts, and spoils none of the others.
            subject = RecordApprovals.model_validate(
                {**record.model_dump(include=_APPROVAL_SUBJECT), "approvals": [approval], "legacy_approval": False}
            )
        except ValidationError:
            continue
        # Judged as of no particular day: the metric asks when it was approved, not whether it still is.
        state, _, _ = approval_state(subject, None, date.max)
        if state is ApprovalState.APPROVED:
            days.append(subject.approvals[0].date)
    return min(days, default=None)


class _EarlierRecords(LenientFrozenModel):
    records: tuple[_EarlierRecord, ...]


def _published(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _vulnerabilities(evidence: Evidence) -> tuple[SeenVulnerability, ...] | None:
    from sdl_gate.collectors.vulns import AuditPayload, AuditStatus, DependencyStatus

    try:
        audit = AuditPayload.model_validate(evidence.payload)
    except ValidationError:
        return None
    statuses = {d.status for d in audit.dependencies}
    # A partial audit would count fewer vulnerabilities than there were: no count at all is the honest answer.
    if audit.status is not AuditStatus.COMPLETED or statuses != {DependencyStatus.AUDITED}:
        return None
    seen = {
        (v.id, v.package): SeenVulnerability(
            id=v.id, aliases=tuple(sorted(v.aliases)), package=v.package, published=_published(v.published)
        )
        for v in audit.vulnerabilities
    }
    return tuple(seen[key] for key in sorted(seen))


def _sast_findings(evidence: Evidence) -> int | None:
    from sdl_gate.sast.models import NosecStatus, SastReport, Scope

    try:
        report = SastReport.model_validate(evidence.payload)
    except ValidationError:
        return None
    # Only a scan of the whole project that analysed every file it selected measures the code of the release.
    if report.scope is Scope.FILES or report.analysed == 0 or report.not_analysed or report.modified_since_commit:
        return None
    return sum(1 for finding in report.findings if finding.nosec is not NosecStatus.JUSTIFIED)


def _records(evidence: Evidence) -> tuple[SeenRecord, ...] | None:
    try:
        parsed = _EarlierRecords.model_validate(evidence.payload)
    except ValidationError:
        return None
    return tuple(
        SeenRecord(
            id=r.id,
            requirements=tuple(sorted(r.requirements)),
            created=r.date,
            approved=_approved_on(r),
        )
        for r in sorted(parsed.records, key=lambda r: r.id)
    )


def release_facts(items: Iterable[Evidence]) -> ReleaseFacts:
    """Read the process-metric facts from one release's evidence; a kind missing, repeated or unreadable is None."""
    by_kind: dict[EvidenceKind, list[Evidence]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)

    def single(kind: EvidenceKind) -> Evidence | None:
        found = by_kind.get(kind, [])
        return found[0] if len(found) == 1 else None

    audit = single(EvidenceKind.VULNERABILITY_AUDIT)
    sast = single(EvidenceKind.SAST)
    records = single(EvidenceKind.RECORDS)
    return ReleaseFacts(
        vulnerabilities=_vulnerabilities(audit) if audit is not None else None,
        sast_findings=_sast_findings(sast) if sast is not None else None,
        records=_records(records) if records is not None else None,
    )


def _verified_entry(archive: zipfile.ZipFile, entries: dict[str, Entry], name: str, verified: dict[str, str]) -> bytes:
    """Return an entry's bytes when they are the bytes the verified manifest lists; KeyError otherwise."""
    from sdl_gate._files import sha256_bytes

    if name not in entries or name not in verified:
        raise KeyError(name)
    data = read_entry(archive, entries[name], MAX_ASSESSMENT_BYTES)
    # Only the bytes the verified manifest lists count, whatever the file holds by now.
    if sha256_bytes(data) != verified[name]:
        raise KeyError(name)
    return data


def _bundled_evidence(archive: zipfile.ZipFile, entries: dict[str, Entry], verified: dict[str, str]) -> list[Evidence]:
    """The evidence objects the earlier assessment used, as its verified manifest lists them."""
    try:
        inputs = _EarlierInputs.model_validate_json(_verified_entry(archive, entries, layout.INPUTS, verified))
    except (KeyError, ValidationError):
        return []
    found: list[Evidence] = []
    for evidence_id in inputs.evidence[:MAX_EVIDENCE_OBJECTS]:
        try:
            data = _verified_entry(archive, entries, layout.object_entry(evidence_id), verified)
            stored = StoredEvidence.model_validate_json(data)
        except (KeyError, ValidationError):
            continue
        if stored.id == evidence_id == stored.evidence.id:
            found.append(stored.evidence)
    return found


def _snapshot(path: Path, sha256: str, signer: str, verified: dict[str, str]) -> ReleaseSnapshot:
    from sdl_gate.policy.waivers import WaiverState

    with zipfile.ZipFile(path) as archive:
        entries = inspect_archive(archive)
        data = _verified_entry(archive, entries, layout.ASSESSMENT, verified)
        facts = release_facts(_bundled_evidence(archive, entries, verified))
    assessment = _EarlierAssessment.model_validate_json(data)
    practice_of = {r.id: r.practice for r in assessment.requirements}
    waivers: dict[str, int] = {}
    for waiver in assessment.waivers:
        if waiver.state == WaiverState.ACTIVE.value and waiver.requirement in practice_of:
            owner = practice_of[waiver.requirement]
            waivers[owner] = waivers.get(owner, 0) + 1
    practices = []
    for practice in assessment.practices:
        applicable = [r for r in assessment.requirements if r.practice == practice.id and r.verdict != NOT_APPLICABLE]
        practices.append(
            PracticeSnapshot(
                id=practice.id,
                score=practice.score,
                complete=all(r.verdict == SATISFIED for r in applicable),
                waivers=waivers.get(practice.id, 0),
            )
        )
    product = assessment.product
    return ReleaseSnapshot(
        bundle=path.name,
        sha256=sha256,
        signer=signer,
        product=product.name,
        version=product.version,
        commit=product.commit,
        assessed_on=assessment.assessed_on,
        practices=tuple(practices),
        facts=facts,
    )


def read_history(directory: Path, verifier: ManifestVerifier, product: str) -> HistoryPayload:
    """Verify every ``*.zip`` in ``directory`` (signature and digests) and summarise those of ``product``."""
    if not directory.is_dir():
        raise InputError(
            "history directory not found" if not directory.exists() else "is not a directory", path=directory
        )
    bundles = sorted(p for p in directory.iterdir() if p.suffix == ".zip" and p.is_file() and not p.is_symlink())
    if len(bundles) > MAX_HISTORY_BUNDLES:
        raise InputError(f"more than {MAX_HISTORY_BUNDLES} bundles; keep only the releases to compare", path=directory)
    releases: list[ReleaseSnapshot] = []
    refused: list[RefusedBundle] = []
    for path in bundles:
        try:
            report = verify_bundle(path, verifier, reassess=False)
        except InputError as exc:
            refused.append(RefusedBundle(bundle=path.name, reason=exc.message))
            continue
        if not report.verified:
            refused.append(RefusedBundle(bundle=path.name, reason="; ".join(report.failures)))
            continue
        try:
            # The digest of the bytes verification read, not of a second read that could see other bytes.
            snapshot = _snapshot(path, report.bundle_sha256, report.signer, report.digests)
        except (ValidationError, KeyError, zipfile.BadZipFile, UnsafeArchive) as exc:
            refused.append(RefusedBundle(bundle=path.name, reason=f"unreadable assessment ({type(exc).__name__})"))
            continue
        if snapshot.product != product:
            refused.append(RefusedBundle(bundle=path.name, reason=f"a release of {snapshot.product}, not {product}"))
            continue
        releases.append(snapshot)
    releases.sort(key=lambda r: (r.assessed_on, r.bundle))
    return HistoryPayload(releases=tuple(releases), refused=tuple(refused))


def record_history(project: Project, directory: Path, *, commit: str | None, now: datetime) -> StoredEvidence:
    """Read the history directory and store it as the latest ``history`` evidence for ``commit``."""
    payload = read_history(directory, manifest_verifier(project), project.name)
    evidence = Evidence(
        kind=EvidenceKind.HISTORY,
        tool=ToolInfo(name="sdl-gate", version=__version__),
        subject=Subject(commit=commit),
        payload=payload.model_dump(mode="json"),
    )
    return EvidenceStore(project.root).put(evidence, now)
