"""Time an 8-shard SAST run (a CI matrix) against the unsharded run, on Django's source tree.

Each shard runs `sdl-gate collect --kind sast --shard K/8` cold, one after the other, as 8 matrix jobs
would side by side on their own runners (each with this machine's CPUs); the final job's
`collect --kind sast --merge-shards` is timed too. Reports the slowest shard and the merge as ratios of the
unsharded cold `collect --kind sast`, and checks the merged evidence is the unsharded evidence (same id).
Usage: python benchmarks/sast_shards.py [--shards N] [--smoke] (--smoke: four local files, two shards).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sast_django import download_django, smoke_tree


def sdl_gate(*args: str | Path, cache: Path) -> tuple[float, str]:
    """Run sdl-gate with its own scan cache; return wall seconds and stdout."""
    env = {**os.environ, "SDL_GATE_SAST_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sdl_gate", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"sdl-gate {args[0]} failed with {done.returncode}:\n{done.stderr}")
    return elapsed, done.stdout


def evidence_id(stdout: str) -> str:
    """The SAST evidence id `collect` printed."""
    return next(line.split()[1] for line in stdout.splitlines() if line.startswith("sast "))


def main() -> None:
    """Download Django, run unsharded and sharded, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shards", type=int, default=8, help="matrix size (default 8)")
    parser.add_argument(
        "--smoke", action="store_true", help="four local files and two shards, no download: a quick run"
    )
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sdl-gate-shards-bench-") as temporary:
        workdir = args.keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        # Smoke: a few local files and two shards, no download: the script's code paths, quickly.
        root = smoke_tree(workdir, files=4) if args.smoke else download_django(workdir)
        if args.smoke:
            args.shards = min(args.shards, 2)
        print(f"tree: {root.name}, {sum(1 for _ in root.rglob('*.py'))} Python files, {os.cpu_count()} CPUs")
        whole, out = sdl_gate("collect", root, "--kind", "sast", cache=workdir / "cache-whole")
        whole_id = evidence_id(out)
        shard_dir = workdir / "shards"
        times: list[float] = []
        for index in range(1, args.shards + 1):
            output = shard_dir / f"sast-shard-{index}-of-{args.shards}.json"
            seconds, _ = sdl_gate(
                "collect",
                root,
                "--kind",
                "sast",
                "--shard",
                f"{index}/{args.shards}",
                "--output",
                output,
                cache=workdir / f"cache-shard-{index}",
            )
            times.append(seconds)
        merge, out = sdl_gate("collect", root, "--kind", "sast", "--merge-shards", shard_dir, cache=workdir / "none")
        same = evidence_id(out) == whole_id
        print(f"shards, s: {[round(t, 2) for t in times]}")
        print(f"unsharded cold run                {whole:7.2f} s  1.000x")
        print(f"slowest of {args.shards} shards                {max(times):7.2f} s  {max(times) / whole:.3f}x")
        print(f"merge in the final job            {merge:7.2f} s  {merge / whole:.3f}x")
        print(f"critical path (slowest + merge)   {max(times) + merge:7.2f} s  {(max(times) + merge) / whole:.3f}x")
        print(f"merged evidence is the unsharded evidence: {same}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
