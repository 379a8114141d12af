"""Times ``sdl-gate vulndb import`` of 10,000 OSV records and a pip-audit query of 1,000 pinned dependencies.

The records are generated from the shapes of the shared OSV fixtures (``../shared/fixtures/osv``): each
fixture is cloned under new ids and package names, keeping its ranges, version lists and aliases. The
query runs the real pip-audit against the loopback OSV API, and is compared in the same run with pip-audit
``--dry-run`` on the same requirements file (the raw tool's own floor: parsing, no queries). Run from the
repository root: ``python benchmarks/vulndb_import_and_query.py``. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "osv"


def _generate(target: Path, count: int, packages: int) -> None:
    from sdl_gate.vulndb.importer import parse_record

    shapes: list[dict[str, Any]] = [
        parse_record(path.read_bytes(), path.name, str(path)) for path in sorted(FIXTURES.rglob("*.yaml"))
    ]
    target.mkdir(parents=True)
    for index in range(count):
        record = json.loads(json.dumps(shapes[index % len(shapes)]))
        package = f"bench-pkg-{index % packages}"
        record["id"] = f"BENCH-{index:05d}"
        record["aliases"] = [f"CVE-2099-{index:05d}"]
        for affected in record.get("affected", []):
            affected["package"] = {"name": package, "ecosystem": "PyPI", "purl": f"pkg:pypi/{package}"}
        (target / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")


def _run(argv: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    completed = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode not in ok:
        raise SystemExit(f"{argv[:4]} exited {completed.returncode}: {completed.stderr[-600:]}")
    return elapsed, completed


def main() -> None:
    """Generate, import, serve, query; print the times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--dependencies", type=int, default=1_000)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny inputs and one run, to check the benchmark still works (what the test suite runs)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.records, args.dependencies = 40, 10
    if not FIXTURES.is_dir():
        raise SystemExit(f"the shared OSV fixtures are not at {FIXTURES}")
    from sdl_gate.vulndb.server import BackgroundServer
    from sdl_gate.vulndb.store import VulnDatabase, database_path

    with tempfile.TemporaryDirectory(prefix="vulndb-bench-") as tmp:
        work = Path(tmp)
        _generate(work / "osv", args.records, args.dependencies)
        cache = work / "cache"
        import_seconds, _ = _run(
            [sys.executable, "-m", "sdl_gate", "vulndb", "import", str(work / "osv"), "--cache-dir", str(cache)]
        )
        # Half the pins sit inside the generated ranges (1.0), half past every fix (999.0).
        requirements = work / "requirements.txt"
        requirements.write_text(
            "".join(f"bench-pkg-{i}=={'1.0' if i % 2 == 0 else '999.0'}\n" for i in range(args.dependencies)),
            encoding="utf-8",
        )
        base = [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps", "--disable-pip",
                "--progress-spinner", "off", "--cache-dir", str(work / "pip-audit-cache")]  # fmt: skip
        dry_seconds, _ = _run([*base, "--dry-run"])
        database = VulnDatabase(database_path(cache))
        with BackgroundServer(database) as server:
            query = [*base, "-f", "json", "-s", "osv", "--osv-url", server.base_url + "/v1/query"]
            query_seconds, completed = _run(query, ok=(0, 1))
        try:
            report = json.loads(completed.stdout)
        except json.JSONDecodeError:
            raise SystemExit(f"pip-audit gave no JSON report: {completed.stderr[-800:]}") from None
        found = sum(len(dep.get("vulns", [])) for dep in report["dependencies"])
        print(f"import of {args.records} OSV records (sdl-gate vulndb import): {import_seconds:7.3f} s")
        print(f"pip-audit --dry-run, {args.dependencies} pins (no queries):     {dry_seconds:7.3f} s")
        print(f"pip-audit query of {args.dependencies} pins via loopback OSV:    {query_seconds:7.3f} s")
        print(f"ratio query / dry-run = {query_seconds / dry_seconds:.2f}x; {found} vulnerabilities reported")


if __name__ == "__main__":
    main()
