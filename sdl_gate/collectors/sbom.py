"""The SBOM of the externally provided components: generated from the dependency sources (or the one the
project supplies), checked against the NTIA minimum elements and cross-checked against the lock file; the SBOMs
of other generators the project lists (``sboms``) are read beside it, each checked against the NTIA minimum
elements, their components merged with their origin kept, and those without a package URL listed as
unauditable."""

from __future__ import annotations

import enum
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sdl_gate._files import resolve_inside, sha256_bytes
from sdl_gate._git import find_repository
from sdl_gate._model import FrozenModel
from sdl_gate._tool import ToolUnavailable
from sdl_gate.collectors.base import CollectContext, own_evidence
from sdl_gate.collectors.dependencies import ProjectSboms, SourceRead, project_dependencies, project_sboms
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest
from sdl_gate.sbom.build import SpecVersion, build_sbom, default_cache_dir, product_from_pyproject
from sdl_gate.sbom.quality import Gap, Mismatch, assess_document, assess_sbom, cross_check, load_sbom
from sdl_gate.sbom.readers import SbomFormat
from sdl_gate.sbom.sources import PinConflict


class SbomOrigin(str, enum.Enum):
    """Where the assessed SBOM came from."""

    GENERATED = "generated"
    SUPPLIED = "supplied"
    UNAVAILABLE = "unavailable"


class ImportedSbom(FrozenModel):
    """One SBOM of another generator that was read: its digest, format and NTIA gaps."""

    path: str
    sha256: str
    format: SbomFormat
    spec_version: str
    components: int
    gaps: tuple[Gap, ...]


class InventoryEntry(FrozenModel):
    """One component of an imported SBOM: ``purl`` exactly as written, ``origin`` the SBOM file it came from."""

    name: str
    version: str | None
    purl: str | None
    origin: str
    commit: str | None = None


class UnauditableReason(str, enum.Enum):
    """Why a component cannot be looked up in a vulnerability database."""

    NO_PURL = "no_purl"
    INVALID_PURL = "invalid_purl"


class Unauditable(FrozenModel):
    """A component of an imported SBOM without a usable package URL: no audit can say it is clean."""

    name: str
    version: str | None
    origin: str
    reason: UnauditableReason


class SbomPayload(FrozenModel):
    """The payload of ``sbom`` evidence."""

    origin: SbomOrigin
    reason: str | None
    path: str | None
    sha256: str | None
    spec_version: str | None
    components: int
    purls: tuple[str, ...]
    gaps: tuple[Gap, ...]
    cross_checked_against: tuple[str, ...]
    mismatches: tuple[Mismatch, ...]
    sources: tuple[SourceRead, ...] = ()
    conflicts: tuple[PinConflict, ...] = ()
    imported: tuple[ImportedSbom, ...] = ()
    inventory: tuple[InventoryEntry, ...] = ()
    unauditable: tuple[Unauditable, ...] = ()


def sbom_timestamp(context: CollectContext, sources: list[Path]) -> datetime:
    """The SBOM's timestamp without reading the clock, so evidence ids stay stable.

    ``SOURCE_DATE_EPOCH`` when set, else the commit time, else the newest dependency source's mtime.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return context.now
    repository = find_repository(context.root) if context.commit is not None else None
    if repository is not None and context.commit is not None:
        try:
            run = repository.run("show", "-s", "--format=%ct", "--end-of-options", context.commit, timeout=10)
            if run.returncode == 0 and run.stdout.strip().isdigit():
                return datetime.fromtimestamp(int(run.stdout.strip()), tz=timezone.utc)
        except ToolUnavailable:
            pass
    newest = max((int(p.stat().st_mtime) for p in sources if p.is_file()), default=0)
    return datetime.fromtimestamp(newest, tz=timezone.utc)


class SbomCollector:
    """Generates (or reads) the SBOM and records its quality."""

    kind = EvidenceKind.SBOM

    def collect(self, context: CollectContext) -> Evidence:
        """Build or load the SBOM, report NTIA gaps and differences from the dependency sources."""
        deps = project_dependencies(context.project)
        sboms = project_sboms(context)
        files = [*deps.files, *sboms.files]
        imported = _imported(sboms)
        config = context.project.config
        raw: str | None = None
        sources = tuple(source.path for source in deps.sources)
        if config.sbom is not None:
            source = context.project.config_source or context.root / "pyproject.toml"
            try:
                path = resolve_inside(
                    context.root, config.sbom, source=source, line=None, location="tool.sdl-gate.sbom"
                )
            except InputError as exc:
                raise ConfigError(exc.message, path=exc.path, location=exc.location) from None
            if not path.is_file():
                raise ConfigError(f"SBOM {config.sbom} not found", path=source, location="tool.sdl-gate.sbom")
            document = load_sbom(path, root=context.root)
            digest = context.digest(path)
            files.append(digest)
            origin, where, sha = SbomOrigin.SUPPLIED, digest.path, digest.sha256
        elif deps.inventory is not None:
            product = product_from_pyproject(context.root, context.project.name, context.project.version)
            timestamp = sbom_timestamp(context, [context.root / f.path for f in deps.files])
            text = build_sbom(
                deps.inventory, product, spec=SpecVersion.V1_6, timestamp=timestamp, cache=default_cache_dir()
            )
            data = text.encode("utf-8")
            raw = context.put_raw(data, "cdx.json")
            document = json.loads(text)
            origin, where, sha = SbomOrigin.GENERATED, raw, sha256_bytes(data)
        else:
            # Unreachable with ``sboms`` set: the pyproject.toml that sets it is a dependency source itself.
            return self._evidence(
                context,
                files,
                raw,
                SbomPayload(
                    origin=SbomOrigin.UNAVAILABLE,
                    reason="no SBOM configured and no dependency source found to generate one from",
                    path=None,
                    sha256=None,
                    spec_version=None,
                    components=0,
                    purls=(),
                    gaps=(),
                    cross_checked_against=(),
                    mismatches=(),
                    sources=deps.sources,
                    **imported,
                ),
            )
        report = assess_sbom(document)
        mismatches = cross_check(report, deps.inventory) if deps.inventory is not None else ()
        payload = SbomPayload(
            origin=origin,
            reason=None,
            path=where,
            sha256=sha,
            spec_version=report.spec_version,
            components=len(report.components),
            purls=tuple(sorted(c.purl for c in report.components if c.purl)),
            gaps=report.gaps,
            cross_checked_against=sources,
            mismatches=mismatches,
            sources=deps.sources,
            conflicts=deps.conflicts,
            **imported,
        )
        return self._evidence(context, files, raw, payload)

    def _evidence(
        self, context: CollectContext, files: list[FileDigest], raw: str | None, payload: SbomPayload
    ) -> Evidence:
        return own_evidence(self.kind, context, files, payload.model_dump(mode="json"), raw)


def _imported(sboms: ProjectSboms) -> dict[str, Any]:
    """The payload fields of the imported SBOMs: each file, the merged inventory and what cannot be audited."""
    files: list[ImportedSbom] = []
    unauditable: list[Unauditable] = []
    for document, digest in zip(sboms.documents, sboms.files, strict=True):
        report = assess_document(document)
        files.append(
            ImportedSbom(
                path=digest.path,
                sha256=digest.sha256,
                format=document.format,
                spec_version=document.spec_version,
                components=len(document.entries),
                gaps=report.gaps,
            )
        )
        for entry in document.entries:
            if entry.component.purl is None:
                reason = UnauditableReason.INVALID_PURL if entry.invalid_purl else UnauditableReason.NO_PURL
                unauditable.append(
                    Unauditable(
                        name=entry.component.name, version=entry.component.version, origin=digest.path, reason=reason
                    )
                )
    merged = sboms.inventory
    inventory = tuple(
        InventoryEntry(name=c.name, version=c.version, purl=c.purl, origin=str(c.origin), commit=c.commit)
        for c in (merged.components if merged is not None else ())
    )
    return {
        "imported": tuple(files),
        "inventory": inventory,
        "unauditable": tuple(dict.fromkeys(unauditable)),
    }
