"""Read what ``sdl-gate report`` renders: an assessment JSON file, or a release-evidence bundle verified offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from sdl_gate._files import read_bytes_limited, sha256_bytes
from sdl_gate._yaml import parse_json_text, validation_error
from sdl_gate.assess import SCHEMA_VERSION, Assessment
from sdl_gate.errors import InputError
from sdl_gate.render.view import ReportInput, SourceKind

if TYPE_CHECKING:
    from sdl_gate.attest.manifest import ManifestVerifier
    from sdl_gate.evidence import EvidenceSet

#: An assessment with tens of thousands of findings stays far below this.
MAX_ASSESSMENT_BYTES = 256 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"


def parse_assessment(data: bytes, source: Path) -> Assessment:
    """Parse and validate assessment JSON; a newer ``schema_version`` is refused with a clear message."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("not valid UTF-8 text", path=source, line=data[: exc.start].count(b"\n") + 1) from None
    if not text.strip():
        raise InputError("file is empty; expected an sdl-gate assessment JSON", path=source, line=1)
    document = parse_json_text(text, source)
    if not isinstance(document, dict):
        raise InputError("not an sdl-gate assessment: expected a JSON object", path=source, line=1)
    version = document.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise InputError(
            "not an sdl-gate assessment: schema_version is missing or not an integer",
            path=source,
            location="schema_version",
            hint="produce one with `sdl-gate check --format json --output assessment.json`",
        )
    if version > SCHEMA_VERSION:
        raise InputError(
            f"written by a newer sdl-gate (assessment schema_version {version}); this version reads "
            f"schema_version {SCHEMA_VERSION} and older",
            path=source,
            location="schema_version",
            hint="upgrade sdl-gate to render this assessment",
        )
    try:
        return Assessment.model_validate(document)
    except ValidationError as exc:
        raise validation_error(exc, source, None, "assessment") from None


def _is_zip(path: Path) -> bool:
    """Whether ``path`` starts like a zip; only the first bytes are read, since a bundle can be large."""
    try:
        if path.is_dir():
            raise InputError("is a directory, expected a file", path=path)
        with path.open("rb") as handle:
            return handle.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None


def load_report_input(path: Path, verifier: ManifestVerifier | None = None) -> ReportInput:
    """Load an assessment JSON, or a bundle verified with ``verifier`` (see :func:`load_bundle_input`)."""
    if _is_zip(path):
        if verifier is None:
            raise InputError(
                "is a release-evidence bundle; say whom to trust to verify it",
                path=path,
                hint="add --identity ID --issuer URL, --repository OWNER/NAME [--ref REF], or --key PUB.pem",
            )
        return load_bundle_input(path, verifier)
    if verifier is not None:
        raise InputError(
            "is not a release-evidence bundle: --identity, --repository, --key, --trust-config and --staging "
            "verify bundles only",
            path=path,
        )
    data = read_bytes_limited(path, MAX_ASSESSMENT_BYTES)
    assessment = parse_assessment(data, path)
    return ReportInput(
        assessment=assessment,
        source=SourceKind.ASSESSMENT_FILE,
        origin=f"{path.name} (sha256:{sha256_bytes(data)})",
    )


def load_bundle_input(path: Path, verifier: ManifestVerifier) -> ReportInput:
    """Verify a release-evidence bundle offline and return its assessment; a bundle that fails is InputError.

    Only a bundle that verifies completely (signature, digests, completeness, re-assessment and its own
    report) is rendered: an unverified bundle is refused rather than rendered with a warning.
    """
    import zipfile

    from sdl_gate.bundle import layout
    from sdl_gate.bundle.html_report import bundle_paths
    from sdl_gate.bundle.verify import verify_bundle
    from sdl_gate.bundle.zipfmt import Entry, UnsafeArchive, inspect_archive, read_entry
    from sdl_gate.evidence import MAX_EVIDENCE_BYTES, StoredEvidence
    from sdl_gate.render.zones import diagram_from_evidence

    result = verify_bundle(path, verifier)
    if not result.verified:
        raise InputError(
            "release-evidence bundle did not verify, so no report is rendered from it: " + "; ".join(result.failures),
            path=path,
            hint="`sdl-gate bundle verify` prints the full verification report",
        )

    def verified(archive: zipfile.ZipFile, entries: dict[str, Entry], name: str, limit: int) -> bytes:
        # Read by digest: whatever the file holds now, only bytes the verified manifest lists are used.
        data = read_entry(archive, entries[name], limit)
        if name not in result.digests or sha256_bytes(data) != result.digests[name]:
            raise InputError(f"{name} changed since the bundle was verified", path=path)
        return data

    try:
        with zipfile.ZipFile(path) as archive:
            entries = inspect_archive(archive)
            assessment = parse_assessment(
                verified(archive, entries, layout.ASSESSMENT, MAX_ASSESSMENT_BYTES), Path(layout.ASSESSMENT)
            )
            items = [
                StoredEvidence.model_validate_json(
                    verified(archive, entries, layout.object_entry(ref.id), MAX_EVIDENCE_BYTES)
                )
                for ref in assessment.evidence
            ]
    except (UnsafeArchive, zipfile.BadZipFile, KeyError, OSError, ValidationError) as exc:
        raise InputError(f"changed since it was verified: {exc}", path=path) from None
    try:
        diagram = diagram_from_evidence(item.evidence for item in items)
    except ValueError as exc:
        raise InputError(str(exc), path=path) from None
    return ReportInput(
        assessment=assessment,
        source=SourceKind.VERIFIED_BUNDLE,
        origin=f"{path.name} (sha256:{result.bundle_sha256}, manifest signed by {result.signer})",
        bundle_paths=bundle_paths(items),
        diagram=diagram,
    )


def from_check(assessment: Assessment, evidence: EvidenceSet | None = None) -> ReportInput:
    """Wrap an assessment ``sdl-gate check`` has just made, with the diagram of the threat model it read."""
    from sdl_gate.render.zones import diagram_from_evidence

    commit = assessment.product.commit
    origin = f"commit {commit[:12]}" if commit else "a working tree that is not a git checkout"
    diagram = diagram_from_evidence(item.evidence for item in evidence.items) if evidence is not None else None
    return ReportInput(assessment=assessment, source=SourceKind.CHECK_RUN, origin=origin, diagram=diagram)
