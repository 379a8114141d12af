"""Whether a record's approvals make it count: a verified signature by an entitled approver who is not the author."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from typing import Any

NO_REGISTER = (
    "name a trusted approver register with --approvers FILE (or SDL_GATE_APPROVERS) or --trusted-ref REF "
    "(or SDL_GATE_TRUSTED_REF)"
)


class ApprovalState(str, enum.Enum):
    """What a record's approvals add up to, for one requirement."""

    APPROVED = "approved"
    NOT_APPROVED = "not_approved"
    CANNOT_TELL = "cannot_tell"  # no trusted register to verify the signatures against


def _who(approval: Mapping[str, Any]) -> str:
    person = approval.get("person")
    if person:
        return f"{person['name']} <{person['email']}>"
    return str(approval["approver"])


def approval_state(
    entry: Mapping[str, Any], requirement: str | None, today: date, register_edit: str | None = None
) -> tuple[ApprovalState, str, list[str]]:
    """Return whether ``entry`` is approved for ``requirement`` (any of its requirements when None).

    The second value describes the approval that counts; the list says why each approval does not.
    """
    record_id = entry["id"]
    approvals = entry.get("approvals") or []
    fix = f"run `sdl-gate records approve {record_id}`"
    if not approvals:
        legacy = " (its free-text `approval:` does not count)" if entry.get("legacy_approval") else ""
        return ApprovalState.NOT_APPROVED, "", [f"it is not approved: it has no signed approval{legacy}; {fix}"]
    author = entry.get("author_email")
    reasons: list[str] = []
    unverified = False
    for approval in approvals:
        who = _who(approval)
        status = approval["status"]
        detail = approval["detail"]
        if status == "unverified":
            unverified = True
            reasons.append(f"the approval by {who} cannot be verified: no trusted approver register; {NO_REGISTER}")
        elif status in ("invalid", "wrong_namespace"):
            reasons.append(f"the approval by {who} has an invalid signature: {detail}")
        elif status == "unknown_approver":
            edited = f" ({register_edit})" if register_edit else ""
            reasons.append(f"the approval by {who} is from an unknown approver: {detail}{edited}")
        elif status == "stale":
            files = ", ".join(approval.get("changed_files", []))
            reasons.append(f"the approval by {who} is stale: linked file {files} changed since it was approved; {fix}")
        elif status != "verified":
            reasons.append(f"the approval by {who} is {status}: {detail}")
        elif author is None:
            reasons.append(
                f"its author {entry['author']!r} names no e-mail address, so it cannot be told that the approver "
                "is someone else; write the author as 'Name <email>'"
            )
        elif author in approval["person"]["emails"]:
            reasons.append(f"the approval by {who} is a self-approval: {who} is the record's author")
        elif requirement is not None and requirement not in approval["may_approve"]:
            reasons.append(
                f"the approval by {who} does not count: the approver register does not entitle {who} to approve "
                f"{entry['kind']} records for {requirement}"
            )
        elif requirement is None and not approval["may_approve"]:
            reasons.append(
                f"the approval by {who} does not count: the approver register does not entitle {who} to approve "
                f"{entry['kind']} records for {', '.join(entry['requirements'])}"
            )
        elif date.fromisoformat(approval["date"]) > today:
            reasons.append(f"the approval by {who} is dated {approval['date']}, in the future")
        else:
            return ApprovalState.APPROVED, f"approved by {who} on {approval['date']} ({approval['signer']})", []
    if unverified and len(reasons) == sum(1 for a in approvals if a["status"] == "unverified"):
        return ApprovalState.CANNOT_TELL, "", reasons
    return ApprovalState.NOT_APPROVED, "", reasons
