"""Commands the gate's advice tells a newcomer to run work as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sdl_gate.checks._regression import regression_tests_pass
from tests.conftest import commit_all, write

MARKED_TEST = """
import pytest


@pytest.mark.security(requirements=["SR-1"])
def test_marked() -> None:
    assert True
"""


@pytest.mark.slow
def test_the_advised_pytest_command_records_the_run(tmp_path: Path) -> None:
    """SUM-1's fix names a pytest command; run as written where sdl-gate is installed, it records test evidence."""
    commands = [c for c in re.findall(r"`([^`]+)`", regression_tests_pass.fix) if "pytest" in c.split()[:3]]
    assert commands, "the advice names no pytest command"
    root = tmp_path / "proj"
    write(root / "pyproject.toml", '[project]\nname = "p"\nversion = "1"\n')
    write(root / "tests" / "test_marked.py", MARKED_TEST)
    commit_all(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SDL_GATE_"))}
    for command in commands:
        words = command.split()
        argv = [sys.executable, *words[1:]] if words[0] == "python" else [sys.executable, "-m", *words]
        ran = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert ran.returncode == 0, f"`{command}` failed:\n{ran.stdout}\n{ran.stderr}"
    evidence = list((root / ".sdl-gate" / "evidence").rglob("*.json"))
    assert evidence, "the advised run recorded no test evidence"
