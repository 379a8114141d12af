"""Read what ``sdl-gate report`` renders: an assessment JSON file, checked against the Assessment model."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from sdl_gate._files import read_bytes_limited, sha256_bytes
from sdl_gate._yaml import parse_json_text, validation_error
from sdl_gate.assess import SCHEMA_VERSION, Assessment
from sdl_gate.errors import InputError
from sdl_gate.render._view import ReportInput, SourceKind

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


def load_report_input(path: Path) -> ReportInput:
    """Load an assessment JSON (or, through :func:`load_bundle_input`, a bundle) for rendering."""
    data = read_bytes_limited(path, MAX_ASSESSMENT_BYTES)
    if data.startswith(_ZIP_MAGIC):
        return load_bundle_input(path)
    assessment = parse_assessment(data, path)
    return ReportInput(
        assessment=assessment,
        source=SourceKind.ASSESSMENT_FILE,
        origin=f"{path.name} (sha256:{sha256_bytes(data)})",
    )


def load_bundle_input(path: Path) -> ReportInput:
    """Verify a release-evidence bundle and return its assessment; this build cannot read bundles yet."""
    # The one place bundle input plugs in: verify the bundle, then return
    # ReportInput(source=VERIFIED_BUNDLE, bundle_paths=..., diagram=...) from its assessment.json.
    raise InputError(
        "is a zip file, and this build of sdl-gate cannot verify release-evidence bundles, so it will not render one",
        path=path,
        hint="render the bundle's assessment.json instead; the report will say it is unverified",
    )


def from_check(assessment: Assessment) -> ReportInput:
    """Wrap an assessment ``sdl-gate check`` has just made, for rendering."""
    commit = assessment.product.commit
    origin = f"commit {commit[:12]}" if commit else "a working tree that is not a git checkout"
    return ReportInput(assessment=assessment, source=SourceKind.CHECK_RUN, origin=origin)
