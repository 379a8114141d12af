"""The authors of the code under test, from git history, for the independence of testers (SVV-5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sdl_gate._git import find_repository
from sdl_gate._tool import ToolUnavailable

#: A release range of more commits than this is not read: the answer would be "cannot tell", never a guess.
MAX_COMMITS = 200_000


def code_authors(root: Path, revision: str) -> dict[str, Any]:
    """Return the author e-mails of the commits in ``revision`` (a git range) touching the project at ``root``.

    ``status`` is ``observed`` or ``unavailable`` (no git, not a work tree, an unknown range), with ``detail``.
    """
    if revision.startswith("-"):
        return {"status": "unavailable", "detail": f"{revision!r} is not a revision range", "authors": []}
    repository = find_repository(root)
    if repository is None:
        return {"status": "unavailable", "detail": f"{root} is not inside a git repository", "authors": []}
    args = ("log", f"--max-count={MAX_COMMITS + 1}", "--format=%aE", "--end-of-options", revision, "--", ".")
    try:
        run = repository.run(*args, cwd=root, timeout=60)
    except ToolUnavailable as exc:
        return {"status": "unavailable", "detail": exc.reason, "authors": []}
    if run.returncode != 0:
        first = run.stderr.strip().splitlines()[0] if run.stderr.strip() else f"git exited {run.returncode}"
        return {"status": "unavailable", "detail": f"git log {revision}: {first}", "authors": []}
    lines = [line.strip().lower() for line in run.stdout.splitlines() if line.strip()]
    if len(lines) > MAX_COMMITS:
        return {"status": "unavailable", "detail": f"more than {MAX_COMMITS} commits in {revision}", "authors": []}
    if not lines:
        return {"status": "unavailable", "detail": f"no commit in {revision} touches the project", "authors": []}
    return {"status": "observed", "detail": f"{len(lines)} commit(s) in {revision}", "authors": sorted(set(lines))}
