"""Observing one approval against the trusted register: each status and the facts it records."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.approvals.canonical import approval_message
from sdl_gate.approvals.register import SigstoreInstance, TrustedRegister, load_register_file
from sdl_gate.approvals.sidecar import LinkedFile, SignedApproval
from sdl_gate.approvals.signatures import sign_ssh
from sdl_gate.approvals.verify import ApprovalStatus, observe_approval
from tests.conftest import SHARED_FIXTURES, ssh_key, write_register

RECORD: dict[str, Any] = {"version": 1, "id": "R-1", "kind": "review", "requirements": ["SD-3", "SM-9"]}
DIGEST = "ab" * 32
DAY = date(2026, 1, 12)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[TrustedRegister, dict[str, Path]]:
    keys = {name: ssh_key(tmp_path / "keys", name) for name in ("alice", "bob", "mallory")}
    extra = (
        "  - name: Sigrid Store\n"
        "    email: sigrid@example.com\n"
        "    sigstore:\n"
        "      - identity: william@yossarian.net\n"
        "        issuer: https://github.com/login/oauth\n"
    )
    register = write_register(tmp_path / "approvers.yaml", keys, extra)
    return load_register_file(register), keys


def _approval(key: Path, approver: str = "bob@example.com", linked: str = DIGEST) -> SignedApproval:
    message = approval_message(RECORD, [("docs/a.md", linked)], approver, DAY)
    return SignedApproval(
        approver=approver,
        date=DAY,
        linked_files=[LinkedFile(path="docs/a.md", sha256=linked)],
        ssh_signature=sign_ssh(message, key),
    )


def test_a_verified_approval_records_who_and_what_they_may_approve(setup: tuple[TrustedRegister, Any]) -> None:
    trusted, keys = setup
    seen = observe_approval(_approval(keys["bob"]), RECORD, [("docs/a.md", DIGEST)], trusted)
    assert seen["status"] == ApprovalStatus.VERIFIED.value
    assert seen["person"]["email"] == "bob@example.com"
    assert seen["person"]["department"] == "Product Security"
    assert seen["may_approve"] == ["SD-3", "SM-9"]
    assert seen["signer"].startswith("SHA256:")


def test_a_changed_linked_file_makes_it_stale(setup: tuple[TrustedRegister, Any]) -> None:
    trusted, keys = setup
    seen = observe_approval(_approval(keys["bob"]), RECORD, [("docs/a.md", "cd" * 32)], trusted)
    assert seen["status"] == ApprovalStatus.STALE.value
    assert seen["changed_files"] == ["docs/a.md"]
    missing = observe_approval(_approval(keys["bob"]), RECORD, [("docs/a.md", None)], trusted)
    assert missing["status"] == ApprovalStatus.STALE.value


def test_an_approval_of_other_links_is_invalid(setup: tuple[TrustedRegister, Any]) -> None:
    trusted, keys = setup
    seen = observe_approval(_approval(keys["bob"]), RECORD, [("docs/b.md", DIGEST)], trusted)
    assert seen["status"] == ApprovalStatus.INVALID.value
    assert "other linked files" in seen["detail"]


def test_a_key_outside_the_register_is_an_unknown_approver(setup: tuple[TrustedRegister, Any]) -> None:
    trusted, keys = setup
    seen = observe_approval(_approval(keys["mallory"], "mallory@example.com"), RECORD, [("docs/a.md", DIGEST)], trusted)
    assert seen["status"] == ApprovalStatus.UNKNOWN_APPROVER.value
    assert "not in the trusted approver register" in seen["detail"]


def test_a_key_of_one_person_naming_another_is_invalid(setup: tuple[TrustedRegister, Any]) -> None:
    trusted, keys = setup
    seen = observe_approval(_approval(keys["alice"], "bob@example.com"), RECORD, [("docs/a.md", DIGEST)], trusted)
    assert seen["status"] == ApprovalStatus.INVALID.value
    assert "signed with the key of Alice Example" in seen["detail"]


def test_without_a_register_nothing_is_verified(setup: tuple[TrustedRegister, Any]) -> None:
    _, keys = setup
    seen = observe_approval(_approval(keys["bob"]), RECORD, [("docs/a.md", DIGEST)], None)
    assert seen["status"] == ApprovalStatus.UNVERIFIED.value
    assert seen["person"] is None


def _sigstore_approval(approver: str) -> SignedApproval:
    path = SHARED_FIXTURES / "sigstore" / "bundle_v3.txt.sigstore"
    if not path.is_file():
        pytest.skip(f"shared Sigstore fixtures not available ({path})")
    bundle = json.loads(path.read_text(encoding="utf-8"))
    return SignedApproval(
        approver=approver,
        date=DAY,
        linked_files=[LinkedFile(path="docs/a.md", sha256=DIGEST)],
        sigstore_bundle=bundle,
    )


def test_a_sigstore_approval_by_someone_without_an_identity_is_unknown(setup: tuple[TrustedRegister, Any]) -> None:
    trusted, _ = setup
    seen = observe_approval(_sigstore_approval("bob@example.com"), RECORD, [("docs/a.md", DIGEST)], trusted)
    assert seen["status"] == ApprovalStatus.UNKNOWN_APPROVER.value
    assert "without a Sigstore identity" in seen["detail"]


def test_a_sigstore_bundle_over_other_content_is_invalid(setup: tuple[TrustedRegister, Any]) -> None:
    """The register is on the production instance, so the staging bundle fails there; its identity matches."""
    trusted, _ = setup
    seen = observe_approval(_sigstore_approval("sigrid@example.com"), RECORD, [("docs/a.md", DIGEST)], trusted)
    assert seen["status"] == ApprovalStatus.INVALID.value
    assert "Sigstore verification failed" in seen["detail"]


def test_a_sigstore_bundle_of_the_right_identity_over_other_content_is_invalid(
    setup: tuple[TrustedRegister, Any],
) -> None:
    trusted, _ = setup
    staging = trusted.register.model_copy(update={"sigstore_instance": SigstoreInstance.STAGING})
    on_staging = TrustedRegister(staging, trusted.source, trusted.sha256)
    seen = observe_approval(_sigstore_approval("sigrid@example.com"), RECORD, [("docs/a.md", DIGEST)], on_staging)
    assert seen["status"] == ApprovalStatus.INVALID.value
