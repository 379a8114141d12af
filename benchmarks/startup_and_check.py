"""Times ``sdl-gate --version`` against a bare interpreter, and ``sdl-gate check`` on the demo project.

Run from the repository root with the project installed: ``python benchmarks/startup_and_check.py``.
Reports medians over repeated runs and the ratios; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO = REPO_ROOT / "examples" / "demo-project"


def median_seconds(argv: list[str], runs: int, ok_codes: tuple[int, ...] = (0,), warmups: int = 1) -> float:
    """Return the median wall time of ``runs`` executions of ``argv``, after ``warmups`` untimed ones."""
    samples = []
    for index in range(runs + warmups):
        start = time.perf_counter()
        completed = subprocess.run(argv, capture_output=True, check=False)
        elapsed = time.perf_counter() - start
        if completed.returncode not in ok_codes:
            raise SystemExit(f"{argv} exited {completed.returncode}: {completed.stderr.decode()[-400:]}")
        if index >= warmups:
            samples.append(elapsed)
    return statistics.median(samples)


def main() -> None:
    """Run the benchmark and print a small table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny inputs and one run, to check the benchmark still works (what the test suite runs)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.runs = 1
    warmups = 0 if args.smoke else 1  # a smoke run checks the script works and times nothing
    script = shutil.which("sdl-gate", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("sdl-gate is not installed beside this interpreter; pip install -e . first")
    bare = median_seconds([sys.executable, "-c", "pass"], args.runs, warmups=warmups)
    version = median_seconds([script, "--version"], args.runs, warmups=warmups)
    catalogue = median_seconds([script, "catalogue"], args.runs, warmups=warmups)
    with tempfile.TemporaryDirectory() as scratch:
        demo = Path(scratch) / "demo-project"
        shutil.copytree(DEMO, demo, ignore=shutil.ignore_patterns(".sdl-gate"))
        check_runs = 1 if args.smoke else max(5, args.runs // 3)
        check = median_seconds([script, "check", str(demo)], check_runs, ok_codes=(0, 1), warmups=warmups)
    print(f"python -c pass              {bare * 1000:8.1f} ms   1.00x")
    print(f"sdl-gate --version          {version * 1000:8.1f} ms   {version / bare:.2f}x")
    print(f"sdl-gate catalogue          {catalogue * 1000:8.1f} ms   {catalogue / bare:.2f}x")
    print(f"sdl-gate check demo-project {check * 1000:8.1f} ms   {check / bare:.2f}x")


if __name__ == "__main__":
    main()
