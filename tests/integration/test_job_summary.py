"""Text from the repository under assessment reaches the GitHub job summary inert: no link, image or HTML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sdl_gate.github import run_action
from tests.conftest import DEMO_PROJECT, RunCli, assert_inert_markdown

#: The attacker's text: an image that phones home, raw HTML with a script, a javascript: link.
EVIL = "![x](https://evil/x.png) <img src=x onerror=alert(1)> [click](javascript:alert(1))"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow
def test_hostile_project_metadata_policy_and_waiver_render_inert(run_cli: RunCli, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(DEMO_PROJECT, root, ignore=shutil.ignore_patterns(".sdl-gate"))
    _replace(root / "pyproject.toml", 'name = "modbus-mqtt-gateway"', f'name = "{EVIL}"')
    _replace(root / "security" / "policy.yaml", "name: modbus-mqtt-gateway", f"name: '{EVIL} ``` x'")
    _replace(root / "security" / "waivers.yaml", "approver: Erika Lind <erika.lind@example.com>", f"approver: '{EVIL}'")
    summary = tmp_path / "summary.md"
    result = run_cli("check", root, "--format", "markdown", "--output", summary)
    assert result.code == 1, result.stderr  # the demo fails the gate on purpose
    markdown = summary.read_text(encoding="utf-8")
    assert markdown.count("evil/x") >= 3, "the hostile text must reach the summary for this test to mean anything"
    assert_inert_markdown(markdown, EVIL)


@pytest.mark.parametrize(
    "path_input",
    [
        f"x\n```\n{EVIL}\n```",  # closes the old fixed fence, then runs as Markdown
        f"x\n`````\n{EVIL}",  # a longer fence closes a shorter one too
        f"x\r```\r{EVIL}",  # a carriage return is a line ending to a Markdown renderer
    ],
    ids=["fence", "long-fence", "carriage-return"],
)
def test_an_error_quoting_user_text_stays_inside_its_code_block(path_input: str, tmp_path: Path) -> None:
    workspace, temp = tmp_path / "workspace", tmp_path / "temp"
    workspace.mkdir()
    temp.mkdir()
    summary, output = temp / "summary.md", temp / "output"
    env = {
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(temp),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "INPUT_PATH": path_input,
    }
    log: list[str] = []
    assert run_action(env, log.append) == 2
    markdown = summary.read_text(encoding="utf-8")
    assert "could not run" in markdown and "evil/x" in markdown
    assert_inert_markdown(markdown)
