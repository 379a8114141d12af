"""Runs bandit through ``bandit.core`` on a selection of files: sharded across processes, cached by content.

Each worker process builds one ``BanditManager`` with the project's configuration and scans the files it is
given one at a time, exactly as ``bandit`` would (same plugins, same ``# nosec`` handling), so the findings
equal the CLI's. The parent reads every file once to take its SHA-256, answers unchanged files from the
cache, and scans the rest with ``jobs - 1`` workers, itself being the last job (one process fewer to hold).
"""

from __future__ import annotations

import errno
import gc
import multiprocessing
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sdl_gate._cache import entry_path, write_entry
from sdl_gate._files import read_bytes_limited, sha256_bytes
from sdl_gate.errors import InputError
from sdl_gate.sast._worker import COLLECT_AFTER_BYTES, Scanner, init_worker, parse_nosec, scan_batch
from sdl_gate.sast.models import FileScan, ScanStatus
from sdl_gate.sast.settings import BanditSettings, Selection, Target

__all__ = [
    "Cache",
    "FileResult",
    "ScanProgress",
    "ScanRun",
    "default_cache_dir",
    "default_jobs",
    "parse_nosec",
    "run_scan",
]

#: A Python file larger than this is not analysed (generated code belongs in the configured excludes).
DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024
#: Below this much source to scan, starting worker processes (about half a second) costs more than it saves.
IN_PROCESS_BYTES = 256 * 1024
#: One file's findings; an entry larger than this is not one sdl-gate wrote.
MAX_CACHE_ENTRY_BYTES = 4 * 1024 * 1024
#: The worker processes of one run are stopped after this long; what they had not finished is not analysed.
DEFAULT_TIMEOUT_SECONDS = 1800.0
#: 4: an entry is a header line (key, digest of the body's bytes) and the body, so a hit is checked without
#: serialising the body again.
CACHE_FORMAT = 4


def default_cache_dir() -> Path:
    """Where scan results are cached: ``SDL_GATE_SAST_CACHE_DIR``, else ``sast`` in the sdl-gate cache directory.

    The sdl-gate cache directory is ``SDL_GATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/sdl-gate`` or
    ``~/.cache/sdl-gate``. Never inside the checkout: a pull request could commit entries there that pass for
    results of its own files, and the gate would see less than the code holds.
    """
    explicit = os.environ.get("SDL_GATE_SAST_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    shared = os.environ.get("SDL_GATE_CACHE_DIR", "").strip()
    if shared:
        return Path(shared) / "sast"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".cache") / "sdl-gate" / "sast"


@dataclass(frozen=True)
class ScanProgress:
    """How far a run has got: files done of the total (cache hits among them) and seconds since it started."""

    done: int
    total: int
    cache_hits: int
    elapsed: float


ProgressSink = Callable[[ScanProgress], None]


class _Tracker:
    """Counts finished files and hands the count to a sink; thread-safe (the in-process scan runs in a thread)."""

    def __init__(self, sink: ProgressSink | None, total: int) -> None:
        self._sink = sink
        self._total = total
        self._done = 0
        self._hits = 0
        self._start = time.monotonic()
        self._lock = threading.Lock()

    def advance(self, files: int, *, hits: int = 0) -> None:
        if self._sink is None:
            return
        with self._lock:
            self._done += files
            self._hits += hits
            snapshot = ScanProgress(self._done, self._total, self._hits, time.monotonic() - self._start)
        self._sink(snapshot)


@dataclass(frozen=True)
class FileResult:
    """One target's outcome: its content digest (when it could be read) and what the scan gave."""

    target: Target
    sha256: str | None
    scan: FileScan
    cached: bool


@dataclass(frozen=True)
class ScanRun:
    """A whole run: the selection, one result per target, and how much work the cache saved."""

    settings: BanditSettings
    selection: Selection
    results: tuple[FileResult, ...]
    cache_hits: int
    scanned: int
    cache_corrupt: int


class Cache:
    """Content-addressed scan results in a directory outside the checkout; a damaged entry is a miss.

    ``reuse=False`` (``sast --no-cache``) reads nothing but still stores every result, so the next run is warm.
    """

    def __init__(self, directory: Path, *, reuse: bool = True) -> None:
        self.directory = directory
        self.reuse = reuse
        self.corrupt = 0

    def key(self, sha256: str, settings: BanditSettings, relative: str) -> str:
        """Return the cache key of a file's content under a configuration (and path, if results depend on it)."""
        parts = [f"v{CACHE_FORMAT}", sha256, settings.version, settings.digest]
        if settings.path_sensitive:
            parts.append(relative)
        return sha256_bytes("\0".join(parts).encode("utf-8"))

    @staticmethod
    def content_key(*parts: str) -> str:
        """Return a cache key from everything a result depends on (file digest, tool version, settings...)."""
        return sha256_bytes("\0".join(parts).encode("utf-8"))

    def _path(self, key: str) -> Path:
        return entry_path(self.directory, key)

    def get(self, key: str) -> FileScan | None:
        """Return the cached result, or None when absent, damaged (damage is counted) or not to be reused."""
        body = self._body(key)
        if body is None:
            return None
        try:
            return FileScan.model_validate_json(body)
        except ValidationError:
            self.corrupt += 1
            return None

    def get_json(self, key: str) -> Any:
        """Return the cached JSON body stored under ``key``, or None when absent, damaged (damage is counted) or
        not to be reused (``--no-cache`` skips reading, never writing)."""
        body = self._body(key)
        if body is None:
            return None
        try:
            import json

            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            self.corrupt += 1
            return None

    def _body(self, key: str) -> bytes | None:
        """The bytes of the body stored under ``key`` once its header names ``key`` and its digest matches."""
        if not self.reuse:
            return None
        path = self._path(key)
        if not os.path.lexists(path):
            return None
        try:
            # A restored cache (a CI archive) is input too: an entry may be a link to a FIFO or out of the cache.
            raw = read_bytes_limited(path, MAX_CACHE_ENTRY_BYTES, root=self.directory)
        except InputError:
            self.corrupt += 1
            return None
        head, _, body = raw.partition(b"\n")
        try:
            import json

            header = json.loads(head)
            if header.get("key") != key or header.get("sha256") != sha256_bytes(body):
                raise ValueError("digest mismatch")
        except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
            self.corrupt += 1
            return None
        return body

    def put(self, key: str, scan: FileScan) -> None:
        """Store a result atomically; a cache that cannot be written only costs speed."""
        self.put_json(key, scan.model_dump(mode="json"))

    def put_json(self, key: str, body: Any) -> None:
        """Store a JSON body atomically under ``key``; a cache that cannot be written only costs speed."""
        # The header line holds the digest of the body's exact bytes, so that reading needs no re-serialising.
        write_entry(self.directory, key, body)


def _read(target: Target, max_bytes: int) -> bytes | FileScan:
    """Read a target's bytes, or say why it cannot be analysed."""
    path = target.path

    def skipped(reason: str) -> FileScan:
        return FileScan(status=ScanStatus.NOT_ANALYSED, reason=reason)

    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return skipped("symlink loop")
        if exc.errno == errno.ENOENT:
            return skipped("missing (deleted, or a dangling symlink)")
        return skipped(f"cannot read: {exc.strerror}")
    if not stat.S_ISREG(info.st_mode):
        return skipped("not a regular file")
    if info.st_size > max_bytes:
        return skipped(
            f"{info.st_size} bytes, larger than the {max_bytes}-byte limit; exclude generated files in the "
            "bandit configuration"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return skipped(f"cannot read: {exc.strerror}")
    if len(data) > max_bytes:
        return skipped(f"grew past the {max_bytes}-byte limit while being read")
    return data


def _batches(items: list[tuple[int, str, str, int]], jobs: int) -> list[list[tuple[int, str, str]]]:
    # Largest files first, dealt into many small batches, so no worker is left with the tail.
    ordered = sorted(items, key=lambda item: -item[3])
    count = max(1, min(len(ordered), jobs * 8))
    batches: list[list[tuple[int, str, str]]] = [[] for _ in range(count)]
    for position, (index, path, digest, _size) in enumerate(ordered):
        batches[position % count].append((index, path, digest))
    return [batch for batch in batches if batch]


_IN_PROCESS: dict[str, Scanner] = {}


def default_jobs() -> int:
    """The number of scanning jobs (this process and its workers): the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def run_scan(
    settings: BanditSettings,
    selection: Selection,
    *,
    cache: Cache | None,
    jobs: int | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    progress: ProgressSink | None = None,
) -> ScanRun:
    """Scan every selected file (from the cache where possible); never raises for a bad file.

    ``progress`` is called from the scanning threads as files finish; it must be quick and never raise.
    """
    targets = list(selection.targets)
    tracker = _Tracker(progress, len(targets))
    results: dict[int, FileResult] = {}
    pending: list[tuple[int, str, str, int]] = []
    keys: dict[int, str] = {}
    hits = 0
    for index, target in enumerate(targets):
        data = _read(target, max_file_bytes)
        if isinstance(data, FileScan):
            results[index] = FileResult(target, None, data, cached=False)
            continue
        digest = sha256_bytes(data)
        if b"\0" in data:
            # bandit would fail on it anyway; say plainly what it is.
            scan = FileScan(status=ScanStatus.NOT_ANALYSED, reason="binary content, not Python source")
            results[index] = FileResult(target, digest, scan, cached=False)
            continue
        if cache is not None:
            key = cache.key(digest, settings, target.relative)
            keys[index] = key
            hit = cache.get(key)
            if hit is not None:
                hits += 1
                results[index] = FileResult(target, digest, hit, cached=True)
                continue
        pending.append((index, str(target.path.absolute()), digest, len(data)))
    tracker.advance(len(targets) - len(pending), hits=hits)

    digests = {item[0]: item[2] for item in pending}
    for index, payload, cacheable in _scan(settings, pending, jobs or default_jobs(), timeout, tracker):
        target = targets[index]
        if payload is None:
            scan = FileScan(status=ScanStatus.NOT_ANALYSED, reason="changed while being scanned")
            results[index] = FileResult(target, digests[index], scan, cached=False)
            continue
        scan = FileScan.model_validate_json(payload)
        if cache is not None and cacheable and index in keys:
            cache.put(keys[index], scan)
        results[index] = FileResult(target, digests[index], scan, cached=False)
    return ScanRun(
        settings=settings,
        selection=selection,
        results=tuple(results[i] for i in range(len(targets))),
        cache_hits=hits,
        scanned=len(pending),
        cache_corrupt=cache.corrupt if cache is not None else 0,
    )


def _scan(
    settings: BanditSettings, pending: list[tuple[int, str, str, int]], jobs: int, timeout: float, tracker: _Tracker
) -> Iterable[tuple[int, str | None, bool]]:
    if not pending:
        return []
    if jobs <= 1 or len(pending) <= 1 or sum(item[3] for item in pending) <= IN_PROCESS_BYTES:
        return _scan_here_within(settings, pending, timeout, tracker)
    try:
        return _scan_pool(settings, pending, jobs, timeout, tracker)
    except BrokenProcessPool:
        # Workers could not start (for example a __main__ that cannot be re-imported): scan here instead.
        return _scan_here_within(settings, pending, timeout, tracker)


def _scan_here_within(
    settings: BanditSettings, pending: list[tuple[int, str, str, int]], timeout: float, tracker: _Tracker
) -> list[tuple[int, str | None, bool]]:
    """Scan in this process, but give up after ``timeout``: a bandit that hangs must not hang the gate.

    The scan runs in a daemon thread; when it overruns, its files are reported as not analysed and the
    thread is abandoned (it cannot be stopped, and a daemon thread does not keep the process alive).
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["out"] = _scan_here(settings, pending, tracker)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=work, name="sdl-gate-bandit", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        late = FileScan(status=ScanStatus.NOT_ANALYSED, reason=f"bandit did not finish within {timeout:g} s")
        return [(index, late.model_dump_json(), False) for index, _path, _digest, _size in pending]
    if "error" in box:
        raise box["error"]
    out: list[tuple[int, str | None, bool]] = box["out"]
    return out


def _here_scanner(settings: BanditSettings) -> Scanner:
    """This process's scanner for ``settings``: built once, reused while the configuration stays the same."""
    # Keyed by the configuration digest: the same file name may hold a different configuration later. Only one
    # is kept: bandit stores plugin settings on its (process-global) plugin functions, so the last scanner built
    # decides them for every scanner alive, and an older one would run with another project's settings.
    scanner = _IN_PROCESS.get(settings.digest)
    if scanner is None:
        _IN_PROCESS.clear()
        scanner = _IN_PROCESS[settings.digest] = Scanner(settings.config_file, settings.tests, settings.skips)
    return scanner


def _scan_here(
    settings: BanditSettings, pending: list[tuple[int, str, str, int]], tracker: _Tracker
) -> list[tuple[int, str | None, bool]]:
    scanner = _here_scanner(settings)
    out: list[tuple[int, str | None, bool]] = []
    for index, path, digest, _size in pending:
        out.append(_scan_one(scanner, index, path, digest))
        tracker.advance(1)
    return out


def _scan_one(scanner: Scanner, index: int, path: str, digest: str) -> tuple[int, str | None, bool]:
    scanned = scanner.scan(path, digest)
    if scanner.last_bytes >= COLLECT_AFTER_BYTES:
        # As in a worker: bandit's parent-linked trees of large files are freed only by a full collection.
        gc.collect()
    return (index, None, False) if scanned is None else (index, *scanned)


class _HereShare:
    """The parent's share of a pooled scan: batches it takes back from the pool's queue and scans itself.

    The parent is one of the ``jobs``: a 2-CPU run starts one worker process, not two, and the parent (which
    has bandit loaded already) scans in a thread meanwhile. It takes batches from the back of the queue while
    the pool works from the front, and only batches it can still cancel, so no batch is scanned twice.
    """

    def __init__(
        self,
        settings: BanditSettings,
        futures: list[Future[list[tuple[int, str | None, bool]]]],
        batches: list[list[tuple[int, str, str]]],
        tracker: _Tracker,
    ) -> None:
        self._settings = settings
        self._futures = futures
        self._batches = batches
        self._tracker = tracker
        self._lock = threading.Lock()
        self._stop = threading.Event()
        #: Batch number -> its results, for the batches this thread finished before it was stopped.
        self.finished: dict[int, list[tuple[int, str | None, bool]]] = {}
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="sdl-gate-bandit", daemon=True)

    def _work(self) -> None:
        try:
            scanner: Scanner | None = None
            for number in reversed(range(len(self._futures))):
                if self._stop.is_set() or not self._futures[number].cancel():
                    return  # the pool has started this batch, and with it every batch before it
                scanner = scanner or _here_scanner(self._settings)
                out: list[tuple[int, str | None, bool]] = []
                for index, path, digest in self._batches[number]:
                    if self._stop.is_set():
                        return
                    out.append(_scan_one(scanner, index, path, digest))
                with self._lock:
                    if self._stop.is_set():
                        return
                    self.finished[number] = out
                self._tracker.advance(len(out))
        except BaseException as exc:  # handed to the caller after the pool has stopped
            self.error = exc

    def stop(self) -> dict[int, list[tuple[int, str | None, bool]]]:
        """Stop taking batches; return what was finished (a batch still being scanned is not among it)."""
        with self._lock:
            self._stop.set()
            return dict(self.finished)


def _overrun(
    futures: list[Future[list[tuple[int, str | None, bool]]]],
    batches: list[list[tuple[int, str, str]]],
    done: set[int],
    here: _HereShare,
    timeout: float,
) -> list[tuple[int, str | None, bool]]:
    """The results of a run that overran: what finished in time, and every other file as not analysed."""
    late = FileScan(status=ScanStatus.NOT_ANALYSED, reason=f"bandit did not finish within {timeout:g} s")
    # A hung scan in this process cannot be stopped: its thread is abandoned (a daemon), and with it the scanner
    # it holds, so that a later run in this process builds its own.
    finished_here = here.stop()
    _IN_PROCESS.clear()
    out: list[tuple[int, str | None, bool]] = []
    for number, (future, batch) in enumerate(zip(futures, batches, strict=True)):
        if number in done:
            continue
        if number in finished_here:
            out.extend(finished_here[number])
        elif not future.cancelled() and future.done() and future.exception() is None:
            out.extend(future.result())
        else:
            out.extend((index, late.model_dump_json(), False) for index, _path, _digest in batch)
    return out


def _scan_pool(
    settings: BanditSettings, pending: list[tuple[int, str, str, int]], jobs: int, timeout: float, tracker: _Tracker
) -> list[tuple[int, str | None, bool]]:
    init = (settings.config_file, settings.tests, settings.skips)
    deadline = time.monotonic() + timeout
    batches = _batches(pending, jobs)
    # The parent scans too (see _HereShare), so one process fewer is started.
    workers = max(1, min(jobs, len(batches)) - 1)
    collected: list[tuple[int, str | None, bool]] = []
    before = {child.pid for child in multiprocessing.active_children()}
    # spawn, not fork: collectors run in threads, and forking a threaded process can deadlock the child.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init_worker, initargs=init)
    here: _HereShare | None = None
    try:
        futures = [pool.submit(scan_batch, batch) for batch in batches]
        here = _HereShare(settings, futures, batches, tracker)
        here.thread.start()
        done: set[int] = set()
        number_of = {future: number for number, future in enumerate(futures)}
        try:
            for future in as_completed(futures, timeout=max(0.0, deadline - time.monotonic())):
                if future.cancelled():
                    continue  # the parent scans this batch
                collected.extend(future.result())
                done.add(number_of[future])
                tracker.advance(len(batches[number_of[future]]))
            here.thread.join(max(0.0, deadline - time.monotonic()))
            if here.thread.is_alive():
                raise FuturesTimeout
        except FuturesTimeout:
            collected += _overrun(futures, batches, done, here, timeout)
            # Stop the hung workers this pool started (and only those), or shutting down would wait for them.
            for child in multiprocessing.active_children():
                if child.pid not in before:
                    child.terminate()
            return collected
        if here.error is not None:
            raise here.error
        for number in sorted(here.finished):
            collected.extend(here.finished[number])
    except BrokenProcessPool:
        # The caller scans everything in this process instead: this thread must not be using the scanner then.
        if here is not None:
            here.stop()
            here.thread.join(max(0.0, deadline - time.monotonic()))
            if here.thread.is_alive():
                _IN_PROCESS.clear()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return collected
