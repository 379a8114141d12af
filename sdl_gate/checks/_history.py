"""Criteria over earlier verified releases (``check --history``): process verification and improvement."""

from __future__ import annotations

from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.evidence import EvidenceKind
from sdl_gate.history_metrics import Metric, Trend, measure, release_label, released_versions
from sdl_gate.history_payload import HistoryPayload, ReleaseSnapshot
from sdl_gate.payloads import Unusable, validated

#: Released versions a trend is judged over, the current release excluded.
TREND_WINDOW = 3


def _payloads(check_input: CheckInput, name: str) -> tuple[list[HistoryPayload], tuple[str, ...]] | Finding:
    """The history payloads given, or the finding that says none was given (or why it was not usable)."""
    items = check_input.evidence.stored(EvidenceKind.HISTORY)
    if not items:
        rejected = check_input.evidence.rejected(EvidenceKind.HISTORY)
        if rejected:
            return check_input.finding(name, Outcome.NOT_AVAILABLE, "; ".join(r.reason for r in rejected))
        # Without --history this criterion has nothing to judge; it neither passes nor blocks.
        return check_input.finding(name, Outcome.NOT_APPLICABLE, "no release history given (check --history DIR)")
    payloads: list[HistoryPayload] = []
    for stored in items:
        loaded = validated(stored, check_input.evidence)
        if isinstance(loaded, Unusable):
            return check_input.finding(name, Outcome.NOT_AVAILABLE, loaded.reason, loaded.evidence)
        payloads.append(loaded.payload)
    return payloads, tuple(stored.id for stored in items)


def verified_history() -> Criterion:
    """Every earlier release bundle given as history verifies (signature and digests)."""
    name = "release_history"

    def evaluate(check_input: CheckInput) -> Finding:
        loaded = _payloads(check_input, name)
        if isinstance(loaded, Finding):
            return loaded
        payloads, ids = loaded
        releases: list[ReleaseSnapshot] = [
            r for payload in payloads for r in payload.releases if r.assessed_on < check_input.today
        ]
        refused = [f"{r.bundle}: {r.reason}" for payload in payloads for r in payload.refused]
        if refused:
            return check_input.finding(
                name, Outcome.FAIL, "earlier release bundle(s) do not verify: " + "; ".join(refused), ids
            )
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{len(releases)} earlier release bundle(s) verified, each with its assessment",
            ids,
            examined=len(releases),
        )

    return Criterion(
        name,
        "earlier release bundles verify (with --history)",
        (EvidenceKind.HISTORY,),
        evaluate,
        fix="Pass the verified bundles of earlier releases with --history DIR, and rebuild or drop those that no "
        "longer verify",
        when_empty=Outcome.FAIL,
        empty_means="the history given holds no earlier verified release",
    )


def improving_metrics() -> Criterion:
    """Over the last released versions in the history, some process metric improved; flat is not improvement."""
    name = "improvement_trend"

    def evaluate(check_input: CheckInput) -> Finding:
        loaded = _payloads(check_input, name)
        if isinstance(loaded, Finding):
            return loaded
        payloads, ids = loaded
        series = released_versions(payloads, check_input.today)
        start = max(len(series) - TREND_WINDOW, 0)
        if len(series) - start < 2:
            return check_input.finding(
                name,
                Outcome.NOT_AVAILABLE,
                f"a trend needs earlier releases of at least two distinct versions; the history holds {len(series)}",
                ids,
            )
        versions = ", ".join(release_label(r) for r in series[start:])
        measured = [measure(metric, series, start) for metric in Metric]
        judged = [m for m in measured if m.trend is not Trend.NOT_MEASURED]
        if not judged:
            return check_input.finding(
                name,
                Outcome.NOT_AVAILABLE,
                f"no process metric was measured in two of the releases {versions}: "
                + "; ".join(m.describe() for m in measured),
                ids,
            )
        listing = "; ".join(m.describe() for m in judged)
        if any(m.trend is Trend.IMPROVED for m in judged):
            return check_input.finding(
                name,
                Outcome.PASS,
                f"a process metric improved over {versions}: {listing}",
                ids,
                examined=len(series) - start,
            )
        return check_input.finding(name, Outcome.FAIL, f"no process metric improved over {versions}: {listing}", ids)

    return Criterion(
        name,
        "a process metric (vulnerability fix time, open vulnerabilities, static-analysis findings, record approval "
        "time) improved over earlier released versions (with --history)",
        (EvidenceKind.HISTORY,),
        evaluate,
        fix="Improve a process metric against earlier releases (fix vulnerabilities faster, fewer open vulnerabilities "
        "or static-analysis findings, quicker record approval) and pass their bundles with --history DIR",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means="fewer than two earlier released versions to compare",
    )
