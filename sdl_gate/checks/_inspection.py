"""SVV-1's inspection part: a product requirement verified by inspection needs an approved inspection record."""

from __future__ import annotations

from sdl_gate._text import first_and_more
from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._base import Finding, Outcome
from sdl_gate.checks._criteria import record_problems
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.evidence import EvidenceKind
from sdl_gate.payloads import RecordEntry, RecordsPayload, SecurityRequirementsPayload
from sdl_gate.record_kinds import RecordKind
from sdl_gate.threatmodel.requirements import Verification

_SHOWN = 8


def _inspection_of(
    requirement_id: str, entries: tuple[RecordEntry, ...], evaluation: Evaluation, register_edit: str | None
) -> tuple[str | None, list[str], bool]:
    """Return the id of an approved, current inspection record verifying the requirement, why others do not,
    and whether one would count but its approval cannot be verified (no trusted register)."""
    reasons: list[str] = []
    cannot_tell = False
    for entry in entries:
        if entry.kind is not RecordKind.INSPECTION or requirement_id not in entry.verifies:
            continue
        problems = record_problems(entry, evaluation.today, evaluation.policy.max_age_days)
        state, _, why = approval_state(entry, evaluation.requirement, evaluation.today, register_edit)
        if not problems and state is ApprovalState.APPROVED:
            return entry.id, reasons, False
        cannot_tell = cannot_tell or (not problems and state is ApprovalState.CANNOT_TELL)
        reasons.append(f"record {entry.id} does not count: " + "; ".join([*problems, *why]))
    return None, reasons, cannot_tell


@criterion(
    SecurityRequirementsPayload,
    name="requirement_inspections",
    description="an approved, current inspection record verifying every security requirement verified by inspection",
    fix="Write a record of kind inspection that lists every security requirement verified by inspection under "
    "`verifies`, and have an entitled approver other than its author sign it",
    when_empty=Outcome.NOT_APPLICABLE,
    empty_means="no security requirement is verified by inspection",
    also_reads=(EvidenceKind.RECORDS,),
    record_kinds=(RecordKind.INSPECTION.value,),
)
def inspected_requirements(evaluation: Evaluation, requirements: SecurityRequirementsPayload) -> Finding:
    """Every product requirement whose verification is ``inspection`` has an approved inspection record verifying it."""
    path = requirements.path
    if not requirements.present:
        # The missing file is SR-3's failure (and requirement_tests'); here it only means we cannot tell.
        return evaluation.finding(
            Outcome.NOT_AVAILABLE, f"no security requirements at {path}, so which need inspection cannot be told", path
        )
    inspected = [r.id for r in requirements.requirements if r.verification is Verification.INSPECTION]
    if not inspected:
        # Nothing to examine: the rule in Criterion.answer turns this into when_empty.
        return evaluation.finding(Outcome.PASS, f"{path}: no requirement verified by inspection", examined=0)
    records = evaluation.load(RecordsPayload)
    if isinstance(records, Finding):
        return records
    evaluation = evaluation.citing(records.id)
    register_edit = records.payload.approver_register.edit
    verified: list[str] = []
    missing: list[str] = []
    undecided: list[str] = []
    details: list[str] = []
    for requirement_id in inspected:
        record_id, reasons, cannot_tell = _inspection_of(
            requirement_id, records.payload.records, evaluation, register_edit
        )
        if record_id is not None:
            verified.append(f"{requirement_id} by {record_id}")
            continue
        (undecided if cannot_tell else missing).append(requirement_id)
        details += [f"{requirement_id}: {reason}" for reason in reasons]
    if missing:
        message = (
            f"no approved inspection record verifies {first_and_more(missing, _SHOWN)} "
            "(add a record of kind inspection listing them under verifies)"
            + ("; " + " | ".join(details[:_SHOWN]) if details else "")
        )
        return evaluation.finding(Outcome.FAIL, message, path)
    if undecided:
        # Records that would verify them exist, but their approvals cannot be verified without a register.
        message = f"the inspection records of {first_and_more(undecided, _SHOWN)} cannot be judged: " + " | ".join(
            details[:_SHOWN]
        )
        return evaluation.finding(Outcome.NOT_AVAILABLE, message, path)
    return evaluation.finding(
        Outcome.PASS,
        "every requirement verified by inspection has an approved inspection record: "
        + first_and_more(verified, _SHOWN),
        examined=len(inspected),
        human_record=True,
    )
