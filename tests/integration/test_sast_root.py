"""`sdl-gate sast PATH` scans PATH inside the project around it: paths, configuration and baseline are the project's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, RunCli, write

SHELL = "import subprocess\n\nsubprocess.call(CMD, shell=True)\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _paths(run_cli: RunCli, *args: str | Path, cwd: Path) -> list[str]:
    result = run_cli("sast", "--format", "json", *args, cwd=cwd)
    assert result.code == 1, result.stderr
    return sorted({f["path"] for f in json.loads(result.stdout)["findings"]})


@pytest.mark.slow
def test_a_subdirectory_is_scanned_as_part_of_the_enclosing_project(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    root = project.root
    write(root / "src" / "foo.py", SHELL)
    write(root / "other.py", SHELL)
    assert _paths(run_cli, "src", cwd=root) == ["src/foo.py"]
    assert _paths(run_cli, root / "src", cwd=tmp_path) == ["src/foo.py"]
    # From inside the subdirectory, with no PATH, the project is the one around it.
    assert _paths(run_cli, cwd=root / "src") == ["other.py", "src/foo.py"]

    out = tmp_path / "sast.sarif"
    assert run_cli("sast", "--format", "sarif", "--output", out, "src", cwd=root).code == 1
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
        for location in result["locations"]
    }
    assert uris == {"src/foo.py"}


@pytest.mark.slow
def test_the_project_configuration_applies_to_a_scanned_subdirectory(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(root / "src" / "gen" / "made.py", SHELL)
    write(root / "src" / "foo.py", "VALUE = 1\n")
    with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.bandit]\nexclude_dirs = ["src/gen"]\n')
    result = run_cli("sast", "--format", "json", "src", cwd=root)
    report = json.loads(result.stdout)
    assert not report["findings"], "the project's exclude_dirs names src/gen, relative to the project"
    assert report["excluded"] == ["src/gen/made.py"]
