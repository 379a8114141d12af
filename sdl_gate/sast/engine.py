"""Runs bandit through ``bandit.core`` on a selection of files: sharded across processes, cached by content.

Each worker process builds one ``BanditManager`` with the project's configuration and scans the files it is
given one at a time, exactly as ``bandit`` would (same plugins, same ``# nosec`` handling), so the findings
equal the CLI's. The parent reads every file once to take its SHA-256, answers unchanged files from the
cache, and scans the rest with ``jobs - 1`` workers, itself being the last job (one process fewer to hold).
Workers are plain subprocesses (``python -I``) speaking JSON lines over pipes: no resource tracker, nothing
imported from the working directory, and each one killed at the deadline.
"""

from __future__ import annotations

import collections
import errno
import gc
import json
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from sdl_gate._cache import entry_path, write_entry
from sdl_gate._files import read_bytes_limited, sha256_bytes
from sdl_gate._tool import PipedProcess, kill_piped, start_piped, stop_piped
from sdl_gate.errors import InputError
from sdl_gate.sast._worker import BOOTSTRAP, COLLECT_AFTER_BYTES, READY, Scanner, not_analysed, parse_nosec
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
    return _scan_workers(settings, pending, jobs, timeout, tracker)


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


#: Seconds a worker is given to exit once its input is closed, before it is killed.
_EXIT_GRACE_SECONDS = 5.0
#: Files sent to a worker ahead of its answers, so it never waits on this process between two files.
_IN_FLIGHT = 2

#: One file to scan: its index in the run, absolute path, SHA-256 and size in bytes.
_Item = tuple[int, str, str, int]


def _pipes(process: PipedProcess) -> tuple[IO[bytes], IO[bytes]]:
    """A worker's input and output (it is always started with both)."""
    if process.stdin is None or process.stdout is None:  # pragma: no cover - started with both pipes
        raise RuntimeError("a scan worker started without its pipes")
    return process.stdin, process.stdout


class _Workers:
    """Worker processes (``python -I -c BOOTSTRAP``) and this process, fed file by file from one queue.

    Each worker has a thread here that sends it files and reads its answers (one JSON line per file, so this
    process holds only their text); another thread scans files here. Largest files go first. At the deadline
    every worker is killed, a hung scan here is abandoned, and what was not answered is not analysed. A worker
    that exits mid-file costs that file (not analysed, not cached) and is replaced; when none can start (an
    interpreter that cannot run this one's code), this process scans everything itself.
    """

    def __init__(self, settings: BanditSettings, pending: list[_Item], timeout: float, tracker: _Tracker) -> None:
        self._settings = settings
        self._timeout = timeout
        self._tracker = tracker
        # Smallest first: pop() takes the largest, so the small ones fill the end and no worker is left alone.
        self._queue = sorted(pending, key=lambda item: item[3])
        self._every = pending
        self._lock = threading.Lock()
        self._stopped = False
        self._processes: set[PipedProcess] = set()
        self.results: dict[int, tuple[str | None, bool]] = {}
        self.error: BaseException | None = None

    def run(self, workers: int) -> tuple[list[tuple[int, str | None, bool]], list[_Item]]:
        """Scan with ``workers`` processes and this process; return the results and any file left unscanned."""
        deadline = time.monotonic() + self._timeout
        threads = [
            threading.Thread(target=self._drive, name="sdl-gate-bandit-worker", daemon=True) for _ in range(workers)
        ]
        # This process scans too, as one of the jobs: it has bandit loaded already (its settings come from it).
        here = threading.Thread(target=self._here, name="sdl-gate-bandit", daemon=True)
        try:
            here.start()
            for thread in threads:
                thread.start()
            for thread in [*threads, here]:
                thread.join(max(0.0, deadline - time.monotonic()))
        finally:
            with self._lock:
                self._stopped = True
                running = list(self._processes)
            overran = any(thread.is_alive() for thread in [*threads, here])
            # Killed here, reaped by their threads (which the kill wakes); what a thread leaves is reaped below.
            for process in running:
                kill_piped(process)
            for thread in threads:
                thread.join(_EXIT_GRACE_SECONDS)
            with self._lock:
                left, self._processes = list(self._processes), set()
            for process in left:
                stop_piped(process, kill=True, grace=_EXIT_GRACE_SECONDS)
        out = [(index, payload, cacheable) for index, (payload, cacheable) in self.results.items()]
        if not overran:
            if self.error is not None:
                raise self.error
            return out, self._queue
        # A hung scan in this process cannot be stopped: its thread is abandoned (a daemon), and with it the scanner
        # it holds, so that a later run in this process builds its own.
        _IN_PROCESS.clear()
        late = FileScan(status=ScanStatus.NOT_ANALYSED, reason=f"bandit did not finish within {self._timeout:g} s")
        done = set(self.results)
        late_json = late.model_dump_json()
        out += [(index, late_json, False) for index, *_ in self._every if index not in done]
        return out, []

    def _here(self) -> None:
        """This process's share: files from the same queue, scanned in this thread."""
        try:
            scanner: Scanner | None = None
            while (item := self._take()) is not None:
                scanner = scanner or _here_scanner(self._settings)
                self._record(*_scan_one(scanner, item[0], item[1], item[2]))
        except BaseException as exc:  # handed to the caller of run() once the workers have stopped
            self.error = exc

    def _take(self) -> _Item | None:
        with self._lock:
            return None if self._stopped or not self._queue else self._queue.pop()

    def _give_back(self, items: Iterable[_Item]) -> None:
        with self._lock:
            self._queue.extend(items)
            self._queue.sort(key=lambda item: item[3])

    def _record(self, index: int, payload: str | None, cacheable: bool) -> None:
        with self._lock:
            if self._stopped:
                return
            self.results[index] = (payload, cacheable)
        self._tracker.advance(1)

    def _start(self) -> PipedProcess | None:
        """Start a worker and wait until its scanner is built; None when it cannot start."""
        settings = self._settings
        header = {
            "path": [os.fspath(entry) for entry in sys.path],
            "config_file": settings.config_file,
            "tests": list(settings.tests),
            "skips": list(settings.skips),
        }
        try:
            process = start_piped([sys.executable, "-I", "-c", BOOTSTRAP])
        except (OSError, ValueError):
            return None
        with self._lock:
            if self._stopped:
                stop_piped(process, kill=True, grace=_EXIT_GRACE_SECONDS)
                return None
            self._processes.add(process)
        requests, answers = _pipes(process)
        try:
            requests.write(json.dumps(header).encode("utf-8") + b"\n")
            requests.flush()
            ready = answers.readline()
        except (OSError, ValueError):
            ready = b""
        if ready != READY:
            self._retire(process, kill=True)
            return None
        return process

    def _retire(self, process: PipedProcess, *, kill: bool) -> int | None:
        with self._lock:
            if process not in self._processes:
                return None  # stopped at the deadline by the caller of run()
            self._processes.discard(process)
        stop_piped(process, kill=kill, grace=_EXIT_GRACE_SECONDS)
        return process.returncode

    def _drive(self) -> None:
        """One worker's thread: keep a worker busy until the queue is empty, replacing it if it exits."""
        process: PipedProcess | None = None
        in_flight: collections.deque[_Item] = collections.deque()
        try:
            while True:
                if process is None:
                    with self._lock:
                        if self._stopped or not self._queue:
                            return
                    process = self._start()
                    if process is None:
                        return  # its files stay queued for another worker, or for this process
                requests, answers = _pipes(process)
                try:
                    while len(in_flight) < _IN_FLIGHT:
                        item = self._take()
                        if item is None:
                            break
                        in_flight.append(item)
                        requests.write(json.dumps(item[:3]).encode("ascii") + b"\n")
                    requests.flush()
                    if not in_flight:
                        return
                    line = answers.readline()
                except (OSError, ValueError):
                    line = b""
                answer = _parse_answer(line, in_flight[0][0])
                if answer is None:
                    # The worker died (or spoke out of turn) on the file it was given first.
                    code = self._retire(process, kill=True)
                    process = None
                    index = in_flight.popleft()[0]
                    reason = f"bandit's worker process exited while scanning it (exit code {code})"
                    self._record(index, not_analysed(reason), False)
                    self._give_back(in_flight)
                    in_flight.clear()
                    continue
                in_flight.popleft()
                self._record(*answer)
        finally:
            if process is not None:
                self._retire(process, kill=bool(in_flight))


def _parse_answer(line: bytes, expected: int) -> tuple[int, str | None, bool] | None:
    """Read a worker's answer for file ``expected`` (see :func:`result_line`); None when it is not one."""
    parts = line.rstrip(b"\n").split(b"\t", 2)
    if len(parts) != 3 or not line.endswith(b"\n") or parts[0] != str(expected).encode("ascii"):
        return None
    flag, payload = parts[1], parts[2]
    if flag == b"-":
        return expected, None, False
    if flag not in (b"0", b"1"):
        return None
    return expected, payload.decode("ascii"), flag == b"1"


def _scan_workers(
    settings: BanditSettings, pending: list[_Item], jobs: int, timeout: float, tracker: _Tracker
) -> list[tuple[int, str | None, bool]]:
    deadline = time.monotonic() + timeout
    workers = _Workers(settings, pending, timeout, tracker)
    # This process is one of the jobs: a 2-CPU run starts one worker process, not two.
    out, left = workers.run(max(1, min(jobs, len(pending)) - 1))
    if left:  # pragma: no cover - this process's own share takes whatever the workers leave
        out += _scan_here_within(settings, left, max(0.0, deadline - time.monotonic()), tracker)
    return out
