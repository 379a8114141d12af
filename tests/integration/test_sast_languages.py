"""Static analysis is judged on the whole product: every source language needs an analyser result.

A Go code base has no Python for bandit to read and no C for cppcheck; SI-1 (and SVV-3) must then say that
nothing analysed the Go, never that static analysis does not apply, even next to an approved code review.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectFactory, RunCli, write

STRCPY = """\
#include <string.h>

int main(int argc, char **argv) {
    char name[8];
    strcpy(name, argv[1]);
    return argc;
}
"""
UNSAFE_GO = """\
package main

import "os/exec"

func main() { exec.Command("sh", "-c", "ls").Run() }
"""
CLEAN_PYTHON = "def add(a: int, b: int) -> int:\n    return a + b\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _requirements(run_cli: RunCli, root: Path, *args: str) -> dict[str, dict[str, Any]]:
    result = run_cli("check", root, "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    return {requirement["id"]: requirement for requirement in json.loads(result.stdout)["requirements"]}


def _finding(requirement: dict[str, Any], criterion: str) -> dict[str, Any]:
    (found,) = [f for f in requirement["findings"] if f["criterion"] == criterion]
    return found


def _census(root: Path) -> dict[str, dict[str, Any]]:
    evidence_dir = root / ".sdl-gate" / "evidence"
    pointer = json.loads((evidence_dir / "latest" / "sast.json").read_text())
    stored = json.loads((evidence_dir / "objects" / (pointer["id"].removeprefix("sha256:") + ".json")).read_text())
    return {count["language"]: count for count in stored["evidence"]["payload"]["languages"]}


@pytest.mark.slow
def test_a_go_code_base_with_an_approved_review_is_never_satisfied_and_names_go(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    write(project.root / "main.go", UNSAFE_GO)
    project.record("code-review", "review", ["SI-1"])
    project.commit()
    found = _requirements(run_cli, project.root)
    si1 = found["SI-1"]
    assert si1["verdict"] in ("not_satisfied", "not_assessed"), si1
    languages = _finding(si1, "languages_analysed")
    assert languages["outcome"] == "not_available"
    assert "Go (1 file(s): main.go)" in languages["message"]
    assert _finding(found["SVV-3"], "languages_analysed")["outcome"] == "not_available"
    census = _census(project.root)["Go"]
    assert (census["files"], census["examples"], census["analysers"]) == (1, ["main.go"], [])


@pytest.mark.slow
def test_in_a_mixed_repository_bandit_covers_python_and_go_is_named_unanalysed(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    write(project.root / "widget" / "calc.py", CLEAN_PYTHON)
    write(project.root / "native" / "main.go", UNSAFE_GO)
    project.record("code-review", "review", ["SI-1"])
    project.commit()
    si1 = _requirements(run_cli, project.root)["SI-1"]
    assert si1["verdict"] not in ("satisfied", "not_applicable"), si1
    message = _finding(si1, "languages_analysed")["message"]
    assert "1 language(s)" in message and "Go (1 file(s): native/main.go)" in message
    assert "Python" not in message
    assert _census(project.root)["Python"]["analysers"] == ["bandit"]


@pytest.mark.slow
def test_a_policy_accepting_go_unanalysed_satisfies_si1_and_shows_the_allowance(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    write(project.root / "widget" / "calc.py", CLEAN_PYTHON)
    write(project.root / "native" / "main.go", UNSAFE_GO)
    project.record("code-review", "review", ["SI-1"])
    project.commit()
    # The operator's policy, outside the checkout: the repository cannot accept its own Go unanalysed.
    policy = write(
        tmp_path / "operator-policy.yaml",
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SI-1:
            params:
              sast_unanalysed_languages_allowed: ["Go"]
        """,
    )
    si1 = _requirements(run_cli, project.root, "--policy", str(policy))["SI-1"]
    languages = _finding(si1, "languages_analysed")
    assert languages["outcome"] == "pass"
    assert (
        "accepted without an analyser by the policy (SI-1 params sast_unanalysed_languages_allowed): Go"
        in (languages["message"])
    )
    assert si1["verdict"] == "satisfied", si1


@pytest.mark.slow
def test_the_repository_can_add_languages_but_not_hide_one(project: ProjectFactory, run_cli: RunCli) -> None:
    # A configuration that claims the Go files are Python counts them as both: Go stays unanalysed.
    project.pyproject('languages = {Python = ["*.go"], Assembly = ["*.S"]}\n')
    write(project.root / "widget" / "calc.py", CLEAN_PYTHON)
    write(project.root / "native" / "main.go", UNSAFE_GO)
    write(project.root / "native" / "start.S", "_start:\n    ret\n")
    project.commit()
    census = _requirements(run_cli, project.root) and _census(project.root)
    assert census["Go"]["files"] == 1 and census["Go"]["analysers"] == []
    assert census["Assembly"]["examples"] == ["native/start.S"]


@pytest.mark.slow
def test_source_the_repository_excludes_from_the_census_is_listed_and_judged_by_the_policy(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    # A pattern that reads like one for generated code, but takes every C file below the top directory.
    project.pyproject('source-exclude = ["*/*.c"]\n')
    write(project.root / "widget" / "calc.py", CLEAN_PYTHON)
    write(project.root / "native" / "main.c", STRCPY)
    project.record("code-review", "review", ["SI-1"])
    project.commit()
    si1 = _requirements(run_cli, project.root)["SI-1"]
    languages = _finding(si1, "languages_analysed")
    assert languages["outcome"] == "fail"
    assert "native/main.c ('*/*.c' in pyproject.toml [tool.sdl-gate] source-exclude)" in languages["message"]
    assert si1["verdict"] != "satisfied"
    # Only the operator's policy can accept those paths going unanalysed; the census still lists them.
    policy = write(
        tmp_path / "operator-policy.yaml",
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SI-1:
            params:
              sast_allowed_excludes: ["native/*"]
        """,
    )
    allowed = _finding(_requirements(run_cli, project.root, "--policy", str(policy))["SI-1"], "languages_analysed")
    assert allowed["outcome"] == "pass"
    assert "left out by source-exclude" in allowed["message"] and "native/main.c" in allowed["message"]
