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
from sdl_gate._git import find_repository
from sdl_gate._tool import ToolUnavailable
from sdl_gate._yaml import parse_toml_text
from sdl_gate.errors import InputError
from sdl_gate.sast.models import Exclusion, Level, Scope, SkippedTest, SkipReason

#: bandit's own default exclusions (``bandit -x``), used unless ``.bandit`` replaces them as bandit does.
DEFAULT_EXCLUDES = (".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".eggs", "*.egg")
#: bandit scans ``*.py`` and ``*.pyw`` without a configuration file, ``*.py`` with one that sets no ``include``.
DEFAULT_INCLUDE_NO_CONFIG = ("*.py", "*.pyw")
DEFAULT_INCLUDE_WITH_CONFIG = ("*.py",)
#: The file names that are Python source whatever the include globs say: one the globs leave out is excluded.
PYTHON_SOURCE = DEFAULT_INCLUDE_NO_CONFIG
DEFAULT_EXCLUDES_SOURCE = "bandit's default excludes"


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
    exclude_sources: dict[str, str]
    include_source: str
    skipped: tuple[SkippedTest, ...]


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

    lists = _read_lists(b_conf, ini, config_file, ini_path)
    tests, skips = lists.tests, lists.skips
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
        excludes=lists.excludes,
        include=lists.include,
        version=version,
        digest="sha256:" + sha256_bytes(canonical_json(material).encode("utf-8")),
        path_sensitive=path_sensitive,
        exclude_sources=lists.exclude_sources,
        include_source=lists.include_source,
        skipped=skipped_tests(b_conf, lists),
    )


@dataclass(frozen=True)
class _Lists:
    """The test, skip, exclude and include lists in force, and which file and setting each entry comes from."""

    tests: tuple[str, ...]
    skips: tuple[str, ...]
    excludes: tuple[str, ...]
    include: tuple[str, ...]
    test_sources: dict[str, str]
    skip_sources: dict[str, str]
    exclude_sources: dict[str, str]
    include_source: str


def _read_lists(b_conf: Any, ini: dict[str, str], config_file: str | None, ini_path: Path) -> _Lists:
    toml = "pyproject.toml [tool.bandit]"
    try:
        toml_tests, ini_tests = _split(b_conf.get_option("tests")), _split(ini.get("tests"))
        toml_skips, ini_skips = _split(b_conf.get_option("skips")), _split(ini.get("skips"))
        # An ``exclude`` in .bandit replaces bandit's default exclusions (it stands in for ``-x``).
        cli_excludes = _split(ini["exclude"]) if ini.get("exclude") else DEFAULT_EXCLUDES
        toml_excludes = _split(b_conf.get_option("exclude_dirs"))
        configured_include = _split(b_conf.get_option("include"))
    except TypeError as exc:
        raise InputError(f"invalid bandit configuration: {exc}", path=config_file or ini_path) from None
    tests = tuple(dict.fromkeys(toml_tests + ini_tests))
    skips = tuple(dict.fromkeys(toml_skips + ini_skips))
    overlap = set(tests) & set(skips)
    if overlap:
        raise InputError(
            f"bandit tests both selected and skipped: {', '.join(sorted(overlap))}",
            path=config_file or ini_path,
        )
    exclude_sources = dict.fromkeys(
        cli_excludes, ".bandit [bandit] exclude" if ini.get("exclude") else DEFAULT_EXCLUDES_SOURCE
    )
    # Set last, so a pattern in both is reported where [tool.bandit] sets it.
    exclude_sources.update(dict.fromkeys(toml_excludes, f"{toml} exclude_dirs"))
    if configured_include:
        include, include_source = configured_include, f"{toml} include"
    elif config_file:
        include, include_source = DEFAULT_INCLUDE_WITH_CONFIG, "bandit's default include with a configuration file"
    else:
        include, include_source = DEFAULT_INCLUDE_NO_CONFIG, "bandit's default include"

    def where(test: str, key: str, in_toml: tuple[str, ...], in_ini: tuple[str, ...]) -> str:
        places = [f"{name} {key}" for name, listed in ((toml, in_toml), (".bandit [bandit]", in_ini)) if test in listed]
        return " and ".join(places)

    return _Lists(
        tests=tests,
        skips=skips,
        excludes=tuple(dict.fromkeys(toml_excludes + cli_excludes)),
        include=include,
        test_sources={test: where(test, "tests", toml_tests, ini_tests) for test in tests},
        skip_sources={test: where(test, "skips", toml_skips, ini_skips) for test in skips},
        exclude_sources=exclude_sources,
        include_source=include_source,
    )


def _declared_severity(test_id: str) -> Level | None:
    from bandit.core import extension_loader

    entry = extension_loader.MANAGER.blacklist_by_id.get(test_id)
    level = entry.get("level") if isinstance(entry, dict) else None
    return Level.from_bandit(level) if isinstance(level, str) else None


def skipped_tests(b_conf: Any, lists: _Lists) -> tuple[SkippedTest, ...]:
    """Every bandit test the configuration keeps from running as bandit would by default, and why.

    Which tests run is decided by bandit's own filter (``BanditTestSet._get_filter``: a ``tests`` list selects,
    ``skips`` removes, ``B001`` stands for every blacklist test); a test whose plugin settings differ from the
    plugin's own defaults (for example ``[tool.bandit.shell_injection]`` with no functions) runs, but may see less.
    """
    import importlib

    from bandit.core import extension_loader
    from bandit.core import test_set as b_test_set

    manager = extension_loader.MANAGER
    names = {test_id: str(entry.name) for test_id, entry in manager.plugins_by_id.items()}
    names.update({test_id: str(entry["name"]) for test_id, entry in manager.blacklist_by_id.items()})
    profile = {"include": set(lists.tests), "exclude": set(lists.skips)}
    running = set(b_test_set.BanditTestSet._get_filter(b_conf, profile))
    not_skipped = set(b_test_set.BanditTestSet._get_filter(b_conf, {"include": set(), "exclude": set(lists.skips)}))
    skipped: list[SkippedTest] = []
    for test_id in sorted(names):
        if test_id in running:
            continue
        if test_id not in not_skipped:
            named = lists.skip_sources.get(test_id) or lists.skip_sources.get("B001") or "skips"
            reason, source = SkipReason.SKIPPED, named
        else:
            selected_by = " and ".join(dict.fromkeys(lists.test_sources.values())) or "tests"
            reason, source = SkipReason.NOT_SELECTED, selected_by
        skipped.append(
            SkippedTest(
                test_id=test_id,
                name=names[test_id],
                severity=_declared_severity(test_id),
                reason=reason,
                source=source,
            )
        )
    for test_id, entry in sorted(manager.plugins_by_id.items()):
        plugin = entry.plugin
        setting = getattr(plugin, "_takes_config", None)
        if test_id not in running or not isinstance(setting, str):
            continue
        configured = b_conf.get_option(setting)
        if configured is None:
            continue
        default = importlib.import_module(plugin.__module__).gen_config(setting)
        if _jsonable(configured) != _jsonable(default):
            skipped.append(
                SkippedTest(
                    test_id=test_id,
                    name=names[test_id],
                    severity=None,
                    reason=SkipReason.RECONFIGURED,
                    source=f"pyproject.toml [tool.bandit.{setting}]",
                )
            )
    return tuple(skipped)


def excluded_by(relative: str, excludes: tuple[str, ...]) -> str | None:
    """Return the first pattern bandit's exclusion rule (glob match or substring) matches, in either spelling."""
    for pattern in excludes:
        for spelling in (relative, "./" + relative):
            if fnmatch.fnmatch(spelling, pattern) or pattern in spelling:
                return pattern
    return None


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
    exclusions: tuple[Exclusion, ...] = ()
    #: Every file in scope whatever its language: what the census of the product's languages counts.
    files: tuple[str, ...] = ()


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
    repository = find_repository(root)
    if repository is None:
        return None
    try:
        listed = repository.run("ls-files", "-z", cwd=root, timeout=60)
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
        diff = repository.run("diff", "--name-only", "-z", "--relative", "HEAD", "--", cwd=root, timeout=60)
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
    """Choose the files to scan: git-tracked Python files (or all under ``root``), or the explicit ones.

    Python files the configuration keeps out (exclude patterns, or include globs they do not match) are
    listed as exclusions with the pattern and the setting responsible, never silently dropped.
    """
    modified: list[str] = []
    left_out: list[str] = []
    in_scope: list[str] = []
    if explicit is not None:
        scope = Scope.FILES
        candidates: list[str] = []
        for given in explicit:
            if not os.path.lexists(given):
                raise InputError("file not found", path=given)
            relative = normalise(root, given)
            if (root / relative).is_dir():
                inside = [f"{relative}/{name}" if relative != "." else name for name in _walk(root / relative)]
                in_scope += inside
                candidates += [name for name in inside if is_included(name, settings.include)]
                left_out += [name for name in inside if _not_included(name, settings.include)]
            else:
                # Explicit files are scanned whatever their name, as bandit does; excludes still apply.
                candidates.append(relative)
                in_scope.append(relative)
    else:
        git = _git_files(root)
        if git is not None:
            scope = Scope.GIT_TRACKED
            tracked, modified = git
        else:
            scope = Scope.DIRECTORY
            tracked = _walk(root)
        in_scope = tracked
        candidates = [name for name in tracked if is_included(name, settings.include)]
        left_out = [name for name in tracked if _not_included(name, settings.include)]
    targets: list[Target] = []
    exclusions: list[Exclusion] = []
    for relative in sorted(set(candidates)):
        pattern = excluded_by(relative, settings.excludes)
        if pattern is not None:
            source = settings.exclude_sources.get(pattern, DEFAULT_EXCLUDES_SOURCE)
            exclusions.append(Exclusion(path=relative, pattern=pattern, source=source))
        else:
            targets.append(Target(relative=relative, path=root / relative))
    globs = ", ".join(settings.include)
    exclusions += [
        Exclusion(path=name, pattern=f"not matched by include {globs}", source=settings.include_source)
        for name in sorted(set(left_out) - set(candidates))
    ]
    exclusions.sort(key=lambda e: e.path)
    wanted = {t.relative for t in targets}
    return Selection(
        scope=scope,
        targets=tuple(targets),
        excluded=tuple(e.path for e in exclusions),
        modified=tuple(sorted(m for m in modified if m in wanted)),
        exclusions=tuple(exclusions),
        files=tuple(sorted(set(in_scope))),
    )


def _not_included(relative: str, include: tuple[str, ...]) -> bool:
    """A Python source file (``*.py``, ``*.pyw``) that the include globs leave out."""
    return is_included(relative, PYTHON_SOURCE) and not is_included(relative, include)
