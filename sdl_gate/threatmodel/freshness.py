"""Is the last review of a threat model still current? Git tells what changed since the reviewed commit.

Two things must be unchanged: the files in the review's scope, and the model itself. The model file always
changes after the reviewed commit (recording the review edits it), so it is not compared byte for byte:
the model as it was at the reviewed commit is read from git and compared element by element with the
current one, reviews aside. Any other change (a threat added or removed, a severity lowered, a mitigation
or disposition rewritten) means the reviewers did not see the model as it is now.
"""

from __future__ import annotations

import enum
from pathlib import Path

from sdl_gate._files import MAX_INPUT_BYTES
from sdl_gate._git import Repository, find_repository
from sdl_gate._model import FrozenModel
from sdl_gate._text import first_and_more
from sdl_gate._tool import ToolUnavailable
from sdl_gate.errors import SdlGateError
from sdl_gate.threatmodel.diff import ModelChange, model_changes
from sdl_gate.threatmodel.loader import model_from_text
from sdl_gate.threatmodel.model import ModelFormat, Review, ThreatModel

MAX_LISTED = 50
MAX_MODEL_CHANGES = 200
_REGULAR_FILE_MODES = ("100644", "100755")


class FreshnessStatus(str, enum.Enum):
    """What git says about the reviewed commit."""

    FRESH = "fresh"
    STALE = "stale"
    UNKNOWN = "unknown"
    NOT_REVIEWED = "not_reviewed"
    EMPTY_SCOPE = "empty_scope"


class Freshness(FrozenModel):
    """The outcome of comparing the reviewed commit with the files in the review's scope and with the model.

    ``status`` is the overall answer; ``model_status`` is the model's alone (fresh: the model is the one
    reviewed, stale: it changed, unknown: git could not tell), which SD-2 needs to trust the severities.
    """

    status: FreshnessStatus
    review_date: str | None = None
    reviewed_commit: str | None = None
    scope: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    changed_count: int = 0
    model_status: FreshnessStatus = FreshnessStatus.UNKNOWN
    model_changes: tuple[ModelChange, ...] = ()
    model_change_count: int = 0
    reason: str

    def stale_summary(self, limit: int) -> str:
        """Say why the review is stale: files changed in its scope, then model changes, lowered severities first."""
        parts = [self.reason]
        if self.changed:
            parts.append("changed files: " + first_and_more(self.changed, limit, total=self.changed_count))
        if self.model_changes:
            described = [change.describe() for change in self.model_changes]
            parts.append("model changes: " + first_and_more(described, limit, "; ", total=self.model_change_count))
        return "; ".join(parts)

    @property
    def severity_lowered(self) -> tuple[ModelChange, ...]:
        """The model changes that lower what SD-2 sees: a severity lowered or a high threat removed."""
        return tuple(change for change in self.model_changes if change.lowers_severity)


def latest_review(model: ThreatModel) -> Review | None:
    """Return the most recent review (the later one in the file when two share a date)."""
    latest: Review | None = None
    for review in model.reviews:
        if latest is None or review.date >= latest.date:
            latest = review
    return latest


def _names(output: str) -> list[str]:
    return [name for name in output.split("\0") if name]


class _Unknown(Exception):
    """Git cannot tell; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _git(repository: Repository, root: Path, *args: str) -> tuple[int, str]:
    run = repository.run(*args, cwd=root)
    return run.returncode, run.stdout


def _reviewed_model(
    repository: Repository, root: Path, commit: str, model_path: str, fmt: ModelFormat
) -> ThreatModel | None:
    """Read the model file as it was at ``commit``; None when the file did not exist there.

    Raises :class:`_Unknown` when git cannot read it or what it holds is not a model in format ``fmt``.
    """
    # `./` makes the path relative to the project root even when the repository's top level is above it.
    code, listing = _git(repository, root, "ls-tree", "-l", "--end-of-options", commit, "--", f"./{model_path}")
    if code != 0:
        raise _Unknown(f"git ls-tree failed for {model_path} at commit {commit[:12]}")
    if not listing.strip():
        return None
    meta, _, _ = listing.partition("\t")
    fields = meta.split()
    if len(fields) != 4 or fields[0] not in _REGULAR_FILE_MODES or fields[1] != "blob" or not fields[3].isdigit():
        raise _Unknown(f"{model_path} at commit {commit[:12]} is not a regular file")
    if int(fields[3]) > MAX_INPUT_BYTES:
        raise _Unknown(f"{model_path} at commit {commit[:12]} is larger than the {MAX_INPUT_BYTES}-byte limit")
    # cat-file prints the stored bytes: no textconv or filter driver from the repository's configuration runs.
    code, text = _git(repository, root, "cat-file", "blob", fields[2])
    if code != 0:
        raise _Unknown(f"git cat-file failed for {model_path} at commit {commit[:12]}")
    try:
        return model_from_text(text, Path(model_path), fmt).model
    except SdlGateError as exc:
        first_line = exc.diagnostics().splitlines()[0]
        raise _Unknown(f"the model at commit {commit[:12]} does not load: {first_line}") from None


def _dead_scope(repository: Repository, root: Path, scope: list[str]) -> list[str]:
    """Return the scope paths no file matches, tracked or not (only asked when nothing in scope changed)."""
    dead: list[str] = []
    for path in scope:
        code, files = _git(repository, root, "ls-files", "--cached", "--others", "--exclude-standard", "--", path)
        if code != 0:
            raise _Unknown("git ls-files failed for the review's scope")
        if not files.strip():
            dead.append(path)
    return dead


def assess_freshness(
    root: Path, model: ThreatModel, model_path: str | None, fmt: ModelFormat = ModelFormat.NATIVE
) -> Freshness:
    """Compare the latest review's commit with the working tree: the paths in its scope, and the model itself.

    ``model_path`` is the model file relative to ``root`` (None when it lies outside the project), read at
    the reviewed commit in format ``fmt``. Anything git cannot answer (no repository, unknown commit, git
    missing, a model file outside the project) is ``unknown``, never fresh.
    """
    review = latest_review(model)
    if review is None:
        return Freshness(status=FreshnessStatus.NOT_REVIEWED, reason="the model records no review")

    def result(
        status: FreshnessStatus,
        reason: str,
        changed: list[str] | None = None,
        model_status: FreshnessStatus = FreshnessStatus.UNKNOWN,
        changes: list[ModelChange] | None = None,
    ) -> Freshness:
        return Freshness(
            status=status,
            review_date=review.date.isoformat(),
            reviewed_commit=review.commit,
            scope=tuple(review.scope),
            changed=tuple((changed or [])[:MAX_LISTED]),
            changed_count=len(changed or []),
            model_status=model_status,
            model_changes=tuple((changes or [])[:MAX_MODEL_CHANGES]),
            model_change_count=len(changes or []),
            reason=reason,
        )

    unknown = FreshnessStatus.UNKNOWN
    if review.commit is None:
        return result(unknown, "the latest review names no commit, so staleness cannot be told")
    commit = review.commit
    scope = list(review.scope) or ["."]
    exclude = [f":(exclude){model_path}"] if model_path else []
    repository = find_repository(root)
    if repository is None:
        return result(
            unknown, f"reviewed commit {review.commit} is not in this repository (this is not a git work tree)"
        )
    try:
        known = repository.run("cat-file", "-e", "--end-of-options", f"{commit}^{{commit}}", cwd=root)
        if known.returncode != 0:
            return result(unknown, f"reviewed commit {commit} is not in this repository")
        diff = repository.run("diff", "--name-only", "-z", "--relative", commit, "--", *scope, *exclude, cwd=root)
        if diff.returncode != 0:
            return result(unknown, "git diff failed for the review's scope")
        untracked = repository.run("ls-files", "-z", "--others", "--exclude-standard", "--", *scope, *exclude, cwd=root)
        if untracked.returncode != 0:
            return result(unknown, "git ls-files failed for the review's scope")
    except ToolUnavailable as exc:
        return result(unknown, exc.reason)
    changed = sorted(set(_names(diff.stdout)) | set(_names(untracked.stdout)))
    try:
        if model_path is None:
            raise _Unknown("the model file lies outside the project, so changes to it since the review cannot be told")
        before = _reviewed_model(repository, root, commit, model_path, fmt)
        dead = [] if changed else _dead_scope(repository, root, scope)
    except (ToolUnavailable, _Unknown) as exc:
        if changed:  # the scope alone already makes the review stale
            return result(FreshnessStatus.STALE, f"{_files_reason(changed, commit)}; {exc.reason}", changed)
        return result(unknown, exc.reason)
    if before is None:
        changes: list[ModelChange] = []
        model_reason = f"{model_path} did not exist at commit {commit[:12]}: the model was written after the review"
    else:
        changes = model_changes(before, model)
        model_reason = f"the model changed since commit {commit[:12]}" if changes else ""
    model_status = FreshnessStatus.STALE if (before is None or changes) else FreshnessStatus.FRESH
    reasons = [_files_reason(changed, commit)] if changed else []
    reasons += [model_reason] if model_reason else []
    if reasons:
        return result(FreshnessStatus.STALE, "; ".join(reasons), changed, model_status, changes)
    if dead:
        return result(
            FreshnessStatus.EMPTY_SCOPE,
            f"the review's scope path(s) {', '.join(dead)} match no file, so the review covers nothing there",
            model_status=model_status,
        )
    return result(
        FreshnessStatus.FRESH,
        f"neither the model nor any file in the review's scope changed since commit {commit[:12]}",
        model_status=model_status,
    )


def _files_reason(changed: list[str], commit: str) -> str:
    return f"{len(changed)} file(s) in the review's scope changed since commit {commit[:12]}"
