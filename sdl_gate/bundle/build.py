"""``bundle create``: assess the project, then write a deterministic, signed zip of everything that was used."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdl_gate import __version__
from sdl_gate._files import pretty_json, read_text_limited, resolve_inside, sha256_bytes
from sdl_gate._yaml import parse_json_text
from sdl_gate.approvals.register import RegisterChoice
from sdl_gate.attest.manifest import ManifestSigner, ManifestVerifier
from sdl_gate.attest.statement import (
    ASSESSMENT_PREDICATE,
    BUNDLE_MANIFEST_PREDICATE,
    CYCLONEDX_PREDICATE,
    ResourceDescriptor,
    Statement,
    statement,
)
from sdl_gate.bundle import layout
from sdl_gate.bundle.cdxa import build_attestation, validate_attestation
from sdl_gate.bundle.html_report import bundled_report
from sdl_gate.bundle.zipfmt import DeterministicZip, safe_name_problem
from sdl_gate.bundle_payload import BundleRecord, SignerCheck
from sdl_gate.errors import InputError, ToolError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceSet, EvidenceStore, Subject, ToolInfo

if TYPE_CHECKING:
    from sdl_gate.assess import Assessment

MAX_SECURITY_FILES = 5000
MAX_SBOM_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class BundleResult:
    """What ``bundle create`` wrote."""

    path: Path
    sha256: str
    entries: int
    signer: str | None
    passed: bool
    summary: str
    #: The assessment inside the bundle and the evidence it was made from, for saying what blocks and how the
    #: vulnerabilities were audited.
    assessment: Assessment | None = None
    evidence: EvidenceSet | None = None


@dataclass
class _Plan:
    """The entries to write: in-memory bytes or project files with the digest they were assessed at."""

    memory: dict[str, bytes]
    disk: dict[str, tuple[Path, str | None]]

    def add_disk(self, name: str, path: Path, expected: str | None) -> None:
        """Add a project file; the same file seen twice must have been seen with the same digest."""
        previous = self.disk.get(name)
        if previous is not None and previous[1] is not None and expected is not None and previous[1] != expected:
            raise InputError(
                f"two pieces of evidence saw {name.removeprefix(layout.FILES)} with different contents; "
                "collect again before bundling",
                path=path,
            )
        if previous is None or previous[1] is None:
            self.disk[name] = (path, expected)


def _subjects_for_release(evidence: EvidenceSet) -> list[ResourceDescriptor]:
    from sdl_gate.collectors.signatures import SignaturesPayload

    subjects: list[ResourceDescriptor] = []
    for item in evidence.of(EvidenceKind.SIGNATURES):
        payload = SignaturesPayload.model_validate(item.payload)
        subjects += [ResourceDescriptor(name=a.path, digest={"sha256": a.sha256}) for a in payload.artifacts]
    if not subjects and evidence.commit:
        subjects.append(ResourceDescriptor(name="source", digest={"gitCommit": evidence.commit}))
    return sorted(subjects, key=lambda s: s.name)


def _statements(plan: _Plan, evidence: EvidenceSet, store: EvidenceStore, assessment_json: dict[str, Any]) -> None:
    subjects = _subjects_for_release(evidence)
    if not subjects:
        return
    assessment_statement = Statement(
        subject=tuple(subjects), predicateType=ASSESSMENT_PREDICATE, predicate=assessment_json
    )
    plan.memory[layout.ASSESSMENT_STATEMENT] = pretty_json(
        assessment_statement.model_dump(mode="json", by_alias=True)
    ).encode("utf-8")
    for item in evidence.of(EvidenceKind.SBOM):
        if item.raw is None or not item.raw.endswith(".json"):
            continue
        raw_path = store.raw_path(item.raw)
        try:
            sbom = parse_json_text(read_text_limited(raw_path, MAX_SBOM_BYTES, root=store.root), raw_path)
        except InputError:
            continue
        if isinstance(sbom, dict) and sbom.get("bomFormat") == "CycloneDX":
            sbom_statement = Statement(subject=tuple(subjects), predicateType=CYCLONEDX_PREDICATE, predicate=sbom)
            plan.memory[layout.SBOM_STATEMENT] = pretty_json(
                sbom_statement.model_dump(mode="json", by_alias=True)
            ).encode("utf-8")
            break


def _security_files(root: Path, security_dir: Path) -> list[Path]:
    if not security_dir.is_dir():
        return []
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(security_dir):
        subdirectories.sort()
        base = Path(directory)
        for name in sorted(files):
            path = base / name
            if path.is_symlink() or not path.is_file():
                continue
            found.append(path)
            if len(found) > MAX_SECURITY_FILES:
                raise InputError(
                    f"more than {MAX_SECURITY_FILES} files under the security directory", path=security_dir
                )
    return found


def _inside(root: Path, path: Path) -> str:
    """Return ``path`` relative to the project root; a bundle only carries files of the project."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise InputError(
            "lies outside the project; a bundle only carries project files (keep the security directory inside it)",
            path=path,
        ) from None


def _project_file(root: Path, relative: str, source: str) -> Path:
    problem = safe_name_problem(relative)
    if problem is not None:
        raise InputError(f"evidence names an unsafe path {relative!r}: {problem}", location=source)
    return resolve_inside(root, relative, source=Path(source), line=None, location="subject.files")


def plan_bundle(root: Path, evidence: EvidenceSet, store: EvidenceStore, memory: dict[str, bytes]) -> _Plan:
    """List every entry: generated documents, evidence objects, raw outputs and project files as assessed."""
    plan = _Plan(memory=dict(memory), disk={})
    for item in evidence.items:
        plan.memory[layout.object_entry(item.id)] = pretty_json(item.model_dump(mode="json")).encode("utf-8")
        raw = item.evidence.raw
        if raw is not None:
            name = layout.raw_entry(raw)
            if safe_name_problem(name) is not None or not raw.startswith("raw/"):
                raise InputError(f"{item.evidence.kind.value} evidence names an unsafe raw output {raw!r}")
            path = store.raw_path(raw)
            if not path.is_file():
                raise ToolError(
                    f"the original tool output {raw} of {item.evidence.kind.value} evidence is missing from "
                    f"{store.directory}; collect again"
                )
            expected = raw.removeprefix("raw/").split(".", 1)[0]
            plan.add_disk(name, path, expected)
        for digest in item.evidence.subject.files:
            path = _project_file(root, digest.path, f"{item.evidence.kind.value} evidence")
            if not path.is_file():
                raise InputError(
                    f"observed by the {item.evidence.kind.value} evidence but no longer there; run the gate again",
                    path=path,
                )
            plan.add_disk(layout.file_entry(digest.path), path, digest.sha256)
    return plan


def _write(
    output: Path,
    plan: _Plan,
    signer: ManifestSigner | None,
    predicate: dict[str, Any],
    confirm: ManifestVerifier | None = None,
) -> tuple[str, int]:
    """Write the zip beside ``output`` and rename it into place; return its digest and entry count.

    With ``confirm``, the manifest signature must verify against it before anything is kept: the declaration
    made before assessing said the configured signer signs, and this is where that is proven.
    """
    from sdl_gate._files import sha256_file

    memory = dict(plan.memory)
    if signer is not None:
        memory.update(signer.trust_material())
    signature_name = layout.MANIFEST + signer.suffix if signer is not None else None
    names = sorted([*memory, *plan.disk, layout.MANIFEST, *([signature_name] if signature_name else [])])
    if len(names) != len(set(names)):
        raise ToolError("internal error: duplicate bundle entry names")
    late_disk = [n for n in plan.disk if n > layout.MANIFEST]
    if late_disk:  # entries after the manifest must be known before it is written
        raise ToolError(f"internal error: disk entries sort after the manifest: {late_disk[:3]}")
    digests = {name: sha256_bytes(data) for name, data in memory.items()}
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    tmp = Path(temporary)
    try:
        with os.fdopen(fd, "w+b") as handle:
            archive = DeterministicZip(handle)
            try:
                for name in names:
                    if name in memory:
                        archive.add_bytes(name, memory[name])
                    elif name in plan.disk:
                        path, expected = plan.disk[name]
                        digest = archive.add_file(name, path)
                        if expected is not None and digest != expected:
                            raise InputError(
                                f"changed since it was assessed (sha256 {digest[:16]}…, evidence says "
                                f"{expected[:16]}…); run the gate again before bundling",
                                path=path,
                            )
                        digests[name] = digest
                    elif name == layout.MANIFEST:
                        subjects = list(digests.items())
                        manifest = statement(subjects, BUNDLE_MANIFEST_PREDICATE, predicate).to_bytes()
                        archive.add_bytes(name, manifest)
                        if signer is not None and signature_name is not None:
                            memory[signature_name] = signer.sign(manifest)
                            if confirm is not None:
                                _confirm_signer(confirm, signer, memory[signature_name], manifest)
            finally:
                # Close even on failure, so the half-written temporary file is released before it is removed.
                archive.close()
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return sha256_file(output), len(names)


def _confirm_signer(confirm: ManifestVerifier, signer: ManifestSigner, signature: bytes, manifest: bytes) -> None:
    from sdl_gate.attest.keys import SignatureInvalid

    try:
        confirm.verify(signer.suffix, signature, manifest)
    except SignatureInvalid as exc:
        raise InputError(
            f"the manifest signature by {signer.signer} does not verify against the configured signer "
            f"{confirm.describe()} ({exc}); nothing was written",
            hint="sign with the identity or key [tool.sdl-gate.signing] names",
        ) from None


def _declaration(
    commit: str | None,
    output: Path,
    signer: ManifestSigner | None,
    check: SignerCheck | None,
    configured: ManifestVerifier | None,
) -> Evidence:
    """The ``bundle`` evidence of the bundle being made: its file and who signs it, checked against the project."""
    from sdl_gate.attest.files import SignatureFormat
    from sdl_gate.attest.manifest import KEY_SIGNATURE_SUFFIX

    fmt = None
    if signer is not None:
        fmt = SignatureFormat.KEY if signer.suffix == KEY_SIGNATURE_SUFFIX else SignatureFormat.SIGSTORE
    declared = BundleRecord(
        format=layout.BUNDLE_FORMAT,
        file=output.name,
        signature=fmt,
        signer=None if signer is None else signer.signer,
        signer_check=check,
        expected_signer=None if configured is None else configured.describe(),
    )
    return Evidence(
        kind=EvidenceKind.BUNDLE,
        tool=ToolInfo(name="sdl-gate", version=__version__),
        subject=Subject(commit=commit),
        payload=declared.model_dump(mode="json"),
    )


def create_bundle(
    root: Path,
    output: Path,
    *,
    policy_spec: str | None = None,
    today: date | None = None,
    signer: ManifestSigner | None = None,
    register: RegisterChoice | None = None,
    offline: bool = False,
    vulndb_dir: Path | None = None,
    osv_url: str | None = None,
    sast_shards: Path | None = None,
) -> BundleResult:
    """Assess the project at ``root`` and write its release-evidence bundle to ``output``.

    ``offline``, ``vulndb_dir`` and ``osv_url`` are the operator's choices of vulnerability service, as for
    ``check``.

    ``sast_shards`` names partial SAST runs to merge instead of scanning (see ``check --merge-shards``).
    """
    from sdl_gate._clock import file_timestamp
    from sdl_gate._git import git_commit
    from sdl_gate.bundle.signer import check_signer, configured_verifier
    from sdl_gate.config import load_project

    # SM-6 counts the bundle only when its signer is the one the project configured.
    configured = configured_verifier(load_project(root), with_ref=True) if signer is not None else None
    check = check_signer(signer, configured)
    return _create(
        root,
        output,
        EvidenceStore(root),
        _declaration(git_commit(root), output, signer, check, configured),
        policy_spec=policy_spec,
        today=today,
        signer=signer,
        confirm=configured if check is SignerCheck.VERIFIED else None,
        now=file_timestamp(),
        register=register,
        audit=_Audit(offline, vulndb_dir, osv_url),
        sast_shards=sast_shards,
    )


@dataclass(frozen=True)
class _Audit:
    """The operator's choice of vulnerability service for the bundle's assessment."""

    offline: bool = False
    vulndb_dir: Path | None = None
    osv_url: str | None = None


def _create(
    root: Path,
    output: Path,
    store: EvidenceStore,
    declaration: Evidence,
    *,
    policy_spec: str | None,
    today: date | None,
    signer: ManifestSigner | None,
    confirm: ManifestVerifier | None,
    now: datetime,
    register: RegisterChoice | None = None,
    audit: _Audit | None = None,
    sast_shards: Path | None = None,
) -> BundleResult:
    from sdl_gate.catalogue import load_catalogue
    from sdl_gate.policy.loader import resolved_policy_document
    from sdl_gate.render.json import render_json
    from sdl_gate.run import assess_project

    audit = audit or _Audit()
    result = assess_project(
        root,
        policy_spec=policy_spec,
        today=today,
        now=now,
        declared=(declaration,),
        register=register,
        offline=audit.offline,
        vulndb_dir=audit.vulndb_dir,
        osv_url=audit.osv_url,
        sast_shards=sast_shards,
    )
    evidence = result.evidence
    if evidence is None:
        raise ToolError("internal error: the check returned no evidence set")
    assessment = result.assessment
    inputs = result.inputs
    waivers_relative = None
    if inputs.waivers.source is not None:
        waivers_relative = _inside(root, Path(inputs.waivers.source))
    record = layout.Inputs(
        format=layout.BUNDLE_FORMAT,
        assessed_on=assessment.assessed_on,
        product=assessment.product,
        commit=evidence.commit,
        evidence=tuple(item.id for item in evidence.items),
        rejections=tuple(
            layout.RejectionRecord(kind=r.kind, reason=r.reason, refresh=r.refresh) for r in evidence.rejections
        ),
        waivers=layout.file_entry(waivers_relative) if waivers_relative else None,
        generator_version=__version__,
    )
    assessment_text = render_json(assessment)
    attestation = build_attestation(
        assessment=assessment,
        catalogue=load_catalogue(),
        policy=inputs.policy,
        evidence=evidence.items,
        evidence_paths={item.id: layout.object_entry(item.id) for item in evidence.items},
    )
    attestation_text = pretty_json(attestation)
    validate_attestation(attestation_text)
    try:
        report_html = bundled_report(assessment, evidence.items)
    except ValueError as exc:
        raise ToolError(f"cannot render the bundle's report: {exc}") from None
    memory = {
        layout.ASSESSMENT: assessment_text.encode("utf-8"),
        layout.REPORT: report_html,
        layout.ATTESTATION: attestation_text.encode("utf-8"),
        layout.INPUTS: pretty_json(record.model_dump(mode="json")).encode("utf-8"),
        layout.POLICY: pretty_json(resolved_policy_document(inputs.policy)).encode("utf-8"),
    }
    plan = plan_bundle(root, evidence, store, memory)
    for path in _security_files(root, inputs.project.security_dir):
        relative = _inside(root, path)
        plan.add_disk(layout.file_entry(relative), path, None)
    _statements(plan, evidence, store, assessment.model_dump(mode="json"))
    predicate = {
        "format": layout.BUNDLE_FORMAT,
        "generator": {"name": "sdl-gate", "version": __version__},
        "product": assessment.product.model_dump(mode="json"),
        "assessedOn": assessment.assessed_on.isoformat(),
        "policy": {"name": inputs.policy.name, "digest": inputs.policy.digest},
        "decision": {"passed": assessment.decision.passed, "summary": assessment.decision.summary},
    }
    digest, entries = _write(output, plan, signer, predicate, confirm)
    return BundleResult(
        path=output,
        sha256=digest,
        entries=entries,
        signer=None if signer is None else signer.signer,
        passed=assessment.decision.passed,
        summary=assessment.decision.summary,
        assessment=assessment,
        evidence=evidence,
    )
