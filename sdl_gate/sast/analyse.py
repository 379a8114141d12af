"""One static-analysis run of a project: configuration, selection, cached scan, report."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdl_gate._git import git_commit
from sdl_gate._tool import effective_timeout
from sdl_gate.approvals.register import TrustedRegister
from sdl_gate.config import Project
from sdl_gate.sast.engine import Cache, ProgressSink, ScanRun, default_cache_dir, default_jobs, run_scan
from sdl_gate.sast.findings import bandit_json, build_report, find_automation, load_baseline
from sdl_gate.sast.imports import IMPORTS_DIR, configured_results, imported_results
from sdl_gate.sast.languages import CPPCHECK_LANGUAGES, language_files, language_map
from sdl_gate.sast.models import SastReport
from sdl_gate.sast.sarif_import import AnalyserResults
from sdl_gate.sast.settings import load_settings, select
from sdl_gate.sast.shards import SastShard, ShardSpec, merge_shards, scan_shard


@dataclass(frozen=True)
class SastResult:
    """A run, its normalised report and the bandit-format JSON report."""

    run: ScanRun
    report: SastReport
    bandit: dict[str, Any]


def analyse(
    project: Project,
    explicit: list[Path] | None = None,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    baseline: Path | None = None,
    read_baseline: bool = True,
    approvers: TrustedRegister | None = None,
    progress: ProgressSink | None = None,
    shards: Path | None = None,
    commit: str | None = None,
) -> SastResult:
    """Scan the project's Python files (or ``explicit`` ones) with its bandit configuration.

    ``read_baseline=False`` leaves the baseline unread, for rewriting it (an old-format one included).
    ``approvers`` is the trusted approver register the baseline entries' signatures are verified against;
    without it no entry accepts anything.
    ``shards`` is a directory of partial runs (``collect --kind sast --shard K/N``) of the commit ``commit``:
    their results are merged instead of scanning, or :class:`~sdl_gate.sast.shards.ShardError` says why not.
    """
    root = project.root
    settings = load_settings(root)
    selection = select(root, settings, explicit)
    run: ScanRun
    if shards is not None:
        run = merge_shards(
            shards, settings, selection, commit=commit, max_file_bytes=project.config.sast_max_file_bytes
        )
    else:
        run = run_scan(
            settings,
            selection,
            cache=Cache(default_cache_dir(), reuse=use_cache),
            jobs=jobs or project.config.sast_jobs or None,
            max_file_bytes=project.config.sast_max_file_bytes,
            timeout=effective_timeout(project.config.sast_timeout_seconds),
            progress=progress,
        )
    # Imported once the scan is over: the gate's signature checks (cryptography) and cppcheck's runner are not
    # held while the scan workers live.
    from sdl_gate.approvals.exceptions import verify_baseline

    analysers = _other_analysers(project, run, jobs=jobs, use_cache=use_cache, whole_project=explicit is None)
    baseline_path = baseline or project.sast_baseline
    # A baseline named on the command line is the operator's file; the configured one is the project's.
    loaded = load_baseline(baseline_path, root=root if baseline is None else None) if read_baseline else None
    shown = os.path.relpath(baseline_path, root) if loaded else None
    approvals = (
        verify_baseline(loaded[0].findings, baseline_path, approvers, root=root if baseline is None else None)
        if loaded
        else {}
    )
    report = build_report(
        run,
        baseline=loaded,
        baseline_approvals=approvals,
        baseline_path=Path(shown).as_posix() if shown else None,
        automation=find_automation(root),
        languages=language_map(project.config.languages),
        source_exclude=tuple(project.config.source_exclude),
        analysers=analysers,
    )
    return SastResult(run=run, report=report, bandit=bandit_json(run))


def _other_analysers(
    project: Project, run: ScanRun, *, jobs: int | None, use_cache: bool, whole_project: bool
) -> tuple[AnalyserResults, ...]:
    """cppcheck over the C/C++ files in scope; for the whole project also the configured and imported SARIF."""
    root = project.root
    found: list[AnalyserResults] = []
    by_language, _ = language_files(
        run.selection.files, language_map(project.config.languages), project.config.source_exclude
    )
    c_files = sorted({path for language in CPPCHECK_LANGUAGES for path in by_language.get(language, ())})
    if c_files:
        from sdl_gate.sast.cppcheck import run_cppcheck

        found.append(
            run_cppcheck(
                root,
                c_files,
                cache=Cache(default_cache_dir() / "cppcheck", reuse=use_cache),
                jobs=jobs or project.config.sast_jobs or default_jobs(),
                max_file_bytes=project.config.sast_max_file_bytes,
                timeout=effective_timeout(project.config.sast_timeout_seconds),
            )
        )
    if whole_project:
        found += configured_results(root, project.config.sarif)
        # Asking git for the commit costs a process: only when something was ever imported.
        if (root / IMPORTS_DIR).is_dir():
            found += imported_results(root, git_commit(root))
    return tuple(found)


def analyse_shard(
    project: Project,
    spec: ShardSpec,
    *,
    commit: str | None,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: ProgressSink | None = None,
) -> SastShard:
    """Scan the project's files that belong to shard ``spec`` (of the same selection a whole run would make)."""
    root = project.root
    settings = load_settings(root)
    return scan_shard(
        settings,
        select(root, settings),
        spec,
        commit=commit,
        cache=Cache(default_cache_dir(), reuse=use_cache),
        jobs=jobs or project.config.sast_jobs or None,
        max_file_bytes=project.config.sast_max_file_bytes,
        timeout=effective_timeout(project.config.sast_timeout_seconds),
        progress=progress,
    )


@dataclass(frozen=True)
class WrittenShard:
    """A shard scanned and written for a final job to merge: what it holds and where it went."""

    shard: SastShard
    path: Path

    @property
    def summary(self) -> str:
        """How many files the shard holds, and how many were scanned or came from the cache."""
        part = self.shard
        return f"{len(part.files)} file(s), {part.scanned} scanned, {part.cache_hits} from the cache"


def collect_shard(
    path: Path, spec: ShardSpec, output: Path | None = None, *, progress: ProgressSink | None = None
) -> WrittenShard:
    """Scan shard ``spec`` of the project at ``path`` and write it (default: .sdl-gate/shards/ of the project).

    A scanner that cannot run is a ToolError; a target that cannot be written is an InputError naming it.
    """
    from sdl_gate._tool import ToolUnavailable
    from sdl_gate.config import load_project
    from sdl_gate.errors import InputError, ToolError
    from sdl_gate.sast.shards import write_shard

    if not path.is_dir():
        raise InputError("project directory not found", path=path)
    project = load_project(path)
    try:
        part = analyse_shard(project, spec, commit=git_commit(path), progress=progress)
    except ToolUnavailable as exc:
        raise ToolError(exc.reason) from None
    target = output or path / ".sdl-gate" / "shards" / spec.file_name
    if target.is_dir():
        raise InputError("is a directory; --output needs a file path", path=target)
    try:
        write_shard(part, target)
    except OSError as exc:
        raise InputError(f"cannot write the shard: {exc.strerror}", path=target) from None
    return WrittenShard(part, target)
