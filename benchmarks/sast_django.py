"""Time `sdl-gate sast` against `bandit -r` on the Django source (its sdist from PyPI), in one run.

Reports, as ratios of bandit's wall time: a cold run (empty cache), a warm run (nothing changed) and a run
after one file changed; checks that both report the same finding set; prints each side's peak memory
(the resident set of the largest process: bandit's one process, or sdl-gate's largest of parent and
workers). Each kind of run is repeated (bandit and the cold run alternating) and the fastest counts, the
usual estimate of a run undisturbed by other load. Usage: python benchmarks/sast_django.py [--repeat N]
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
from typing import Any

Finding = tuple[str, str, int, int, str, str]


def run(argv: list[str], cwd: Path, output: Path | None = None) -> tuple[float, int, int]:
    """Run a command; return wall seconds, exit code and peak RSS in MiB of its largest process."""
    start = time.perf_counter()
    with subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode() if process.stderr else ""
    elapsed = time.perf_counter() - start
    code = process.returncode
    if code not in (0, 1) or (output is not None and not output.is_file()):
        raise SystemExit(f"{' '.join(argv)} failed with {code}:\n{stderr}")
    return elapsed, code, usage.ru_maxrss // 1024


def download_django(workdir: Path) -> Path:
    """Download the newest Django sdist with pip and unpack it; return the source tree."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "django", "--no-deps", "--no-binary", ":all:", "-q", "-d", workdir],
        check=True,
        timeout=600,
    )
    archive = next(workdir.glob("[Dd]jango-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(workdir / "src", filter="data")
    return next((workdir / "src").iterdir())


def bandit_findings(report: dict[str, Any], root: Path) -> set[Finding]:
    """bandit's results as (path, test, line, column, severity, confidence)."""
    prefix = str(root) + os.sep
    return {
        (
            r["filename"].removeprefix(prefix),
            r["test_id"],
            r["line_number"],
            r["col_offset"] + 1,
            r["issue_severity"].lower(),
            r["issue_confidence"].lower(),
        )
        for r in report["results"]
    }


def our_findings(report: dict[str, Any]) -> set[Finding]:
    """sdl-gate's findings in the same shape."""
    return {
        (f["path"], f["test_id"], f["line"], f["column"], f["severity"], f["confidence"]) for f in report["findings"]
    }


def main() -> None:
    """Download, run both tools, print ratios and memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each kind; the fastest counts (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdl-gate-bench-") as temporary:
        workdir = args.keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        root = download_django(workdir)
        files = sum(1 for _ in root.rglob("*.py"))
        print(f"tree: {root.name}, {files} Python files, {os.cpu_count()} CPUs")
        bandit_json = workdir / "bandit.json"
        ours_json = workdir / "sdl-gate.json"
        bandit_argv = [sys.executable, "-m", "bandit", "-r", str(root), "-f", "json", "-q", "-o", str(bandit_json)]
        ours_argv = [
            sys.executable,
            "-m",
            "sdl_gate",
            "sast",
            str(root),
            "--format",
            "json",
            "--output",
            str(ours_json),
        ]

        cache = root / ".sdl-gate"
        bandit_times: list[float] = []
        cold_times: list[float] = []
        for _ in range(args.repeat):
            # Alternate the two tools, so load from other processes on the machine hits both alike.
            seconds, _, bandit_rss = run(bandit_argv, workdir, bandit_json)
            bandit_times.append(seconds)
            shutil.rmtree(cache, ignore_errors=True)
            seconds, _, cold_rss = run(ours_argv, workdir, ours_json)
            cold_times.append(seconds)
        expected = bandit_findings(json.loads(bandit_json.read_text()), root)
        cold_found = our_findings(json.loads(ours_json.read_text()))
        bandit_time, cold = min(bandit_times), min(cold_times)
        print(f"bandit -r            {bandit_time:7.2f} s  peak {bandit_rss} MiB  {len(expected)} findings")

        warm_times: list[float] = []
        one_times: list[float] = []
        candidates = sorted(root.joinpath("django").rglob("*.py"))
        for attempt in range(args.repeat):
            seconds, _, warm_rss = run(ours_argv, workdir, ours_json)
            warm_times.append(seconds)
            warm_found = our_findings(json.loads(ours_json.read_text()))
            changed = candidates[100 + attempt]
            changed.write_text(changed.read_text(encoding="utf-8") + "\n# touched by the benchmark\n", encoding="utf-8")
            seconds, _, one_rss = run(ours_argv, workdir, ours_json)
            one_times.append(seconds)
            one_found = our_findings(json.loads(ours_json.read_text()))
        warm, one = min(warm_times), min(one_times)

        def line(label: str, seconds: float, rss: int) -> str:
            return f"{label:<20} {seconds:7.2f} s  peak {rss} MiB  ratio {seconds / bandit_time:.3f}x"

        print(f"(all runs, s: bandit {[round(t, 1) for t in bandit_times]}; cold {[round(t, 1) for t in cold_times]})")
        print(line("sdl-gate cold", cold, cold_rss))
        print(line("sdl-gate warm", warm, warm_rss))
        print(line("sdl-gate one changed", one, one_rss))
        same = cold_found == expected and warm_found == expected and one_found == expected
        print(f"identical finding sets: {same} (bandit {len(expected)}, sdl-gate {len(cold_found)})")
        if not same:
            print("only bandit:", sorted(expected - cold_found)[:10])
            print("only sdl-gate:", sorted(cold_found - expected)[:10])
            raise SystemExit(1)


if __name__ == "__main__":
    main()
