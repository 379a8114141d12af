"""The content-addressed scan cache: hits, invalidation by content, configuration and bandit version, damage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sdl_gate.config import load_project
from sdl_gate.sast.analyse import analyse
from sdl_gate.sast.engine import Cache, ScanProgress, ScanRun, default_cache_dir, run_scan
from sdl_gate.sast.findings import bandit_json
from sdl_gate.sast.models import FileScan, ScanStatus
from sdl_gate.sast.settings import BanditSettings, load_settings, select
from tests.conftest import ProjectFactory, RunCli, sha256_of, write


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _project(project: ProjectFactory) -> Path:
    root = project.root
    write(root / "a.py", "import subprocess\n\nsubprocess.call(CMD, shell=True)\n")
    write(root / "b.py", "import pickle\n\npickle.loads(DATA)\n")
    write(root / "c.py", "def add(x, y):\n    return x + y\n")
    return root


def _scan(root: Path, settings: BanditSettings | None = None) -> ScanRun:
    settings = settings or load_settings(root)
    return run_scan(settings, select(root, settings), cache=Cache(root.parent / "sast-cache"), jobs=1)


def test_unchanged_files_come_from_the_cache_and_changed_ones_are_rescanned(project: ProjectFactory) -> None:
    root = _project(project)
    cold = _scan(root)
    assert (cold.scanned, cold.cache_hits) == (3, 0)
    warm = _scan(root)
    assert (warm.scanned, warm.cache_hits) == (0, 3)
    assert bandit_json(warm) == bandit_json(cold)

    write(root / "c.py", "def add(x, y):\n    assert x\n    return x + y\n")
    changed = _scan(root)
    assert (changed.scanned, changed.cache_hits) == (1, 2)
    assert "B101" in {i.test_id for r in changed.results for i in r.scan.issues}


def test_configuration_and_bandit_version_changes_invalidate(project: ProjectFactory) -> None:
    root = _project(project)
    _scan(root)
    with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.bandit]\nskips = ["B403"]\n')
    reconfigured = _scan(root)
    assert (reconfigured.scanned, reconfigured.cache_hits) == (3, 0)
    assert "B403" not in {i.test_id for r in reconfigured.results for i in r.scan.issues}

    settings = load_settings(root)
    upgraded = _scan(root, dataclasses.replace(settings, version=settings.version + ".post1"))
    assert (upgraded.scanned, upgraded.cache_hits) == (3, 0)
    again = _scan(root, settings)
    assert (again.scanned, again.cache_hits) == (0, 3)


def test_damaged_entries_are_detected_and_rescanned(project: ProjectFactory) -> None:
    root = _project(project)
    cold = _scan(root)
    entries = sorted((root.parent / "sast-cache").rglob("*.json"))
    assert len(entries) == 3
    with_issue = next(e for e in entries if '"line":3' in e.read_text())
    other = next(e for e in entries if e != with_issue)
    other.write_bytes(other.read_bytes()[:40])  # truncated
    with_issue.write_text(with_issue.read_text().replace('"line":3', '"line":9'))  # valid JSON, wrong digest
    repaired = _scan(root)
    assert (repaired.scanned, repaired.cache_hits, repaired.cache_corrupt) == (2, 1, 2)
    assert bandit_json(repaired) == bandit_json(cold)
    healthy = _scan(root)
    assert (healthy.scanned, healthy.cache_corrupt) == (0, 0)


def test_no_cache_rescans_everything_and_refills_the_cache_for_the_next_run(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(project)
    cache_dir = tmp_path / "operator-cache"
    monkeypatch.setenv("SDL_GATE_SAST_CACHE_DIR", str(cache_dir))
    settings = load_settings(root)
    run_scan(settings, select(root, settings), cache=Cache(cache_dir), jobs=1)  # warm: --no-cache must not read it
    fresh = run_cli("sast", root, "--no-cache", "--format", "json", "-j", "1")
    assert fresh.code in (0, 1), fresh.stderr
    assert "3 scanned, 0 from the cache" in fresh.stderr
    for entry in cache_dir.rglob("*.json"):
        entry.unlink()  # only what the --no-cache run writes below can answer the next run
    run_cli("sast", root, "--no-cache", "--format", "json", "-j", "1")
    warm = run_scan(settings, select(root, settings), cache=Cache(cache_dir), jobs=1)
    assert (warm.scanned, warm.cache_hits) == (0, 3)


def test_entries_committed_in_the_checkout_are_never_read(
    project: ProjectFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull request commits well-formed entries saying its files are clean; the gate still sees the finding."""
    root = _project(project)
    monkeypatch.delenv("SDL_GATE_SAST_CACHE_DIR", raising=False)
    monkeypatch.setenv("SDL_GATE_CACHE_DIR", str(tmp_path / "operator-cache"))
    settings = load_settings(root)
    forged = Cache(root / ".sdl-gate" / "cache" / "sast")  # where the cache lived inside the checkout
    for name in ("a.py", "b.py", "c.py"):
        key = forged.key(sha256_of(root / name), settings, name)
        forged.put(key, FileScan(status=ScanStatus.ANALYSED))
    assert forged.get(forged.key(sha256_of(root / "a.py"), settings, "a.py")) is not None  # well-formed entries

    result = analyse(load_project(root), jobs=1)
    assert (result.run.scanned, result.run.cache_hits) == (3, 0)
    assert {"B602", "B301"} <= {f.test_id for f in result.report.findings}
    assert list((tmp_path / "operator-cache" / "sast").rglob("*.json"))  # the operator's cache was filled


def test_the_operator_chooses_the_cache_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_GATE_CACHE_DIR", str(tmp_path / "shared"))
    monkeypatch.setenv("SDL_GATE_SAST_CACHE_DIR", str(tmp_path / "sast-only"))
    assert default_cache_dir() == tmp_path / "sast-only"
    monkeypatch.delenv("SDL_GATE_SAST_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "shared" / "sast"
    monkeypatch.delenv("SDL_GATE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "sdl-gate" / "sast"


def test_progress_counts_every_file_once_and_cache_hits_apart(project: ProjectFactory) -> None:
    root = _project(project)
    seen: list[ScanProgress] = []
    settings = load_settings(root)
    cache = Cache(root.parent / "sast-cache")
    run_scan(settings, select(root, settings), cache=cache, jobs=1, progress=seen.append)
    assert seen[-1].done == seen[-1].total == 3 and seen[-1].cache_hits == 0
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    write(root / "c.py", "def add(x, y):\n    return y + x\n")
    seen.clear()
    run_scan(settings, select(root, settings), cache=cache, jobs=1, progress=seen.append)
    assert (seen[0].done, seen[0].cache_hits) == (2, 2)
    assert (seen[-1].done, seen[-1].total, seen[-1].cache_hits) == (3, 3, 2)
