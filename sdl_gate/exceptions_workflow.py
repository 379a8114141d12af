"""What approvers do with exceptions: sign a waiver or a SAST baseline entry, and see which ones do not count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from sdl_gate.approvals.exceptions import (
    ExceptionToApprove,
    baseline_exception,
    verify_baseline,
    waiver_exception,
)
from sdl_gate.approvals.register import TrustedRegister
from sdl_gate.approvals.sidecar import (
    ExceptionApprovalsFile,
    SignedApproval,
    load_exception_approvals,
    write_exception_approvals,
)
from sdl_gate.approvals.signatures import sign_ssh, verify_ssh
from sdl_gate.approvals.standing import Standing, StatusLine, StatusReport
from sdl_gate.approvals.state import ExceptionApproval, ExceptionStatus
from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.errors import InputError, ToolError
from sdl_gate.inputs import Inputs
from sdl_gate.policy.waivers import WaiverState, window_state
from sdl_gate.records_workflow import public_key_fingerprint
from sdl_gate.sast.findings import load_baseline
from sdl_gate.sast.models import BaselineEntry


@dataclass(frozen=True)
class Located:
    """An exception found by its id, the register file it is in and its dates."""

    item: ExceptionToApprove
    register_file: Path
    created: datetime
    expires: datetime


def _baseline_entries(inputs: Inputs) -> tuple[Path, tuple[BaselineEntry, ...]]:
    path = inputs.project.sast_baseline
    loaded = load_baseline(path, root=inputs.project.root)
    return path, tuple(loaded[0].findings) if loaded else ()


def _waivers_file(inputs: Inputs) -> Path | None:
    return Path(inputs.waivers.source) if inputs.waivers.source is not None else None


def locate(inputs: Inputs, exception_id: str) -> Located:
    """Find the waiver with id ``exception_id``, or the SAST baseline entry with that fingerprint."""
    found: list[Located] = []
    waivers_file = _waivers_file(inputs)
    for waiver in inputs.waivers.waivers:
        if waiver.id == exception_id and waivers_file is not None:
            found.append(Located(waiver_exception(waiver), waivers_file, waiver.created, waiver.expires))
    baseline_file, entries = _baseline_entries(inputs)
    for entry in entries:
        if entry.fingerprint != exception_id:
            continue
        if entry.approval is None:
            raise InputError(
                f"SAST baseline entry {entry.fingerprint} ({entry.path} {entry.test_id}) has no approval written in: "
                "fill in approval: {requester, approver, justification, created, expires} first, then sign it",
                path=baseline_file,
            )
        found.append(Located(baseline_exception(entry), baseline_file, entry.approval.created, entry.approval.expires))
    if not found:
        raise InputError(
            f"no waiver with id {exception_id!r} and no SAST baseline entry with that fingerprint",
            hint="`sdl-gate waivers status` lists them",
        )
    if len(found) > 1:
        raise InputError(f"{exception_id!r} is both a waiver id and a SAST baseline fingerprint; rename the waiver")
    return found[0]


@dataclass(frozen=True)
class ApprovedException:
    """What ``waivers approve`` wrote."""

    label: str
    approvals_file: Path
    approver: str
    signer: str
    checked_against: str | None
    replaced: bool


def _refuse_what_would_not_count(
    item: ExceptionToApprove, key: Path, approver: str | None, trusted: TrustedRegister
) -> str:
    """The approver's e-mail, after refusing an approval the register would not count."""
    register = trusted.register
    fingerprint = public_key_fingerprint(key)
    person = register.person_by_email(approver) if approver else None
    if person is None and approver is None and fingerprint is not None:
        person = register.person_by_key(fingerprint)
    if person is None:
        who = approver or (f"key {fingerprint}" if fingerprint else f"the owner of {key}")
        raise InputError(
            f"{who} is not in the trusted approver register ({trusted.source}); an approval by someone it does not "
            "list never counts",
            hint="ask whoever keeps the register to add you with your SSH public key",
        )
    if not person.emails & item.approver_emails():
        raise InputError(
            f"{item.label} names {item.approver!r} as its approver, not {person.name}: only the approver it names "
            "signs it (change the approver in the file first, then sign)"
        )
    if person.emails & item.requester_emails():
        raise InputError(f"{person.name} requested {item.label}: a requester never approves their own exception")
    if not item.requester_emails():
        raise InputError(f"{item.label} names no requester e-mail address; write the requester as 'Name <email>'")
    if not register.may_approve(person, item.kind.value, item.requirement):
        raise InputError(
            f"the approver register does not entitle {person.name} to approve {item.kind.value} exceptions for "
            f"{item.requirement}"
        )
    return person.email.lower()


def approve_exception(
    inputs: Inputs,
    exception_id: str,
    key: Path,
    today: date,
    *,
    approver: str | None = None,
) -> ApprovedException:
    """Sign the waiver or SAST baseline entry ``exception_id`` with the SSH ``key``; add it to the sidecar."""
    located = locate(inputs, exception_id)
    item = located.item
    trusted = inputs.approvers
    if trusted is not None:
        approver = _refuse_what_would_not_count(item, key, approver, trusted)
    elif approver is None:
        named = sorted(item.approver_emails())
        if len(named) != 1:
            raise InputError("say who approves: --approver EMAIL (or name the register so your key identifies you)")
        approver = named[0]
    approver = approver.strip().lower()
    if "@" not in approver or " " in approver:
        raise InputError(f"--approver {approver!r} is not an e-mail address")
    message = item.message(approver, today)
    signature = sign_ssh(message, key)
    try:
        signer = verify_ssh(message, signature)
    except SignatureInvalid as exc:
        raise ToolError(f"ssh-keygen wrote a signature that does not verify: {exc}") from None
    if trusted is not None and trusted.register.person_by_key(signer) != trusted.register.person_by_email(approver):
        raise InputError(f"key {signer} is not a key of {approver} in the approver register", path=key)
    root = inputs.project.root
    existing = load_exception_approvals(located.register_file, root=root)
    approvals = dict(existing.approvals) if existing is not None else {}
    previous = approvals.get(item.key, [])
    kept = [a for a in previous if a.approver.lower() != approver]
    approvals[item.key] = [*kept, SignedApproval(approver=approver, date=today, ssh_signature=signature)]
    written = write_exception_approvals(
        located.register_file,
        ExceptionApprovalsFile(version=1, file=located.register_file.name, approvals=dict(sorted(approvals.items()))),
    )
    return ApprovedException(
        label=item.label,
        approvals_file=written,
        approver=approver,
        signer=signer,
        checked_against=trusted.source if trusted is not None else None,
        replaced=len(kept) < len(previous),
    )


def _line(
    item: ExceptionToApprove, verdict: ExceptionApproval, created: datetime, expires: datetime, today: date, warn: int
) -> StatusLine:
    window = window_state(created, expires, today)
    if window is WaiverState.EXPIRED:
        return StatusLine(item.label, Standing.EXPIRED, f"expired on {expires.isoformat()}: renew or fix it")
    if window is WaiverState.NOT_YET_VALID:
        return StatusLine(item.label, Standing.NOT_YET_VALID, f"in force from {created.isoformat()}")
    why = verdict.why_not(today)
    if why is None:
        horizon = datetime.combine(today + timedelta(days=warn), time.max, tzinfo=timezone.utc)
        if expires <= horizon:
            return StatusLine(item.label, Standing.EXPIRING, f"{verdict.detail}; expires on {expires.isoformat()}")
        return StatusLine(item.label, Standing.APPROVED, verdict.detail)
    state = {
        ExceptionStatus.UNSIGNED: Standing.UNSIGNED,
        ExceptionStatus.UNVERIFIED: Standing.UNVERIFIED,
    }.get(verdict.status, Standing.NOT_COUNTING)
    # The state already says unsigned or unverified; otherwise the reason names what is wrong.
    detail = verdict.detail if state is not Standing.NOT_COUNTING else why
    fix = "" if item.fix in detail else f"; to approve it: {item.fix}"
    return StatusLine(item.label, state, detail + fix)


def exception_statuses(inputs: Inputs, today: date, warn_days: int) -> StatusReport:
    """Every waiver and approved-in SAST baseline entry: does it count, and if not why and what to run."""
    lines: list[StatusLine] = []
    register = inputs.waivers
    for waiver in sorted(register.waivers, key=lambda w: w.id):
        lines.append(
            _line(waiver_exception(waiver), register.approval(waiver), waiver.created, waiver.expires, today, warn_days)
        )
    baseline_file, entries = _baseline_entries(inputs)
    verdicts = verify_baseline(entries, baseline_file, inputs.approvers, root=inputs.project.root)
    for entry in entries:
        if entry.approval is None:
            lines.append(
                StatusLine(
                    baseline_exception(entry).label,
                    Standing.UNSIGNED,
                    "no approval written in: fill in approval: {requester, approver, justification, created, "
                    f"expires}}, then `sdl-gate waivers approve {entry.fingerprint} --key KEY`",
                )
            )
            continue
        lines.append(
            _line(
                baseline_exception(entry),
                verdicts[entry.fingerprint],
                entry.approval.created,
                entry.approval.expires,
                today,
                warn_days,
            )
        )
    warnings: list[str] = []
    if inputs.approvers is None:
        warnings.append(
            "no trusted approver register: signatures cannot be verified, so no exception counts; name one with "
            "--approvers FILE or --trusted-ref REF"
        )
    return StatusReport("exception", tuple(lines), tuple(warnings))
