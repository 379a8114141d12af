"""Static analysis as evidence (SI-1, SI-2): bandit over every tracked Python file, cppcheck over C/C++, and
other analysers' SARIF, findings fingerprinted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sdl_gate._files import canonical_json, sha256_file
from sdl_gate.approvals.sidecar import sidecar_path
from sdl_gate.collectors.base import CollectContext
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest, Subject, ToolInfo
from sdl_gate.sast.models import AnalyserSource

if TYPE_CHECKING:
    from sdl_gate.sast.analyse import SastResult


class SastCollector:
    """Runs bandit (sharded, cached) and keeps its JSON report and a SARIF rendering beside the evidence."""

    kind = EvidenceKind.SAST

    def collect(self, context: CollectContext) -> Evidence:
        """Scan the project and describe findings, suppressions, coverage and automation."""
        # Imported here so that commands which never scan do not load bandit's machinery.
        from sdl_gate.sast.analyse import analyse

        result = analyse(
            context.project,
            approvers=context.approvers,
            progress=context.progress,
            shards=context.sast_shards,
            commit=context.commit,
        )
        return sast_evidence(context, result)


def sast_evidence(context: CollectContext, result: SastResult, *, keep_raw: bool = True) -> Evidence:
    """The evidence of a scan: its report, the digests of what decided it, and (``keep_raw``) the originals.

    ``sdl-gate sast`` judges its own scan in memory through the gate's criteria and passes ``keep_raw=False``:
    nothing it needs is in the bandit JSON or the SARIF rendering, and making them costs a pass over every finding.
    """
    from sdl_gate.sast.sarif import to_sarif

    report = result.report
    raw: str | None = None
    if keep_raw:
        # Evidence for machines (the lab's verifier, code scanning), not for reading: compact and canonical, so the
        # same findings give the same bytes and indenting thousands of results costs nothing per run.
        raw = context.put_raw(canonical_json(result.bandit).encode("utf-8"), "bandit.json")
        sarif = context.put_raw(canonical_json(to_sarif(report)).encode("utf-8"), "sarif")
        report = report.model_copy(update={"sarif": sarif})
    digests = {r.target.relative: r.sha256 for r in result.run.results if r.sha256 is not None}
    root = context.root
    # The configuration and the baseline decide what is reported, so the evidence names them too.
    for relative in ("pyproject.toml", ".bandit", ".pre-commit-config.yaml"):
        if (root / relative).is_file():
            digests[relative] = sha256_file(root / relative)
    # So are the other analysers' SARIF files in the checkout (an imported one is named by its digest).
    for run in report.analysers:
        if run.file is not None and run.sha256 is not None and run.source is AnalyserSource.CONFIGURED:
            digests[run.file] = run.sha256
    baseline = context.project.sast_baseline
    if baseline.is_file():
        digests[context.relative(baseline)] = sha256_file(baseline)
        signatures = sidecar_path(baseline)
        if signatures.is_file():
            digests[context.relative(signatures)] = sha256_file(signatures)
    return Evidence(
        kind=EvidenceKind.SAST,
        tool=ToolInfo(name=report.scanner, version=report.scanner_version),
        subject=Subject(
            commit=context.commit,
            files=tuple(FileDigest(path=p, sha256=d) for p, d in sorted(digests.items())),
        ),
        payload=report.model_dump(mode="json"),
        raw=raw,
    )
