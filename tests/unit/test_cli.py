"""The command tree of ``sdl_gate.cli``: what every command's help says."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from sdl_gate.cli import cli


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and sub-command, as the words that name it, walking the tree so new ones are covered."""
    yield path
    if isinstance(command, click.Group):
        for name, child in sorted(command.commands.items()):
            yield from _commands(child, (*path, name))


@pytest.mark.parametrize("words", list(_commands(cli)), ids=lambda words: " ".join(words) or "sdl-gate")
def test_every_commands_help_ends_with_its_exit_codes(words: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="sdl-gate")
    assert result.exit_code == 0, result.output
    # The epilog is the last paragraph, wrapped to the terminal's width.
    last = " ".join(result.output.strip().split("\n\n")[-1].split())
    assert last.startswith("Exit codes: 0 "), f"`sdl-gate {' '.join(words)} --help` ends with {last!r}"


@pytest.mark.parametrize(("typed", "offered"), [(["rec"], "records"), (["records", "ch"], "check")])
def test_shell_completion_offers_commands_and_sub_commands(typed: list[str], offered: str) -> None:
    # What `eval "$(_SDL_GATE_COMPLETE=bash_source sdl-gate)"` (the README's line) asks for on each Tab.
    env = {
        "_SDL_GATE_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(["sdl-gate", *typed]),
        "COMP_CWORD": str(len(typed)),
    }
    result = CliRunner().invoke(cli, [], prog_name="sdl-gate", env=env)
    assert result.exit_code == 0, result.output
    assert f"plain,{offered}" in result.output.splitlines()
