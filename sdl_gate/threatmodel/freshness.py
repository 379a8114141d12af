"""Is the last review of a threat model still current? Git tells which files in its scope changed since."""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from sdl_gate._tool import ToolUnavailable, run_tool
from sdl_gate.threatmodel.model import Review, ThreatModel

MAX_LISTED = 50


class FreshnessStatus(str, enum.Enum):
    """What git says about the reviewed commit."""

    FRESH = "fresh"
    STALE = "stale"
    UNKNOWN = "unknown"
    NOT_REVIEWED = "not_reviewed"


class Freshness(BaseModel):
    """The outcome of comparing the reviewed commit with the files in the review's scope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: FreshnessStatus
    review_date: str | None = None
    reviewed_commit: str | None = None
    scope: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    changed_count: int = 0
    reason: str


def latest_review(model: ThreatModel) -> Review | None:
    """Return the most recent review (the later one in the file when two share a date)."""
    latest: Review | None = None
    for review in model.reviews:
        if latest is None or review.date >= latest.date:
            latest = review
    return latest


def _git(root: Path, *args: str) -> tuple[int, str]:
    run = run_tool(["git", *args], cwd=root, timeout=30)
    return run.returncode, run.stdout


def assess_freshness(root: Path, model: ThreatModel, model_path: str | None) -> Freshness:
    """Compare the latest review's commit with the working tree for the paths in its scope.

    The model file itself is left out: adding the review entry changes it after the reviewed commit.
    Anything git cannot answer (no repository, unknown commit, git missing) is ``unknown``, never fresh.
    """
    review = latest_review(model)
    if review is None:
        return Freshness(status=FreshnessStatus.NOT_REVIEWED, reason="the model records no review")

    def result(status: FreshnessStatus, reason: str, changed: list[str] | None = None) -> Freshness:
        return Freshness(
            status=status,
            review_date=review.date.isoformat(),
            reviewed_commit=review.commit,
            scope=tuple(review.scope),
            changed=tuple((changed or [])[:MAX_LISTED]),
            changed_count=len(changed or []),
            reason=reason,
        )

    if review.commit is None:
        return result(FreshnessStatus.UNKNOWN, "the latest review names no commit, so staleness cannot be told")
    unknown = FreshnessStatus.UNKNOWN
    scope = list(review.scope) or ["."]
    exclude = [f":(exclude){model_path}"] if model_path else []
    try:
        code, _ = _git(root, "cat-file", "-e", f"{review.commit}^{{commit}}")
        if code != 0:
            return result(
                unknown, f"reviewed commit {review.commit} is not in this repository (or this is not a git work tree)"
            )
        code, diff = _git(root, "diff", "--name-only", "--relative", review.commit, "--", *scope, *exclude)
        if code != 0:
            return result(unknown, "git diff failed for the review's scope")
        code, untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", *scope, *exclude)
        if code != 0:
            return result(unknown, "git ls-files failed for the review's scope")
    except ToolUnavailable as exc:
        return result(unknown, exc.reason)
    changed = sorted({line.strip() for line in (diff + "\n" + untracked).splitlines() if line.strip()})
    if changed:
        return result(
            FreshnessStatus.STALE,
            f"{len(changed)} file(s) in the review's scope changed since commit {review.commit[:12]}",
            changed,
        )
    return result(FreshnessStatus.FRESH, f"no file in the review's scope changed since commit {review.commit[:12]}")
