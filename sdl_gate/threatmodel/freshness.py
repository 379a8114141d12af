"""Is the last review of a threat model still current? Git tells which files in its scope changed since."""

from __future__ import annotations

import enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from sdl_gate._git import find_repository
from sdl_gate._tool import ToolUnavailable
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


def _names(output: str) -> list[str]:
    return [name for name in output.split("\0") if name]


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
    repository = find_repository(root)
    if repository is None:
        return result(
            unknown, f"reviewed commit {review.commit} is not in this repository (this is not a git work tree)"
        )
    try:
        known = repository.run("cat-file", "-e", "--end-of-options", f"{review.commit}^{{commit}}", cwd=root)
        if known.returncode != 0:
            return result(unknown, f"reviewed commit {review.commit} is not in this repository")
        diff = repository.run(
            "diff", "--name-only", "-z", "--relative", review.commit, "--", *scope, *exclude, cwd=root
        )
        if diff.returncode != 0:
            return result(unknown, "git diff failed for the review's scope")
        untracked = repository.run("ls-files", "-z", "--others", "--exclude-standard", "--", *scope, *exclude, cwd=root)
        if untracked.returncode != 0:
            return result(unknown, "git ls-files failed for the review's scope")
    except ToolUnavailable as exc:
        return result(unknown, exc.reason)
    changed = sorted(set(_names(diff.stdout)) | set(_names(untracked.stdout)))
    if changed:
        return result(
            FreshnessStatus.STALE,
            f"{len(changed)} file(s) in the review's scope changed since commit {review.commit[:12]}",
            changed,
        )
    return result(FreshnessStatus.FRESH, f"no file in the review's scope changed since commit {review.commit[:12]}")
