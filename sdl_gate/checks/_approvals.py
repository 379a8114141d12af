"""Whether a record's approvals make it count: a verified signature by an entitled approver who is not the author."""

from __future__ import annotations

import enum
from datetime import date

from sdl_gate.approvals.verify import ApprovalStatus
from sdl_gate.payloads import ApprovalFacts, RecordApprovals

NO_REGISTER = (
    "name a trusted approver register with --approvers FILE (or SDL_GATE_APPROVERS) or --trusted-ref REF "
    "(or SDL_GATE_TRUSTED_REF)"
)


class ApprovalState(str, enum.Enum):
    """What a record's approvals add up to, for one requirement."""

    APPROVED = "approved"
    NOT_APPROVED = "not_approved"
    CANNOT_TELL = "cannot_tell"  # no trusted register to verify the signatures against


def _who(approval: ApprovalFacts) -> str:
    person = approval.person
    if person:
        return f"{person.name} <{person.email}>"
    return approval.approver


def approval_state(
    entry: RecordApprovals, requirement: str | None, today: date, register_edit: str | None = None
) -> tuple[ApprovalState, str, list[str]]:
    """Return whether ``entry`` is approved for ``requirement`` (any of its requirements when None).

    The second value describes the approval that counts; the list says why each approval does not.
    """
    approvals = entry.approvals
    fix = f"run `sdl-gate records approve {entry.id}`"
    if not approvals:
        legacy = " (its free-text `approval:` does not count)" if entry.legacy_approval else ""
        return ApprovalState.NOT_APPROVED, "", [f"it is not approved: it has no signed approval{legacy}; {fix}"]
    author = entry.author_email
    kind = entry.kind.value
    reasons: list[str] = []
    unverified = False
    for approval in approvals:
        who = _who(approval)
        status = approval.status
        detail = approval.detail
        if status is ApprovalStatus.UNVERIFIED:
            unverified = True
            reasons.append(f"the approval by {who} cannot be verified: no trusted approver register; {NO_REGISTER}")
        elif status in (ApprovalStatus.INVALID, ApprovalStatus.WRONG_NAMESPACE):
            reasons.append(f"the approval by {who} has an invalid signature: {detail}")
        elif status is ApprovalStatus.UNKNOWN_APPROVER:
            edited = f" ({register_edit})" if register_edit else ""
            reasons.append(f"the approval by {who} is from an unknown approver: {detail}{edited}")
        elif status is ApprovalStatus.STALE:
            files = ", ".join(approval.changed_files)
            reasons.append(f"the approval by {who} is stale: linked file {files} changed since it was approved; {fix}")
        elif status is not ApprovalStatus.VERIFIED:
            reasons.append(f"the approval by {who} is {status.value}: {detail}")
        elif author is None:
            reasons.append(
                f"its author {entry.author!r} names no e-mail address, so it cannot be told that the approver "
                "is someone else; write the author as 'Name <email>'"
            )
        elif approval.person is None:
            # A verified approval names the person who signed; one that does not cannot be told from the author.
            reasons.append(f"the approval by {who} names no person of the approver register, so it does not count")
        elif author in approval.person.emails:
            reasons.append(f"the approval by {who} is a self-approval: {who} is the record's author")
        elif requirement is not None and requirement not in approval.may_approve:
            reasons.append(
                f"the approval by {who} does not count: the approver register does not entitle {who} to approve "
                f"{kind} records for {requirement}"
            )
        elif requirement is None and not approval.may_approve:
            reasons.append(
                f"the approval by {who} does not count: the approver register does not entitle {who} to approve "
                f"{kind} records for {', '.join(entry.requirements)}"
            )
        elif approval.date > today:
            reasons.append(f"the approval by {who} is dated {approval.date.isoformat()}, in the future")
        else:
            approved = f"approved by {who} on {approval.date.isoformat()} ({approval.signer})"
            return ApprovalState.APPROVED, approved, []
    if unverified and len(reasons) == sum(1 for a in approvals if a.status is ApprovalStatus.UNVERIFIED):
        return ApprovalState.CANNOT_TELL, "", reasons
    return ApprovalState.NOT_APPROVED, "", reasons
