"""One static-analysis run split across machines (a CI matrix job per shard) and merged back, fail closed.

Files go to shards by a hash of their repo-relative path, so every machine computes the same split without
talking to the others, and a file keeps its shard when others are added or removed. A shard file carries
its index and count, the commit, the bandit version and configuration digest, the digest of the whole
selection, and one result per file of its own part (with the file's content digest). The merge recomputes
the selection and reads every file of the checkout it runs in: it refuses a missing or duplicated shard,
shards of another split, commit, configuration or file set, and a result taken from other bytes than the
checkout's. A refusal is a :class:`ShardError` naming the shard; the gate turns it into ``not_available``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sdl_gate._files import canonical_json, pretty_json, read_bytes_limited, sha256_bytes, write_atomic
from sdl_gate.errors import InputError
from sdl_gate.sast.engine import (
    DEFAULT_TIMEOUT_SECONDS,
    Cache,
    FileResult,
    ProgressSink,
    ScanRun,
    _read,
    run_scan,
)
from sdl_gate.sast.models import FileScan
from sdl_gate.sast.settings import BanditSettings, Selection

__all__ = [
    "SHARD_FORMAT",
    "SastShard",
    "ShardError",
    "ShardSpec",
    "merge_shards",
    "scan_shard",
    "selection_digest",
    "shard_of",
    "write_shard",
]

SHARD_FORMAT = 1
#: More shards than this is not a CI matrix (GitHub allows 256 jobs per matrix).
MAX_SHARDS = 256
#: One shard's results; a file larger than this is not one sdl-gate wrote.
MAX_SHARD_BYTES = 256 * 1024 * 1024
#: A shard directory holding more files than this is not the download of one matrix.
MAX_SHARD_FILES = 4 * MAX_SHARDS


class ShardError(InputError):
    """Partial SAST results that cannot be merged into one run: missing, duplicated, or of another run."""


@dataclass(frozen=True)
class ShardSpec:
    """Which part of the split one run covers: shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> ShardSpec:
        """Read ``K/N`` (1 <= K <= N <= 256); InputError names the option otherwise."""
        index_text, separator, count_text = text.strip().partition("/")
        if separator and index_text.isdigit() and count_text.isdigit():
            index, count = int(index_text), int(count_text)
            if 1 <= index <= count <= MAX_SHARDS:
                return cls(index, count)
        raise InputError(
            f"{text!r} is not a shard: give K/N with 1 <= K <= N <= {MAX_SHARDS}, for example 2/8",
            location="--shard",
        )

    @property
    def label(self) -> str:
        """``K/N``, as the user wrote it."""
        return f"{self.index}/{self.count}"

    @property
    def file_name(self) -> str:
        """The shard file's default name."""
        return f"sast-shard-{self.index}-of-{self.count}.json"


def shard_of(relative: str, count: int) -> int:
    """The shard (1-based) a repo-relative path belongs to: stable across machines, runs and Python versions."""
    digest = hashlib.sha256(relative.encode("utf-8", errors="surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def selection_digest(selection: Selection) -> str:
    """The digest of the whole set of files a run covers (their repo-relative paths, sorted)."""
    return sha256_bytes(canonical_json(sorted(t.relative for t in selection.targets)).encode("utf-8"))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class ShardFile(_Frozen):
    """One file of a shard: its path, its content digest (None when it could not be read) and its result."""

    path: str = Field(min_length=1, max_length=4096)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    scan: FileScan
    cached: bool = False


class SastShard(_Frozen):
    """The partial evidence one matrix job writes: its part of the split and what it is bound to."""

    format: Literal[1] = 1
    kind: Literal["sast"] = "sast"
    index: int = Field(ge=1, le=MAX_SHARDS)
    count: int = Field(ge=1, le=MAX_SHARDS)
    commit: str | None
    scanner_version: str
    configuration: str = Field(description="Digest of the bandit configuration the shard applied.")
    selection: str = Field(description="Digest of the whole selection (every shard's files), not only this one's.")
    files: tuple[ShardFile, ...]
    scanned: int = Field(ge=0)
    cache_hits: int = Field(ge=0)
    cache_corrupt: int = Field(ge=0)

    @property
    def spec(self) -> ShardSpec:
        """The shard's place in the split."""
        return ShardSpec(self.index, self.count)


def scan_shard(
    settings: BanditSettings,
    selection: Selection,
    spec: ShardSpec,
    *,
    commit: str | None,
    cache: Cache | None,
    jobs: int | None = None,
    max_file_bytes: int,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    progress: ProgressSink | None = None,
) -> SastShard:
    """Scan the files of ``selection`` that belong to shard ``spec`` and describe the result as a shard."""
    own = tuple(t for t in selection.targets if shard_of(t.relative, spec.count) == spec.index)
    run = run_scan(
        settings,
        replace(selection, targets=own),
        cache=cache,
        jobs=jobs,
        max_file_bytes=max_file_bytes,
        timeout=timeout,
        progress=progress,
    )
    return SastShard(
        index=spec.index,
        count=spec.count,
        commit=commit,
        scanner_version=settings.version,
        configuration=settings.digest,
        selection=selection_digest(selection),
        files=tuple(
            ShardFile(path=r.target.relative, sha256=r.sha256, scan=r.scan, cached=r.cached) for r in run.results
        ),
        scanned=run.scanned,
        cache_hits=run.cache_hits,
        cache_corrupt=run.cache_corrupt,
    )


def write_shard(shard: SastShard, path: Path) -> None:
    """Write a shard file atomically."""
    write_atomic(path, pretty_json(shard.model_dump(mode="json")))


def _load(path: Path) -> SastShard:
    try:
        data = read_bytes_limited(path, MAX_SHARD_BYTES)
    except InputError as exc:
        raise ShardError(exc.message, path=path) from None
    try:
        return SastShard.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ShardError(f"is not an sdl-gate SAST shard: {first['msg']}", path=path, location=where) from None


def _shard_files(directory: Path) -> list[Path]:
    try:
        info = directory.stat()
    except OSError as exc:
        raise ShardError(f"cannot read the shard directory: {exc.strerror}", path=directory) from None
    if not stat.S_ISDIR(info.st_mode):
        raise ShardError("is not a directory of SAST shards", path=directory)
    names = sorted(entry.name for entry in os.scandir(directory) if entry.name.endswith(".json"))
    if len(names) > MAX_SHARD_FILES:
        raise ShardError(f"holds {len(names)} shard files, more than the {MAX_SHARD_FILES} allowed", path=directory)
    if not names:
        raise ShardError("holds no SAST shard (*.json): every shard is missing", path=directory)
    return [directory / name for name in names]


def _consistent(
    shards: dict[int, tuple[Path, SastShard]], settings: BanditSettings, selection: Selection, commit: str | None
) -> None:
    wanted = selection_digest(selection)
    for index, (path, shard) in sorted(shards.items()):
        label = f"shard {shard.spec.label}"
        if shard.commit != commit:
            raise ShardError(
                f"{label} was taken at commit {shard.commit or 'none'}, not the assessed commit {commit or 'none'}",
                path=path,
            )
        if shard.scanner_version != settings.version:
            raise ShardError(f"{label} ran bandit {shard.scanner_version}, not {settings.version}", path=path)
        if shard.configuration != settings.digest:
            raise ShardError(f"{label} applied another bandit configuration than this checkout's", path=path)
        if shard.selection != wanted:
            raise ShardError(f"{label} split another set of files than this checkout selects", path=path)
        expected = {t.relative for t in selection.targets if shard_of(t.relative, shard.count) == index}
        held = [f.path for f in shard.files]
        if len(held) != len(set(held)) or set(held) != expected:
            missing, extra = len(expected - set(held)), len(set(held) - expected)
            raise ShardError(
                f"{label} does not hold exactly the files assigned to it ({missing} missing, {extra} not its own, "
                f"{len(held) - len(set(held))} repeated)",
                path=path,
            )


def merge_shards(
    directory: Path,
    settings: BanditSettings,
    selection: Selection,
    *,
    commit: str | None,
    max_file_bytes: int,
) -> ScanRun:
    """Merge the shard files in ``directory`` into the run an unsharded scan of ``selection`` would give.

    Raises ShardError naming the shard when one is missing, duplicated, of another split, commit,
    configuration or file set, or analysed other bytes than this checkout holds.
    """
    loaded = [(path, _load(path)) for path in _shard_files(directory)]
    counts = {shard.count for _path, shard in loaded}
    if len(counts) > 1:
        described = ", ".join(f"{path.name} is {shard.spec.label}" for path, shard in loaded)
        raise ShardError(f"the shards come from different splits: {described}", path=directory)
    count = counts.pop()
    shards: dict[int, tuple[Path, SastShard]] = {}
    for path, shard in loaded:
        if shard.index > shard.count:
            raise ShardError(f"names itself shard {shard.spec.label}, which no split has", path=path)
        if shard.index in shards:
            other = shards[shard.index][0]
            raise ShardError(
                f"shard {shard.spec.label} appears twice ({other.name} and {path.name}); keep exactly one",
                path=directory,
            )
        shards[shard.index] = (path, shard)
    missing = [f"{index}/{count}" for index in range(1, count + 1) if index not in shards]
    if missing:
        raise ShardError(
            f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing: the merged run would not "
            "cover every file",
            path=directory,
        )
    _consistent(shards, settings, selection, commit)
    by_path = {f.path: (index, f) for index, (_path, shard) in shards.items() for f in shard.files}
    results: list[FileResult] = []
    for target in selection.targets:
        index, part = by_path[target.relative]
        read = _read(target, max_file_bytes)
        if isinstance(read, FileScan):
            # Unreadable here: what the shard says about it cannot be checked against these bytes.
            results.append(FileResult(target, None, read, cached=False))
            continue
        digest = sha256_bytes(read)
        if part.sha256 != digest:
            path = shards[index][0]
            raise ShardError(
                f"shard {index}/{count} analysed other content of {target.relative} than this checkout holds",
                path=path,
            )
        results.append(FileResult(target, digest, part.scan, cached=part.cached))
    parts = [shard for _path, shard in shards.values()]
    return ScanRun(
        settings=settings,
        selection=selection,
        results=tuple(results),
        cache_hits=sum(p.cache_hits for p in parts),
        scanned=sum(p.scanned for p in parts),
        cache_corrupt=sum(p.cache_corrupt for p in parts),
    )
