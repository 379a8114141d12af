"""Time a pull request's SAST run with the Action's cache restored against a cold run, on Django's source tree.

What the Action does on GitHub, on one machine: a push to the default branch scans a fresh checkout with an
empty cache (the cold run) and saves the cache (here a tar archive, as actions/cache makes); a pull request
that changes a few files checks out into another directory, restores the archive and scans. Reports the
pull request's run (and with the restore included) as a ratio of the cold run's wall time, and checks both
report the same findings on the unchanged files. Usage: python benchmarks/sast_ci_cache.py [--changed N]
[--repeat N] [--smoke] (--smoke: four local files, one changed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from sast_django import download_django, smoke_tree


def scan(root: Path, cache: Path, report: Path) -> float:
    """Run `sdl-gate sast` on ``root`` with ``cache`` as the scan cache; return its wall seconds."""
    env = {**os.environ, "SDL_GATE_SAST_CACHE_DIR": str(cache)}
    argv = [sys.executable, "-m", "sdl_gate", "sast", str(root), "--format", "json", "--output", str(report)]
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=3600, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or not report.is_file():
        raise SystemExit(f"sdl-gate sast failed with {done.returncode}:\n{done.stderr}")
    return elapsed


def findings(report: Path, skip: set[str]) -> list[tuple[str, str, int]]:
    """The findings of a report outside the files in ``skip``, as sorted (path, test id, line)."""
    data = json.loads(report.read_text())
    return sorted((f["path"], f["test_id"], f["line"]) for f in data["findings"] if f["path"] not in skip)


def change(root: Path, count: int) -> set[str]:
    """Change ``count`` Python files spread over the tree, as a pull request would; return their paths."""
    files = sorted(root.rglob("*.py"))
    step = max(1, len(files) // max(count, 1))
    changed = files[::step][:count]
    for path in changed:
        path.write_text(path.read_text(encoding="utf-8") + "\nimport subprocess  # added by the benchmark\n")
    return {path.relative_to(root).as_posix() for path in changed}


def main() -> None:
    """Download Django, run cold and pull-request runs, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changed", type=int, default=10, help="files the pull request changes (default 10)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind; the fastest counts (default 1)")
    parser.add_argument("--smoke", action="store_true", help="four local files, one changed, no download: a quick run")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdl-gate-ci-cache-bench-") as temporary:
        workdir = args.keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        # Smoke: a few local files, one of them changed, no download: the script's code paths, quickly.
        source = smoke_tree(workdir, files=4) if args.smoke else download_django(workdir)
        if args.smoke:
            args.changed = 1
        print(f"tree: {source.name}, {sum(1 for _ in source.rglob('*.py'))} Python files, {os.cpu_count()} CPUs")
        cold_times: list[float] = []
        warm_times: list[float] = []
        restore_times: list[float] = []
        for attempt in range(args.repeat):
            run_dir = workdir / f"run-{attempt}"
            # The default branch: a fresh checkout, an empty cache; then actions/cache/save archives it.
            main_checkout, main_cache = run_dir / "main" / "src", run_dir / "main" / "cache"
            shutil.copytree(source, main_checkout)
            cold_report = run_dir / "cold.json"
            cold_times.append(scan(main_checkout, main_cache, cold_report))
            archive = run_dir / "cache.tar"
            with tarfile.open(archive, "w") as tar:
                tar.add(main_cache, arcname="cache")
            # The pull request: another checkout (other absolute paths) with a few files changed, the cache restored.
            pr_checkout, pr_cache = run_dir / "pr" / "src", run_dir / "pr"
            shutil.copytree(source, pr_checkout)
            changed = change(pr_checkout, args.changed)
            start = time.perf_counter()
            with tarfile.open(archive) as tar:
                tar.extractall(pr_cache, filter="data")
            restore_times.append(time.perf_counter() - start)
            warm_report = run_dir / "pr.json"
            warm_times.append(scan(pr_checkout, pr_cache / "cache", warm_report))
            same = findings(cold_report, changed) == findings(warm_report, changed)
            scanned = json.loads(warm_report.read_text())["analysed"]
            print(
                f"run {attempt + 1}: cold {cold_times[-1]:.2f} s, pull request {warm_times[-1]:.2f} s "
                f"({len(changed)} changed of {scanned} analysed), restore {restore_times[-1]:.2f} s, "
                f"same findings on unchanged files: {same}"
            )
            if not same:
                raise SystemExit("the pull request's run reports other findings on unchanged files")
        cold, warm, restore = min(cold_times), min(warm_times), min(restore_times)
        print(f"cold run (push, empty cache)        {cold:7.2f} s  1.000x")
        print(f"pull request, cache restored        {warm:7.2f} s  {warm / cold:.3f}x")
        print(f"pull request incl. the restore      {warm + restore:7.2f} s  {(warm + restore) / cold:.3f}x")


if __name__ == "__main__":
    main()
