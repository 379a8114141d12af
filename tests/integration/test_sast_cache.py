"""The content-addressed scan cache: hits, invalidation by content, configuration and bandit version, damage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sdl_gate.sast.engine import CACHE_DIR, Cache, ScanRun, run_scan
from sdl_gate.sast.report import bandit_json
from sdl_gate.sast.settings import BanditSettings, load_settings, select
from tests.conftest import ProjectFactory, RunCli, write


def _project(project: ProjectFactory) -> Path:
    root = project.root
    write(root / "a.py", "import subprocess\n\nsubprocess.call(CMD, shell=True)\n")
    write(root / "b.py", "import pickle\n\npickle.loads(DATA)\n")
    write(root / "c.py", "def add(x, y):\n    return x + y\n")
    return root


def _scan(root: Path, settings: BanditSettings | None = None) -> ScanRun:
    settings = settings or load_settings(root)
    return run_scan(settings, select(root, settings), cache=Cache(root / CACHE_DIR), jobs=1)


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
    entries = sorted((root / CACHE_DIR).rglob("*.json"))
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
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = _project(project)
    _scan(root)  # a warm cache that --no-cache must not read
    fresh = run_cli("sast", root, "--no-cache", "--format", "json", "-j", "1")
    assert fresh.code in (0, 1), fresh.stderr
    assert "3 scanned, 0 from the cache" in fresh.stderr
    for entry in (root / CACHE_DIR).rglob("*.json"):
        entry.unlink()  # only what the --no-cache run writes below can answer the next run
    run_cli("sast", root, "--no-cache", "--format", "json", "-j", "1")
    warm = _scan(root)
    assert (warm.scanned, warm.cache_hits) == (0, 3)
