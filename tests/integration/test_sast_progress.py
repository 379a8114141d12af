"""The progress of a scan goes to stderr only: stdout stays a report a machine can parse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, RunCli, write


def test_progress_lines_go_to_stderr_and_json_on_stdout_parses(
    project: ProjectFactory, tmp_path: Path, run_cli_in_process: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sdl_gate.progress.LOG_INTERVAL_SECONDS", 0.0)  # a line for every step of the scan
    for n in range(4):
        write(project.root / f"m{n}.py", f"import subprocess\nsubprocess.call(C{n}, shell=True)\n")
    env = {"SDL_GATE_SAST_CACHE_DIR": str(tmp_path / "cache")}
    done = run_cli_in_process("sast", project.root, "--format", "json", "--jobs", "1", env=env)
    assert done.code == 1  # the findings fail the run
    report = json.loads(done.stdout)
    assert report["analysed"] == 4
    progress = [line for line in done.stderr.splitlines() if line.startswith("sast: ")]
    assert progress and "4/4 files" in progress[-1]
