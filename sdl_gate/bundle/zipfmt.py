"""Deterministic zip writing and defensive zip reading for release-evidence bundles.

Writing: sorted entries, a fixed timestamp, fixed permissions and no extra fields, so two runs over the
same inputs are byte-identical. Reading: every name, type, size and ratio is checked before anything is
read, so a hostile archive is refused instead of being unpacked.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
CHUNK = 1024 * 1024
MAX_ENTRIES = 100_000
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_RATIO = 100
RATIO_APPLIES_ABOVE = 1024 * 1024
#: Only entries the ratio limit does not apply to are deflated, so a bundle sdl-gate writes always passes
#: its own zip-bomb check; larger ones (release artifacts, usually compressed already) are stored.
DEFLATE_UP_TO = RATIO_APPLIES_ABOVE
MAX_NAME_LENGTH = 1024


class UnsafeArchive(Exception):
    """The archive is refused before anything is extracted; the message names the entry and the reason."""


def safe_name_problem(name: str) -> str | None:
    """Return why ``name`` is not a safe relative entry name, or None when it is."""
    if not name or len(name) > MAX_NAME_LENGTH:
        return "empty or overlong name"
    if "\\" in name or "\x00" in name:
        return "backslash or NUL in the name"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    parts = PurePosixPath(name).parts
    if any(part in ("..", ".") for part in name.split("/")):
        return "'..' or '.' path segment"
    if name.endswith("/") or "" in name.split("/") or not parts:
        return "directory entry or empty path segment"
    return None


class DeterministicZip:
    """Writes entries in the order given with fixed metadata; the caller passes them sorted."""

    def __init__(self, handle: IO[bytes]) -> None:
        """Start a zip on an open, seekable binary file."""
        self._zip = zipfile.ZipFile(handle, "w", allowZip64=True)
        self._last: str | None = None

    def _info(self, name: str, size: int) -> zipfile.ZipInfo:
        if safe_name_problem(name) is not None:
            raise ValueError(f"refusing to write unsafe entry name {name!r}")
        if self._last is not None and name <= self._last:
            raise ValueError(f"entries must be written sorted and unique: {name!r} after {self._last!r}")
        self._last = name
        info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
        info.create_system = 3
        info.external_attr = FILE_MODE << 16
        info.compress_type = zipfile.ZIP_DEFLATED if size <= DEFLATE_UP_TO else zipfile.ZIP_STORED
        info.file_size = size
        return info

    def add_bytes(self, name: str, data: bytes) -> str:
        """Write an in-memory entry; return its SHA-256."""
        info = self._info(name, len(data))
        with self._zip.open(info, "w") as out:
            out.write(data)
        return hashlib.sha256(data).hexdigest()

    def add_file(self, name: str, path: Path) -> str:
        """Stream a file into an entry, hashing it on the way; return its SHA-256."""
        digest = hashlib.sha256()
        with path.open("rb") as source:
            size = path.stat().st_size
            info = self._info(name, size)
            with self._zip.open(info, "w", force_zip64=size >= 0x7FFFFFFF) as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        return digest.hexdigest()

    def close(self) -> None:
        """Write the central directory."""
        self._zip.close()


@dataclass(frozen=True)
class Entry:
    """An entry of an archive that passed the structural checks."""

    name: str
    size: int
    info: zipfile.ZipInfo


def inspect_archive(archive: zipfile.ZipFile) -> dict[str, Entry]:
    """Check every entry's name, type, size and compression ratio; raise :class:`UnsafeArchive` on the first problem."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UnsafeArchive(f"{len(infos)} entries, more than the {MAX_ENTRIES} allowed")
    entries: dict[str, Entry] = {}
    total = 0
    for info in infos:
        name = info.filename
        problem = safe_name_problem(name)
        if problem is not None:
            raise UnsafeArchive(f"entry {name!r}: {problem}")
        if name in entries:
            raise UnsafeArchive(f"entry {name!r} appears more than once")
        mode = info.external_attr >> 16
        # Only the type bits matter: many tools write bare permission bits (no type) for regular files.
        if info.create_system == 3 and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            raise UnsafeArchive(f"entry {name!r} is {kind}")
        if info.is_dir():
            raise UnsafeArchive(f"entry {name!r} is a directory")
        if info.flag_bits & 0x1:
            raise UnsafeArchive(f"entry {name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeArchive(f"entry {name!r} uses an unsupported compression method {info.compress_type}")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchive(f"entries expand to more than {MAX_TOTAL_BYTES} bytes (zip bomb?)")
        if info.file_size > RATIO_APPLIES_ABOVE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeArchive(
                f"entry {name!r} expands {info.file_size // max(info.compress_size, 1)}:1, more than the "
                f"{MAX_RATIO}:1 allowed (zip bomb?)"
            )
        entries[name] = Entry(name=name, size=info.file_size, info=info)
    return entries


def iter_chunks(archive: zipfile.ZipFile, entry: Entry) -> Iterator[bytes]:
    """Yield an entry's bytes, never more than its declared size (the CRC is checked at the end)."""
    read = 0
    try:
        with archive.open(entry.info) as handle:
            while chunk := handle.read(CHUNK):
                read += len(chunk)
                if read > entry.size:
                    raise UnsafeArchive(f"entry {entry.name!r} is larger than it declares")
                yield chunk
    except (OSError, EOFError, zlib.error, ValueError, NotImplementedError, RuntimeError) as exc:
        # A mangled local header or offset makes zipfile seek or inflate garbage; that is a corrupt archive.
        raise zipfile.BadZipFile(f"entry {entry.name!r} cannot be read: {type(exc).__name__}: {exc}") from None


def read_entry(archive: zipfile.ZipFile, entry: Entry, limit: int) -> bytes:
    """Read a small entry into memory, refusing one larger than ``limit``."""
    if entry.size > limit:
        raise UnsafeArchive(f"entry {entry.name!r} is {entry.size} bytes, more than the {limit} allowed")
    return b"".join(iter_chunks(archive, entry))


def hash_entry(archive: zipfile.ZipFile, entry: Entry) -> str:
    """Return the SHA-256 of an entry, streamed."""
    digest = hashlib.sha256()
    for chunk in iter_chunks(archive, entry):
        digest.update(chunk)
    return digest.hexdigest()
