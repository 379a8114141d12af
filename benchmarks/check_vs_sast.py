"""Compares a warm `sdl-gate check` with a warm `sdl-gate sast` on the same tree, and times check's imports.

A warm run is one where nothing changed since the last: every file comes from the scan caches (SAST results,
private-key scan results) and the SBOM from the cache of built SBOMs. The gate then
costs what it does besides static analysis (the other collectors, loading every check, assessing), which is
what every commit pays. Each command is run ``--repeat`` times alternately; the fastest wall time and the
least CPU time (user + system, the command and the workers it waited for) count, the usual estimate of a run
undisturbed by other load. Import time is the sum of the top-level imports ``python -X importtime`` reports.

Usage: python benchmarks/check_vs_sast.py [--repeat N] [--tree DIR]   (default tree: Django's sdist from PyPI)
       python benchmarks/check_vs_sast.py --smoke                      (the demo project, one run each)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sast_django import download_django

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO = REPO_ROOT / "examples" / "demo-project"
_TOP_LEVEL_IMPORT = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (\S+)$")


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Run a command (exit 0 or 1 expected); return its wall seconds and CPU seconds."""
    start = time.perf_counter()
    with subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode() if process.stderr else ""
    elapsed = time.perf_counter() - start
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed with {process.returncode}:\n{stderr[-800:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def import_seconds(argv: list[str], cwd: Path) -> float:
    """Sum of the top-level cumulative import times of one run of ``argv`` under ``-X importtime``."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], cwd=cwd, capture_output=True, text=True, check=False
    )
    found = (_TOP_LEVEL_IMPORT.match(line) for line in completed.stderr.splitlines())
    return sum(int(match.group(1)) for match in found if match) / 1e6


def git_snapshot(tree: Path) -> None:
    """Make ``tree`` a git work tree with one commit, as a project checkout is."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "snapshot"]):
        subprocess.run(argv, cwd=tree, env=env, check=True, timeout=300)


def main() -> None:
    """Run the comparison and print wall and CPU figures with their ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tree", type=Path, help="A Python source tree to use instead of Django's.")
    parser.add_argument("--smoke", action="store_true", help="The demo project, one run each: checks the script.")
    args = parser.parse_args()
    repeat = 1 if args.smoke else args.repeat
    script = shutil.which("sdl-gate", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("sdl-gate is not installed beside this interpreter; pip install -e . first")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        if args.smoke:
            tree = work / "demo"
            shutil.copytree(DEMO, tree, ignore=shutil.ignore_patterns(".sdl-gate"))
        elif args.tree is not None:
            tree = work / args.tree.name
            shutil.copytree(args.tree, tree, ignore=shutil.ignore_patterns(".sdl-gate", ".git"))
        else:
            tree = download_django(work)
        git_snapshot(tree)
        commands = {"sast": [script, "sast", "."], "check": [script, "check", "."]}
        for argv in commands.values():
            timed(argv, tree)  # warm the scan cache and the interpreter's bytecode
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, argv in commands.items():
                wall, cpu = timed(argv, tree)
                walls[name].append(wall)
                cpus[name].append(cpu)
        imports = min(import_seconds(["-m", "sdl_gate", "check", "."], tree) for _ in range(repeat))
    sast_wall, sast_cpu = min(walls["sast"]), min(cpus["sast"])
    check_wall, check_cpu = min(walls["check"]), min(cpus["check"])
    print(f"tree: {tree.name}, best of {repeat}")
    print(f"warm sast    wall {sast_wall:6.2f} s   cpu {sast_cpu:6.2f} s   1.00x")
    print(f"warm check   wall {check_wall:6.2f} s   cpu {check_cpu:6.2f} s   {check_wall / sast_wall:.2f}x wall, "
          f"{check_cpu / sast_cpu:.2f}x cpu")  # fmt: skip
    print(f"check imports {imports:6.2f} s ({imports / check_wall:.0%} of its wall time)")


if __name__ == "__main__":
    main()
