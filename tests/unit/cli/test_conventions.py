"""The command tree of ``sdl_gate.cli``: conventions every command keeps, checked by walking the whole tree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sdl_gate.cli import cli
from sdl_gate.cli._options import HUMAN_FORMAT
from tests.conftest import RunCli


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and sub-command, as the words that name it, walking the tree so new ones are covered."""
    yield path
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            child = command.get_command(context, name)
            assert child is not None, f"`sdl-gate {' '.join((*path, name))}` is listed but cannot be loaded"
            yield from _commands(child, (*path, name))


def _command(words: tuple[str, ...]) -> click.Command:
    command: click.Command | None = cli
    for word in words:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), word)
    assert command is not None
    return command


def _visible_options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and not p.hidden]


COMMANDS = list(_commands(cli))
IDS = [" ".join(words) or "sdl-gate" for words in COMMANDS]
#: Names the project directory must not go by: it is the positional PATH, or --path when the positional is
#: something else.
PROJECT_SPELLINGS = {"--root", "--project", "--project-dir", "--project-root", "--dir", "--directory", "--repo"}
#: What commands have called their human-readable format; one of them is the name.
HUMAN_NAMES = {"console", "text", "table", "human", "plain", "screen", "pretty"}


@pytest.mark.parametrize("words", COMMANDS, ids=IDS)
def test_every_commands_help_ends_with_its_exit_codes(words: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*words, "--help"], prog_name="sdl-gate")
    assert result.exit_code == 0, result.output
    # The epilog is the last paragraph, wrapped to the terminal's width.
    last = " ".join(result.output.strip().split("\n\n")[-1].split())
    assert last.startswith("Exit codes: 0 "), f"`sdl-gate {' '.join(words)} --help` ends with {last!r}"


@pytest.mark.parametrize("words", COMMANDS, ids=IDS)
def test_the_project_is_the_positional_path_or_else_path(words: tuple[str, ...]) -> None:
    command = _command(words)
    spellings = {opt for option in _visible_options(command) for opt in option.opts}
    assert not spellings & PROJECT_SPELLINGS, f"`sdl-gate {' '.join(words)}` names the project otherwise"
    positional = [p for p in command.params if isinstance(p, click.Argument) and p.name == "path"]
    by_option = [o for o in _visible_options(command) if "--path" in o.opts]
    assert len(positional) + len(by_option) <= 1, "the project is named once: PATH or --path"
    for argument in positional:
        assert argument.make_metavar(click.Context(command)).strip("[].") == "PATH"
        assert isinstance(argument.type, click.Path)
    for option in by_option:
        assert option.opts == ["--path"]
        assert isinstance(option.type, click.Path)
        # --path is for commands whose positional is something else (files, an id, a model file).
        others = [p for p in command.params if isinstance(p, click.Argument)]
        assert others, f"`sdl-gate {' '.join(words)}` takes the project as --path but has no other positional"


@pytest.mark.parametrize("words", COMMANDS, ids=IDS)
def test_format_is_the_output_format_and_input_format_the_input(words: tuple[str, ...]) -> None:
    for option in _visible_options(_command(words)):
        if "--format" in option.opts:
            assert option.name == "output_format", f"`sdl-gate {' '.join(words)} --format` is not an output"
        if option.name == "input_format":
            assert option.opts == ["--input-format"]


@pytest.mark.parametrize("words", COMMANDS, ids=IDS)
def test_the_human_format_has_one_name(words: tuple[str, ...]) -> None:
    for option in _visible_options(_command(words)):
        if option.name == "output_format" and isinstance(option.type, click.Choice):
            assert set(option.type.choices) & HUMAN_NAMES <= {HUMAN_FORMAT}
            if option.default in HUMAN_NAMES:
                assert option.default == HUMAN_FORMAT


def test_the_walk_reaches_the_hidden_scan_and_every_group() -> None:
    # The tests above mean something only if the walk sees what they check.
    assert {("sast", "scan"), ("threat-model", "import"), ("catalogue",), ("records", "approve")} <= set(COMMANDS)


@pytest.mark.parametrize(
    ("words", "old"), [(("catalogue",), "table"), (("threat-model", "check"), "text")], ids=["table", "text"]
)
def test_an_old_name_of_the_human_format_still_means_it(words: tuple[str, ...], old: str) -> None:
    command = _command(words)
    (option,) = (p for p in command.params if p.name == "output_format")
    assert option.type.convert(old, option, click.Context(command)) == HUMAN_FORMAT


def test_the_catalogue_under_its_old_format_name_is_the_same(run_cli_in_process: RunCli) -> None:
    old = run_cli_in_process("catalogue", "--format", "table")
    new = run_cli_in_process("catalogue")
    assert (old.code, old.stdout) == (new.code, new.stdout)
    assert new.code == 0


def test_sast_root_still_names_the_project_with_a_deprecation(run_cli_in_process: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "not-a-project"
    old = run_cli_in_process("sast", "--root", missing, cwd=tmp_path)
    new = run_cli_in_process("sast", "--path", missing, cwd=tmp_path)
    # Both refuse the same directory (it is the project either way); only the old spelling is warned about.
    assert old.code == new.code == 2
    assert str(missing) in old.stderr
    assert str(missing) in new.stderr
    assert "--root" in old.stderr.splitlines()[0]
    assert "--root" not in new.stderr
    assert old.stderr.splitlines()[1:] == new.stderr.splitlines()


def test_threat_model_import_format_still_names_the_input_format(run_cli_in_process: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "model.json"
    old = run_cli_in_process("threat-model", "import", missing, "--format", "otm")
    new = run_cli_in_process("threat-model", "import", missing, "--input-format", "otm")
    assert old.code == new.code == 2
    assert "--format" in old.stderr.splitlines()[0]
    assert old.stderr.splitlines()[1:] == new.stderr.splitlines()
    # Without either it is a usage error, as when the option was required.
    assert run_cli_in_process("threat-model", "import", missing).code == 2


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
