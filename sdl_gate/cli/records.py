"""`sdl-gate records`: human process records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from sdl_gate.cli._errors import EXIT_GATE_FAILED, EXIT_PASSED
from sdl_gate.cli._options import (
    MAX_DAYS_OPTION,
    approver_options,
    parse_date,
    register_choice,
    signing_options,
    status_options,
)
from sdl_gate.cli._output import GROUP_EPILOG, echo_approval, echo_status
from sdl_gate.record_kinds import RecordKind


@click.group(epilog=GROUP_EPILOG)
def records() -> None:
    """Work with the human process records and the waiver register."""


@records.command(
    "check",
    epilog="Exit codes: 0 valid (warnings are printed), 1 a waiver has expired or does not count (or, with --strict, "
    "a requirement has no record that counts or the change edits the approver register), 2 a file is invalid.",
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option(
    "--warn-days",
    type=click.IntRange(min=0, max=MAX_DAYS_OPTION),
    default=14,
    show_default=True,
    help="Warn about waivers expiring within this many days.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also decide on the records: fail where `check` fails a requirement's record (none that counts: "
    "unapproved, expired, changed) or the approver register (edited by the change).",
)
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD", help="Check as of this date.")
@approver_options
@click.pass_context
def records_check(
    ctx: click.Context,
    path: Path,
    warn_days: int,
    strict: bool,
    as_of: date | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Validate security/records/ and security/waivers.yaml; fail where `check` fails on them.

    The gate's criteria decide: an expired or unapproved waiver fails (waiver_expiry, SM-11 and DM-4
    waiver_register), and with --strict so do the requirements' records and the approver register (each
    requirement's record, SM-2 approver_register, SVV-5 testers_independent), under the policy's modes and waivers.
    """
    from sdl_gate._clock import assessment_date
    from sdl_gate.inputs import load_inputs
    from sdl_gate.registers import check_registers

    inputs = load_inputs(path).with_approvers(register_choice(approvers_file, trusted_ref))
    checked = check_registers(inputs, assessment_date(as_of), warn_days, strict=strict)
    click.echo("\n".join(checked.lines()))
    ctx.exit(EXIT_PASSED if checked.passed else EXIT_GATE_FAILED)


@records.command("new", epilog="Exit codes: 0 written, 2 invalid input or the record exists.")
@click.argument("kind", type=click.Choice([kind.value for kind in RecordKind]))
@click.option("--path", "project_path", type=click.Path(path_type=Path), default=Path(), show_default=True)
@click.option("--id", "record_id", help="The record id and file name (default: KIND-YYYY-MM-DD).")
@click.option("--author", help="'Name <email>' (default: git's user.name and user.email).")
def records_new(kind: str, project_path: Path, record_id: str | None, author: str | None) -> None:
    """Start a record of KIND: a skeleton with the requirements that accept it and today's date."""
    from sdl_gate._clock import assessment_date
    from sdl_gate.config import load_project
    from sdl_gate.records_workflow import new_record

    target = new_record(
        load_project(project_path), RecordKind(kind), assessment_date(), record_id=record_id, author=author
    )
    click.echo(f"wrote {target}: fill in the TODOs, then ask an approver to run `sdl-gate records approve`")


@records.command(
    "approve", epilog="Exit codes: 0 signed and written, 2 invalid input or a key that cannot sign, 3 tool error."
)
@click.argument("record_ids", metavar="ID...", nargs=-1, required=True)
@signing_options
@click.option(
    "--date",
    "approved_on",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="The day you approved (default: today); it is signed, and an approval dated later than the assessment "
    "does not count.",
)
@click.option("--path", "project_path", type=click.Path(path_type=Path), default=Path(), show_default=True)
@approver_options
def records_approve(
    record_ids: tuple[str, ...],
    key: Path,
    approver: str | None,
    approved_on: date | None,
    project_path: Path,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Approve each record ID: pin its linked files' digests, sign with ssh-keygen and write its approvals file.

    Run it again after a linked file changed to renew your approval. With a register named, it also refuses
    an approval that would not count (self-approval, an approver it does not entitle or list). Records are
    approved in the order given; the first that cannot be approved stops the command, and those before it
    stay approved.
    """
    from sdl_gate._clock import assessment_date
    from sdl_gate.config import load_project
    from sdl_gate.records_workflow import approve_record

    project = load_project(project_path)
    register = register_choice(approvers_file, trusted_ref).load(project.root)
    day = assessment_date(approved_on)
    for record_id in dict.fromkeys(record_ids):
        result = approve_record(project, record_id, key, day, approver=approver, register=register)
        for path, digest in result.linked_files:
            click.echo(f"  {path}  sha256 {digest}")
        echo_approval(
            result.replaced,
            result.record_id,
            result.approver,
            result.signer,
            result.approvals_file,
            result.checked_against is not None,
        )


@records.command(
    "status", epilog="Exit codes: 0 every record counts, 1 a record does not (or cannot be told), 2 invalid input."
)
@status_options("records")
@click.pass_context
def records_status(
    ctx: click.Context,
    path: Path,
    warn_days: int,
    as_of: date | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """List every record: approved, expiring, unsigned, stale (a linked file changed), or why it does not count."""
    from sdl_gate._clock import assessment_date
    from sdl_gate.inputs import load_inputs
    from sdl_gate.registers import record_statuses

    inputs = load_inputs(path).with_approvers(register_choice(approvers_file, trusted_ref))
    report = record_statuses(inputs, assessment_date(as_of), warn_days)
    echo_status(ctx, report)
