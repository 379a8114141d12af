"""SARIF from other analysers: the files ``[tool.sdl-gate] sarif`` names, and those ``sdl-gate sast import`` kept.

An imported file is stored content-addressed beside the evidence and listed in a manifest per commit, so it
counts only for the commit it was imported at (as ``test-results import`` binds results). Both kinds only add
findings and coverage to what sdl-gate's own analysers report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from pydantic import AwareDatetime, Field, ValidationError

from sdl_gate._files import pretty_json, read_bytes_limited, sha256_bytes, write_atomic
from sdl_gate._model import FrozenModel
from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceStore
from sdl_gate.sast.models import AnalyserSource
from sdl_gate.sast.sarif_import import MAX_SARIF_BYTES, AnalyserResults, parse_sarif, read_run, read_sarif_file

IMPORTS_DIR = Path(".sdl-gate") / "imports" / "sarif"
MAX_MANIFEST_BYTES = 1024 * 1024
#: More files than this matched by the configured globs is a mistake (a glob over the whole tree), not evidence.
MAX_CONFIGURED_FILES = 256
_COMMIT = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


class ImportedSarif(FrozenModel):
    """One SARIF file ``sdl-gate sast import`` stored: its name, digest and where its bytes are."""

    name: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    raw: str = Field(pattern=r"^raw/[0-9a-f]{64}\.sarif$")
    imported_at: AwareDatetime


class ImportManifest(FrozenModel):
    """The SARIF files imported for one commit."""

    commit: str
    files: tuple[ImportedSarif, ...]


def _manifest_path(root: Path, commit: str) -> Path:
    return root / IMPORTS_DIR / f"{commit}.json"


def _read_manifest(root: Path, commit: str) -> ImportManifest | None:
    path = _manifest_path(root, commit)
    if not path.exists():
        return None
    data = read_bytes_limited(path, MAX_MANIFEST_BYTES, root=root)
    try:
        manifest = ImportManifest.model_validate_json(data)
    except ValidationError as exc:
        raise InputError(
            f"not a SARIF import manifest ({exc.error_count()} problem(s))",
            path=path,
            hint="import the SARIF files again with `sdl-gate sast import`",
        ) from None
    if manifest.commit != commit:
        raise InputError(f"lists imports for commit {manifest.commit}, not {commit}", path=path)
    return manifest


def record_import(root: Path, files: Iterable[Path], *, commit: str | None, now: datetime) -> tuple[ImportedSarif, ...]:
    """Validate each SARIF file, keep its bytes and list it for ``commit``; nothing is written if one is invalid."""
    if commit is None or not _COMMIT.match(commit):
        raise InputError(
            "imported SARIF must be bound to a commit, and the project is not a git work tree with one",
            path=root,
        )
    checked: list[tuple[str, bytes]] = []
    for path in files:
        data = read_bytes_limited(path, MAX_SARIF_BYTES)
        log = parse_sarif(data, path)
        # Every run is read now, so a file that would fail the gate later is refused at import instead.
        for index, run in enumerate(log.runs):
            read_run(run, index, root, source=AnalyserSource.IMPORTED, file=path.name, sha256=None, path=path)
        checked.append((path.name, data))
    store = EvidenceStore(root)
    previous = _read_manifest(root, commit)
    listed = {entry.sha256: entry for entry in previous.files} if previous else {}
    for name, data in checked:
        digest = sha256_bytes(data)
        reference = store.put_raw(data, "sarif")
        listed.setdefault(digest, ImportedSarif(name=name, sha256=digest, raw=reference, imported_at=now))
    manifest = ImportManifest(commit=commit, files=tuple(sorted(listed.values(), key=lambda e: (e.name, e.sha256))))
    write_atomic(_manifest_path(root, commit), pretty_json(manifest.model_dump(mode="json")))
    return manifest.files


def imported_results(root: Path, commit: str | None) -> tuple[AnalyserResults, ...]:
    """The runs of every SARIF file imported for ``commit`` (none outside git); a damaged one is an InputError."""
    if commit is None or not _COMMIT.match(commit):
        return ()
    manifest = _read_manifest(root, commit)
    if manifest is None:
        return ()
    store = EvidenceStore(root)
    found: list[AnalyserResults] = []
    for entry in manifest.files:
        path = store.raw_path(entry.raw)
        data = read_bytes_limited(path, MAX_SARIF_BYTES, root=root)
        if sha256_bytes(data) != entry.sha256:
            raise InputError(
                f"the imported SARIF {entry.name} no longer matches its digest {entry.sha256}",
                path=path,
                hint="import it again with `sdl-gate sast import`",
            )
        log = parse_sarif(data, path)
        found += [
            read_run(run, index, root, source=AnalyserSource.IMPORTED, file=entry.name, sha256=entry.sha256, path=path)
            for index, run in enumerate(log.runs)
        ]
    return tuple(found)


def configured_files(root: Path, globs: Iterable[str]) -> tuple[Path, ...]:
    """The files inside the project the configured SARIF globs match (sorted, each once)."""
    found: set[Path] = set()
    for glob in globs:
        for path in root.glob(glob):
            if path.is_file():
                found.add(path)
    if len(found) > MAX_CONFIGURED_FILES:
        raise InputError(
            f"the SARIF globs match {len(found)} files, more than {MAX_CONFIGURED_FILES}",
            path=root / "pyproject.toml",
            location="tool.sdl-gate.sarif",
        )
    return tuple(sorted(found))


def configured_results(root: Path, globs: Iterable[str]) -> tuple[AnalyserResults, ...]:
    """The runs of every SARIF file the configured globs match, each confined to the project."""
    found: list[AnalyserResults] = []
    for path in configured_files(root, globs):
        shown = path.relative_to(root).as_posix()
        found += read_sarif_file(path, root, source=AnalyserSource.CONFIGURED, shown=shown, confine=True)
    return tuple(found)
