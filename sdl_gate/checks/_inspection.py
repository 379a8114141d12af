"""SVV-1's inspection part: a product requirement verified by inspection needs an approved inspection record."""

from __future__ import annotations

from typing import Any

from sdl_gate._text import first_and_more
from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criteria import _single, record_problems
from sdl_gate.evidence import EvidenceKind
from sdl_gate.record_kinds import RecordKind
from sdl_gate.threatmodel.requirements import Verification

_SHOWN = 8


def _inspection_of(
    requirement_id: str, entries: list[dict[str, Any]], check_input: CheckInput, register_edit: str | None
) -> tuple[str | None, list[str], bool]:
    """Return the id of an approved, current inspection record verifying the requirement, why others do not,
    and whether one would count but its approval cannot be verified (no trusted register)."""
    reasons: list[str] = []
    cannot_tell = False
    for entry in entries:
        if entry["kind"] != RecordKind.INSPECTION.value or requirement_id not in entry.get("verifies", []):
            continue
        problems = record_problems(entry, check_input.today, check_input.policy.max_age_days)
        state, _, why = approval_state(entry, check_input.requirement, check_input.today, register_edit)
        if not problems and state is ApprovalState.APPROVED:
            return str(entry["id"]), reasons, False
        cannot_tell = cannot_tell or (not problems and state is ApprovalState.CANNOT_TELL)
        reasons.append(f"record {entry['id']} does not count: " + "; ".join([*problems, *why]))
    return None, reasons, cannot_tell


def inspected_requirements() -> Criterion:
    """Every product requirement whose verification is ``inspection`` has an approved inspection record verifying it."""
    name = "requirement_inspections"

    def evaluate(check_input: CheckInput) -> Finding:
        requirements = _single(check_input, EvidenceKind.SECURITY_REQUIREMENTS, name)
        if isinstance(requirements, Finding):
            return requirements
        path = requirements.payload["path"]
        if not requirements.payload["present"]:
            # The missing file is SR-3's failure (and requirement_tests'); here it only means we cannot tell.
            return check_input.finding(
                name,
                Outcome.NOT_AVAILABLE,
                f"no security requirements at {path}, so which need inspection cannot be told",
                (requirements.id,),
                path,
            )
        listed: list[dict[str, Any]] = requirements.payload["requirements"]
        inspected = [r["id"] for r in listed if r["verification"] == Verification.INSPECTION.value]
        if not inspected:
            # Nothing to examine: the rule in Criterion.answer turns this into when_empty.
            return check_input.finding(
                name, Outcome.PASS, f"{path}: no requirement verified by inspection", (requirements.id,), examined=0
            )
        records = _single(check_input, EvidenceKind.RECORDS, name)
        if isinstance(records, Finding):
            return records
        ids = (requirements.id, records.id)
        entries: list[dict[str, Any]] = records.payload["records"]
        register_edit = (records.payload.get("register") or {}).get("edit")
        verified: list[str] = []
        missing: list[str] = []
        undecided: list[str] = []
        details: list[str] = []
        for requirement_id in inspected:
            record_id, reasons, cannot_tell = _inspection_of(requirement_id, entries, check_input, register_edit)
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
            return check_input.finding(name, Outcome.FAIL, message, ids, path)
        if undecided:
            # Records that would verify them exist, but their approvals cannot be verified without a register.
            message = f"the inspection records of {first_and_more(undecided, _SHOWN)} cannot be judged: " + " | ".join(
                details[:_SHOWN]
            )
            return check_input.finding(name, Outcome.NOT_AVAILABLE, message, ids, path)
        return check_input.finding(
            name,
            Outcome.PASS,
            "every requirement verified by inspection has an approved inspection record: "
            + first_and_more(verified, _SHOWN),
            ids,
            examined=len(inspected),
            human_record=True,
        )

    return Criterion(
        name,
        "an approved, current inspection record verifying every security requirement verified by inspection",
        (EvidenceKind.SECURITY_REQUIREMENTS, EvidenceKind.RECORDS),
        evaluate,
        fix="Write a record of kind inspection that lists every security requirement verified by inspection under "
        "`verifies`, and have an entitled approver other than its author sign it",
        when_empty=Outcome.NOT_APPLICABLE,
        empty_means="no security requirement is verified by inspection",
        record_kinds=(RecordKind.INSPECTION.value,),
    )
