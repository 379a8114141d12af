"""`sdl-gate waivers`: approving exceptions and seeing which count."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from sdl_gate.cli._options import approver_options, parse_date, register_choice, signing_options, status_options
from sdl_gate.cli._output import GROUP_EPILOG, echo_approval, echo_status


@click.group(epilog=GROUP_EPILOG)
def waivers() -> None:
    """Approve exceptions (waivers and SAST baseline entries) and see which ones count."""


@waivers.command(
    "approve", epilog="Exit codes: 0 signed and written, 2 invalid input or a key that cannot sign, 3 tool error."
)
@click.argument("exception_ids", metavar="ID...", nargs=-1, required=True)
@signing_options
@click.option(
    "--date",
    "approved_on",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="The day you approved (default: today); it is signed.",
)
@click.option("--path", "project_path", type=click.Path(path_type=Path), default=Path(), show_default=True)
@approver_options
def waivers_approve(
    exception_ids: tuple[str, ...],
    key: Path,
    approver: str | None,
    approved_on: date | None,
    project_path: Path,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Approve exception ID (a waiver id, or a SAST baseline entry's fingerprint) by signing it with ssh-keygen.

    The signature covers every field of the waiver (or the baseline entry) and is kept in the approvals file
    beside its register (security/waivers.yaml.approvals.json, security/sast-baseline.json.approvals.json).
    Editing the exception afterwards voids it. With a register named, it refuses an approval that would not
    count (by the requester, by someone other than the approver the exception names, not entitled, unknown).
    Exceptions are approved in the order given; the first that cannot be approved stops the command, and those
    before it stay approved.
    """
    from sdl_gate._clock import assessment_date
    from sdl_gate.exceptions_workflow import approve_exception
    from sdl_gate.inputs import load_inputs

    choice = register_choice(approvers_file, trusted_ref)
    for exception_id in dict.fromkeys(exception_ids):
        # Loaded again for each: an approval just written is part of the approvals file the next one extends.
        inputs = load_inputs(project_path).with_approvers(choice)
        result = approve_exception(inputs, exception_id, key, assessment_date(approved_on), approver=approver)
        echo_approval(
            result.replaced,
            result.label,
            result.approver,
            result.signer,
            result.approvals_file,
            result.checked_against is not None,
        )


@waivers.command(
    "status", epilog="Exit codes: 0 every exception counts, 1 one does not (or cannot be told), 2 invalid input."
)
@status_options("exceptions")
@click.pass_context
def waivers_status(
    ctx: click.Context,
    path: Path,
    warn_days: int,
    as_of: date | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """List every waiver and SAST baseline entry: approved, expiring, unsigned, or why it does not count."""
    from sdl_gate._clock import assessment_date
    from sdl_gate.exceptions_workflow import exception_statuses
    from sdl_gate.inputs import load_inputs

    inputs = load_inputs(path).with_approvers(register_choice(approvers_file, trusted_ref))
    report = exception_statuses(inputs, assessment_date(as_of), warn_days)
    echo_status(ctx, report)
