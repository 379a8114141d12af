"""What a `sdl-gate sast` run scans: the project that encloses the paths named, and which files of it."""

from __future__ import annotations

import os
from pathlib import Path


def _absolute(path: Path) -> Path:
    # Normalised, not resolved: a symlinked directory keeps its own name.
    return Path(os.path.normpath(path.absolute()))


def enclosing_project(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding a pyproject.toml or a git work tree; else ``start``."""
    here = _absolute(start)
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return here


def scan_root(paths: tuple[Path, ...], root: Path | None) -> tuple[Path, list[Path] | None]:
    """Return the project root and the explicit files (None means the whole project).

    The root is the project that encloses what is scanned, as ruff and bandit users expect: `sast src` scans
    src/ of the project around it, with that project's configuration and baseline and paths relative to it.
    """
    if root is not None:
        return root, list(paths) or None
    if not paths:
        here = enclosing_project(Path())
        return (Path(), None) if here == _absolute(Path()) else (here, None)
    first = paths[0] if paths[0].is_dir() else paths[0].parent
    project = enclosing_project(first)
    if len(paths) == 1 and paths[0].is_dir() and project == _absolute(paths[0]):
        return paths[0], None
    return project, list(paths)
