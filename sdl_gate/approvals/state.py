"""Whether an exception (a waiver, a SAST baseline entry) is approved: what verifying its signatures found.

The verdict is computed once, where the trusted approver register is known, and travels with the exception
into evidence, so that a bundle re-assessed offline reaches the same answer without the register.
"""

from __future__ import annotations

import datetime as dt
import enum

from pydantic import Field

from sdl_gate._model import FrozenModel

NO_REGISTER_HINT = (
    "name a trusted approver register with --approvers FILE (or SDL_GATE_APPROVERS), or read it from a trusted "
    "git ref with --trusted-ref REF (or SDL_GATE_TRUSTED_REF), e.g. the base branch"
)


class ExceptionStatus(str, enum.Enum):
    """What verifying an exception's approvals found; only ``approved`` lets the exception count."""

    APPROVED = "approved"
    UNSIGNED = "unsigned"
    INVALID_SIGNATURE = "invalid_signature"
    UNKNOWN_APPROVER = "unknown_approver"
    WRONG_APPROVER = "wrong_approver"
    NOT_ENTITLED = "not_entitled"
    SELF_APPROVED = "self_approved"
    REQUESTER_UNKNOWN = "requester_unknown"
    UNVERIFIED = "unverified"


class ExceptionApproval(FrozenModel):
    """The approval verdict of one exception, bound to the digest of the content it was reached for."""

    status: ExceptionStatus
    detail: str = Field(description="Why, for people: who signed, or why no approval counts and what to do.")
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the exception as signed.")
    approver: str | None = Field(default=None, description="The register's person who approved: 'Name <email>'.")
    signer: str | None = Field(default=None, description="The SSH key fingerprint or Sigstore identity.")
    date: dt.date | None = Field(default=None, description="The signed approval date.")

    def counts(self, today: dt.date) -> bool:
        """Whether the exception is approved as of ``today`` (an approval dated later does not count yet)."""
        return self.status is ExceptionStatus.APPROVED and self.date is not None and self.date <= today

    def why_not(self, today: dt.date) -> str | None:
        """Say why the exception does not count as of ``today``; None when it does."""
        if self.counts(today):
            return None
        if self.status is ExceptionStatus.APPROVED:
            return f"its approval by {self.approver} is dated {self.date}, after {today.isoformat()}"
        return f"{self.status.value.replace('_', ' ')}: {self.detail}"


def not_verified(content_sha256: str) -> ExceptionApproval:
    """The verdict for an exception nobody verified: it does not count."""
    return ExceptionApproval(
        status=ExceptionStatus.UNVERIFIED,
        detail=f"its approval was not verified against a trusted approver register: {NO_REGISTER_HINT}",
        content_sha256=content_sha256,
    )
