"""What several commands print: epilogs, reports to stdout or a file, progress, hook reports, blocking requirements."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sdl_gate.errors import InputError

if TYPE_CHECKING:  # the CLI starts without importing pydantic
    from sdl_gate.approvals.standing import StatusReport
    from sdl_gate.assess import Assessment


EPILOG = "Exit codes: 0 passed, 1 gate failed, 2 usage or invalid input, 3 internal or tool error."


GROUP_EPILOG = (
    "Exit codes: 0 success, 1 a check failed, 2 usage or invalid input, 3 internal or tool error; each command's "
    "--help says which it uses."
)


def write_output(text: str, output: Path | None) -> None:
    """Print ``text`` on stdout, or write it atomically to ``output``."""
    if output is None:
        click.echo(text, nl=False)
        return
    from sdl_gate._files import write_atomic

    if output.is_dir():
        raise InputError("is a directory; --output needs a file path", path=output)
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror}", path=output) from None


class Progress:
    """The progress display of one command: on stderr only, a bar on a terminal, a line every 10 s in logs."""

    def __enter__(self) -> Any:
        from sdl_gate.progress import ProgressReport

        stream = sys.stderr
        self.report = ProgressReport(stream, interactive=stream.isatty())
        return self.report

    def __exit__(self, *_exc: object) -> None:
        self.report.close()


def echo_approval(verb_replaced: bool, label: str, approver: str, signer: str, file: Path, checked: bool) -> None:
    """Say what `records approve` or `waivers approve` signed and where, and whether the register checked it."""
    click.echo(f"{'renewed' if verb_replaced else 'added'} the approval of {label} by {approver} ({signer}) in {file}")
    if not checked:
        click.echo("note: no approver register named, so whether this approval counts was not checked", err=True)


def echo_blocking(assessment: Assessment, *, err: bool = False) -> None:
    """List each blocking requirement with why it blocks and what would fix it."""
    from sdl_gate.render.console import blocking_lines

    lines = blocking_lines(assessment)
    if lines:
        click.echo("what blocks the release:", err=err)
        click.echo("\n".join(lines), err=err)


def hook_listed(ctx: click.Context) -> int | None:
    """How many items a hook report lists before "(and K more)": all of them under ``sdl-gate -v``."""
    from sdl_gate.precommit import MAX_LISTED

    return None if ctx.find_root().params.get("verbose") else MAX_LISTED


def echo_hook(ctx: click.Context, report: Any) -> None:
    """Print a hook report and exit with its status."""
    click.echo(report.text(), nl=False)
    ctx.exit(int(report.status))


def store_history(path: Path, directory: Path) -> None:
    """Verify the earlier bundles in ``directory`` and store them as history evidence for this commit."""
    from sdl_gate._clock import file_timestamp
    from sdl_gate._git import git_commit
    from sdl_gate.bundle.history import record_history
    from sdl_gate.config import load_project
    from sdl_gate.errors import ToolError
    from sdl_gate.history_payload import HistoryPayload
    from sdl_gate.payloads import Unusable, typed_stored

    stored = record_history(load_project(path), directory, commit=git_commit(path), now=file_timestamp())
    history = typed_stored(stored, HistoryPayload)
    if isinstance(history, Unusable):
        raise ToolError(history.reason)
    for refused in history.payload.refused:
        click.echo(f"history: {refused.bundle} not counted: {refused.reason}", err=True)


def echo_status(ctx: click.Context, report: StatusReport) -> None:
    """Print a status listing; exit 0 when every item counts, 1 when one does not (or cannot be told)."""
    from sdl_gate.cli._errors import EXIT_GATE_FAILED, EXIT_PASSED

    for line in report.text():
        click.echo(line)
    ctx.exit(EXIT_PASSED if report.all_count else EXIT_GATE_FAILED)
