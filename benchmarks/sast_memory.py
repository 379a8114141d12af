"""Peak memory of a cold `sdl-gate sast` against `bandit -r` on Django's source, summed over each process tree.

Both commands are sampled from /proc while they run: every process of the tree (the command, its workers, the
resource tracker multiprocessing would start) has its RSS and PSS read from ``smaps_rollup``; the sums of each
sample are taken and the largest sum of the run is its peak. RSS counts a page shared by several processes
(the interpreter, shared libraries) once in every one of them, so summed RSS overstates what a pool of
workers holds; PSS charges each shared page to its sharers in equal parts, so summed PSS is what the tree
costs the machine. The target (at most 1.5x bandit) is judged on PSS, and RSS is printed beside it.

Each run is cold (an empty scan cache); bandit and sdl-gate alternate ``--repeat`` times and the least peak of
each counts (a peak is nearly the same every run; the least is the one least disturbed by sampling jitter).
Wall and CPU time (user + system of the command and the workers it waited for) are printed too: on a busy
machine CPU is the steadier figure.

Usage: python benchmarks/sast_memory.py [--repeat N] [--jobs N]   (default tree: Django's sdist from PyPI)
       python benchmarks/sast_memory.py --smoke                    (a few local files, one run each)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sast_django import download_django, smoke_tree

#: How often the process tree is sampled: often enough to catch a worker's peak, rare enough to cost little.
SAMPLE_SECONDS = 0.02


@dataclass(frozen=True)
class Usage:
    """One run: its peak summed RSS and PSS (MiB), most processes seen at once, wall and CPU seconds, and the PSS
    (MiB) of each process at the peak, the command first (where the memory is, for whoever reduces it)."""

    rss: float
    pss: float
    processes: int
    wall: float
    cpu: float
    at_peak: tuple[float, ...] = ()


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (over all of its threads), from /proc."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            with (task / "children").open(encoding="ascii") as handle:
                found += [int(word) for word in handle.read().split()]
        except OSError:
            continue
    return found


def _tree(root: int) -> list[int]:
    """``root`` and all of its descendants alive now."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += _children(pid)
    return out


def _rss_pss(pid: int) -> tuple[int, int]:
    """A process's RSS and PSS in KiB (0, 0 once it has gone)."""
    rss = pss = 0
    try:
        with Path(f"/proc/{pid}/smaps_rollup").open(encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> Usage:
    """Run a command (exit 0 or 1 expected) while sampling its process tree; return its peak usage."""
    peaks = {"rss": 0, "pss": 0, "processes": 0}
    at_peak: list[int] = []
    stop = threading.Event()
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        while not stop.is_set():
            pids = _tree(process.pid)
            sizes = [_rss_pss(pid) for pid in pids]
            peaks["rss"] = max(peaks["rss"], sum(rss for rss, _ in sizes))
            if sum(pss for _, pss in sizes) > peaks["pss"]:
                peaks["pss"] = sum(pss for _, pss in sizes)
                at_peak[:] = [pss for _, pss in sizes if pss]
            peaks["processes"] = max(peaks["processes"], sum(1 for rss, _ in sizes if rss))
            stop.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # stderr is read concurrently: a command that writes much to it must not block on a full pipe.
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    if process.stderr:
        process.stderr.close()
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed with {code}:\n{stderr[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    split = tuple(pss / 1024 for pss in at_peak)
    return Usage(peaks["rss"] / 1024, peaks["pss"] / 1024, peaks["processes"], elapsed, cpu, split)


def main() -> None:
    """Run bandit and a cold sdl-gate alternately; print each side's least peak and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the least peak counts (default 3)")
    parser.add_argument("--jobs", type=int, help="sdl-gate's worker processes (default: its own, one per CPU)")
    parser.add_argument("--tree", type=Path, help="a Python source tree to use instead of Django's")
    parser.add_argument("--smoke", action="store_true", help="a few local files and one run: checks the script")
    args = parser.parse_args()
    if not Path("/proc/self/smaps_rollup").is_file():
        raise SystemExit("this benchmark reads /proc/PID/smaps_rollup (Linux 4.14 or later)")
    repeat = 1 if args.smoke else args.repeat
    with tempfile.TemporaryDirectory(prefix="sdl-gate-bench-") as temporary:
        workdir = Path(temporary)
        if args.smoke:
            root = smoke_tree(workdir)
        elif args.tree is not None:
            root = workdir / args.tree.name
            shutil.copytree(args.tree, root, ignore=shutil.ignore_patterns(".sdl-gate", ".git"))
        else:
            root = download_django(workdir)
        files = sum(1 for _ in root.rglob("*.py"))
        cache = workdir / "sast-cache"
        # The scan cache lives outside the checkout; this run's own, emptied before every run so each is cold.
        env = {**os.environ, "SDL_GATE_SAST_CACHE_DIR": str(cache)}
        bandit_argv = [sys.executable, "-m", "bandit", "-r", str(root), "-f", "json", "-q"]
        bandit_argv += ["-o", str(workdir / "bandit.json")]
        ours_argv = [sys.executable, "-m", "sdl_gate", "sast", str(root), "--format", "json"]
        ours_argv += ["--output", str(workdir / "sdl-gate.json")]
        if args.jobs:
            ours_argv += ["--jobs", str(args.jobs)]
        runs: dict[str, list[Usage]] = {"bandit": [], "sdl-gate": []}
        for _ in range(repeat):
            runs["bandit"].append(measure(bandit_argv, workdir, env))
            shutil.rmtree(cache, ignore_errors=True)
            runs["sdl-gate"].append(measure(ours_argv, workdir, env))
    print(f"tree: {root.name}, {files} Python files, {os.cpu_count()} CPUs, best of {repeat}")
    best = {
        name: Usage(
            min(u.rss for u in usages),
            min(u.pss for u in usages),
            max(u.processes for u in usages),
            min(u.wall for u in usages),
            min(u.cpu for u in usages),
            min(usages, key=lambda u: u.pss).at_peak,
        )
        for name, usages in runs.items()
    }
    base = best["bandit"]
    for name, usage in best.items():
        print(
            f"{name:<9} peak PSS {usage.pss:6.0f} MiB ({usage.pss / base.pss:.2f}x)   "
            f"peak RSS {usage.rss:6.0f} MiB ({usage.rss / base.rss:.2f}x)   {usage.processes} process(es)   "
            f"wall {usage.wall:6.2f} s   cpu {usage.cpu:6.2f} s"
        )
        print(f"{'':<9} PSS by process at the peak: {' + '.join(f'{pss:.0f}' for pss in usage.at_peak)} MiB")


if __name__ == "__main__":
    main()
