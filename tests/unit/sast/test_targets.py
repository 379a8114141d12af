"""Which project a `sdl-gate sast` run scans, and which of its files (``sast.targets.scan_root``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.sast.targets import enclosing_project, scan_root
from tests.conftest import write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(root / "pyproject.toml", '[project]\nname = "widget"\nversion = "1.0"\n')
    write(root / "src" / "pkg" / "app.py", "VALUE = 1\n")
    return root


def test_the_operators_root_wins_and_names_the_files(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert scan_root((), other) == (other, None)
    assert scan_root((project / "src",), other) == (other, [project / "src"])


def test_a_file_is_scanned_in_the_project_around_it(project: Path) -> None:
    app = project / "src" / "pkg" / "app.py"
    assert scan_root((app,), None) == (project, [app])
    assert enclosing_project(app.parent) == project


def test_the_project_directory_itself_is_the_whole_project(project: Path) -> None:
    assert scan_root((project,), None) == (project, None)


def test_without_paths_the_project_around_the_current_directory_is_scanned(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "src" / "pkg")
    assert scan_root((), None) == (project, None)
    monkeypatch.chdir(project)
    assert scan_root((), None) == (Path(), None)
