"""The README's walkthrough from `sdl-gate init` to a green gate, replayed block by block so it cannot drift."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SHARED_FIXTURES

HEADING = "## Walkthrough: from `sdl-gate init` to a green gate"
FENCE = re.compile(r"^(```+|~~~+)")


def walkthrough_blocks(readme: str) -> list[str]:
    """The ```sh blocks of the walkthrough section, in order (a `## ` inside a block does not end the section)."""
    lines = readme.splitlines()
    start = lines.index(HEADING)
    blocks: list[str] = []
    current: list[str] | None = None
    fence = ""
    for line in lines[start + 1 :]:
        if current is None and not fence:
            if line.startswith("## "):
                break
            if line.strip() == "```sh":
                current, fence = [], "```"
                continue
            opened = FENCE.match(line)
            if opened:
                fence = opened.group(1)
            continue
        if line.strip() == fence:
            if current is not None:
                blocks.append("\n".join(current) + "\n")
            current, fence = None, ""
            continue
        if current is not None:
            current.append(line)
    return blocks


def _split_check(block: str) -> tuple[str, str | None]:
    """The block without its closing `sdl-gate check` line, and that line (None when it does not end in one)."""
    lines = block.rstrip("\n").splitlines()
    if lines and lines[-1].startswith("sdl-gate check"):
        return "\n".join(lines[:-1]) + "\n", lines[-1]
    return block, None


def _environment(tmp_path: Path) -> dict[str, str]:
    """A newcomer's shell: a fresh HOME, sdl-gate of this interpreter first on PATH, nothing of this test run."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SDL_GATE_", "PYTEST_", "GIT_", "XDG_")) and key not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    home = tmp_path / "home"
    home.mkdir()
    env |= {
        "HOME": str(home),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        "GIT_CONFIG_NOSYSTEM": "1",
        "OSV_EXPORT": str(SHARED_FIXTURES / "osv"),
        "SDL_GATE_KEY_PASSPHRASE": "walkthrough passphrase",
        # The shared OSV fixtures are a 2024 snapshot of 25 PyPI advisories (see the walkthrough's step 2).
        "VULNDB_MAX_AGE_DAYS": "36500",
        "VULNDB_MIN_RECORDS": "25",
    }
    return env


def _bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=300, check=False)


def test_walkthrough_blocks_are_found() -> None:
    """The section exists and holds the blocks the replay runs, ending with a check that should pass."""
    blocks = walkthrough_blocks((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    checks = [_split_check(block)[1] for block in blocks]
    assert len(blocks) >= 4
    assert checks[0] is not None and "exit 1" in checks[0]
    assert checks[-1] is not None and "exit 0" in checks[-1]


@pytest.mark.slow
def test_readme_walkthrough_reaches_a_green_gate(tmp_path: Path) -> None:
    """Every block of the README walkthrough runs; its intermediate checks fail (exit 1) and the last one passes."""
    if not (SHARED_FIXTURES / "osv").is_dir():
        pytest.skip(f"the shared OSV fixtures are absent ({SHARED_FIXTURES / 'osv'})")
    for tool in ("bash", "git", "ssh-keygen", "sed"):
        if shutil.which(tool) is None:
            pytest.skip(f"the walkthrough needs {tool} on PATH")
    if not (Path(sys.executable).parent / "sdl-gate").exists():
        pytest.skip("sdl-gate is not installed beside this interpreter")
    env = _environment(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    cwd_file = tmp_path / "cwd"
    cwd_file.write_text(str(work), encoding="utf-8")
    exports: list[str] = []  # a reader's shell keeps what earlier blocks exported
    codes: list[int] = []
    expected: list[int] = []
    for number, block in enumerate(walkthrough_blocks((REPO_ROOT / "README.md").read_text(encoding="utf-8")), 1):
        body, check = _split_check(block)
        exports += [line for line in body.splitlines() if line.startswith("export ")]
        prologue = f"set -euo pipefail\ncd \"$(cat '{cwd_file}')\"\n" + "\n".join(exports) + "\n"
        ran = _bash(prologue + body + f"pwd > '{cwd_file}'\n", env)
        assert ran.returncode == 0, f"walkthrough block {number} failed:\n{ran.stdout}\n{ran.stderr}"
        if check is None:
            continue
        gate = _bash(prologue + check + "\n", env)
        codes.append(gate.returncode)
        said = re.search(r"# exit (\d)", check)
        assert said is not None, f"block {number}'s check does not say the exit code it expects: {check}"
        expected.append(int(said.group(1)))
        assert gate.returncode == expected[-1], f"block {number}: {check}\n{gate.stdout}\n{gate.stderr}"
    assert expected[-1] == 0 and set(expected[:-1]) == {1}, expected
    assert codes == expected
