"""Verifying the approval of an exception (a waiver, a SAST baseline entry) against the trusted register.

Signatures are made with the real ssh-keygen; each forgery gives its own status, and only ``approved`` counts.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.approvals.exceptions import baseline_exception, verify_exception, verify_waivers, waiver_exception
from sdl_gate.approvals.register import SigstoreInstance, TrustedRegister, load_register_file
from sdl_gate.approvals.sidecar import ExceptionApprovalsFile, SignedApproval, write_exception_approvals
from sdl_gate.approvals.signatures import sign_ssh
from sdl_gate.approvals.state import ExceptionStatus
from sdl_gate.errors import RecordError
from sdl_gate.policy.waivers import Scope, Waiver, load_waivers
from sdl_gate.sast.models import BaselineApproval, BaselineEntry
from tests.conftest import SHARED_FIXTURES, ssh_key, write, write_register

DAY = date(2026, 3, 1)
CREATED = datetime(2026, 2, 1, tzinfo=timezone.utc)
EXPIRES = datetime(2026, 6, 1, tzinfo=timezone.utc)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[TrustedRegister, dict[str, Path]]:
    keys = {name: ssh_key(tmp_path / "keys", name) for name in ("alice", "bob", "mallory")}
    extra = "  - name: Carol Example\n    email: carol@example.com\n    approves:\n      - requirements: [SVV-4]\n"
    register = write_register(tmp_path / "approvers.yaml", keys, extra)
    text = register.read_text(encoding="utf-8").replace(
        "email: bob@example.com\n", "email: bob@example.com\n    aliases: [robert@example.com]\n"
    )
    register.write_text(text, encoding="utf-8")
    return load_register_file(register), keys


def _waiver(requester: str = "Alice <alice@example.com>", approver: str = "Bob <bob@example.com>", **kw: str) -> Waiver:
    return Waiver(
        id="W-1",
        scope=Scope(requirement=kw.get("requirement", "SI-1"), finding=kw.get("finding", "ab" * 16)),
        justification="the command is a constant string, reviewed",
        requester=requester,
        approver=approver,
        created=CREATED,
        expires=EXPIRES,
    )


def _signed(waiver: Waiver, key: Path, approver: str = "bob@example.com", day: date = DAY) -> SignedApproval:
    item = waiver_exception(waiver)
    return SignedApproval(approver=approver, date=day, ssh_signature=sign_ssh(item.message(approver, day), key))


def _status(waiver: Waiver, approvals: list[SignedApproval], trusted: TrustedRegister | None) -> ExceptionStatus:
    return verify_exception(waiver_exception(waiver), approvals, trusted).status


def test_a_waiver_signed_by_its_entitled_approver_is_approved(setup: tuple[TrustedRegister, dict[str, Path]]) -> None:
    trusted, keys = setup
    verdict = verify_exception(waiver_exception(_waiver()), [_signed(_waiver(), keys["bob"])], trusted)
    assert verdict.status is ExceptionStatus.APPROVED
    assert verdict.counts(DAY)
    assert not verdict.counts(date(2026, 2, 28)), "an approval dated after the assessment does not count yet"
    assert verdict.approver == "Bob Example <bob@example.com>"


def test_each_forgery_has_its_own_status(setup: tuple[TrustedRegister, dict[str, Path]]) -> None:
    trusted, keys = setup
    waiver = _waiver()
    assert _status(waiver, [], trusted) is ExceptionStatus.UNSIGNED
    assert _status(waiver, [_signed(waiver, keys["bob"])], None) is ExceptionStatus.UNVERIFIED
    # Signed, then edited: the signature covers every field.
    longer = waiver.model_copy(update={"expires": datetime(2026, 6, 2, tzinfo=timezone.utc)})
    assert _status(longer, [_signed(waiver, keys["bob"])], trusted) is ExceptionStatus.INVALID_SIGNATURE
    # Someone else's key claiming to be Bob; a key nobody registered.
    assert _status(waiver, [_signed(waiver, keys["alice"])], trusted) is ExceptionStatus.INVALID_SIGNATURE
    unknown = _waiver(approver="Mallory <mallory@example.com>")
    mallory = [_signed(unknown, keys["mallory"], "mallory@example.com")]
    assert _status(unknown, mallory, trusted) is ExceptionStatus.UNKNOWN_APPROVER
    # A valid signature, but not by the approver the waiver names.
    assert _status(waiver, [_signed(waiver, keys["alice"], "alice@example.com")], trusted) is (
        ExceptionStatus.WRONG_APPROVER
    )
    # The requester under another address of the same person.
    own = _waiver(requester="Robert <ROBERT@example.com>")
    assert _status(own, [_signed(own, keys["bob"])], trusted) is ExceptionStatus.SELF_APPROVED
    # Alice is registered but entitled to approve nothing.
    by_alice = _waiver(requester="Dave <dave@example.com>", approver="Alice <alice@example.com>")
    signed = [_signed(by_alice, keys["alice"], "alice@example.com")]
    assert _status(by_alice, signed, trusted) is ExceptionStatus.NOT_ENTITLED
    # A requester without an address cannot be told apart from the approver.
    nameless = _waiver(requester="the developers")
    assert _status(nameless, [_signed(nameless, keys["bob"])], trusted) is ExceptionStatus.REQUESTER_UNKNOWN


def test_a_requirement_grant_entitles_waivers_of_that_requirement_only(tmp_path: Path) -> None:
    keys = {name: ssh_key(tmp_path / "keys", name) for name in ("alice", "bob", "carol")}
    extra = (
        "  - name: Carol Example\n    email: carol@example.com\n"
        f'    ssh_keys: ["{keys["carol"].with_suffix(".pub").read_text().strip()}"]\n'
        "    approves:\n      - requirements: [SVV-4]\n"
    )
    trusted = load_register_file(write_register(tmp_path / "approvers.yaml", keys, extra))
    for requirement, expected in (("SVV-4", ExceptionStatus.APPROVED), ("SM-1", ExceptionStatus.NOT_ENTITLED)):
        waiver = Waiver.model_validate(
            {**_waiver(approver="Carol <carol@example.com>").model_dump(), "scope": {"requirement": requirement}}
        )
        signed = [_signed(waiver, keys["carol"], "carol@example.com")]
        assert _status(waiver, signed, trusted) is expected, requirement


def test_a_record_approval_is_never_a_waiver_approval(setup: tuple[TrustedRegister, dict[str, Path]]) -> None:
    trusted, keys = setup
    waiver = _waiver()
    from sdl_gate.approvals.canonical import approval_message

    as_record = approval_message(waiver.approval_content(), [], "bob@example.com", DAY)
    replayed = SignedApproval(approver="bob@example.com", date=DAY, ssh_signature=sign_ssh(as_record, keys["bob"]))
    assert _status(waiver, [replayed], trusted) is ExceptionStatus.INVALID_SIGNATURE


def test_verify_waivers_reads_the_sidecar_beside_the_register(
    tmp_path: Path, setup: tuple[TrustedRegister, dict[str, Path]]
) -> None:
    trusted, keys = setup
    path = write(
        tmp_path / "proj" / "security" / "waivers.yaml",
        "version: 1\nwaivers:\n  - id: W-1\n    scope: {finding: abc}\n"
        "    justification: the command is a constant string, reviewed\n"
        "    requester: Alice <alice@example.com>\n    approver: Bob <bob@example.com>\n"
        "    created: 2026-02-01T00:00:00Z\n    expires: 2026-06-01T00:00:00Z\n",
    )
    loaded = load_waivers(path)
    assert verify_waivers(loaded, trusted, root=tmp_path / "proj").for_finding("abc", DAY) is None
    approval = _signed(loaded.waivers[0], keys["bob"])
    write_exception_approvals(path, ExceptionApprovalsFile(version=1, file=path.name, approvals={"W-1": [approval]}))
    verified = verify_waivers(loaded, trusted, root=tmp_path / "proj")
    assert verified.for_finding("abc", DAY) is loaded.waivers[0]
    # A sidecar that says it belongs to another register is refused, naming it.
    sidecar = path.with_name("waivers.yaml.approvals.json")
    sidecar.write_text(sidecar.read_text().replace('"file": "waivers.yaml"', '"file": "other.yaml"'))
    with pytest.raises(RecordError) as error:
        verify_waivers(loaded, trusted, root=tmp_path / "proj")
    assert error.value.path == str(sidecar)


def test_a_baseline_entry_is_approved_like_a_waiver(setup: tuple[TrustedRegister, dict[str, Path]]) -> None:
    trusted, keys = setup

    def entry(requester: str | None) -> BaselineEntry:
        approval = BaselineApproval(
            approver="Bob <bob@example.com>",
            requester=requester,
            justification="legacy call, replaced in 3.0",
            created=CREATED,
            expires=EXPIRES,
        )
        return BaselineEntry(fingerprint="cd" * 16, path="app.py", test_id="B602", line=3, approval=approval)

    def signed(item: BaselineEntry) -> list[SignedApproval]:
        message = baseline_exception(item).message("bob@example.com", DAY)
        return [SignedApproval(approver="bob@example.com", date=DAY, ssh_signature=sign_ssh(message, keys["bob"]))]

    good = entry("Alice <alice@example.com>")
    assert verify_exception(baseline_exception(good), signed(good), trusted).status is ExceptionStatus.APPROVED
    moved = good.model_copy(update={"line": 30})
    assert verify_exception(baseline_exception(moved), signed(good), trusted).status is ExceptionStatus.APPROVED
    own = entry("Bob <bob@example.com>")
    assert verify_exception(baseline_exception(own), signed(own), trusted).status is ExceptionStatus.SELF_APPROVED
    nobody = entry(None)
    unnamed = verify_exception(baseline_exception(nobody), signed(nobody), trusted)
    assert unnamed.status is ExceptionStatus.REQUESTER_UNKNOWN
    assert verify_exception(baseline_exception(good), [], trusted).status is ExceptionStatus.UNSIGNED


def test_a_sigstore_bundle_of_someone_else_or_over_other_bytes_does_not_approve_a_waiver(tmp_path: Path) -> None:
    """A real Sigstore bundle (over other bytes, by its own identity) never approves a waiver."""
    path = SHARED_FIXTURES / "sigstore" / "bundle_v3.txt.sigstore"
    if not path.is_file():
        pytest.skip(f"shared Sigstore fixtures not available ({path})")
    keys = {name: ssh_key(tmp_path / "keys", name) for name in ("alice", "bob")}
    extra = (
        "  - name: Sigrid Store\n    email: sigrid@example.com\n"
        "    sigstore:\n      - identity: william@yossarian.net\n        issuer: https://github.com/login/oauth\n"
        "    approves:\n      - kinds: [waiver]\n"
    )
    production = load_register_file(write_register(tmp_path / "approvers.yaml", keys, extra))
    staging = TrustedRegister(
        production.register.model_copy(update={"sigstore_instance": SigstoreInstance.STAGING}),
        production.source,
        production.sha256,
    )
    bundle = json.loads(path.read_text(encoding="utf-8"))
    by_sigrid = _waiver(approver="Sigrid <sigrid@example.com>")
    approval = [SignedApproval(approver="sigrid@example.com", date=DAY, sigstore_bundle=bundle)]
    for trusted in (production, staging):
        assert _status(by_sigrid, approval, trusted) is ExceptionStatus.INVALID_SIGNATURE
    # The same bundle presented as Bob's, who signs with SSH only: someone else's Sigstore identity.
    as_bob = [SignedApproval(approver="bob@example.com", date=DAY, sigstore_bundle=bundle)]
    assert _status(_waiver(), as_bob, staging) is ExceptionStatus.UNKNOWN_APPROVER
