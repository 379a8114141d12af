"""In-toto Statement v1: the envelope payload every sdl-gate signature and bundle manifest uses."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from sdl_gate._files import canonical_json
from sdl_gate._model import FrozenModel

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
#: Versioned predicate types; bump the version when the predicate's shape changes.
ASSESSMENT_PREDICATE = "https://sdl-gate.dev/assessment/v1"
BUNDLE_MANIFEST_PREDICATE = "https://sdl-gate.dev/evidence-bundle/v1"
RELEASE_FILE_PREDICATE = "https://sdl-gate.dev/release-file/v1"
CYCLONEDX_PREDICATE = "https://cyclonedx.org/bom"


class _Aliased(FrozenModel):
    model_config = ConfigDict(populate_by_name=True)


class ResourceDescriptor(_Aliased):
    """One subject of a statement: a name and its digests (``sha256`` or ``gitCommit``)."""

    name: str
    digest: dict[str, str] = Field(min_length=1)


class Statement(_Aliased):
    """An in-toto Statement v1."""

    type_: str = Field(default=STATEMENT_TYPE, alias="_type")
    subject: tuple[ResourceDescriptor, ...] = Field(min_length=1)
    predicate_type: str = Field(alias="predicateType")
    predicate: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """Return the canonical JSON bytes that are signed (sorted keys, no spaces)."""
        return canonical_json(self.model_dump(mode="json", by_alias=True)).encode("utf-8")


def statement(subjects: list[tuple[str, str]], predicate_type: str, predicate: dict[str, Any]) -> Statement:
    """Build a statement over ``(name, sha256-hex)`` subjects, sorted by name."""
    return Statement(
        subject=tuple(ResourceDescriptor(name=n, digest={"sha256": d}) for n, d in sorted(subjects)),
        predicateType=predicate_type,
        predicate=predicate,
    )


def parse_statement(data: bytes) -> Statement:
    """Parse statement bytes; raise ``ValueError`` when they are not an in-toto Statement v1."""
    parsed = Statement.model_validate_json(data)
    if parsed.type_ != STATEMENT_TYPE:
        raise ValueError(f"not an in-toto Statement v1 (_type {parsed.type_!r})")
    return parsed


def sbom_statement(subjects: list[tuple[str, str]], sbom: dict[str, Any]) -> Statement:
    """Attach a CycloneDX SBOM to ``subjects`` with the CycloneDX predicate type."""
    return statement(subjects, CYCLONEDX_PREDICATE, sbom)
