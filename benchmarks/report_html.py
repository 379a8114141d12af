"""Times the HTML report of an assessment with 10,000 findings, against its plain JSON serialisation.

Run from the repository root with the project installed: ``python benchmarks/report_html.py``.
The assessment is built with the Assessment model: findings spread over static analysis (SI-1),
known vulnerabilities (SVV-3) and every other requirement. Reports medians, the output sizes and the
ratios; with Debian's ``chromium`` on PATH it also times loading the report in headless Chromium against
loading a blank page. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sdl_gate.assess import (
    Assessment,
    Decision,
    EvidenceRef,
    FindingResult,
    PolicyRef,
    ProductRef,
    RequirementResult,
    ToolRef,
    Verdict,
    _practice,
)
from sdl_gate.catalogue import load_catalogue
from sdl_gate.checks import Outcome
from sdl_gate.policy.models import Mode
from sdl_gate.render.html import render_html
from sdl_gate.render.json import render_json
from sdl_gate.render.markdown import render_markdown
from sdl_gate.render.sarif import render_sarif
from sdl_gate.render.view import ReportInput, SourceKind

SAST = "sha256:" + "3" * 64
VULNS = "sha256:" + "4" * 64


def _findings(requirement_id: str, count: int) -> list[FindingResult]:
    if requirement_id == "SI-1":
        return [
            FindingResult(
                criterion="sast",
                outcome=Outcome.FAIL,
                message=f"B{602 + i % 8} (medium severity, high confidence): subprocess call {i}; fingerprint {i:016x}",
                evidence=[SAST],
                location=f"src/pkg/module_{i % 211}.py:{10 + i % 900}",
            )
            for i in range(count)
        ]
    if requirement_id == "SVV-3":
        return [
            FindingResult(
                criterion="vulnerability_audit",
                outcome=Outcome.FAIL if i % 3 else Outcome.PASS,
                message=f"PYSEC-2024-{i} in package-{i % 97} 1.{i % 10}.0: fixed in 1.{i % 10}.1",
                evidence=[VULNS],
                location="requirements.txt:" + str(1 + i % 97),
            )
            for i in range(count)
        ]
    return [
        FindingResult(
            criterion="record",
            outcome=Outcome.FAIL if i % 2 else Outcome.PASS,
            message=f"record rec-{requirement_id.lower()}-{i} does not count: it expired on 2026-06-30",
            evidence=[],
            location=f"security/records/rec-{i}.yaml",
        )
        for i in range(count)
    ]


def build(total: int) -> Assessment:
    """An assessment whose requirements carry ``total`` findings: 60% SAST, 30% vulnerabilities, 10% the rest."""
    catalogue = load_catalogue()
    others = [r for r in catalogue.requirements if r.id not in ("SI-1", "SVV-3")]
    per_other = max(1, total // 10 // len(others))
    counts = {"SI-1": total * 6 // 10, "SVV-3": total * 3 // 10}
    counts.update({r.id: per_other for r in others})
    counts["SI-1"] += total - sum(counts.values())
    results = [
        RequirementResult(
            id=r.id,
            practice=r.practice,
            title=r.title,
            verdict=Verdict.PARTIALLY_SATISFIED,
            score=0.5,
            rationale=f"Partially satisfied: {counts[r.id]} findings.",
            mode=Mode.ENFORCED,
            blocking=True,
            findings=_findings(r.id, counts[r.id]),
            evidence=[],
            waiver=None,
            remediation=r.remediation,
        )
        for r in catalogue.requirements
    ]
    return Assessment(
        schema_version=1,
        generator=ToolRef(name="sdl-gate", version="bench"),
        standard=catalogue.standard,
        product=ProductRef(name="bench-product", version="1.0.0", commit="0" * 40),
        assessed_on=date(2026, 11, 20),
        policy=PolicyRef(name="bench", source="builtin:iec62443-4-1-ml2", digest="sha256:" + "a" * 64),
        decision=Decision(passed=False, blocking=[r.id for r in results], summary="FAILED"),
        practices=[_practice(p.id, p.title, [r for r in results if r.practice == p.id]) for p in catalogue.practices],
        requirements=results,
        waivers=[],
        evidence=[
            EvidenceRef(id=SAST, kind="sast", tool=ToolRef(name="bandit", version="1.8.6")),
            EvidenceRef(id=VULNS, kind="vulnerability_audit", tool=ToolRef(name="pip-audit", version="2.9.0")),
        ],
        rejected_evidence=[],
        maturity_basis="Indicative only.",
    )


def median(function: Callable[[], object], runs: int) -> float:
    """Median wall time of ``runs`` calls after one warm-up."""
    function()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def chromium_load(url: str, profile: Path) -> float:
    """Seconds for headless Chromium to load ``url`` and dump its DOM."""
    chromium = shutil.which("chromium")
    assert chromium is not None
    argv = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--dump-dom",
        url,
    ]
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, timeout=300)
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print a small table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny inputs and one run, to check the benchmark still works (what the test suite runs)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.findings, args.runs = 100, 1
    assessment = build(args.findings)
    report = ReportInput(assessment, SourceKind.ASSESSMENT_FILE, "bench.json")
    found = sum(len(r.findings) for r in assessment.requirements)
    json_time = median(lambda: render_json(assessment), args.runs)
    html_time = median(lambda: render_html(report), args.runs)
    sarif_time = median(lambda: render_sarif(report), args.runs)
    markdown_time = median(lambda: render_markdown(report), args.runs)
    json_size = len(render_json(assessment).encode("utf-8"))
    html = render_html(report)
    html_size = len(html.encode("utf-8"))
    print(f"assessment with {found} findings; medians of {args.runs} runs")
    print(f"{'format':<10} {'time':>10} {'vs json':>8} {'size':>12} {'vs json':>8}")
    rows = [
        ("json", json_time, json_size),
        ("html", html_time, html_size),
        ("sarif", sarif_time, len(render_sarif(report).encode("utf-8"))),
        ("markdown", markdown_time, len(render_markdown(report).encode("utf-8"))),
    ]
    for name, seconds, size in rows:
        print(f"{name:<10} {seconds * 1000:8.1f} ms {seconds / json_time:7.2f}x {size:12,d} {size / json_size:7.2f}x")
    print(f"html: {html.count('<details')} folded blocks, {html.count('<details open')} open on load")
    if shutil.which("chromium") is None or args.smoke:
        print("browser load time not measured (chromium not on PATH, or a smoke run)")
        return
    with tempfile.TemporaryDirectory() as scratch:
        page = Path(scratch) / "report.html"
        page.write_text(html, encoding="utf-8")
        blank = chromium_load("about:blank", Path(scratch) / "profile")
        loaded = chromium_load(page.as_uri(), Path(scratch) / "profile")
    print(f"headless chromium: blank page {blank:.2f} s, report {loaded:.2f} s ({loaded / blank:.2f}x)")


if __name__ == "__main__":
    main()
