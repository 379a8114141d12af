"""SBOM quality: the NTIA minimum elements per component, and the SBOM cross-checked against a lock or environment.

The NTIA check reads the :class:`SbomDocument` every reader returns, so it is one check for CycloneDX and SPDX.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from sdl_gate._files import read_bytes_limited, read_text_limited
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import parse_json_text
from sdl_gate.errors import InputError
from sdl_gate.sbom.build import SpecVersion, schema_problem
from sdl_gate.sbom.readers import MAX_SBOM_BYTES, SbomDocument, SbomFormat, from_cyclonedx, parse_sbom
from sdl_gate.sbom.sources import Inventory


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


class Gap(FrozenModel):
    """One missing NTIA element; ``component`` is None for document-level elements (author, timestamp)."""

    component: str | None
    element: Element


class Mismatch(FrozenModel):
    """One difference between the SBOM and the source it should describe."""

    name: str
    kind: MismatchKind
    sbom_version: str | None
    source_version: str | None


class SbomComponent(FrozenModel):
    """What the quality check reads of one SBOM component."""

    name: str
    version: str | None
    purl: str | None


class SbomReport(FrozenModel):
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


def load_any_sbom(path: Path, *, root: Path | None = None) -> SbomDocument:
    """Read an SBOM of any supported format; CycloneDX JSON 1.5 and 1.6 must also pass the strict schema."""
    data = read_bytes_limited(path, MAX_SBOM_BYTES, root=root)
    document = parse_sbom(data, path)
    if document.format is SbomFormat.CYCLONEDX_JSON and document.spec_version in {v.value for v in SpecVersion}:
        spec = SpecVersion(document.spec_version)
        problem = schema_problem(data.decode("utf-8-sig"), spec)
        if problem is not None:
            raise InputError(f"not a valid CycloneDX {spec.value} SBOM: {problem}", path=path)
    return document


def assess_sbom(document: dict[str, Any], path: Path | None = None) -> SbomReport:
    """Check a parsed CycloneDX JSON document (``path`` names it in errors) against the NTIA minimum elements."""
    return assess_document(from_cyclonedx(document, path or Path("SBOM")))


def assess_document(document: SbomDocument) -> SbomReport:
    """Check every component and the document against the NTIA minimum elements, whatever the SBOM's format."""
    gaps: list[Gap] = []
    if not document.has_author:
        gaps.append(Gap(component=None, element=Element.AUTHOR))
    if not document.has_timestamp:
        gaps.append(Gap(component=None, element=Element.TIMESTAMP))
    components: list[SbomComponent] = []
    for entry in document.entries:
        component, label = entry.component, entry.label
        components.append(SbomComponent(name=component.name, version=component.version, purl=component.purl))
        if not component.supplier:
            gaps.append(Gap(component=label, element=Element.SUPPLIER))
        if not component.name:
            gaps.append(Gap(component=label, element=Element.NAME))
        if not component.version:
            gaps.append(Gap(component=label, element=Element.VERSION))
        if not entry.identified:
            gaps.append(Gap(component=label, element=Element.UNIQUE_IDENTIFIER))
        if not entry.in_graph:
            gaps.append(Gap(component=label, element=Element.DEPENDENCY_RELATIONSHIPS))
    return SbomReport(
        spec_version=document.spec_version,
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


@dataclass(frozen=True)
class SbomReview:
    """One SBOM checked by `sdl-gate sbom-check`: its NTIA gaps and its mismatches with what it was compared to."""

    file: Path
    document: SbomDocument
    report: SbomReport
    #: (what the SBOM was compared with, the mismatch) for the lock file and environment asked for.
    mismatches: tuple[tuple[str, Mismatch], ...]

    @property
    def problems(self) -> int:
        """Gaps and mismatches: any fails the check."""
        return len(self.report.gaps) + len(self.mismatches)

    @property
    def unauditable(self) -> tuple[tuple[str, str], ...]:
        """Components no vulnerability audit can find (no package URL, or one that does not parse), with why."""
        return tuple(
            (entry.label, "package URL does not parse" if entry.invalid_purl else "no package URL")
            for entry in self.document.entries
            if entry.component.purl is None
        )


def review_sboms(
    files: tuple[Path, ...], *, lock_file: Path | None = None, environment: bool = False, python: str | None = None
) -> list[SbomReview]:
    """Check each SBOM against the NTIA minimum elements and, for one SBOM, a lock file or the environment.

    Every SBOM is read before any is assessed, so an unreadable one is reported before any result.
    """
    from sdl_gate.sbom.sources import from_environment, interpreter_paths, load_source, lock_kind

    if len(files) > 1 and (lock_file is not None or environment):
        raise InputError("--lock and --environment cross-check one SBOM; give one SBOM with them")
    documents = [load_any_sbom(file) for file in files]
    reviews = []
    for file, document in zip(files, documents, strict=True):
        report = assess_document(document)
        comparisons = []
        if lock_file is not None:
            comparisons.append((str(lock_file), load_source(lock_kind(lock_file), lock_file)))
        if environment:
            comparisons.append(("environment", from_environment(interpreter_paths(python) if python else None)))
        mismatches = tuple((label, m) for label, inventory in comparisons for m in cross_check(report, inventory))
        reviews.append(SbomReview(file, document, report, mismatches))
    return reviews
