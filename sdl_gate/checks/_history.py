"""Criteria over earlier verified releases (``check --history``): process verification and improvement."""

from __future__ import annotations

from sdl_gate.bundle.snapshots import HistoryPayload, ReleaseSnapshot
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.evidence import EvidenceKind

#: Releases a trend is judged over, the current one excluded.
TREND_WINDOW = 3


def _history(check_input: CheckInput) -> tuple[list[ReleaseSnapshot], list[str], tuple[str, ...]]:
    releases: list[ReleaseSnapshot] = []
    refused: list[str] = []
    ids: list[str] = []
    for item in check_input.evidence.of(EvidenceKind.HISTORY):
        payload = HistoryPayload.model_validate(item.payload)
        releases += [r for r in payload.releases if r.assessed_on < check_input.today]
        refused += [f"{r.bundle}: {r.reason}" for r in payload.refused]
        ids.append(item.id)
    releases.sort(key=lambda r: (r.assessed_on, r.bundle))
    return releases, refused, tuple(ids)


def _not_given(check_input: CheckInput, name: str) -> Finding:
    rejected = check_input.evidence.rejected(EvidenceKind.HISTORY)
    if rejected:
        # History was given but could not be used: that is "we could not tell", not "nothing asked".
        return check_input.finding(name, Outcome.NOT_AVAILABLE, "; ".join(r.reason for r in rejected))
    # Without --history this criterion has nothing to judge; it neither passes nor blocks.
    return check_input.finding(name, Outcome.NOT_APPLICABLE, "no release history given (check --history DIR)")


def verified_history() -> Criterion:
    """Every earlier release bundle given as history verifies (signature and digests)."""
    name = "release_history"

    def evaluate(check_input: CheckInput) -> Finding:
        releases, refused, ids = _history(check_input)
        if not ids:
            return _not_given(check_input, name)
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
        when_empty=Outcome.FAIL,
        empty_means="the history given holds no earlier verified release",
    )


def improving_scores() -> Criterion:
    """Across the last releases in the history, the mean practice score has not fallen."""
    name = "improvement_trend"

    def evaluate(check_input: CheckInput) -> Finding:
        releases, _refused, ids = _history(check_input)
        if not ids:
            return _not_given(check_input, name)
        # A release without practice scores has no mean to compare; it is named, never scored as 0.
        unscored = [r.bundle for r in releases if not r.practices]
        window = [r for r in releases if r.practices][-TREND_WINDOW:]
        note = f" (no practice scores in {', '.join(unscored)})" if unscored else ""
        if len(window) < 2:
            return check_input.finding(
                name,
                Outcome.NOT_AVAILABLE,
                f"a trend needs at least two earlier verified releases with practice scores{note}",
                ids,
                examined=len(window),
            )
        means = [round(sum(p.score for p in r.practices) / len(r.practices), 4) for r in window]
        trend = " -> ".join(
            f"{r.version or r.assessed_on.isoformat()}: {m:.2f}" for r, m in zip(window, means, strict=True)
        )
        if means[-1] < means[0]:
            return check_input.finding(
                name, Outcome.FAIL, f"mean practice score fell over releases ({trend}){note}", ids
            )
        return check_input.finding(
            name, Outcome.PASS, f"mean practice score held or rose ({trend}){note}", ids, examined=len(window)
        )

    return Criterion(
        name,
        "practice scores held or improved over earlier releases (with --history)",
        (EvidenceKind.HISTORY,),
        evaluate,
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means="fewer than two earlier verified releases with practice scores to compare",
    )
