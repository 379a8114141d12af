"""Time the sdl-sast pre-commit hook on a commit touching one file of Django, against `bandit -r` on the tree.

The Django sdist comes from PyPI and is committed to a fresh git repository whose .pre-commit-config.yaml
uses the sdl-sast hook from this repository (a snapshot of the work tree, installed by pre-commit once,
not timed). Each round changes one more Python file, stages it, and times `pre-commit run sdl-sast` (what
`git commit` runs); `bandit -r` on the whole tree runs in the same session. The fastest of each counts.
Usage: python benchmarks/precommit_hook_django.py [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sast_django import download_django, smoke_tree  # the shared Django download

REPO_ROOT = Path(__file__).resolve().parent.parent


def environment(home: Path) -> dict[str, str]:
    """Git with a fixed identity and no user configuration; pre-commit with its own home."""
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }


def call(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; stop the benchmark if it fails unexpectedly."""
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall seconds of one run."""
    start = time.perf_counter()
    done = call(argv, cwd, env)
    return time.perf_counter() - start, done


def snapshot(target: Path, env: dict[str, str]) -> str:
    """Copy this work tree (uncommitted changes included) into a new repository; return its commit."""
    listed = call(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO_ROOT, env)
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO_ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "snapshot"]):
        call(argv, target, env)
    return call(["git", "rev-parse", "HEAD"], target, env).stdout.strip()


def main() -> None:
    """Set up Django with the hook, time both sides, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each kind; the fastest counts (default 3)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny local tree, one round, and the hook run from this environment (`repo: local`) instead of "
        "installed from a snapshot: checks the benchmark still works (what the test suite runs)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.repeat = 1
    with tempfile.TemporaryDirectory(prefix="sdl-gate-hook-bench-") as temporary:
        workdir = args.keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        env = environment(workdir / "pre-commit-home")
        tree = smoke_tree(workdir) if args.smoke else download_django(workdir)
        python_files = sorted(tree.joinpath("django").rglob("*.py"))
        if args.smoke:
            # The same hook id, run by this interpreter's sdl-gate: no environment to build, nothing downloaded.
            config = (
                "repos:\n  - repo: local\n    hooks:\n      - id: sdl-sast\n        name: sdl-sast\n"
                f"        entry: {sys.executable} -m sdl_gate sast\n        language: system\n"
                "        types: [python]\n        require_serial: true\n"
            )
        else:
            source = workdir / "sdl-gate"
            source.mkdir(exist_ok=True)
            rev = snapshot(source, env)
            config = f"repos:\n  - repo: {source}\n    rev: {rev}\n    hooks:\n      - id: sdl-sast\n"
        (tree / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
        for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "django"]):
            call(argv, tree, env)
        call([sys.executable, "-m", "pre_commit", "install-hooks"], tree, env)
        print(f"tree: {tree.name}, {len(python_files)} Python files under django/, {os.cpu_count()} CPUs")

        bandit_times: list[float] = []
        hook_times: list[float] = []
        for round_number in range(args.repeat):
            seconds, _ = timed([sys.executable, "-m", "bandit", "-r", str(tree), "-f", "json", "-q"], tree, env)
            bandit_times.append(seconds)
            changed = python_files[min(200 + round_number, len(python_files) - 1)]
            with changed.open("a", encoding="utf-8") as handle:
                handle.write("\n# touched by the benchmark\n")
            call(["git", "add", str(changed)], tree, env)
            seconds, done = timed([sys.executable, "-m", "pre_commit", "run", "sdl-sast"], tree, env)
            if "Passed" not in done.stdout and "Failed" not in done.stdout:
                raise SystemExit(f"the hook did not run:\n{done.stdout}\n{done.stderr}")
            hook_times.append(seconds)
            call(["git", "commit", "-qm", f"touch {changed.name}", "--no-verify"], tree, env)
        bandit, hook = min(bandit_times), min(hook_times)
        print(f"bandit -r (whole tree)           {bandit:7.2f} s   runs {[round(t, 2) for t in bandit_times]}")
        print(f"sdl-sast hook (one changed file) {hook:7.2f} s   runs {[round(t, 2) for t in hook_times]}")
        print(f"ratio hook / bandit -r: {hook / bandit:.3f}x (target 0.05x or less, and under 1 s)")


if __name__ == "__main__":
    main()
