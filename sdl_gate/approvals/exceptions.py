"""Approving exceptions: waivers and SAST baseline entries count only when signed like records.

An exception counts when one of its approvals (in ``<register>.approvals.json`` beside the register, keyed by
waiver id or baseline fingerprint) is a valid SSH or Sigstore signature over its canonical content, by the
approver the exception names, who is in the trusted approver register, is entitled there to approve this kind
of exception for its requirement, and is not its requester by any of their addresses. The same verification
as for records (:func:`sdl_gate.approvals.verify.identify_signer`) decides whose signature it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from sdl_gate._files import canonical_json, sha256_bytes
from sdl_gate.approvals.canonical import BASELINE_APPROVAL_TYPE, WAIVER_APPROVAL_TYPE, approval_message
from sdl_gate.approvals.register import TrustedRegister
from sdl_gate.approvals.sidecar import SignedApproval, load_exception_approvals
from sdl_gate.approvals.state import NO_REGISTER_HINT, ExceptionApproval, ExceptionStatus
from sdl_gate.approvals.verify import ApprovalStatus, SignerProblem, identify_signer
from sdl_gate.policy.waivers import Waiver, WaiverRegister, identities
from sdl_gate.record_kinds import ExceptionKind
from sdl_gate.sast.models import BaselineEntry


@dataclass(frozen=True)
class ExceptionToApprove:
    """One exception as its approvers sign it, and who it names."""

    key: str  # the waiver id, or the baseline entry's fingerprint
    label: str  # "waiver W-001", for people
    kind: ExceptionKind
    requirement: str
    content: Mapping[str, Any]
    requester: str | None
    approver: str
    approval_type: str
    fix: str  # the command that approves it

    @property
    def content_sha256(self) -> str:
        """SHA-256 of the canonical content."""
        return sha256_bytes(canonical_json(dict(self.content)).encode("utf-8"))

    def message(self, approver: str, approved_on: date) -> bytes:
        """The bytes one approval of this exception by ``approver`` on ``approved_on`` signs."""
        return approval_message(self.content, [], approver, approved_on, approval_type=self.approval_type)

    def requester_emails(self) -> frozenset[str]:
        """The requester's e-mail addresses, case-folded (empty when it names none)."""
        return _emails(self.requester)

    def approver_emails(self) -> frozenset[str]:
        """The named approver's e-mail addresses, case-folded."""
        return _emails(self.approver)


def waiver_exception(waiver: Waiver) -> ExceptionToApprove:
    """A waiver as an exception to approve."""
    return ExceptionToApprove(
        key=waiver.id,
        label=f"waiver {waiver.id}",
        kind=ExceptionKind.WAIVER,
        requirement=waiver.scope.target_requirement,
        content=waiver.approval_content(),
        requester=waiver.requester,
        approver=waiver.approver,
        approval_type=WAIVER_APPROVAL_TYPE,
        fix=f"sdl-gate waivers approve {waiver.id} --key KEY",
    )


#: The requirement a SAST baseline entry is an exception to.
BASELINE_REQUIREMENT = "SI-1"


def baseline_exception(entry: BaselineEntry) -> ExceptionToApprove:
    """A SAST baseline entry as an exception to approve."""
    approval = entry.approval
    return ExceptionToApprove(
        key=entry.fingerprint,
        label=f"SAST baseline entry {entry.fingerprint} ({entry.path} {entry.test_id})",
        kind=ExceptionKind.SAST_BASELINE,
        requirement=BASELINE_REQUIREMENT,
        content=entry.approval_content(),
        requester=approval.requester if approval is not None else None,
        approver=approval.approver if approval is not None else "",
        approval_type=BASELINE_APPROVAL_TYPE,
        fix=f"sdl-gate waivers approve {entry.fingerprint} --key KEY",
    )


def verify_baseline(
    entries: Sequence[BaselineEntry], baseline_file: Path, trusted: TrustedRegister | None, *, root: Path | None
) -> dict[str, ExceptionApproval]:
    """Verify the approvals (``<baseline>.approvals.json``) of every entry that has an approval written in."""
    sidecar = load_exception_approvals(baseline_file, root=root)
    signed = sidecar.approvals if sidecar is not None else {}
    return {
        entry.fingerprint: verify_exception(baseline_exception(entry), signed.get(entry.fingerprint, []), trusted)
        for entry in entries
        if entry.approval is not None
    }


def _emails(person: str | None) -> frozenset[str]:
    return frozenset(i for i in identities(person) if "@" in i) if person else frozenset()


def _verdict(
    item: ExceptionToApprove, status: ExceptionStatus, detail: str, approval: SignedApproval | None = None, **kw: Any
) -> ExceptionApproval:
    return ExceptionApproval(
        status=status,
        detail=detail,
        content_sha256=item.content_sha256,
        date=approval.date if approval is not None and status is ExceptionStatus.APPROVED else None,
        **kw,
    )


def _one(item: ExceptionToApprove, approval: SignedApproval, trusted: TrustedRegister) -> ExceptionApproval:
    identified = identify_signer(approval, item.message(approval.approver, approval.date), trusted)
    if isinstance(identified, SignerProblem):
        if identified.status is ApprovalStatus.UNKNOWN_APPROVER:
            return _verdict(item, ExceptionStatus.UNKNOWN_APPROVER, identified.detail, signer=identified.signer)
        return _verdict(
            item,
            ExceptionStatus.INVALID_SIGNATURE,
            f"the approval by {approval.approver} has an invalid signature: {identified.detail}",
            signer=identified.signer,
        )
    person, signer = identified
    who = f"{person.name} <{person.email}>"
    if not person.emails & _emails(item.approver):
        return _verdict(
            item,
            ExceptionStatus.WRONG_APPROVER,
            f"signed by {who}, but {item.label} names {item.approver!r} as its approver",
            approver=who,
            signer=signer,
        )
    if person.emails & _emails(item.requester):
        return _verdict(
            item,
            ExceptionStatus.SELF_APPROVED,
            f"a self-approval: {who} is also its requester ({item.requester}); a second person must approve it",
            approver=who,
            signer=signer,
        )
    if not trusted.register.may_approve(person, item.kind.value, item.requirement):
        return _verdict(
            item,
            ExceptionStatus.NOT_ENTITLED,
            f"the approver register ({trusted.source}) does not entitle {who} to approve {item.kind.value} "
            f"exceptions for {item.requirement} (a grant of kind {item.kind.value} or of {item.requirement})",
            approver=who,
            signer=signer,
        )
    return _verdict(
        item,
        ExceptionStatus.APPROVED,
        f"approved by {who} on {approval.date.isoformat()} ({signer})",
        approval,
        approver=who,
        signer=signer,
    )


def verify_exception(
    item: ExceptionToApprove, approvals: Sequence[SignedApproval], trusted: TrustedRegister | None
) -> ExceptionApproval:
    """Decide whether ``item`` is approved: the first approval that counts, else why the first one does not."""
    if trusted is None:
        unsigned = "" if approvals else f" (it carries no signature either: {item.fix})"
        return _verdict(
            item,
            ExceptionStatus.UNVERIFIED,
            f"its approval cannot be verified without a trusted approver register: {NO_REGISTER_HINT}{unsigned}",
        )
    if not approvals:
        return _verdict(
            item,
            ExceptionStatus.UNSIGNED,
            f"no approver has signed it (the approver it names is {item.approver}); {item.fix}",
        )
    if not _emails(item.requester):
        return _verdict(
            item,
            ExceptionStatus.REQUESTER_UNKNOWN,
            f"its requester {item.requester!r} names no e-mail address, so it cannot be told that the approver is "
            "someone else; write the requester as 'Name <email>' and have it approved again",
        )
    verdicts = [_one(item, approval, trusted) for approval in approvals]
    return next((v for v in verdicts if v.status is ExceptionStatus.APPROVED), verdicts[0])


def verify_waivers(register: WaiverRegister, trusted: TrustedRegister | None, *, root: Path | None) -> WaiverRegister:
    """Verify every waiver's approvals (``<waivers file>.approvals.json``) and keep the verdicts in the register."""
    if register.source is None:
        return register
    sidecar = load_exception_approvals(Path(register.source), root=root)
    signed = sidecar.approvals if sidecar is not None else {}
    verdicts = {
        waiver.id: verify_exception(waiver_exception(waiver), signed.get(waiver.id, []), trusted)
        for waiver in register.waivers
    }
    return replace(register, approvals=verdicts)
