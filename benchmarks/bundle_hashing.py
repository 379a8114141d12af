"""Bundles and verifies a release with large artifacts; compares hashing throughput with ``sha256sum``.

Run from the repository root with the project installed: ``python benchmarks/bundle_hashing.py``.
Artifacts are sparse files generated in a temporary directory (``--sizes`` in MiB, default 256 and 1024),
so the disk holds little until the bundle itself is written. For each size it reports, in one run:

* ``sha256sum`` over the same artifact files (wall time, MiB/s);
* ``sdl-gate bundle create`` and ``sdl-gate bundle verify`` (wall time, MiB/s of artifact bytes, and the
  ratio of their hashing throughput to ``sha256sum``'s: 1.0 is as fast, 0.8 is 80 % of its speed);
* the peak resident memory of each child process (``wait4`` rusage), which should stay flat as sizes grow.

``bundle create`` reads each artifact twice (the signature collector hashes it to verify its signature,
then the bundle writer hashes it while copying it into the zip) and writes it once; ``bundle verify``
reads each entry once. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MIB = 1024 * 1024
FILES_PER_RELEASE = 4
PASSPHRASE = "benchmark only"  # noqa: S105 - a throw-away key in a temporary directory


def run_child(argv: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0, 1)) -> tuple[float, float]:
    """Run ``argv``; return its wall time in seconds and its own peak RSS in MiB."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stdout = process.stdout.read().decode() if process.stdout else ""
    stderr = process.stderr.read().decode() if process.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    if code not in ok:
        raise SystemExit(f"{argv[:4]} exited {code}:\n{stdout[-800:]}\n{stderr[-800:]}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def make_release(root: Path, total_mib: int, env: dict[str, str]) -> list[Path]:
    """Write a project whose dist/ holds sparse artifacts of ``total_mib`` MiB, key-signed."""
    sdl = [sys.executable, "-m", "sdl_gate"]
    (root / "dist").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "bench"\nversion = "1.0"\n\n[tool.sdl-gate]\nartifacts = ["dist/*"]\n'
        'signing = { key = "release.pub.pem" }\n'
    )
    artifacts = []
    for index in range(FILES_PER_RELEASE):
        path = root / "dist" / f"firmware-{index}.img"
        with path.open("wb") as handle:
            handle.truncate(total_mib * MIB // FILES_PER_RELEASE)
        artifacts.append(path)
    keys = root.parent / "keys"
    subprocess.run([*sdl, "keygen", "--output", str(keys / "release")], env=env, check=True, capture_output=True)
    shutil.copyfile(keys / "release.pub.pem", root / "release.pub.pem")
    subprocess.run(
        [*sdl, "sign", *map(str, artifacts), "--key", str(keys / "release.pem")],
        env=env,
        check=True,
        capture_output=True,
    )
    return artifacts


def median(measure: Callable[[], tuple[float, float]], runs: int = 3) -> tuple[float, float]:
    """Return the median wall time and the largest peak RSS of ``runs`` measurements."""
    samples = [measure() for _ in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def bench(total_mib: int, runs: int = 3) -> None:
    """Benchmark one release size, taking the median of ``runs`` measurements of each command."""
    sdl = [sys.executable, "-m", "sdl_gate"]
    env = {**os.environ, "SDL_GATE_KEY_PASSPHRASE": PASSPHRASE, "SOURCE_DATE_EPOCH": "1772323200"}
    with tempfile.TemporaryDirectory(prefix="sdl-gate-bench-") as scratch:
        root = Path(scratch) / "project"
        artifacts = make_release(root, total_mib, env)
        output = Path(scratch) / "release.zip"
        # Warm the page cache the same way for everyone.
        subprocess.run(["sha256sum", *map(str, artifacts)], check=True, capture_output=True)
        sha_time, sha_rss = median(lambda: run_child(["sha256sum", *map(str, artifacts)], root, env, ok=(0,)), runs)
        key = str(root.parent / "keys" / "release.pem")
        create_argv = [*sdl, "bundle", "create", ".", "--output", str(output), "--sign", "key", "--key", key]
        create_time, create_rss = median(lambda: run_child(create_argv, root, env), runs)
        verify_argv = [*sdl, "bundle", "verify", str(output), "--key", str(root / "release.pub.pem")]
        verify_time, verify_rss = median(lambda: run_child(verify_argv, root, env, ok=(0,)), runs)
        sha_speed = total_mib / sha_time
        # create hashes every artifact twice (signature check, then while zipping); verify hashes once.
        create_hashed = 2 * total_mib / create_time
        verify_hashed = total_mib / verify_time
        print(f"release of {total_mib} MiB in {FILES_PER_RELEASE} files (bundle {output.stat().st_size // MIB} MiB)")
        print(f"  sha256sum      {sha_time:6.2f} s  {sha_speed:6.0f} MiB/s hashed  peak RSS {sha_rss:5.1f} MiB")
        for label, seconds, hashed, rss in (
            ("bundle create", create_time, create_hashed, create_rss),
            ("bundle verify", verify_time, verify_hashed, verify_rss),
        ):
            print(
                f"  {label}  {seconds:6.2f} s  {hashed:6.0f} MiB/s hashed  peak RSS {rss:5.1f} MiB  "
                f"hashing {hashed / sha_speed:4.2f}x sha256sum, wall time {sha_time / seconds:4.2f}x"
            )


def main() -> None:
    """Parse arguments and run each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024], help="release sizes in MiB")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny inputs and one run, to check the benchmark still works (what the test suite runs)",
    )
    args = parser.parse_args()
    runs = 3
    if args.smoke:
        args.sizes, runs = [FILES_PER_RELEASE], 1
    if shutil.which("sha256sum") is None:
        raise SystemExit("sha256sum is not installed")
    for size in args.sizes:
        bench(size, runs)


if __name__ == "__main__":
    main()
