"""Times ``sdl-gate deps --offline`` against the raw pip-audit querying an already running loopback OSV API.

Both audit the same requirements file (pins of the packages in the shared OSV fixtures,
``../shared/fixtures/osv``) against the same offline database. sdl-gate starts its own loopback server,
runs pip-audit, judges the report and stops the server; the raw tool is given ``sdl-gate vulndb serve``'s
URL. The difference is sdl-gate's fixed cost per run. Run from the repository root with the project
installed: ``python benchmarks/deps_offline.py`` (``--smoke`` runs each side once). Nothing is asserted.
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
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "osv"
PINS = "jinja2==2.10\npyyaml==5.3\nrequests==2.19.0\nurllib3==1.24.1\n"


def median_seconds(
    argv: list[str], runs: int, cwd: Path, ok_codes: tuple[int, ...] = (0, 1), warmups: int = 1
) -> float:
    """Return the median wall time of ``runs`` executions of ``argv``, after ``warmups`` untimed ones."""
    samples = []
    for index in range(runs + warmups):
        start = time.perf_counter()
        completed = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
        elapsed = time.perf_counter() - start
        if completed.returncode not in ok_codes:
            raise SystemExit(f"{argv[:4]} exited {completed.returncode}: {completed.stderr.decode()[-600:]}")
        if index >= warmups:
            samples.append(elapsed)
    return statistics.median(samples)


def main() -> None:
    """Run the benchmark and print the two medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--smoke", action="store_true", help="One run per side, to check the script works.")
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    warmups = 0 if args.smoke else 1  # a smoke run checks the script works and times nothing
    if not FIXTURES.is_dir():
        raise SystemExit(f"the shared OSV fixtures are missing: {FIXTURES}")
    script = shutil.which("sdl-gate", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("sdl-gate is not installed beside this interpreter; pip install -e . first")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        cache = work / "cache"
        subprocess.run([script, "vulndb", "import", str(FIXTURES), "--cache-dir", str(cache)], check=True)
        project = work / "project"
        project.mkdir()
        (project / "requirements.txt").write_text(PINS, encoding="utf-8")
        (project / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "1"\n', encoding="utf-8")
        ours = median_seconds([script, "deps", "--offline", "--vulndb-dir", str(cache)], runs, project, warmups=warmups)
        with subprocess.Popen(
            [script, "vulndb", "serve", "--port", "0", "--cache-dir", str(cache)], stdout=subprocess.PIPE, text=True
        ) as server:
            try:
                assert server.stdout is not None
                banner = server.stdout.readline()
                url = banner.split("--osv-url ", 1)[1].rstrip(")\n")
                raw = [sys.executable, "-m", "pip_audit", "--requirement", "requirements.txt", "--no-deps",
                       "--disable-pip", "--format", "json", "--vulnerability-service", "osv", "--osv-url", url,
                       "--progress-spinner", "off", "--cache-dir", str(work / "pip-audit-cache")]  # fmt: skip
                theirs = median_seconds(raw, runs, project, warmups=warmups)
            finally:
                server.terminate()
    print(f"pip-audit against a running loopback server   {theirs * 1000:8.1f} ms   1.00x")
    print(f"sdl-gate deps --offline                       {ours * 1000:8.1f} ms   {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
