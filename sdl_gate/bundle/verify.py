"""``bundle verify``: check a bundle offline (signature, digests, completeness) and re-derive every verdict."""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from pydantic import ValidationError

from sdl_gate import __version__
from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.attest.manifest import KEY_SIGNATURE_SUFFIX, SIGSTORE_SIGNATURE_SUFFIX, ManifestVerifier
from sdl_gate.attest.statement import BUNDLE_MANIFEST_PREDICATE, parse_statement
from sdl_gate.bundle import layout
from sdl_gate.bundle.zipfmt import Entry, UnsafeArchive, hash_entry, inspect_archive, read_entry, safe_name_problem
from sdl_gate.bundle.zipstrict import MalformedArchive, check_layout
from sdl_gate.errors import InputError, SdlGateError
from sdl_gate.evidence import MAX_EVIDENCE_BYTES, EvidenceKind, Rejection, StoredEvidence, admit

if TYPE_CHECKING:
    from sdl_gate.assess import Assessment
    from sdl_gate.policy.waivers import WaiverRegister

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_MANIFEST_BYTES = 32 * 1024 * 1024


class BundleInvalid(Exception):
    """Verification failed; the message names what."""


@dataclass
class BundleReport:
    """What verifying a bundle found: a summary a lab can paste, and the failures (empty when verified)."""

    path: Path
    summary: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    #: Entry name -> SHA-256 as the signed manifest lists them (empty until its signature verified).
    digests: dict[str, str] = field(default_factory=dict)
    #: SHA-256 of the bundle file as it was read (empty until it opened as a zip).
    bundle_sha256: str = ""
    #: Who signed the manifest, as its verifier names them (empty until the signature verified).
    signer: str = ""

    @property
    def verified(self) -> bool:
        """Whether every check passed."""
        return not self.failures

    def text(self) -> str:
        """Return the report as plain text."""
        status = "VERIFIED" if self.verified else "NOT VERIFIED"
        lines = [f"sdl-gate bundle verification: {status}", f"bundle: {self.path.name}", *self.summary]
        lines += [f"FAILED: {failure}" for failure in self.failures]
        return "\n".join(lines) + "\n"


def _signature_entry(entries: dict[str, Entry]) -> tuple[str, str]:
    found = [
        (layout.MANIFEST + suffix, suffix)
        for suffix in (KEY_SIGNATURE_SUFFIX, SIGSTORE_SIGNATURE_SUFFIX)
        if layout.MANIFEST + suffix in entries
    ]
    if not found:
        raise BundleInvalid("the manifest is not signed (no manifest.json.dsse.json or manifest.json.sigstore.json)")
    if len(found) > 1:
        raise BundleInvalid("the manifest carries more than one signature entry")
    return found[0]


def _check_manifest(
    archive: zipfile.ZipFile, entries: dict[str, Entry], verifier: ManifestVerifier, report: BundleReport
) -> dict[str, str]:
    if layout.MANIFEST not in entries:
        raise BundleInvalid("manifest.json is missing")
    manifest = read_entry(archive, entries[layout.MANIFEST], MAX_MANIFEST_BYTES)
    signature_name, suffix = _signature_entry(entries)
    signature = read_entry(archive, entries[signature_name], MAX_MANIFEST_BYTES)
    try:
        signer = verifier.verify(suffix, signature, manifest)
    except SignatureInvalid as exc:
        raise BundleInvalid(f"manifest signature: {exc}") from None
    report.signer = signer
    report.summary.append(f"manifest signed by: {signer}")
    try:
        statement = parse_statement(manifest)
    except (ValueError, ValidationError) as exc:
        raise BundleInvalid(f"manifest.json is not an in-toto statement: {str(exc).splitlines()[0]}") from None
    if statement.predicate_type != BUNDLE_MANIFEST_PREDICATE:
        raise BundleInvalid(f"manifest predicate type is {statement.predicate_type!r}, not {BUNDLE_MANIFEST_PREDICATE}")
    listed: dict[str, str] = {}
    for subject in statement.subject:
        digest = subject.digest.get("sha256")
        problem = safe_name_problem(subject.name)
        if problem is not None:
            raise BundleInvalid(f"manifest lists an unsafe name {subject.name!r}: {problem}")
        if digest is None or subject.name in listed:
            raise BundleInvalid(f"manifest lists {subject.name!r} twice or without a sha256")
        listed[subject.name] = digest
    expected = set(entries) - {layout.MANIFEST, signature_name}
    missing = sorted(set(listed) - expected)
    extra = sorted(expected - set(listed))
    if missing:
        raise BundleInvalid(f"manifest lists entries the bundle lacks: {', '.join(missing[:10])}")
    if extra:
        raise BundleInvalid(f"entries not covered by the signed manifest: {', '.join(extra[:10])}")
    return listed


def _check_digests(
    archive: zipfile.ZipFile, entries: dict[str, Entry], listed: dict[str, str], report: BundleReport
) -> None:
    total = 0
    for name in sorted(listed):
        try:
            actual = hash_entry(archive, entries[name])
        except zipfile.BadZipFile as exc:
            report.failures.append(f"{name}: corrupt entry ({exc})")
            continue
        total += entries[name].size
        if actual != listed[name]:
            report.failures.append(f"{name}: sha256 {actual[:16]}… does not match the manifest's {listed[name][:16]}…")
    report.summary.append(f"entries: {len(listed)} covered by the manifest, {total} bytes, every sha256 checked")


def _load_evidence(
    archive: zipfile.ZipFile, entries: dict[str, Entry], listed: dict[str, str], inputs: layout.Inputs
) -> list[StoredEvidence]:
    """Load every evidence object the assessment used, checking ids, raw outputs and observed files."""
    items: list[StoredEvidence] = []
    for evidence_id in inputs.evidence:
        name = layout.object_entry(evidence_id)
        if name not in entries:
            raise BundleInvalid(f"evidence {evidence_id} used by the assessment is missing ({name})")
        try:
            stored = StoredEvidence.model_validate_json(read_entry(archive, entries[name], MAX_EVIDENCE_BYTES))
        except ValidationError:
            raise BundleInvalid(f"{name} is not a stored evidence object") from None
        if stored.id != evidence_id or stored.evidence.id != evidence_id:
            raise BundleInvalid(f"{name}: its content does not match its id {evidence_id}")
        raw = stored.evidence.raw
        if raw is not None and layout.raw_entry(raw) not in entries:
            raise BundleInvalid(f"{name}: its original tool output {layout.raw_entry(raw)} is missing")
        for observed in stored.evidence.subject.files:
            entry = layout.file_entry(observed.path)
            if listed.get(entry) != observed.sha256:
                raise BundleInvalid(f"{entry}: missing or not the file {stored.evidence.kind.value} evidence observed")
        items.append(stored)
    return items


def _with_recorded_approvals(waivers: WaiverRegister, items: list[StoredEvidence]) -> WaiverRegister:
    """The waivers with the approval verdicts the waivers evidence recorded (each bound to its content digest)."""
    from sdl_gate.approvals.state import ExceptionApproval
    from sdl_gate.payloads import Unusable, WaiversPayload, typed_stored

    recorded = next((item for item in items if item.evidence.kind is EvidenceKind.WAIVERS), None)
    if recorded is None:
        return waivers
    payload = typed_stored(recorded, WaiversPayload)
    if isinstance(payload, Unusable):
        raise BundleInvalid(payload.reason)
    verdicts: dict[str, ExceptionApproval] = {}
    for entry in payload.payload.waivers:
        if entry.approval is not None:
            try:
                verdicts[entry.id] = ExceptionApproval.model_validate(entry.approval)
            except ValidationError:
                raise BundleInvalid(f"the waivers evidence records a malformed approval for {entry.id}") from None
    return replace(waivers, approvals=verdicts)


def _reassess(
    archive: zipfile.ZipFile, entries: dict[str, Entry], listed: dict[str, str], report: BundleReport
) -> None:
    from sdl_gate.assess import Assessment, assess
    from sdl_gate.catalogue import load_catalogue
    from sdl_gate.policy.loader import load_resolved_policy
    from sdl_gate.policy.waivers import WaiverRegister, load_waivers
    from sdl_gate.render.json import render_json

    def document(name: str) -> bytes:
        if name not in entries:
            raise BundleInvalid(f"{name} is missing")
        return read_entry(archive, entries[name], MAX_DOCUMENT_BYTES)

    try:
        inputs = layout.Inputs.model_validate_json(document(layout.INPUTS))
        recorded_text = document(layout.ASSESSMENT)
        recorded = Assessment.model_validate_json(recorded_text)
    except ValidationError as exc:
        raise BundleInvalid(
            f"{layout.INPUTS} or {layout.ASSESSMENT} is malformed: {str(exc).splitlines()[0]}"
        ) from None
    try:
        policy = load_resolved_policy(document(layout.POLICY), path=layout.POLICY)
    except InputError as exc:
        raise BundleInvalid(exc.diagnostics()) from None
    items = _load_evidence(archive, entries, listed, inputs)
    waivers = WaiverRegister()
    with tempfile.TemporaryDirectory(prefix="sdl-gate-verify-") as scratch:
        if inputs.waivers is not None:
            if inputs.waivers not in entries:
                raise BundleInvalid(f"the waiver register {inputs.waivers} is missing")
            target = Path(scratch) / "waivers.yaml"
            target.write_bytes(read_entry(archive, entries[inputs.waivers], MAX_DOCUMENT_BYTES))
            try:
                waivers = load_waivers(target, max_days=policy.waiver_max_days)
            except InputError as exc:
                raise BundleInvalid(f"{inputs.waivers}: {exc.message}") from None
            waivers = _with_recorded_approvals(waivers, items)
    evidence = admit(
        items,
        commit=inputs.commit,
        today=inputs.assessed_on,
        max_age_days=policy.evidence_max_age_days,
        failures=[Rejection(r.kind, r.reason, r.refresh) for r in inputs.rejections],
    )
    if len(evidence.items) != len(items):
        raise BundleInvalid("some bundled evidence is not admissible for the assessed commit and date")
    try:
        again = assess(
            catalogue=load_catalogue(),
            evidence=evidence,
            policy=policy,
            waivers=waivers,
            today=inputs.assessed_on,
            product=inputs.product,
        )
    except SdlGateError as exc:
        raise BundleInvalid(f"re-assessment failed: {exc.diagnostics()}") from None
    report.summary += [
        f"product: {inputs.product.name} {inputs.product.version or ''} at commit {inputs.commit or 'none'}".rstrip(),
        f"assessed on: {inputs.assessed_on.isoformat()} by sdl-gate {recorded.generator.version}",
        f"policy: {policy.name} ({policy.digest})",
        f"evidence: {len(items)} object(s), {len(inputs.rejections)} rejection(s) carried",
        f"decision: {recorded.decision.summary}",
    ]
    if render_json(again).encode("utf-8") == recorded_text:
        report.summary.append("re-assessment: identical to the recorded assessment.json")
        _check_report(archive, entries, again, items, inputs, report)
        return
    differing = [
        f"{old.id} ({old.verdict.value} recorded, {new.verdict.value} re-derived)"
        for old, new in zip(recorded.requirements, again.requirements, strict=False)
        if old != new
    ]
    detail = ", ".join(differing[:5]) if differing else "the decision, evidence list or metadata differ"
    if inputs.generator_version != __version__:
        detail += f" (the bundle was made by sdl-gate {inputs.generator_version}; verify it with that version)"
    report.failures.append(f"re-assessment differs from assessment.json: {detail}")


def _check_report(
    archive: zipfile.ZipFile,
    entries: dict[str, Entry],
    assessment: Assessment,
    items: list[StoredEvidence],
    inputs: layout.Inputs,
    report: BundleReport,
) -> None:
    """The bundled HTML report must be exactly the report of the re-derived assessment."""
    from sdl_gate.bundle.html_report import bundled_report

    if layout.REPORT not in entries:
        report.failures.append(f"{layout.REPORT} is missing")
        return
    try:
        expected = bundled_report(assessment, items)
    except ValueError as exc:
        report.failures.append(f"{layout.REPORT}: {exc}")
        return
    if read_entry(archive, entries[layout.REPORT], MAX_DOCUMENT_BYTES) == expected:
        report.summary.append(f"report: {layout.REPORT} is the report of the re-derived assessment")
        return
    detail = f"{layout.REPORT} is not the report of the re-derived assessment"
    if inputs.generator_version != __version__:
        detail += f" (the bundle was made by sdl-gate {inputs.generator_version}; verify it with that version)"
    report.failures.append(detail)


def verify_bundle(path: Path, verifier: ManifestVerifier, *, reassess: bool = True) -> BundleReport:
    """Verify a bundle offline; failures are collected in the report, never raised (bad input is InputError).

    ``reassess=False`` stops after the signature and digests (for earlier releases, assessed by an earlier
    version of sdl-gate whose verdicts this version need not reproduce).
    """
    if not path.is_file():
        raise InputError("bundle not found" if not path.exists() else "is not a file", path=path)
    report = BundleReport(path=path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read the bundle: {exc.strerror}", path=path) from None
    # One handle for the layout check, the digest and every read, so all of them see the same bytes.
    with handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            # A member name that is not UTF-8 although flagged so raises UnicodeDecodeError (a ValueError).
            raise InputError(f"not a zip archive: {exc}", path=path) from None
        report.bundle_sha256 = _sha256_handle(handle)
        report.summary.append(f"sha256: {report.bundle_sha256}")
        with archive:
            try:
                _check_one_reading(handle, archive)
                entries = inspect_archive(archive)
                listed = _check_manifest(archive, entries, verifier, report)
                report.digests = dict(listed)
                _check_digests(archive, entries, listed, report)
                if report.failures or not reassess:
                    return report
                _reassess(archive, entries, listed, report)
            except (UnsafeArchive, BundleInvalid) as exc:
                report.failures.append(str(exc))
            except zipfile.BadZipFile as exc:
                report.failures.append(f"corrupt archive: {exc}")
    return report


def _sha256_handle(handle: BinaryIO) -> str:
    import hashlib

    from sdl_gate.bundle.zipfmt import CHUNK

    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _check_one_reading(handle: BinaryIO, archive: zipfile.ZipFile) -> None:
    """Refuse a zip that any two readers could see differently: strict layout, and zipfile agreeing with it."""
    strict = check_layout(handle)
    ours = [(e.name, e.offset, e.method, e.flags, e.crc, e.compressed_size, e.size) for e in strict]
    theirs = [
        (i.filename, i.header_offset, i.compress_type, i.flag_bits, i.CRC, i.compress_size, i.file_size)
        for i in archive.infolist()
    ]
    if ours != theirs:
        raise MalformedArchive("not a well-formed bundle zip: zipfile reads other entries than its layout holds")
