"""The one git helper: which repository it finds, and that nothing from the checkout or GIT_* runs or redirects."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sdl_gate._git import find_repository, git_commit
from tests.conftest import REPO_ROOT, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    """Run git with a fixed identity and no user or system configuration; return its output."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def _repository(path: Path, files: dict[str, str]) -> str:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    for name, text in files.items():
        write(path / name, text)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "initial")
    return git(path, "rev-parse", "HEAD").strip()


def _plant_fake_repository(directory: Path, tmp_path: Path, marker: Path) -> str:
    """Copy a real repository's internals into ``directory`` with a config whose fsmonitor writes ``marker``."""
    fake = tmp_path / "fake-source"
    commit = _repository(fake, {"app.py": "print('hi')\n"})
    for name in ("HEAD", "index"):
        shutil.copyfile(fake / ".git" / name, directory / name)
    for name in ("objects", "refs"):
        shutil.copytree(fake / ".git" / name, directory / name)
    write(
        directory / "config",
        f"[core]\n\tbare = false\n\tworktree = .\n\tfsmonitor = \"touch '{marker}'; false\"\n",
    )
    return commit


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "marker"


def test_a_folder_holding_git_internals_is_not_a_repository(tmp_path: Path, marker: Path) -> None:
    outer = tmp_path / "outer"
    real = _repository(outer, {"service/pyproject.toml": "[project]\nname = 'x'\n"})
    service = outer / "service"
    fake = _plant_fake_repository(service, tmp_path, marker)
    found = find_repository(service)
    assert found is not None
    assert (found.work_tree, found.git_dir) == (outer.resolve(), outer.resolve() / ".git")
    assert git_commit(service) == real != fake
    assert git_commit(service / "no-such-file.py") == real
    assert not marker.exists()


def test_outside_git_a_fake_repository_is_still_not_one(tmp_path: Path, marker: Path) -> None:
    project = tmp_path / "tarball" / "project"
    project.mkdir(parents=True)
    _plant_fake_repository(project, tmp_path, marker)
    assert find_repository(project) is None
    assert git_commit(project) is None
    assert not marker.exists()


def test_a_linked_worktree_is_found_through_its_gitfile(tmp_path: Path) -> None:
    main = tmp_path / "main"
    _repository(main, {"a.py": "a = 1\n"})
    linked = tmp_path / "linked"
    git(main, "worktree", "add", "-q", "-b", "other", str(linked))
    write(linked / "b.py", "b = 2\n")
    git(linked, "add", "b.py")
    git(linked, "commit", "-qm", "on the other branch")
    found = find_repository(linked)
    assert found is not None and found.git_dir == linked.resolve() / ".git" and found.git_dir.is_file()
    assert git_commit(linked) == git(linked, "rev-parse", "HEAD").strip() != git(main, "rev-parse", "HEAD").strip()
    listed = found.run("ls-files", "-z")
    assert sorted(n for n in listed.stdout.split("\0") if n) == ["a.py", "b.py"]


def test_the_search_stops_below_the_operators_ceiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outer = tmp_path / "outer"
    _repository(outer, {"sub/a.py": "a = 1\n"})
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(outer))
    assert find_repository(outer / "sub") is None
    assert find_repository(outer) is not None  # the ceiling itself is where the search starts


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="changing file owners needs root")
def test_a_git_directory_owned_by_someone_else_is_not_taken(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    _repository(shared, {"README": "planted\n"})
    project = shared / "project"
    project.mkdir()
    os.chown(shared / ".git", 4242, 4242)
    assert find_repository(project) is None
    # A checkout owned by one user (the runner) as a whole is usable by another (root in a container).
    os.chown(project, 4242, 4242)
    found = find_repository(project)
    assert found is not None and found.work_tree == shared.resolve()


def test_inherited_git_variables_neither_redirect_nor_configure(
    tmp_path: Path, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = tmp_path / "outer"
    real = _repository(outer, {"service/a.py": "a = 1\n", "service/b.py": "b = 2\n"})
    service = outer / "service"
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    fake = _plant_fake_repository(decoy, tmp_path, marker)
    monkeypatch.setenv("GIT_DIR", str(decoy))
    monkeypatch.setenv("GIT_WORK_TREE", str(decoy))
    monkeypatch.setenv("GIT_INDEX_FILE", str(decoy / "index"))
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(decoy / "objects"))
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.fsmonitor")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", f"touch '{marker}'; false")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.fsmonitor'='touch {marker}; false'")
    assert git_commit(service) == real != fake
    found = find_repository(service)
    assert found is not None
    listed = found.run("ls-files", "-z", cwd=service)
    assert sorted(n for n in listed.stdout.split("\0") if n) == ["a.py", "b.py"]
    assert not marker.exists()


def test_user_and_system_configuration_are_not_read(
    tmp_path: Path, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    _repository(repo, {"a.py": "a = 1\n"})
    home = tmp_path / "home"
    write(
        home / ".gitconfig",
        f"[core]\n\tfsmonitor = \"touch '{marker}'; false\"\n\texcludesFile = {home / 'ignore'}\n",
    )
    write(home / "ignore", "*.py\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    write(repo / "new.py", "n = 1\n")
    found = find_repository(repo)
    assert found is not None
    untracked = found.run("ls-files", "-z", "--others", "--exclude-standard")
    assert untracked.stdout.split("\0")[0] == "new.py"  # the user's global ignore does not hide it
    assert not marker.exists()


def test_diff_runs_no_driver_the_repository_configures(tmp_path: Path, marker: Path) -> None:
    """Drivers set in the real .git/config and chosen by a committed .gitattributes run neither on diff nor show."""
    repo = tmp_path / "repo"
    _repository(repo, {"a.py": "a = 1\n", ".gitattributes": "*.py filter=evil diff=evil\n"})
    command = f"touch '{marker}'; cat"
    for key in ("filter.evil.clean", "filter.evil.smudge", "filter.evil.process", "diff.evil.textconv"):
        git(repo, "config", key, command)
    git(repo, "config", "filter.evil.required", "true")
    git(repo, "config", "diff.evil.command", command)
    git(repo, "config", "core.fsmonitor", command)
    write(repo / "a.py", "a = 2\n")
    found = find_repository(repo)
    assert found is not None
    names = found.run("diff", "--name-only", "-z", "HEAD", "--")
    assert (names.returncode, names.stdout) == (0, "a.py\0")
    patch = found.run("diff", "HEAD", "--")
    assert patch.returncode == 0 and "+a = 2" in patch.stdout
    shown = found.run("show", "HEAD", "--")
    assert shown.returncode == 0 and "+a = 1" in shown.stdout
    assert not marker.exists()


def test_no_git_call_bypasses_the_helper() -> None:
    """Only sdl_gate/_git.py names the git executable: every other caller goes through it."""
    offenders: list[str] = []
    for path in sorted((REPO_ROOT / "sdl_gate").rglob("*.py")):
        if path.name == "_git.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.List | ast.Tuple) and node.elts:
                first = node.elts[0]
                if isinstance(first, ast.Constant) and first.value == "git":
                    offenders.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert offenders == []
