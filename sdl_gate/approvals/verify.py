"""Verifying a record's approvals against the trusted register: what the records collector observes.

The collector only observes (whose key signed, whether the signature holds for the record and its linked
files as they are now, what the register entitles the signer to); the checks decide whether that counts,
including that the approver is not the record's author.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sdl_gate.approvals.canonical import approval_message
from sdl_gate.approvals.register import HOW_TO_NAME_ONE, Person, TrustedRegister
from sdl_gate.approvals.sidecar import ApprovalsFile, SignedApproval
from sdl_gate.approvals.signatures import verify_sigstore, verify_ssh
from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.errors import InputError


class ApprovalStatus(str, enum.Enum):
    """What verifying one approval found."""

    VERIFIED = "verified"
    STALE = "stale"  # the signature holds, but a linked file changed since
    INVALID = "invalid"
    WRONG_NAMESPACE = "wrong_namespace"
    UNKNOWN_APPROVER = "unknown_approver"
    UNVERIFIED = "unverified"  # no trusted register to verify against


def _result(
    approval: SignedApproval,
    status: ApprovalStatus,
    detail: str,
    *,
    signer: str | None = None,
    person: dict[str, Any] | None = None,
    may_approve: Sequence[str] = (),
    changed: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "approver": approval.approver.lower(),
        "date": approval.date.isoformat(),
        "method": approval.method,
        "status": status.value,
        "detail": detail,
        "signer": signer,
        "person": person,
        "may_approve": sorted(may_approve),
        "changed_files": list(changed),
    }


@dataclass(frozen=True)
class SignerProblem:
    """Why an approval's signature does not identify a person of the register."""

    status: ApprovalStatus
    detail: str
    signer: str | None = None


def identify_signer(
    approval: SignedApproval, message: bytes, trusted: TrustedRegister
) -> tuple[Person, str] | SignerProblem:
    """Verify the signature over ``message``; return the register's person who made it and how they signed.

    The person must be the approver the approval names: a valid signature by someone else is no approval.
    """
    register = trusted.register
    if approval.ssh_signature is not None:
        try:
            signer = verify_ssh(message, approval.ssh_signature)
        except SignatureInvalid as exc:
            status = ApprovalStatus.WRONG_NAMESPACE if "namespace" in str(exc) else ApprovalStatus.INVALID
            return SignerProblem(status, str(exc))
        person = register.person_by_key(signer)
        if person is None:
            return SignerProblem(
                ApprovalStatus.UNKNOWN_APPROVER,
                f"signed with SSH key {signer}, which is not in the trusted approver register ({trusted.source})",
                signer,
            )
        if approval.approver.lower() not in person.emails:
            return SignerProblem(
                ApprovalStatus.INVALID,
                f"signed with the key of {person.name} <{person.email}> but names {approval.approver} as approver",
                signer,
            )
        return person, signer
    found = register.person_by_email(approval.approver)
    if found is None or not found.sigstore:
        known = "not in" if found is None else "without a Sigstore identity in"
        return SignerProblem(
            ApprovalStatus.UNKNOWN_APPROVER,
            f"{approval.approver} is {known} the trusted approver register ({trusted.source})",
        )
    problems: list[str] = []
    for identity in found.sigstore:
        try:
            verify_sigstore(
                message,
                approval.sigstore_bundle or {},
                identity.identity,
                identity.issuer,
                staging=register.sigstore_instance.value == "staging",
            )
        except (SignatureInvalid, InputError) as exc:
            problems.append(str(exc))
            continue
        return found, f"{identity.identity} ({identity.issuer})"
    return SignerProblem(ApprovalStatus.INVALID, "; ".join(problems))


def observe_approval(
    approval: SignedApproval,
    record: Mapping[str, Any],
    links_now: Sequence[tuple[str, str | None]],
    trusted: TrustedRegister | None,
) -> dict[str, Any]:
    """Verify one approval of ``record`` (its validated data) given its path links' current digests."""
    signed_paths = [f.path for f in approval.linked_files]
    if signed_paths != [path for path, _ in links_now]:
        return _result(
            approval,
            ApprovalStatus.INVALID,
            "the approval covers other linked files than the record lists "
            f"({', '.join(signed_paths) or 'none'} against {', '.join(p for p, _ in links_now) or 'none'})",
        )
    if trusted is None:
        return _result(approval, ApprovalStatus.UNVERIFIED, f"cannot be verified without a register: {HOW_TO_NAME_ONE}")
    message = approval_message(
        record, [(f.path, f.sha256) for f in approval.linked_files], approval.approver, approval.date
    )
    identified = identify_signer(approval, message, trusted)
    if isinstance(identified, SignerProblem):
        return _result(approval, identified.status, identified.detail, signer=identified.signer)
    person, signer = identified
    register = trusted.register
    kind = str(record["kind"])
    requirements = [str(r) for r in record["requirements"]]
    entitled = [r for r in requirements if register.may_approve(person, kind, r)]
    changed = [
        path for (path, now), signed in zip(links_now, approval.linked_files, strict=True) if now != signed.sha256
    ]
    if changed:
        return _result(
            approval,
            ApprovalStatus.STALE,
            f"stale: linked file {', '.join(changed)} changed (or went missing) since it was approved",
            signer=signer,
            person=person.summary(),
            may_approve=entitled,
            changed=changed,
        )
    return _result(
        approval,
        ApprovalStatus.VERIFIED,
        f"signed by {person.name} <{person.email}> ({signer})",
        signer=signer,
        person=person.summary(),
        may_approve=entitled,
    )


def observe_approvals(
    approvals: ApprovalsFile | None,
    record: Mapping[str, Any],
    links_now: Sequence[tuple[str, str | None]],
    trusted: TrustedRegister | None,
) -> list[dict[str, Any]]:
    """Verify every approval of a record; see :func:`observe_approval`."""
    if approvals is None:
        return []
    return [observe_approval(a, record, links_now, trusted) for a in approvals.approvals]
