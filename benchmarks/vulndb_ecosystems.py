"""Times the offline OSV database across ecosystems: ``sdl-gate vulndb import`` of 100,000 records (one osv.dev
``<Ecosystem>/all.zip`` per ecosystem) and an audit of 2,000 components by purl, against the Python-only path.

The records are the real ones of ``../shared/fixtures/osv-ecosystems`` (npm, Maven, Go, crates.io, NuGet,
Debian) cloned under new ids and package names, keeping their ranges. The Python-only path is today's: the
same number of PyPI records (the same real shapes, as PyPI) imported the same way, and 2,000 PyPI pins looked up
as the loopback OSV service looks them up for pip-audit (``VulnDatabase.query``). Half of the components sit
inside the cloned ranges, half past every fix. Both imports run the real CLI in a subprocess; both queries run
in this process. Run from the repository root: ``python benchmarks/vulndb_ecosystems.py`` (``--smoke`` for a
quick run of 300 records and 30 components). Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "osv-ecosystems"

#: fixture -> (purl of a cloned package named {name}, an affected version, a version past every fix)
SHAPES: dict[str, tuple[str, str, str]] = {
    "npm-lodash-GHSA-jf85-cpcp-j695.json": ("pkg:npm/{name}@{version}", "4.17.11", "99.0.0"),
    "npm-minimist-GHSA-xvch-5gv4-984h.json": ("pkg:npm/{name}@{version}", "1.2.5", "99.0.0"),
    "maven-log4j-core-GHSA-jfh8-c2jp-5v3q.json": ("pkg:maven/org.bench/{name}@{version}", "2.14.1", "99.0.0"),
    "go-golang.org-x-text-GHSA-69ch-w2m2-3vjp.json": ("pkg:golang/bench.example/{name}@v{version}", "0.3.7", "99.0.0"),
    "cratesio-time-GHSA-wcg3-cvx6-7396.json": ("pkg:cargo/{name}@{version}", "0.1.44", "99.0.0"),
    "nuget-newtonsoft.json-GHSA-5crp-9r3c-p9vr.json": ("pkg:nuget/{name}@{version}", "12.0.3", "99.0.0"),
    "debian-nginx-DSA-3029-1.json": ("pkg:deb/debian/{name}@{version}?distro=debian-7", "1.2.1-2.2+wheezy2", "99.0-1"),
}


@dataclass(frozen=True)
class Part:
    """A component as an SBOM reader gives it."""

    name: str
    version: str | None
    purl: str | None


def _osv_name(fixture: str, name: str) -> str:
    if fixture.startswith("maven-"):
        return f"org.bench:{name}"
    if fixture.startswith("go-"):
        return f"bench.example/{name}"
    return name


def _generate(target: Path, count: int, packages: int, *, pypi: bool) -> list[tuple[str, str, str]]:
    """Write ``count`` records as one all.zip per ecosystem; return (purl, name, version) of the components."""
    shapes = {name: json.loads((FIXTURES / name).read_text(encoding="utf-8")) for name in SHAPES}
    order = sorted(shapes)
    archives: dict[str, zipfile.ZipFile] = {}
    components: list[tuple[str, str, str]] = []
    try:
        for index in range(count):
            fixture = order[index % len(order)]
            record = json.loads(json.dumps(shapes[fixture]))
            name = f"bench-{index % packages}"
            record["id"] = f"BENCH-{index:06d}"
            record["aliases"] = [f"CVE-2099-{index:06d}"]
            ecosystem = "PyPI" if pypi else record["affected"][0]["package"]["ecosystem"]
            for affected in record["affected"]:
                affected["package"] = {"name": _osv_name(fixture, name) if not pypi else name, "ecosystem": ecosystem}
                if pypi:  # PEP 440 bounds for the same shape: introduced 0, fixed 2.0
                    affected["ranges"] = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]
            base = ecosystem.split(":")[0]
            if base not in archives:
                (target / base).mkdir(parents=True, exist_ok=True)
                archives[base] = zipfile.ZipFile(target / base / "all.zip", "w", zipfile.ZIP_DEFLATED)
            archives[base].writestr(f"{record['id']}.json", json.dumps(record))
            if index < packages:
                purl, affected_version, fixed_version = SHAPES[fixture]
                version = affected_version if index % 2 == 0 else fixed_version
                if pypi:
                    components.append((f"pkg:pypi/{name}@{'1.0' if index % 2 == 0 else '99.0'}", name, "1.0"))
                else:
                    components.append((purl.format(name=name, version=version), name, version))
    finally:
        for archive in archives.values():
            archive.close()
    return components


def _import(source: Path, cache: Path) -> tuple[float, str]:
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "sdl_gate", "vulndb", "import", str(source), "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"vulndb import exited {completed.returncode}: {completed.stderr[-600:]}")
    return elapsed, completed.stdout


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    """Generate, import and query both paths; print the times and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--components", type=int, default=2_000)
    parser.add_argument("--smoke", action="store_true", help="300 records and 30 components")
    args = parser.parse_args()
    if args.smoke:
        args.records, args.components = 300, 30
    if not FIXTURES.is_dir():
        raise SystemExit(f"the shared OSV ecosystem fixtures are not at {FIXTURES}")
    from sdl_gate.vulndb.audit import ComponentStatus, audit_components
    from sdl_gate.vulndb.store import VulnDatabase, database_path

    with tempfile.TemporaryDirectory(prefix="vulndb-ecosystems-bench-") as tmp:
        work = Path(tmp)
        parts = _generate(work / "all", args.records, args.components, pypi=False)
        pins = _generate(work / "pypi", args.records, args.components, pypi=True)
        all_import, printed = _import(work / "all", work / "cache-all")
        pypi_import, _ = _import(work / "pypi", work / "cache-pypi")

        database = VulnDatabase(database_path(work / "cache-all"))
        components = [Part(name, version, purl) for purl, name, version in parts]
        all_query, audit = _timed(lambda: audit_components(components, database))
        pypi_db = VulnDatabase(database_path(work / "cache-pypi"))
        pypi_query, found = _timed(lambda: [pypi_db.query(name, purl.rsplit("@", 1)[1]) for purl, name, _ in pins])
        vulnerable = sum(1 for r in audit.components if r.advisories)
        undecided = sum(1 for r in audit.components if r.status is not ComponentStatus.AUDITED)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(printed.strip())
        print(f"import of {args.records} records, 6 ecosystems (whole-set layout): {all_import:8.3f} s")
        print(f"import of {args.records} PyPI records (Python-only path):          {pypi_import:8.3f} s")
        print(f"audit of {args.components} components by purl (univers order):     {all_query:8.3f} s")
        print(f"query of {args.components} PyPI pins (the loopback service's path): {pypi_query:8.3f} s")
        print(f"ratio import all / PyPI-only = {all_import / pypi_import:.2f}x; "
              f"query all / PyPI-only = {all_query / pypi_query:.2f}x")  # fmt: skip
        print(f"{vulnerable} vulnerable components, {undecided} not audited, "
              f"{sum(1 for f in found if f)} vulnerable PyPI pins; peak import RSS {peak:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
