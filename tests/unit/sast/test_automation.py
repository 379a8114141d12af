"""Which committed hooks and workflows run the analyser automatically (SI-2)."""

from __future__ import annotations

from pathlib import Path

from sdl_gate.sast.findings import find_automation
from sdl_gate.scaffold import scaffold
from tests.conftest import write


def _hook(hook_id: str, entry: str, stages: str = "") -> str:
    return (
        f"repos:\n  - repo: local\n    hooks:\n      - id: {hook_id}\n        name: x\n        entry: {entry}\n"
        f"        language: system\n{stages}"
    )


def test_the_hooks_init_installs_count_as_running_the_analyser(tmp_path: Path) -> None:
    scaffold(tmp_path)
    found = find_automation(tmp_path)
    assert [hook.path for hook in found] == [".pre-commit-config.yaml"]
    assert "sdl-sast" in found[0].detail


def test_a_hook_is_recognised_by_its_id_or_by_what_it_runs(tmp_path: Path) -> None:
    write(tmp_path / ".pre-commit-config.yaml", _hook("sdl-sast", "sdl-gate sast"))
    assert find_automation(tmp_path)[0].detail == "pre-commit hook sdl-sast"
    write(tmp_path / ".pre-commit-config.yaml", _hook("my-analysis", "bandit -c pyproject.toml"))
    assert find_automation(tmp_path)[0].detail == "pre-commit hook my-analysis"


def test_hooks_that_run_something_else_or_only_on_request_do_not_count(tmp_path: Path) -> None:
    write(tmp_path / ".pre-commit-config.yaml", _hook("sdl-records", "sdl-gate records check"))
    assert find_automation(tmp_path) == ()
    # An id that merely starts like sdl-gate's runs what its entry says, not the analyser.
    write(tmp_path / ".pre-commit-config.yaml", _hook("sdl-gate-records", "sdl-gate records check"))
    assert find_automation(tmp_path) == ()
    write(tmp_path / ".pre-commit-config.yaml", _hook("sdl-sast", "sdl-gate sast", "        stages: [manual]\n"))
    assert find_automation(tmp_path) == ()
    write(tmp_path / ".pre-commit-config.yaml", "repos: [: not yaml\n")
    assert find_automation(tmp_path) == ()
