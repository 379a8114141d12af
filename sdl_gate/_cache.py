"""Small JSON entries in the operator's cache directory, each checked against its key and digest when read.

The cache lives outside the checkout (``SDL_GATE_<NAME>_CACHE_DIR``, else ``<name>`` in ``SDL_GATE_CACHE_DIR``,
``$XDG_CACHE_HOME/sdl-gate`` or ``~/.cache/sdl-gate``): a pull request cannot write it. An entry is a header
line naming its key and the SHA-256 of its body, then the body; one that is missing, damaged, misfiled, too
large or not a regular file inside the cache is a miss, and a cache that cannot be written only costs speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from sdl_gate._files import canonical_json, read_bytes_limited, sha256_bytes
from sdl_gate.errors import InputError


def cache_dir(name: str) -> Path:
    """The cache directory of one kind of entry: the operator's, never one inside a checkout."""
    explicit = os.environ.get(f"SDL_GATE_{name.upper()}_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    shared = os.environ.get("SDL_GATE_CACHE_DIR", "").strip()
    if shared:
        return Path(shared) / name
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "sdl-gate" / name


def entry_key(*parts: str) -> str:
    """A cache key from everything an entry depends on."""
    return sha256_bytes("\0".join(parts).encode("utf-8"))


def entry_path(directory: Path, key: str) -> Path:
    """Where the entry of ``key`` lives in ``directory`` (a two-character fan-out, like git's objects)."""
    return directory / key[:2] / f"{key}.json"


def read_entry(directory: Path, key: str, max_bytes: int) -> Any:
    """The JSON body stored under ``key``, or None when there is none that sdl-gate wrote for that key."""
    path = entry_path(directory, key)
    if not os.path.lexists(path):
        return None
    try:
        # A restored cache (a CI archive) is input too: an entry may be a link to a FIFO or out of the cache.
        raw = read_bytes_limited(path, max_bytes, root=directory)
    except InputError:
        return None
    head, _, body = raw.partition(b"\n")
    try:
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("key") != key or header.get("sha256") != sha256_bytes(body):
            return None
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def write_entry(directory: Path, key: str, body: Any) -> None:
    """Store ``body`` under ``key`` atomically (temporary file, then rename); failures are ignored."""
    text = canonical_json(body).encode("utf-8")
    header = canonical_json({"key": key, "sha256": sha256_bytes(text)}).encode("utf-8")
    path = entry_path(directory, key)
    with contextlib.suppress(OSError):
        # Atomic (temporary file, then rename) but without fsync: an entry lost in a crash is only a miss, and a
        # damaged one is detected by its digest; thousands of fsyncs would cost seconds.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{key[:8]}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(header + b"\n" + text)
            Path(name).replace(path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
