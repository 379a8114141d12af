"""The test command: one line in the README, which .ci/run and the ci workflow run, installing from the locks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"


def _readme_test_command() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"Run the whole test suite.*?```sh\n(.+?)\n```", readme, re.S)
    assert found is not None, "the README shows no test command"
    return found.group(1)


def test_ci_runs_the_readme_command_which_installs_only_hashed_pins() -> None:
    command = _readme_test_command()
    assert "--require-hashes -r requirements-dev-lock.txt" in command
    assert "--no-deps --no-build-isolation -e ." in command  # nothing unpinned is fetched for the project itself
    assert command.endswith("scripts/test")
    ci_run = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci_run[-1] == command
    workflow = yaml.safe_load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))
    steps = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert command in [" ".join(step.split()) for step in steps]


def test_the_readme_demo_command_installs_the_runtime_lock_with_hashes() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"Run the gate on the bundled example product.*?```sh\n(.+?)\n```", readme, re.S)
    assert found is not None, "the README shows no demo command"
    command = " ".join(found.group(1).replace("\\\n", " ").split())
    assert "--require-hashes -r requirements-lock.txt" in command
    assert "--no-deps -e ." in command  # the project itself adds nothing unpinned
    assert "sdl-gate check examples/demo-project" in command


def test_the_drift_workflow_installs_the_newest_releases_weekly_and_on_demand() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "dependency-drift.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {}
    steps = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any("--upgrade -e '.[dev]'" in step and "requirements" not in step for step in steps)
    assert "scripts/test" in steps


@pytest.mark.slow
def test_the_test_script_fails_when_no_test_ran(tmp_path: Path) -> None:
    """pytest's exit 5 (nothing collected) must not pass for a green run."""
    completed = subprocess.run(
        [
            str(REPO_ROOT / "scripts" / "test"),
            "-n",
            "0",  # no workers to start: the point is the exit status
            "-p",
            "no:cacheprovider",
            "-k",
            "no_test_has_this_name",
            "tests/integration/test_ci.py",
        ],
        # A failing step keeps its temporary files: here, in this test's own directory.
        env={**os.environ, "PYTHON": sys.executable, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, completed.stdout + completed.stderr
    assert "test_dogfood" not in completed.stdout  # the gate step did not run after an empty suite
