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
from collections import Counter
from pathlib import Path
from typing import Any

# What the bandit CLI and sdl-gate must agree on: file, test id, line, severity, confidence.
Finding = tuple[str, str, int, str, str]


CPU: dict[str, list[float]] = {}


def run(argv: list[str], cwd: Path, output: Path | None = None) -> tuple[float, int, int]:
    """Run a command; return wall seconds, exit code and peak RSS in MiB of its largest process.

    CPU seconds (user + system, the process and the workers it waited for) are kept in CPU by command.
    """
    start = time.perf_counter()
    with subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode() if process.stderr else ""
    elapsed = time.perf_counter() - start
    code = process.returncode
    CPU.setdefault(argv[2], []).append(usage.ru_utime + usage.ru_stime)
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


#: In smoke mode: enough Python files for the benchmark's picks, each with a finding bandit and sdl-gate report.
SMOKE_FILES = 3
_SMOKE_SOURCE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


def smoke_tree(workdir: Path, files: int = SMOKE_FILES) -> Path:
    """A Django-shaped tree of a few small files, made locally: the benchmark's code paths, no download."""
    root = workdir / "src" / "django-smoke"
    for index in range(files):
        path = root / "django" / f"module_{index}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_SMOKE_SOURCE, encoding="utf-8")
    return root


def bandit_findings(report: dict[str, Any], root: Path) -> Counter[Finding]:
    """bandit's results as (path, test, line, severity, confidence)."""
    prefix = str(root) + os.sep
    return Counter(
        (
            r["filename"].removeprefix(prefix),
            r["test_id"],
            r["line_number"],
            r["issue_severity"].lower(),
            r["issue_confidence"].lower(),
        )
        for r in report["results"]
    )


def our_findings(report: dict[str, Any]) -> Counter[Finding]:
    """sdl-gate's findings in the same shape (a multiset: two findings on one line both count).

    Findings a ``# nosec`` silences are listed by sdl-gate but left out of bandit's report, so they are left out here.
    """
    return Counter(
        (f["path"], f["test_id"], f["line"], f["severity"], f["confidence"])
        for f in report["findings"]
        if f["nosec"] == "none"
    )


def cold_runs(bandit_argv: list[str], ours_argv: list[str], workdir: Path, cache: Path, repeat: int) -> list[float]:
    """Alternate bandit and a cold sdl-gate run, so load from other processes hits both alike."""
    times: list[float] = []
    for _ in range(repeat):
        bandit_seconds, _, bandit_rss = run(bandit_argv, workdir, Path(bandit_argv[-1]))
        shutil.rmtree(cache, ignore_errors=True)
        cold_seconds, _, cold_rss = run(ours_argv, workdir, Path(ours_argv[-1]))
        times += [bandit_seconds, bandit_rss, cold_seconds, cold_rss]
    return times


def incremental_runs(ours_argv: list[str], workdir: Path, root: Path, repeat: int) -> list[tuple[float, int, int]]:
    """Warm runs, each followed by a run after one more file changed; return (warm, one changed, rss) times."""
    candidates = sorted(root.joinpath("django").rglob("*.py"))
    out: list[tuple[float, int, int]] = []
    for attempt in range(repeat):
        warm, _, warm_rss = run(ours_argv, workdir, Path(ours_argv[-1]))
        out.append((warm, 0, warm_rss))
        changed = candidates[min(100 + attempt, len(candidates) - 1)]
        changed.write_text(changed.read_text(encoding="utf-8") + "\n# touched by the benchmark\n", encoding="utf-8")
        one, _, one_rss = run(ours_argv, workdir, Path(ours_argv[-1]))
        out.append((one, 1, one_rss))
    return out


def main() -> None:
    """Download, run both tools, print ratios and memory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each kind; the fastest counts (default 2)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny local tree and one run, to check the benchmark still works (what the test suite runs)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.repeat = 1
    with tempfile.TemporaryDirectory(prefix="sdl-gate-bench-") as temporary:
        workdir = args.keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        root = smoke_tree(workdir) if args.smoke else download_django(workdir)
        print(f"tree: {root.name}, {sum(1 for _ in root.rglob('*.py'))} Python files, {os.cpu_count()} CPUs")
        bandit_json, ours_json = workdir / "bandit.json", workdir / "sdl-gate.json"
        bandit_argv = [sys.executable, "-m", "bandit", "-r", str(root), "-f", "json", "-q", "-o", str(bandit_json)]
        ours_argv = [sys.executable, "-m", "sdl_gate", "sast", str(root), "--format", "json", "--output"]
        ours_argv.append(str(ours_json))

        # The scan cache lives outside the checkout; this run's own, so that a cold run is cold.
        cache = workdir / "sast-cache"
        os.environ["SDL_GATE_SAST_CACHE_DIR"] = str(cache)
        cold = cold_runs(bandit_argv, ours_argv, workdir, cache, args.repeat)
        expected = bandit_findings(json.loads(bandit_json.read_text()), root)
        found = [our_findings(json.loads(ours_json.read_text()))]
        bandit_time = min(cold[0::4])
        print(f"bandit -r            {bandit_time:7.2f} s  peak {max(cold[1::4]):.0f} MiB  {expected.total()} findings")
        print(f"(all runs, s: bandit {[round(t, 1) for t in cold[0::4]]}; cold {[round(t, 1) for t in cold[2::4]]})")
        incremental = incremental_runs(ours_argv, workdir, root, args.repeat)
        found.append(our_findings(json.loads(ours_json.read_text())))
        rows = [
            ("sdl-gate cold", min(cold[2::4]), max(cold[3::4])),
            ("sdl-gate warm", min(t for t, k, _ in incremental if k == 0), max(r for _, k, r in incremental if k == 0)),
            ("sdl-gate one changed", min(t for t, k, _ in incremental if k), max(r for _, k, r in incremental if k)),
        ]
        for label, seconds, rss in rows:
            print(f"{label:<20} {seconds:7.2f} s  peak {rss:.0f} MiB  ratio {seconds / bandit_time:.3f}x")
        bandit_cpu, cold_cpu = min(CPU["bandit"]), min(CPU["sdl_gate"][: args.repeat])
        print(f"CPU time, cold: bandit {bandit_cpu:.1f} s, sdl-gate {cold_cpu:.1f} s ({cold_cpu / bandit_cpu:.2f}x)")
        same = all(f == expected for f in found)
        print(f"identical finding sets: {same} (bandit {expected.total()}, sdl-gate {found[0].total()})")
        if not same:
            print("only bandit:", sorted((expected - found[0]).elements())[:10])
            print("only sdl-gate:", sorted((found[0] - expected).elements())[:10])
            raise SystemExit(1)


if __name__ == "__main__":
    main()
