"""SBOM quality: the NTIA minimum elements per component, and the SBOM cross-checked against a lock or environment."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict

from sdl_gate._files import read_text_limited
from sdl_gate._yaml import parse_json_text
from sdl_gate.errors import InputError
from sdl_gate.sbom.build import SpecVersion, schema_problem
from sdl_gate.sbom.sources import Inventory

MAX_SBOM_BYTES = 64 * 1024 * 1024


class Element(str, enum.Enum):
    """The NTIA minimum data fields."""

    SUPPLIER = "supplier"
    NAME = "name"
    VERSION = "version"
    UNIQUE_IDENTIFIER = "unique_identifier"
    DEPENDENCY_RELATIONSHIPS = "dependency_relationships"
    AUTHOR = "author"
    TIMESTAMP = "timestamp"


class MismatchKind(str, enum.Enum):
    """How an SBOM and a lock file or environment disagree."""

    MISSING_FROM_SBOM = "missing_from_sbom"
    NOT_IN_SOURCE = "not_in_source"
    VERSION_MISMATCH = "version_mismatch"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Gap(_Frozen):
    """One missing NTIA element; ``component`` is None for document-level elements (author, timestamp)."""

    component: str | None
    element: Element


class Mismatch(_Frozen):
    """One difference between the SBOM and the source it should describe."""

    name: str
    kind: MismatchKind
    sbom_version: str | None
    source_version: str | None


class SbomComponent(_Frozen):
    """What the quality check reads of one SBOM component."""

    name: str
    version: str | None
    purl: str | None


class SbomReport(_Frozen):
    """The quality report of one SBOM."""

    spec_version: str
    components: tuple[SbomComponent, ...]
    gaps: tuple[Gap, ...]


def load_sbom(path: Path, *, root: Path | None = None) -> dict[str, Any]:
    """Load a CycloneDX JSON SBOM and validate it against its schema; errors name the file and place."""
    text = read_text_limited(path, MAX_SBOM_BYTES, root=root)
    try:
        document = parse_json_text(text, path)
    except InputError as exc:
        raise InputError(f"SBOM is not valid JSON: {exc.message}", path=path, line=exc.line) from None
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise InputError("not a CycloneDX JSON document (bomFormat is not CycloneDX)", path=path)
    spec_text = document.get("specVersion")
    try:
        spec = SpecVersion(spec_text)
    except ValueError:
        supported = ", ".join(v.value for v in SpecVersion)
        raise InputError(
            f"specVersion {spec_text!r} is not supported (supported: {supported})", path=path, location="specVersion"
        ) from None
    problem = schema_problem(text, spec)
    if problem is not None:
        raise InputError(f"not a valid CycloneDX {spec.value} SBOM: {problem}", path=path)
    return document


def assess_sbom(document: dict[str, Any]) -> SbomReport:
    """Check every component and the document against the NTIA minimum elements."""
    metadata = document.get("metadata", {}) or {}
    gaps: list[Gap] = []
    if not metadata.get("authors") and not metadata.get("manufacturer") and not metadata.get("supplier"):
        gaps.append(Gap(component=None, element=Element.AUTHOR))
    if not metadata.get("timestamp"):
        gaps.append(Gap(component=None, element=Element.TIMESTAMP))
    depends: dict[str, list[str]] = {
        str(d.get("ref")): list(d.get("dependsOn", []) or []) for d in document.get("dependencies", []) or []
    }
    root_ref = (metadata.get("component") or {}).get("bom-ref")
    referenced = {ref for refs in depends.values() for ref in refs}
    components: list[SbomComponent] = []
    for raw in document.get("components", []) or []:
        name = str(raw.get("name") or "")
        label = f"{name}@{raw.get('version')}" if raw.get("version") else name or str(raw.get("bom-ref"))
        components.append(SbomComponent(name=name, version=raw.get("version"), purl=raw.get("purl")))
        if not raw.get("supplier") and not raw.get("manufacturer") and not raw.get("author") and not raw.get("authors"):
            gaps.append(Gap(component=label, element=Element.SUPPLIER))
        if not name:
            gaps.append(Gap(component=label, element=Element.NAME))
        if not raw.get("version"):
            gaps.append(Gap(component=label, element=Element.VERSION))
        if not raw.get("purl") and not raw.get("cpe") and not raw.get("swid"):
            gaps.append(Gap(component=label, element=Element.UNIQUE_IDENTIFIER))
        ref = raw.get("bom-ref")
        # A component is placed in the graph when something depends on it or it has its own entry.
        if ref is None or (ref not in referenced and ref not in depends and ref != root_ref):
            gaps.append(Gap(component=label, element=Element.DEPENDENCY_RELATIONSHIPS))
    return SbomReport(
        spec_version=str(document.get("specVersion")),
        components=tuple(sorted(components, key=lambda c: (canonicalize_name(c.name or "-"), c.version or ""))),
        gaps=tuple(gaps),
    )


def cross_check(report: SbomReport, source: Inventory) -> tuple[Mismatch, ...]:
    """Compare the SBOM's components with a lock file or environment: missing, extra, other versions.

    A name may carry several versions (sources that pin it differently): each pinned version must be in the
    SBOM, and each version the SBOM lists must be pinned by the source.
    """
    in_sbom: dict[str, set[str | None]] = {}
    for component in report.components:
        if component.name:
            in_sbom.setdefault(canonicalize_name(component.name), set()).add(component.version)
    in_source: dict[str, set[str | None]] = {}
    for item in source.components:
        in_source.setdefault(item.key, set()).add(item.version)
    mismatches: list[Mismatch] = []
    for name in sorted(set(in_sbom) | set(in_source)):
        if name not in in_sbom:
            for version in _ordered(in_source[name]):
                mismatches.append(
                    Mismatch(name=name, kind=MismatchKind.MISSING_FROM_SBOM, sbom_version=None, source_version=version)
                )
            continue
        if name not in in_source:
            for version in _ordered(in_sbom[name]):
                mismatches.append(
                    Mismatch(name=name, kind=MismatchKind.NOT_IN_SOURCE, sbom_version=version, source_version=None)
                )
            continue
        pinned = in_source[name] - {None}
        if not pinned:
            continue  # the source names it without a version: nothing to compare
        listed = in_sbom[name]
        if pinned == listed:
            continue
        if len(pinned) == 1 and len(listed) == 1:
            mismatches.append(
                Mismatch(
                    name=name,
                    kind=MismatchKind.VERSION_MISMATCH,
                    sbom_version=next(iter(listed)),
                    source_version=next(iter(pinned)),
                )
            )
            continue
        for version in _ordered(pinned - listed):
            mismatches.append(
                Mismatch(name=name, kind=MismatchKind.MISSING_FROM_SBOM, sbom_version=None, source_version=version)
            )
        for version in _ordered(listed - pinned):
            mismatches.append(
                Mismatch(name=name, kind=MismatchKind.NOT_IN_SOURCE, sbom_version=version, source_version=None)
            )
    return tuple(mismatches)


def _ordered(versions: set[str | None]) -> list[str | None]:
    return sorted(versions, key=lambda v: v or "")
