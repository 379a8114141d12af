"""Bounded reads, canonical JSON, digests and atomic writes: the only ways sdl-gate touches files."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sdl_gate.errors import InputError

#: Configuration, policies, records and threat models are hand-written; nothing legitimate comes close.
MAX_INPUT_BYTES = 5 * 1024 * 1024

_CHUNK = 1024 * 1024


def _inside_project(path: Path, root: Path) -> Path:
    """Return the real path of ``path``, refusing one that resolves outside ``root`` (through any link)."""
    try:
        real = Path(os.path.realpath(path))
        inside = real.is_relative_to(Path(os.path.realpath(root)))
    except (OSError, ValueError) as exc:  # a NUL byte in the path
        raise InputError(f"cannot read: {exc}", path=path) from None
    if not inside:
        raise InputError(
            "resolves to a file outside the project (through a symbolic link); only files inside it are read",
            path=path,
        )
    return real


def read_bytes_limited(path: Path, limit: int = MAX_INPUT_BYTES, *, root: Path | None = None) -> bytes:
    """Read a regular file of at most ``limit`` bytes; with ``root``, only one whose real path is inside it.

    FIFOs, devices and sockets are refused without blocking (a committed link to ``/dev/stdin`` would
    otherwise hang the run), and so are directories and missing files.
    """
    target = path if root is None else _inside_project(path, root)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer that never comes.
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    except ValueError as exc:  # a NUL byte in the path
        raise InputError(f"cannot read: {exc}", path=path) from None
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise InputError("is a directory, expected a file", path=path)
        if not stat.S_ISREG(status.st_mode):
            raise InputError("is not a regular file (a FIFO, device or socket); refused", path=path)
        if status.st_size > limit:
            raise InputError(
                f"file is {status.st_size} bytes, larger than the {limit}-byte limit for this input", path=path
            )
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    if len(data) > limit:
        raise InputError(f"file grew past the {limit}-byte limit while being read", path=path)
    return data


def read_text_limited(path: Path, limit: int = MAX_INPUT_BYTES, *, root: Path | None = None) -> str:
    """Read a UTF-8 text file with :func:`read_bytes_limited`'s limits."""
    data = read_bytes_limited(path, limit, root=root)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("not valid UTF-8 text", path=path, line=line) from None


def canonical_json(value: Any) -> str:
    """Serialise to the canonical form digests are taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def pretty_json(value: Any) -> str:
    """Serialise for people and diffs: sorted keys, two-space indent, trailing newline."""
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def sha256_bytes(data: bytes) -> str:
    """Return the lowercase hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Return the lowercase hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _creation_mode() -> int:
    # mkstemp creates files 0600; files we publish should follow the user's umask like any other tool's.
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_CREATION_MODE = _creation_mode()


@contextmanager
def _temporary_beside(path: Path) -> Iterator[tuple[int, Path]]:
    import tempfile  # only writers need it; most commands only read

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        os.fchmod(fd, _CREATION_MODE)
        yield fd, tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with _temporary_beside(path) as (fd, tmp):
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)


def write_new(path: Path, data: str) -> bool:
    """Create ``path`` with ``data`` unless it exists; return whether it was written."""
    payload = data.encode("utf-8")
    with _temporary_beside(path) as (fd, tmp):
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        try:
            # A hard link fails if the target exists, which makes "never overwrite" race-free.
            os.link(tmp, path)
        except FileExistsError:
            return False
        finally:
            tmp.unlink(missing_ok=True)
    return True


def resolve_inside(root: Path, relative: str, *, source: Path, line: int | None, location: str) -> Path:
    """Resolve ``relative`` against ``root`` and refuse anything that escapes it (``..``, absolute, links)."""
    candidate = Path(relative)
    if candidate.is_absolute() or relative.startswith(("/", "\\")):
        raise InputError(
            f"path {relative!r} is absolute; links must be relative to the project root",
            path=source,
            line=line,
            location=location,
        )
    try:
        resolved = (root / candidate).resolve()
    except (OSError, ValueError) as exc:  # a NUL byte, a symlink loop
        raise InputError(
            f"path {relative!r} cannot be resolved: {exc}", path=source, line=line, location=location
        ) from None
    root_resolved = root.resolve()
    if resolved != root_resolved and root_resolved not in resolved.parents:
        raise InputError(
            f"path {relative!r} points outside the project root",
            path=source,
            line=line,
            location=location,
        )
    return resolved
