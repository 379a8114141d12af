"""Setting a project up and the git hooks: init, install-hooks, pre-push."""

from __future__ import annotations

from pathlib import Path

import click

from sdl_gate.cli._options import approver_options, register_choice
from sdl_gate.cli._output import EPILOG, echo_hook, hook_listed


@click.command(
    epilog="Exit codes: 0 scaffolded (existing files kept), 2 PATH is not a directory or its pyproject.toml is "
    "invalid, 3 a file could not be written."
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
def init(path: Path) -> None:
    """Scaffold sdl-gate in the project at PATH: config, security/ templates, .gitignore entry.

    Existing files are never overwritten; the [tool.sdl-gate] section is appended to pyproject.toml only
    when it has none.
    """
    from sdl_gate.scaffold import scaffold

    for line in scaffold(path):
        click.echo(line)


@click.command("pre-push", epilog=EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option("--blocking", is_flag=True, help="Block on a failed gate whatever pre-push in [tool.sdl-gate] says.")
@approver_options
@click.pass_context
def pre_push(
    ctx: click.Context,
    path: Path,
    policy_spec: str | None,
    blocking: bool,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Run the full gate and summarise it in one screen; advisory (exit 0) unless pre-push = "blocking"."""
    from sdl_gate.precommit import pre_push_report

    register = register_choice(approvers_file, trusted_ref)
    report = pre_push_report(
        path, policy_spec=policy_spec, register=register, blocking=blocking, listed=hook_listed(ctx)
    )
    echo_hook(ctx, report)


@click.command("install-hooks", epilog="Exit codes: 0 installed, 2 not a git work tree.")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=Path())
@click.option("--force", is_flag=True, help="Replace pre-commit/pre-push hooks that sdl-gate did not write.")
def install_hooks(path: Path, force: bool) -> None:
    """Install plain git pre-commit and pre-push hooks (for repositories without the pre-commit framework)."""
    from sdl_gate.precommit import install_git_hooks

    for line in install_git_hooks(path, force=force):
        click.echo(line)
