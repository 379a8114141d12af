"""A quick review of the hand-written registers (records and waivers), for hooks and editors.

``records check`` decides with the gate: a slice of it over the criteria that read the waiver register and (with
``--strict``) the records and the approver register, by the same code as ``check``. The review lists each item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from sdl_gate.approvals.standing import Standing, StatusLine, StatusReport
from sdl_gate.approvals.verify import ApprovalStatus
from sdl_gate.checks.api import ApprovalState, approval_state, record_problems
from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.records import RecordsCollector
from sdl_gate.inputs import Inputs
from sdl_gate.payloads import RecordEntry, RecordsPayload, Typed, typed
from sdl_gate.placeholders import PlaceholderKind
from sdl_gate.policy.waivers import WaiverKind, WaiverState

if TYPE_CHECKING:
    from sdl_gate.run import SliceResult


@dataclass(frozen=True)
class RegisterReview:
    """What a register review found; every list holds one human-readable line per item."""

    records: int
    waivers: int
    records_not_counting: tuple[str, ...]
    waivers_expired: tuple[str, ...]
    waivers_expiring: tuple[str, ...]
    register_edit: str | None = None
    waivers_not_counting: tuple[str, ...] = ()
    #: Ids of records that only lack an approval, reported as one line.
    records_unsigned: tuple[str, ...] = ()
    #: Ids of unsigned records that are still a template `init` wrote (right after `init`, all of them): one line.
    records_templates: tuple[str, ...] = ()


def _collect(inputs: Inputs, today: date) -> RecordsPayload:
    now = datetime.combine(today, time(12), tzinfo=timezone.utc)
    context = CollectContext(
        project=inputs.project, commit=None, now=now, waivers=inputs.waivers, approvers=inputs.approvers
    )
    return RecordsPayload.model_validate(RecordsCollector().collect(context).payload)


def _max_age(inputs: Inputs, entry: RecordEntry) -> int | None:
    ages = [inputs.policy.requirements[rid].max_age_days for rid in entry.requirements]
    limits = [age for age in ages if age is not None]
    return min(limits) if limits else None


def record_statuses(inputs: Inputs, today: date, warn_days: int) -> StatusReport:
    """Say for each record whether it counts, and if not why and what to do; warn of any edit of the register."""
    payload = _collect(inputs, today)
    edit = payload.approver_register.edit
    lines: list[StatusLine] = []
    for entry in payload.records:
        problems = record_problems(entry, today, _max_age(inputs, entry))
        state, approved, why = approval_state(entry, None, today, edit)
        record_id = entry.id
        if not problems and state is ApprovalState.APPROVED:
            valid_until = entry.valid_until
            if valid_until is not None and valid_until <= today + timedelta(days=warn_days):
                detail = f"{approved}; expires on {valid_until.isoformat()}: review it and approve it again before then"
                lines.append(StatusLine(record_id, Standing.EXPIRING, detail))
            else:
                lines.append(StatusLine(record_id, Standing.APPROVED, approved))
            continue
        approvals = entry.approvals
        if not approvals:
            found = Standing.UNSIGNED
        elif state is ApprovalState.CANNOT_TELL:
            found = Standing.UNVERIFIED
        elif all(a.status is ApprovalStatus.STALE for a in approvals):
            found = Standing.STALE
        else:
            found = Standing.NOT_COUNTING
        lines.append(StatusLine(record_id, found, "; ".join([*problems, *why])))
    warnings: list[str] = []
    if inputs.approvers is None:
        warnings.append(
            "no trusted approver register: signatures cannot be verified; name one with "
            "--approvers FILE or --trusted-ref REF"
        )
    if edit:
        warnings.append(edit)
    return StatusReport("record", tuple(lines), tuple(warnings))


def _is_init_template(entry: RecordEntry) -> bool:
    """Whether a record file is (nearly) one of the templates `sdl-gate init` writes."""
    return any(p.kind is PlaceholderKind.TEMPLATE and p.file == entry.file and p.line == 1 for p in entry.placeholders)


def review_registers(
    inputs: Inputs, today: date, warn_days: int, records: RecordsPayload | None = None
) -> RegisterReview:
    """Validate records and waivers (invalid files raise) and list what does not count or expires soon.

    ``records`` is the records evidence's payload when a caller already collected it.
    """
    payload = records if records is not None else _collect(inputs, today)
    entries = payload.records
    edit = payload.approver_register.edit
    not_counting: list[str] = []
    unsigned: list[str] = []
    templates: list[str] = []
    for entry in entries:
        problems = record_problems(entry, today, _max_age(inputs, entry))
        approval, _, why = approval_state(entry, None, today, edit)
        if approval is not ApprovalState.APPROVED and not entry.approvals:
            if not problems:
                unsigned.append(entry.id)
                continue
            if _is_init_template(entry):
                templates.append(entry.id)
                continue
        if approval is not ApprovalState.APPROVED:
            problems += why
        if problems:
            not_counting.append(f"{entry.file}: record {entry.id} does not count: " + "; ".join(problems))
    register = inputs.waivers
    horizon = datetime.combine(today + timedelta(days=warn_days), time.max, tzinfo=timezone.utc)
    expired: list[str] = []
    expiring: list[str] = []
    not_counted: list[str] = []
    for waiver in register.waivers:
        state = register.state(waiver, today)
        label = f"waiver {waiver.id} ({waiver.scope.describe()})"
        target = waiver.scope.target_requirement
        unapproved = register.why_not_approved(waiver, today)
        if unapproved is not None and state is WaiverState.ACTIVE:
            not_counted.append(f"{label} does not count: {unapproved}")
        if waiver.scope.kind is WaiverKind.REQUIREMENT and not inputs.policy.requirements[target].waivable:
            not_counted.append(f"{label} does not count: policy {inputs.policy.name} does not allow waiving {target}")
        elif not waiver.disposes and waiver.vex is not None:
            not_counted.append(
                f"{label} states VEX {waiver.vex.state.value}, which is not a disposition: the vulnerability stays open"
            )
        match state:
            case WaiverState.EXPIRED:
                expired.append(f"{label} expired on {waiver.expires.isoformat()}: renew it or fix what it covers")
            case WaiverState.ACTIVE if waiver.expires <= horizon:
                expiring.append(f"{label} expires on {waiver.expires.isoformat()}, within {warn_days} days")
            case WaiverState.ACTIVE | WaiverState.NOT_YET_VALID:
                pass
    return RegisterReview(
        records=len(entries),
        waivers=len(register.waivers),
        records_not_counting=tuple(not_counting),
        waivers_expired=tuple(expired),
        waivers_expiring=tuple(expiring),
        register_edit=edit,
        waivers_not_counting=tuple(not_counted),
        records_unsigned=tuple(unsigned),
        records_templates=tuple(templates),
    )


#: What every waiver is judged on: an expired one fails the requirement it covers, and the register criteria fail
#: on one expired or in its dates yet unapproved.
WAIVER_CRITERIA = frozenset({"waiver_expiry", "waiver_register"})
#: What ``--strict`` adds: the criteria that read only the records (each requirement's record, the approver
#: register, testers' independence). Criteria that also need other evidence (tests, SBOMs, signatures) are
#: ``check``'s.
RECORD_CRITERIA_KINDS = frozenset({"records", "waivers"})


def registers_scope(*, strict: bool) -> dict[str, frozenset[str]]:
    """The slice of the gate ``records check`` decides on: the waiver criteria, and with ``strict`` the records'."""
    from sdl_gate.assess import EXPIRED_WAIVER_CRITERION
    from sdl_gate.checks import CHECKS

    scope: dict[str, frozenset[str]] = {}
    for requirement_id, check in CHECKS.items():
        names = {EXPIRED_WAIVER_CRITERION}
        for criterion in check.criteria:
            kinds = {kind.value for kind in criterion.kinds}
            if criterion.name in WAIVER_CRITERIA or (strict and kinds <= RECORD_CRITERIA_KINDS):
                names.add(criterion.name)
        scope[requirement_id] = frozenset(names)
    return scope


@dataclass(frozen=True)
class RegisterCheck:
    """The review of the registers (one line per item) and the gate's decision on them."""

    review: RegisterReview
    result: SliceResult
    strict: bool
    warn_days: int

    @property
    def passed(self) -> bool:
        """Whether nothing in the slice blocks, as ``check`` would decide on the same registers."""
        return self.result.passed

    def lines(self) -> list[str]:
        """Each item that does not count or expires soon, the totals, then the gate's decision with its fixes."""
        from sdl_gate.render.console import slice_lines

        review = self.review
        # What does not count is an error when the slice it is judged in fails (records only with --strict), else a
        # warning; the decision itself is the slice's last line.
        waivers = "error" if not self.passed else "warning"
        level = "error" if self.strict and not self.passed else "warning"
        lines: list[str] = []
        if review.register_edit:
            lines.append(f"{level}: {review.register_edit}")
        lines += [f"error: {line}" for line in review.waivers_expired]
        lines += [f"{level}: {line}" for line in review.records_not_counting]
        lines += [f"{waivers}: {line}" for line in review.waivers_not_counting]
        if review.records_unsigned:
            # One line for them all: right after `init` every template is unsigned, and that is not news.
            lines.append(
                f"{level}: {len(review.records_unsigned)} record(s) do not count until approved: "
                f"{', '.join(review.records_unsigned)}; an entitled approver runs `sdl-gate records approve ID`"
            )
        if review.records_templates:
            # Right after `init` every record is its template: one line, not one per file.
            lines.append(
                f"{level}: {len(review.records_templates)} record(s) are still the templates `sdl-gate init` wrote "
                f"and count for nothing: {', '.join(review.records_templates)}; fill each in (or delete it), then an "
                "entitled approver runs `sdl-gate records approve ID`"
            )
        lines += [f"warning: {line}" for line in review.waivers_expiring]
        lines.append(f"{review.records} record(s) and {review.waivers} waiver(s) are valid")
        # A requirement with no waiver that expired and no register criterion has nothing to say here.
        return lines + slice_lines([r for r in self.result.requirements if r.findings])


def check_registers(inputs: Inputs, today: date, warn_days: int, *, strict: bool = False) -> RegisterCheck:
    """Review the records and waivers and decide on them with the gate's slice (``strict`` adds the records')."""
    from sdl_gate.collectors.waivers import WaiversCollector
    from sdl_gate.run import Scope, assess_slice

    scope = Scope(registers_scope(strict=strict))
    # The two collectors by name: the registry would import every collector module, for a hook run on every commit.
    collectors = [c for c in (RecordsCollector(), WaiversCollector()) if c.kind in scope.kinds]
    now = datetime.combine(today, time(12), tzinfo=timezone.utc)
    result = assess_slice(inputs, scope, today=today, now=now, collectors=collectors)
    collected = typed(result.evidence, RecordsPayload)
    # Without usable records evidence of its own the review collects them, and a malformed record file raises.
    review = review_registers(inputs, today, warn_days, collected.payload if isinstance(collected, Typed) else None)
    return RegisterCheck(review=review, result=result, strict=strict, warn_days=warn_days)
