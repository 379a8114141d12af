"""The git authors of the code under test (SVV-5), from a real repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sdl_gate.collectors.code_authors import code_authors
from tests.conftest import write


def _commit(root: Path, email: str, path: str) -> None:
    write(root / path, f"{email} {path}\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run(
        [
            "git",
            "-c",
            f"user.email={email}",
            "-c",
            "user.name=N",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            path,
        ],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_authors_of_a_range_limited_to_the_project(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    _commit(repo, "Old@Example.com", "proj/a.py")
    subprocess.run(["git", "tag", "v1"], cwd=repo, check=True)
    _commit(repo, "dev@example.com", "proj/b.py")
    _commit(repo, "elsewhere@example.com", "other/c.py")
    project = repo / "proj"
    whole = code_authors(project, "HEAD")
    assert whole["status"] == "observed"
    assert whole["authors"] == ["dev@example.com", "old@example.com"]
    assert code_authors(project, "v1..HEAD")["authors"] == ["dev@example.com"]
    unknown = code_authors(project, "v9..HEAD")
    assert unknown["status"] == "unavailable"
    assert "v9..HEAD" in unknown["detail"]
    assert code_authors(project, "--all")["status"] == "unavailable"
    assert code_authors(repo / "other", "v1..v1")["status"] == "unavailable"  # no commit: cannot tell


def test_outside_git_the_authors_are_unknown(tmp_path: Path) -> None:
    assert code_authors(tmp_path, "HEAD")["status"] == "unavailable"
