"""Finding private keys committed to a repository, by content: PEM and other key text in any of the Unicode
encodings a key file is written in, PuTTY ``.ppk`` files, DER keys (PKCS#1, PKCS#8 plain or encrypted, SEC1)
and PKCS#12 stores, anywhere in a file of any size.

A warm run reads only what changed: with a cache directory (the operator's, outside the checkout) each file's
result is kept under its stat identity - size, mtime, ctime, inode and device - and reused while all five are
unchanged. ctime cannot be set from user space (``touch`` and ``os.utime`` set only atime and mtime; any write,
rename or permission change moves it), so a key written into a file, even at the same size and with its mtime
put back, changes the identity; the inode and device tell apart a file replaced by another. A file whose ctime
or mtime is within ``RACY_NANOSECONDS`` of the scan's start is not kept: it could change again within the
timestamps' granularity without its identity changing (git's "racy clean" problem). Residual risk: whoever
can write the operator's cache directory, or set the system clock back and rewrite a file within one tick, can
hide a key; a pull request can do neither.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sdl_gate._cache import cache_dir, entry_key, read_entry, write_entry
from sdl_gate._git import find_repository
from sdl_gate._tool import ToolUnavailable

#: Files are read in chunks this large; consecutive chunks overlap so that no key text is cut in two.
CHUNK_BYTES = 1024 * 1024
MAX_FILES = 200_000
KEYSTORE_SUFFIXES = (".p12", ".pfx")
#: A DER key is a few kilobytes; larger files are not handed to the key parser.
MAX_DER_BYTES = 64 * 1024
SKIPPED_DIRECTORIES = frozenset({".git", ".sdl-gate", ".venv", "venv", "node_modules", "__pycache__", ".tox"})

# PEM (RFC 7468) and OpenSSH/PGP labels, and the SSH2 (RFC 4716 style) form with four dashes and spaces.
_KEY_TEXT = re.compile(
    rb"----(?:-BEGIN ((?:[A-Z0-9#]+ )*PRIVATE KEY(?: BLOCK)?)-----|"
    rb" BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY) ----)"
    rb"|PuTTY-User-Key-File-(\d+): *([A-Za-z0-9@._-]+)"
)
#: How far after a key's first line its encryption is stated (``Proc-Type``, PuTTY's ``Encryption:``).
_LOOKAHEAD = 200
#: More than a key's first line plus the look-ahead in the widest encoding (UTF-32, four bytes a character).
_OVERLAP = 4096
_PUTTY_ENCRYPTION = re.compile(rb"Encryption: *([!-~]+)")
#: Text keys saved by Windows editors and PowerShell come as UTF-16 (or, rarely, UTF-32), often with a BOM.
#: Either byte order is found by the little-endian marker: big-endian text matches it one byte later.
_WIDE_MARKERS = tuple(
    (f"UTF-{width * 8}", width, word.encode(f"utf-{width * 8}-le"))
    for width in (2, 4)
    for word in ("BEGIN ", "PuTTY-User-Key-File-")
)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
#: The first characters of UTF-16 or UTF-32 text in the Latin range: NUL bytes at fixed places between them.
_WIDE_TEXT_START = re.compile(rb"(?:[\x01-\x7f]\x00){8}|(?:\x00[\x01-\x7f]){8}|(?:[\x01-\x7f]\x00\x00\x00){4}")

# PKCS#12 (RFC 7292): PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (pkcs7-data or -signedData) }.
_PKCS12_VERSION = b"\x02\x01\x03"
_PKCS7_DATA_OIDS = (b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02")
_ASN1_SEQUENCE = 0x30

#: 1: one entry per work tree, mapping each file to its stat identity and the keys found in it.
CACHE_FORMAT = 1
#: About 200 bytes a file at ``MAX_FILES``: an entry larger than this is not one sdl-gate wrote.
MAX_CACHE_BYTES = 64 * 1024 * 1024
#: A file changed this recently before the scan started is scanned again next time (see the module's notes).
RACY_NANOSECONDS = 2_000_000_000


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
    from_cache: int = 0


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


def _text_hit(relative: str, match: re.Match[bytes], following: bytes, encoding: str) -> KeyHit:
    suffix = "" if encoding == "ascii" else f" ({encoding} text)"
    pem_label, ssh2_label, putty_version, putty_algorithm = match.groups()
    if putty_version is not None:
        stated = _PUTTY_ENCRYPTION.search(following)
        encrypted = None if stated is None else stated.group(1) != b"none"
        algorithm = putty_algorithm.decode("ascii")
        return KeyHit(relative, f"PUTTY PRIVATE KEY v{putty_version.decode('ascii')} {algorithm}{suffix}", encrypted)
    label = (pem_label or ssh2_label).decode("ascii")
    encrypted_or_unknown: bool | None = "ENCRYPTED" in label or b"Proc-Type: 4,ENCRYPTED" in following
    if label.startswith(("OPENSSH", "PGP", "SSH2")) and "ENCRYPTED" not in label:
        encrypted_or_unknown = None  # the cipher is inside the encoded body; the key is committed either way
    return KeyHit(relative, label + suffix, encrypted_or_unknown)


def _chunks(handle: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """Yield ``(offset, buffer, at_end)`` over the whole file, each buffer overlapping the last by ``_OVERLAP``."""
    carried = b""
    offset = 0
    while True:
        chunk = handle.read(CHUNK_BYTES)
        at_end = len(chunk) < CHUNK_BYTES
        buffer = carried + chunk
        yield offset, buffer, at_end
        if at_end:
            return
        carried = buffer[-_OVERLAP:]
        offset += len(buffer) - len(carried)


def _is_wide_text(head: bytes) -> bool:
    """Whether a file is UTF-16 or UTF-32 text: a byte-order mark, or NUL bytes between its first characters."""
    return head.startswith(_WIDE_BOMS) or _WIDE_TEXT_START.match(head.lstrip(b"\x00")[:32]) is not None


def _text_hits(relative: str, handle: BinaryIO) -> list[KeyHit]:
    """Key text anywhere in the file, in ASCII/UTF-8 or (for UTF-16 and UTF-32 text files) that encoding."""
    hits: list[KeyHit] = []
    wide: bool | None = None
    seen: set[tuple[str, int]] = set()  # (encoding, character index): overlapping buffers find a key twice

    def consider(encoding: str, start: int, match: re.Match[bytes], following: bytes) -> None:
        if (encoding, start) not in seen:
            seen.add((encoding, start))
            hits.append(_text_hit(relative, match, following, encoding))

    for offset, buffer, at_end in _chunks(handle):
        # Finding a literal is many times faster than running the pattern; most files hold neither.
        candidates = b"PRIVATE KEY" in buffer or b"PuTTY-User-Key-File-" in buffer
        for match in _KEY_TEXT.finditer(buffer) if candidates else ():
            # A match too close to the end is found again, whole, at the start of the next (overlapping) buffer.
            if at_end or match.end() + _LOOKAHEAD <= len(buffer):
                consider("ascii", offset + match.start(), match, buffer[match.end() : match.end() + _LOOKAHEAD])
        if wide is None:
            wide = _is_wide_text(buffer[:64])
        if not wide:
            continue
        for encoding, width, marker in _WIDE_MARKERS:
            position = buffer.find(marker)
            while position != -1:
                start = max(position - 8 * width, position % width)
                end = position + (120 + _LOOKAHEAD) * width
                if at_end or end <= len(buffer):
                    # Decoding from the marker's own alignment reads big-endian text correctly as well.
                    text = buffer[start:end].decode(f"{encoding.lower()}-le", errors="replace")
                    window = text.encode("ascii", errors="replace")
                    found = _KEY_TEXT.search(window)
                    if found is not None:
                        following = window[found.end() : found.end() + _LOOKAHEAD]
                        consider(encoding, (offset + position) // width, found, following)
                position = buffer.find(marker, position + width)
    return hits


def _der_length(data: bytes, offset: int) -> tuple[int, int | None] | None:
    """Return (header length, content length or None when indefinite) of the DER element at ``offset``."""
    if len(data) < offset + 2:
        return None
    first = data[offset + 1]
    if first < 0x80:
        return 2, first
    if first == 0x80:
        return 2, None  # BER indefinite length, as some PKCS#12 writers use
    count = first & 0x7F
    if count > 4 or len(data) < offset + 2 + count:
        return None
    return 2 + count, int.from_bytes(data[offset + 2 : offset + 2 + count], "big")


def _is_one_asn1_sequence(head: bytes, size: int) -> bool:
    """Whether the file is exactly one ASN.1 SEQUENCE (what every DER key and PKCS#12 store is)."""
    if not head or head[0] != _ASN1_SEQUENCE:
        return False
    parsed = _der_length(head, 0)
    if parsed is None:
        return False
    header, length = parsed
    return length is None or header + length == size


def _is_pkcs12(head: bytes) -> bool:
    """Whether ``head`` starts a PFX: version 3, then a ContentInfo of type data or signedData.

    Reading a PKCS#12 store needs its password, so the structure is what identifies it.
    """
    outer = _der_length(head, 0)
    if outer is None or head[outer[0] : outer[0] + 3] != _PKCS12_VERSION:
        return False
    content_info = outer[0] + 3
    if len(head) <= content_info or head[content_info] != _ASN1_SEQUENCE:
        return False
    inner = _der_length(head, content_info)
    if inner is None:
        return False
    oid_at = content_info + inner[0]
    return head[oid_at : oid_at + 11] in _PKCS7_DATA_OIDS


def _der_hit(relative: str, data: bytes) -> KeyHit | None:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    try:
        load_der_private_key(data, password=None)
    except TypeError:
        return KeyHit(relative, "DER PRIVATE KEY", True)  # it parsed far enough to ask for a password
    except Exception:  # anything unparseable is simply not a key
        return None
    return KeyHit(relative, "DER PRIVATE KEY", False)


def _binary_hit(relative: str, handle: BinaryIO, size: int) -> KeyHit | None:
    """A DER key or a PKCS#12 store: by name for ``.p12``/``.pfx``, else by structure."""
    if relative.lower().endswith(KEYSTORE_SUFFIXES):
        return KeyHit(relative, "PKCS#12 KEY STORE", None)
    handle.seek(0)
    head = handle.read(min(size, MAX_DER_BYTES))
    if not _is_one_asn1_sequence(head, size):
        return None
    if _is_pkcs12(head):
        return KeyHit(relative, "PKCS#12 KEY STORE", None)
    return _der_hit(relative, head) if size <= MAX_DER_BYTES else None


def default_cache_dir() -> Path:
    """Where scan results are kept: ``SDL_GATE_KEYSCAN_CACHE_DIR``, else ``keyscan`` in the sdl-gate cache."""
    return cache_dir("keyscan")


def scan_private_keys(root: Path, *, tracked: bool, cache: Path | None = None) -> ScanResult:
    """Scan the repository's tracked files (or every file outside caches when there is no git) for private keys.

    With ``cache`` (a directory outside the checkout), files whose stat identity is unchanged are not read again.
    """
    names = _tracked_files(root) if tracked else None
    method = "git ls-files"
    if names is None:
        names = _walked_files(root)
        method = "directory walk"
    return scan_files(root, names, method=method, cache=cache)


def scan_file(root: Path, relative: str) -> list[KeyHit]:
    """Return the private keys in one regular file (``relative`` to ``root``); OSError when it cannot be read."""
    return _scan_path(os.path.join(root, relative), relative)  # noqa: PTH118 - see _scan_path


def _scan_path(path: str, relative: str) -> list[KeyHit]:
    # String paths, not pathlib: building a Path per file cost more than reading the file on large trees.
    with open(path, "rb") as handle:  # noqa: PTH123 - a str path per file, see above
        hits = _text_hits(relative, handle)
        if not hits:
            binary = _binary_hit(relative, handle, os.fstat(handle.fileno()).st_size)
            if binary is not None:
                hits.append(binary)
    return hits


def _identity(info: os.stat_result) -> list[int]:
    """A file's stat identity as the cache keeps it: size, mtime_ns, ctime_ns, inode, device."""
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _cache_key(root: Path) -> str:
    return entry_key(f"keyscan-v{CACHE_FORMAT}", os.path.realpath(root))


def _cached_hits(relative: str, value: object, identity: list[int]) -> list[KeyHit] | None:
    """The keys cached for a file of this identity, or None when the entry is for another or not sdl-gate's."""
    # Entries are checked only when looked up: a warm run over a large tree must not re-validate them all first.
    if not isinstance(value, list) or len(value) != 2 or value[0] != identity or not isinstance(value[1], list):
        return None
    hits: list[KeyHit] = []
    for hit in value[1]:
        if not isinstance(hit, list) or len(hit) != 2 or not isinstance(hit[0], str):
            return None
        if hit[1] is not None and not isinstance(hit[1], bool):
            return None
        hits.append(KeyHit(relative, hit[0], hit[1]))
    return hits


def _load_cache(cache: Path, root: Path) -> dict[str, object]:
    body = read_entry(cache, _cache_key(root), MAX_CACHE_BYTES)
    files = body.get("files") if isinstance(body, dict) else None
    return files if isinstance(files, dict) else {}


def scan_files(root: Path, names: list[str], *, method: str = "given files", cache: Path | None = None) -> ScanResult:
    """Scan the files ``names`` (relative to ``root``) for private keys; symlinks and non-files are skipped.

    With ``cache``, a file whose stat identity matches its cached result is not read again.
    """
    complete = len(names) <= MAX_FILES
    hits: list[KeyHit] = []
    scanned = 0
    from_cache = 0
    base = os.fspath(root)
    started = time.time_ns()
    known = _load_cache(cache, root) if cache is not None else {}
    kept: dict[str, object] = {}
    for relative in names[:MAX_FILES]:
        path = os.path.join(base, relative)  # noqa: PTH118 - see _scan_path
        try:
            # One lstat answers both questions: a link is never followed, and only regular files are read.
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue  # listed but deleted in the work tree: there is nothing to read
            if not stat.S_ISREG(info.st_mode):
                continue
            identity = _identity(info)
            cached = _cached_hits(relative, known.get(relative), identity)
            if cached is not None:
                found = cached
                from_cache += 1
            else:
                # The identity is taken before the read: a change during the read moves ctime past it.
                found = _scan_path(path, relative)
            hits.extend(found)
            scanned += 1
            if cache is not None and max(info.st_mtime_ns, info.st_ctime_ns) < started - RACY_NANOSECONDS:
                kept[relative] = [identity, [[hit.key_type, hit.encrypted] for hit in found]]
        except OSError:
            complete = False
    if cache is not None and kept != known:
        write_entry(cache, _cache_key(root), {"files": kept})
    problem = None if complete else "some files could not be read or the repository is too large to scan fully"
    return ScanResult(
        method=method,
        files_scanned=scanned,
        complete=complete,
        hits=tuple(hits),
        problem=problem,
        from_cache=from_cache,
    )
