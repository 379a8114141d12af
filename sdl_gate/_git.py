"""Every git call sdl-gate makes: in the real enclosing repository, with no command the repository can choose.

The checkout under assessment is untrusted. A pull request can commit git's own files (``HEAD``, ``config``,
``objects/``, ``refs/``, ``index``) into a subfolder, and git's discovery takes such a folder for a bare
repository: its ``config`` then chooses commands to run (``core.fsmonitor``), the commit that is reported
and the files that are listed. So git never discovers anything here. The repository is the nearest
directory above the project that holds a ``.git`` entry, which no commit can contain (git refuses that
path), and every call names it explicitly (``--git-dir``, ``--work-tree``). System and global
configuration and inherited ``GIT_*`` variables are dropped, and hooks, fsmonitor, external diff drivers,
textconv, filter drivers, signature verification and transports are switched off, as pre-commit and
git's own ``safe.bareRepository=explicit`` do for the same reasons.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sdl_gate._tool import ToolRun, run_tool

GIT_TIMEOUT_SECONDS = 60.0
#: A gitfile (the ``.git`` of a linked worktree or submodule) is one short line.
MAX_GITFILE_BYTES = 4096
_COMMIT_LENGTHS = (40, 64)

#: Configuration that would run a program, read files outside the repository or hide files, switched off
#: for every call; command-line configuration outranks the repository's own ``.git/config``.
_HARDENING = (
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    f"core.hooksPath={os.devnull}",
    f"core.attributesFile={os.devnull}",
    f"core.excludesFile={os.devnull}",
    "core.quotePath=false",
    "log.showSignature=false",
    "protocol.allow=never",
    "safe.bareRepository=explicit",
)
#: Options each subcommand gets so no diff driver, textconv or submodule process runs.
_SUBCOMMAND_OPTIONS: Mapping[str, tuple[str, ...]] = {
    "diff": ("--no-ext-diff", "--no-textconv", "--ignore-submodules=dirty"),
    "show": ("--no-ext-diff", "--no-textconv"),
}
#: Subcommands that hash work-tree files, which runs the clean filter of any driver ``.gitattributes`` names.
_READS_WORK_TREE_CONTENT = frozenset({"diff"})


def _sanitised_environment(*, operator_config: bool) -> dict[str, str]:
    """The caller's environment without ``GIT_*`` variables (which can redirect the repository or its config)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    env.update(
        {
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            # Read-only calls: never take the index lock, so concurrent collectors do not collide.
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_NO_LAZY_FETCH": "1",
        }
    )
    if not operator_config:
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = os.devnull
    return env


def _ceilings() -> list[Path]:
    """The operator's ``GIT_CEILING_DIRECTORIES``: directories the search for a repository never climbs into."""
    text = os.environ.get("GIT_CEILING_DIRECTORIES", "")
    return [Path(entry).resolve() for entry in text.split(os.pathsep) if entry and Path(entry).is_absolute()]


def _is_git_entry(entry: Path) -> bool:
    """Whether ``entry`` (a ``.git`` path) is a repository directory or a gitfile pointing at one."""
    try:
        if entry.is_dir():
            return (entry / "HEAD").is_file()
        if entry.is_file() and entry.stat().st_size <= MAX_GITFILE_BYTES:
            return entry.read_bytes().startswith(b"gitdir:")
    except OSError:
        return False
    return False


def _owner(path: Path) -> int | None:
    try:
        return path.stat().st_uid
    except OSError:
        return None


def _trusted_owner(git_entry: Path, project: Path) -> bool:
    """Git's ownership rule, kept although ``--git-dir`` skips it: the repository is ours or the project owner's.

    It stops a ``.git`` planted by another user in a shared, world-writable parent directory from being
    taken for the project's repository. A CI container running as root over a checkout owned by the
    runner user passes, since the checkout and its ``.git`` have the same owner.
    """
    if not hasattr(os, "geteuid"):
        return True  # no POSIX ownership to compare
    owner = _owner(git_entry)
    return owner is not None and owner in (os.geteuid(), _owner(project))


@dataclass(frozen=True)
class Repository:
    """A git work tree and its ``.git`` entry, found without asking git."""

    work_tree: Path
    git_dir: Path

    def run(
        self, *args: str, cwd: Path | None = None, timeout: float = GIT_TIMEOUT_SECONDS, operator_config: bool = False
    ) -> ToolRun:
        """Run ``git ARGS`` in this repository from ``cwd`` (default: the work tree), hardened as described above.

        ``operator_config`` keeps the system and global configuration (the operator's, never the checkout's)
        for the one call that must see it: where git looks for hooks. Raises ``ToolUnavailable``.
        """
        subcommand, *rest = args
        env = _sanitised_environment(operator_config=operator_config)
        settings = [s for s in _HARDENING if not (operator_config and s.startswith("core.hooksPath="))]
        if subcommand in _READS_WORK_TREE_CONTENT:
            settings += self._filters_off(env)
        argv = ["git", "--no-pager", f"--git-dir={self.git_dir}", f"--work-tree={self.work_tree}"]
        for setting in settings:
            argv += ["-c", setting]
        argv += [subcommand, *_SUBCOMMAND_OPTIONS.get(subcommand, ()), *rest]
        return run_tool(argv, cwd=cwd or self.work_tree, timeout=timeout, env=env)

    def _filters_off(self, env: Mapping[str, str]) -> list[str]:
        """Settings that empty every filter driver the repository's configuration defines.

        ``.gitattributes`` is committed, so a pull request chooses which files a driver applies to; the
        gate compares the bytes as they are and runs none of them.
        """
        listed = run_tool(
            [
                "git",
                f"--git-dir={self.git_dir}",
                "config",
                "--includes",
                "--name-only",
                "--get-regexp",
                r"^filter\.",
            ],
            cwd=self.work_tree,
            timeout=GIT_TIMEOUT_SECONDS,
            env=env,
        )
        drivers = sorted(
            {key[len("filter.") : key.rindex(".")] for key in listed.stdout.split() if key.count(".") >= 2}
        )
        return [
            f"filter.{driver}.{field}"
            for driver in drivers
            for field in ("clean=", "smudge=", "process=", "required=false")
        ]


def find_repository(path: Path) -> Repository | None:
    """Return the repository whose work tree holds ``path``: the nearest ``.git`` entry at or above it.

    A directory that merely looks like a repository (committed ``HEAD``, ``config``, ``objects/``) is never
    one; the search stops below the operator's ``GIT_CEILING_DIRECTORIES`` and at a ``.git`` owned by
    someone other than the current user or the project's owner. None outside git.
    """
    try:
        start = path.resolve()
    except OSError:
        return None
    if not start.is_dir():
        start = start.parent
    ceilings = _ceilings()
    for directory in (start, *start.parents):
        if directory != start and directory in ceilings:
            return None
        entry = directory / ".git"
        if _is_git_entry(entry):
            if not _trusted_owner(entry, start):
                return None
            return Repository(work_tree=directory, git_dir=entry)
    return None


def git_commit(root: Path) -> str | None:
    """Return the commit checked out in the repository holding ``root``, or None outside git or without git."""
    from sdl_gate._tool import ToolUnavailable

    repository = find_repository(root)
    if repository is None:
        return None
    try:
        run = repository.run("rev-parse", "--verify", "--end-of-options", "HEAD^{commit}", timeout=10)
    except ToolUnavailable:
        return None
    commit = run.stdout.strip()
    if run.returncode != 0 or len(commit) not in _COMMIT_LENGTHS:
        return None
    return commit
