"""The project's bandit configuration (``[tool.bandit]`` in pyproject.toml, or ``.bandit``) and file selection."""

from __future__ import annotations

import configparser
import fnmatch
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdl_gate._files import canonical_json, read_text_limited, sha256_bytes
from sdl_gate._tool import ToolUnavailable, run_tool
from sdl_gate._yaml import parse_toml_text
from sdl_gate.errors import InputError
from sdl_gate.sast.models import Scope

#: bandit's own default exclusions (``bandit -x``), used unless ``.bandit`` replaces them as bandit does.
DEFAULT_EXCLUDES = (".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".eggs", "*.egg")
#: bandit scans ``*.py`` and ``*.pyw`` without a configuration file, ``*.py`` with one that sets no ``include``.
DEFAULT_INCLUDE_NO_CONFIG = ("*.py", "*.pyw")
DEFAULT_INCLUDE_WITH_CONFIG = ("*.py",)


def bandit_version() -> str:
    """Return the installed bandit version, or raise ToolUnavailable."""
    try:
        import bandit
    except ImportError:
        raise ToolUnavailable("bandit is not installed (pip install bandit)") from None
    return str(bandit.__version__)


@dataclass(frozen=True)
class BanditSettings:
    """The bandit configuration one scan applies, and the digest the cache keys on."""

    source: str | None
    config_file: str | None
    config: dict[str, Any]
    tests: tuple[str, ...]
    skips: tuple[str, ...]
    excludes: tuple[str, ...]
    include: tuple[str, ...]
    version: str
    digest: str
    path_sensitive: bool

    def profile(self) -> dict[str, set[str]]:
        """Return the profile bandit's manager takes (selected and skipped tests)."""
        return {"include": set(self.tests), "exclude": set(self.skips)}


def _split(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list | tuple | set):
        return tuple(str(part).strip() for part in value if str(part).strip())
    raise TypeError(f"expected a list of strings, got {type(value).__name__}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(str(v) for v in value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _read_ini(path: Path, root: Path) -> dict[str, str] | None:
    """Read the ``[bandit]`` section of a ``.bandit`` file, or None when there is none."""
    if not path.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read_string(read_text_limited(path, root=root), source=str(path))
        return dict(parser.items("bandit"))
    except configparser.NoSectionError:
        raise InputError("no [bandit] section", path=path) from None
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(f"malformed INI: {exc.message}", path=path, line=line) from None


def load_settings(root: Path) -> BanditSettings:
    """Read the project's bandit configuration the way ``bandit -c pyproject.toml`` and ``.bandit`` do."""
    version = bandit_version()
    from bandit.core import config as b_config
    from bandit.core import extension_loader
    from bandit.core import utils as b_utils

    pyproject = root / "pyproject.toml"
    config_file: str | None = None
    source: str | None = None
    if pyproject.is_file():
        document = parse_toml_text(read_text_limited(pyproject, root=root), pyproject)
        tool = document.get("tool", {})
        if isinstance(tool, dict) and "bandit" in tool:
            if not isinstance(tool["bandit"], dict):
                raise InputError("[tool.bandit] must be a table", path=pyproject, location="tool.bandit")
            config_file = str(pyproject)
            source = "pyproject.toml [tool.bandit]"
    try:
        b_conf = b_config.BanditConfig(config_file=config_file)
    except b_utils.ConfigError as exc:
        raise InputError(f"invalid bandit configuration: {exc}", path=pyproject, location="tool.bandit") from None

    ini_path = root / ".bandit"
    ini = _read_ini(ini_path, root)
    if ini is not None:
        source = ".bandit" if source is None else f"{source} and .bandit"
    else:
        ini = {}

    try:
        tests = tuple(dict.fromkeys(_split(b_conf.get_option("tests")) + _split(ini.get("tests"))))
        skips = tuple(dict.fromkeys(_split(b_conf.get_option("skips")) + _split(ini.get("skips"))))
        # An ``exclude`` in .bandit replaces bandit's default exclusions (it stands in for ``-x``).
        cli_excludes = _split(ini["exclude"]) if ini.get("exclude") else DEFAULT_EXCLUDES
        excludes = tuple(dict.fromkeys(_split(b_conf.get_option("exclude_dirs")) + cli_excludes))
        configured_include = _split(b_conf.get_option("include"))
    except TypeError as exc:
        raise InputError(f"invalid bandit configuration: {exc}", path=config_file or ini_path) from None
    overlap = set(tests) & set(skips)
    if overlap:
        raise InputError(
            f"bandit tests both selected and skipped: {', '.join(sorted(overlap))}",
            path=config_file or ini_path,
        )
    include = configured_include or (DEFAULT_INCLUDE_WITH_CONFIG if config_file else DEFAULT_INCLUDE_NO_CONFIG)
    manager = extension_loader.MANAGER
    plugins = sorted(
        [*manager.plugins_by_id, *manager.blacklist_by_id],
    )
    # Everything that can change what bandit reports for the same bytes goes into the digest.
    material = {
        "bandit": version,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "plugins": plugins,
        "config": _jsonable(b_conf.config),
        "tests": sorted(tests),
        "skips": sorted(skips),
    }
    assert_skips = b_conf.get_option("assert_used") or {}
    path_sensitive = bool(isinstance(assert_skips, dict) and assert_skips.get("skips"))
    return BanditSettings(
        source=source,
        config_file=config_file,
        config=_jsonable(b_conf.config),
        tests=tests,
        skips=skips,
        excludes=excludes,
        include=include,
        version=version,
        digest="sha256:" + sha256_bytes(canonical_json(material).encode("utf-8")),
        path_sensitive=path_sensitive,
    )


def is_excluded(relative: str, excludes: tuple[str, ...]) -> bool:
    """Apply bandit's exclusion rule (glob match or substring) to both ``rel`` and ``./rel`` spellings."""
    for spelling in (relative, "./" + relative):
        for pattern in excludes:
            if fnmatch.fnmatch(spelling, pattern) or pattern in spelling:
                return True
    return False


def is_included(relative: str, include: tuple[str, ...]) -> bool:
    """Whether a file name matches bandit's include globs (``*.py`` by default)."""
    return any(fnmatch.fnmatch(relative, pattern) for pattern in include)


@dataclass(frozen=True)
class Target:
    """A file to scan: its normalised repo-relative path and where it is on disk."""

    relative: str
    path: Path


@dataclass(frozen=True)
class Selection:
    """The files one scan covers, the ones the configuration excludes and how they were found."""

    scope: Scope
    targets: tuple[Target, ...]
    excluded: tuple[str, ...]
    modified: tuple[str, ...] = ()


def normalise(root: Path, given: Path) -> str:
    """Return ``given`` as a repo-relative POSIX path (``./a.py``, ``a.py`` and absolute spellings agree)."""
    # abspath, not resolve: a symlinked file keeps its own name rather than its target's.
    base = Path(os.path.abspath(root))  # noqa: PTH100
    absolute = Path(os.path.abspath(given if given.is_absolute() else Path.cwd() / given))  # noqa: PTH100
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        pass
    try:
        return absolute.resolve().relative_to(base.resolve()).as_posix()
    except (ValueError, OSError):
        raise InputError("is outside the project root", path=given, hint=f"project root: {root}") from None


def _git_files(root: Path) -> tuple[list[str], list[str]] | None:
    """Return (tracked files, tracked files that differ from HEAD) under ``root``, or None outside git."""
    try:
        listed = run_tool(["git", "ls-files", "-z"], cwd=root, timeout=60)
    except ToolUnavailable:
        return None
    if listed.returncode != 0:
        return None
    tracked = [name for name in listed.stdout.split("\0") if name]
    if not tracked:
        # An untracked or ignored directory inside a work tree: scan it as a plain directory.
        return None
    modified: list[str] = []
    try:
        diff = run_tool(["git", "diff", "--name-only", "-z", "--relative", "HEAD", "--"], cwd=root, timeout=60)
        if diff.returncode == 0:
            modified = [name for name in diff.stdout.split("\0") if name]
    except ToolUnavailable:
        pass
    return tracked, modified


def _walk(root: Path) -> list[str]:
    found: list[str] = []
    # os.walk does not follow directory links, like bandit's own discovery.
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            found.append(Path(directory, name).relative_to(root).as_posix())
    return found


def select(root: Path, settings: BanditSettings, explicit: list[Path] | None = None) -> Selection:
    """Choose the files to scan: git-tracked Python files (or all under ``root``), or the explicit ones."""
    modified: list[str] = []
    if explicit is not None:
        scope = Scope.FILES
        candidates: list[str] = []
        for given in explicit:
            if not os.path.lexists(given):
                raise InputError("file not found", path=given)
            relative = normalise(root, given)
            if (root / relative).is_dir():
                candidates += [
                    f"{relative}/{name}" if relative != "." else name
                    for name in _walk(root / relative)
                    if is_included(name, settings.include)
                ]
            else:
                # Explicit files are scanned whatever their name, as bandit does; excludes still apply.
                candidates.append(relative)
    else:
        git = _git_files(root)
        if git is not None:
            scope = Scope.GIT_TRACKED
            tracked, modified = git
            candidates = [name for name in tracked if is_included(name, settings.include)]
        else:
            scope = Scope.DIRECTORY
            candidates = [name for name in _walk(root) if is_included(name, settings.include)]
    targets: list[Target] = []
    excluded: list[str] = []
    for relative in sorted(set(candidates)):
        if is_excluded(relative, settings.excludes):
            excluded.append(relative)
        else:
            targets.append(Target(relative=relative, path=root / relative))
    wanted = {t.relative for t in targets}
    return Selection(
        scope=scope,
        targets=tuple(targets),
        excluded=tuple(excluded),
        modified=tuple(sorted(m for m in modified if m in wanted)),
    )
