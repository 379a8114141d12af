"""Finding private keys committed to a repository (PEM, OpenSSH, PGP, PKCS#8/DER, PKCS#12)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sdl_gate._git import find_repository
from sdl_gate._tool import ToolUnavailable

#: Keys are small; a PEM block buried deeper than this in a file is not looked for.
SCAN_BYTES = 1024 * 1024
MAX_FILES = 200_000
DER_SUFFIXES = (".der", ".key", ".p8", ".pk8")
KEYSTORE_SUFFIXES = (".p12", ".pfx")
MAX_DER_BYTES = 64 * 1024
SKIPPED_DIRECTORIES = frozenset({".git", ".sdl-gate", ".venv", "venv", "node_modules", "__pycache__", ".tox"})

_PEM = re.compile(rb"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----")


@dataclass(frozen=True)
class KeyHit:
    """A private key found in a file."""

    path: str
    key_type: str
    encrypted: bool | None


@dataclass(frozen=True)
class ScanResult:
    """The outcome of one scan: what was found and how complete it was."""

    method: str
    files_scanned: int
    complete: bool
    hits: tuple[KeyHit, ...]
    problem: str | None = None


def _tracked_files(root: Path) -> list[str] | None:
    repository = find_repository(root)
    if repository is None:
        return None
    try:
        run = repository.run("ls-files", "-z", "--cached", cwd=root, timeout=60)
    except ToolUnavailable:
        return None
    if run.returncode != 0:
        return None
    return sorted(name for name in run.stdout.split("\0") if name)


def _walked_files(root: Path) -> list[str]:
    found: list[str] = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
        base = Path(directory)
        found.extend((base / name).relative_to(root).as_posix() for name in files)
        if len(found) > MAX_FILES:
            break
    return sorted(found)


def _pem_hits(relative: str, head: bytes) -> list[KeyHit]:
    hits: list[KeyHit] = []
    for match in _PEM.finditer(head):
        label = match.group(1).decode("ascii")
        following = head[match.end() : match.end() + 200]
        encrypted: bool | None = "ENCRYPTED" in label or b"Proc-Type: 4,ENCRYPTED" in following
        if label.startswith(("OPENSSH", "PGP")):
            encrypted = None  # the cipher is inside the encoded body; the key is committed either way
        hits.append(KeyHit(relative, label, encrypted))
    return hits


def _der_hit(relative: str, path: Path, size: int) -> KeyHit | None:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    if size > MAX_DER_BYTES:
        return None
    data = path.read_bytes()
    try:
        load_der_private_key(data, password=None)
    except TypeError:
        return KeyHit(relative, "DER PRIVATE KEY", True)  # it parsed far enough to ask for a password
    except Exception:  # anything unparseable is simply not a key
        return None
    return KeyHit(relative, "DER PRIVATE KEY", False)


def scan_private_keys(root: Path, *, tracked: bool) -> ScanResult:
    """Scan the repository's tracked files (or every file outside caches when there is no git) for private keys."""
    names = _tracked_files(root) if tracked else None
    method = "git ls-files"
    if names is None:
        names = _walked_files(root)
        method = "directory walk"
    return scan_files(root, names, method=method)


def scan_files(root: Path, names: list[str], *, method: str = "given files") -> ScanResult:
    """Scan the files ``names`` (relative to ``root``) for private keys; symlinks and non-files are skipped."""
    complete = len(names) <= MAX_FILES
    hits: list[KeyHit] = []
    scanned = 0
    for relative in names[:MAX_FILES]:
        path = root / relative
        try:
            if path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(SCAN_BYTES)
            scanned += 1
            hits.extend(_pem_hits(relative, head))
            lowered = relative.lower()
            if lowered.endswith(KEYSTORE_SUFFIXES):
                hits.append(KeyHit(relative, "PKCS#12 KEY STORE", None))
            elif lowered.endswith(DER_SUFFIXES) and b"-----BEGIN" not in head:
                der = _der_hit(relative, path, size)
                if der is not None:
                    hits.append(der)
        except OSError:
            complete = False
    problem = None if complete else "some files could not be read or the repository is too large to scan fully"
    return ScanResult(method=method, files_scanned=scanned, complete=complete, hits=tuple(hits), problem=problem)
