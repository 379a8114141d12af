"""Times ``sdl-gate sbom --from environment`` against ``cyclonedx-py environment`` on the same environment.

Creates a temporary virtual environment holding the distributions of the running one (at least 80; pip
installs them with ``--no-deps`` from its cache or the package index), then runs both tools on it as
subprocesses, alternately, and reports the median wall times, their ratio, and whether both SBOMs list the
same set of package URLs. Run from the repository root with the dev extra installed:
``python benchmarks/sbom_environment.py``. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

MIN_DISTRIBUTIONS = 80
# Small pure-Python distributions added so the environment is comfortably past the minimum.
EXTRA = (
    "blinker", "colorama", "decorator", "docutils", "flask", "itsdangerous", "jinja2", "markupsafe",
    "more-itertools", "prettytable", "pyasn1", "tabulate", "toolz", "wcwidth", "werkzeug", "wrapt", "zipp",
)  # fmt: skip


def _purls(path: Path) -> set[str]:
    document = json.loads(path.read_text(encoding="utf-8"))
    found = set()
    for component in document.get("components", []):
        purl = component.get("purl")
        if purl:
            # As written: other tools match purls byte for byte, so a normalised comparison would hide a
            # difference they trip over (pkg:pypi/ruamel-yaml against pkg:pypi/ruamel.yaml).
            found.add(purl)
    return found


def _timed(argv: list[str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(argv, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{argv[:3]} exited {completed.returncode}: {completed.stderr.decode()[-600:]}")
    return elapsed


def _environment(target: Path) -> Path:
    pins = sorted(
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in metadata.distributions()
        if dist.metadata["Name"] and dist.metadata["Name"].lower() not in ("sdl-gate", "pip")
    )
    subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    python = target / "bin" / "python"
    requirements = target / "pins.txt"
    installed = {re.sub(r"[-_.]+", "-", pin.split("==")[0]).lower() for pin in pins}
    extra = [name for name in EXTRA if name not in installed]
    requirements.write_text("\n".join(pins + extra) + "\n", encoding="utf-8")
    pip = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check"]
    completed = subprocess.run([*pip, "-r", str(requirements)], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"pip install failed: {completed.stderr[-800:]}")
    return python


def _smoke_environment(target: Path) -> Path:
    """A virtual environment without pip holding a few metadata-only distributions, dotted names included."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    for name in ("ruamel.yaml", "zope.interface", "typing_extensions"):
        info = Path(site) / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    return python


def main() -> None:
    """Build the environment, time both tools, print a small table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="an environment of a few hand-made distributions (nothing installed) and one run, to check the "
        "benchmark still works (what the test suite runs)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.runs = 1
    cyclonedx = shutil.which("cyclonedx-py") or str(Path(sys.executable).parent / "cyclonedx-py")
    with tempfile.TemporaryDirectory(prefix="sbom-bench-") as tmp:
        work = Path(tmp)
        python = _smoke_environment(work / "env") if args.smoke else _environment(work / "env")
        count = int(
            subprocess.run(
                [str(python), "-c", "import importlib.metadata as m; print(len(list(m.distributions())))"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        if count < MIN_DISTRIBUTIONS and not args.smoke:
            raise SystemExit(f"the environment has only {count} distributions; install more into this one first")
        ours_out, theirs_out = work / "ours.cdx.json", work / "theirs.cdx.json"
        ours_argv = [sys.executable, "-m", "sdl_gate", "sbom", str(work), "--from", "environment",
                     "--python", str(python), "--output", str(ours_out)]  # fmt: skip
        theirs_argv = [
            cyclonedx,
            "environment",
            str(python),
            "--output-format",
            "JSON",
            "--output-file",
            str(theirs_out),
        ]
        ours, theirs = [], []
        if not args.smoke:
            _timed(ours_argv)  # warm-up: first-run imports and byte-code compilation
            _timed(theirs_argv)
        for _ in range(args.runs):
            ours.append(_timed(ours_argv))
            theirs.append(_timed(theirs_argv))
        ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
        ours_purls, theirs_purls = _purls(ours_out), _purls(theirs_out)
        print(f"environment: {count} distributions, {args.runs} runs each (medians)")
        print(f"cyclonedx-py environment  {theirs_median:7.3f} s")
        print(f"sdl-gate sbom             {ours_median:7.3f} s")
        print(f"ratio sdl-gate / cyclonedx-py = {ours_median / theirs_median:.2f}x")
        print(f"same purls: {ours_purls == theirs_purls} ({len(ours_purls)} vs {len(theirs_purls)})")
        for purl in sorted(ours_purls ^ theirs_purls):
            print(f"  only in {'sdl-gate' if purl in ours_purls else 'cyclonedx-py'}: {purl}")


if __name__ == "__main__":
    main()
