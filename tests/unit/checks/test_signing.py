"""Release signatures and the evidence bundle (checks/_signing.py): SM-6, SM-8 and SUM-4."""

from __future__ import annotations

import pytest

from sdl_gate.attest.files import SignatureFormat, VerifyStatus
from sdl_gate.checks import Criterion, Outcome
from sdl_gate.checks._signing import (
    keyless_signing,
    no_committed_private_key,
    release_bundle,
    signed_release,
    verifiable_updates,
)
from sdl_gate.evidence import EvidenceKind
from tests.unit.checks._build import (
    artifact,
    bundle,
    check_input,
    evidence,
    key_scan,
    private_key,
    rejection,
    run,
    signatures,
    waiver,
)

RELEASE_CRITERIA = [
    pytest.param(signed_release, id="signed_release"),
    pytest.param(verifiable_updates, id="verifiable_updates"),
    pytest.param(keyless_signing, id="keyless_signing"),
]


@pytest.mark.parametrize("criterion", RELEASE_CRITERIA)
def test_release_criteria_pass_when_every_file_verified(criterion: Criterion) -> None:
    given = check_input("SM-6", signatures(artifact("dist/a.whl"), artifact("dist/a.tar.gz")))
    finding = run(criterion, given)
    assert finding.outcome is Outcome.PASS
    assert finding.evidence == given.evidence.ids()


@pytest.mark.parametrize("criterion", RELEASE_CRITERIA)
@pytest.mark.parametrize("status", [VerifyStatus.UNSIGNED, VerifyStatus.INVALID])
def test_release_criteria_fail_on_an_unsigned_or_invalid_file_and_name_it(
    criterion: Criterion, status: VerifyStatus
) -> None:
    given = check_input("SM-6", signatures(artifact("dist/a.whl"), artifact("dist/b.whl", status=status)))
    finding = run(criterion, given)
    assert finding.outcome is Outcome.FAIL
    assert "dist/b.whl" in finding.message and status.value in finding.message
    assert finding.location == "dist/b.whl"


@pytest.mark.parametrize("criterion", RELEASE_CRITERIA)
def test_release_criteria_are_not_available_without_configured_or_built_release_files(criterion: Criterion) -> None:
    unconfigured = run(criterion, check_input("SM-6", signatures(patterns=())))
    unbuilt = run(criterion, check_input("SM-6", signatures()))
    assert unconfigured.outcome is Outcome.NOT_AVAILABLE
    assert "artifacts" in unconfigured.message
    assert unbuilt.outcome is Outcome.NOT_AVAILABLE
    assert "dist/*" in unbuilt.message


@pytest.mark.parametrize("criterion", RELEASE_CRITERIA)
def test_release_criteria_are_not_available_when_nothing_could_verify(criterion: Criterion) -> None:
    unchecked = artifact("dist/a.whl", status=VerifyStatus.NOT_CHECKED, detail="no verifier")
    problem = "no signer identity or public key configured under [tool.sdl-gate.signing]"
    finding = run(criterion, check_input("SM-6", signatures(unchecked, sigstore=None, problem=problem)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert problem in finding.message


@pytest.mark.parametrize("criterion", RELEASE_CRITERIA)
def test_an_unsigned_file_fails_even_beside_unverifiable_ones(criterion: Criterion) -> None:
    files = (
        artifact("dist/a.whl", status=VerifyStatus.NOT_CHECKED),
        artifact("dist/b.whl", status=VerifyStatus.UNSIGNED),
    )
    assert run(criterion, check_input("SM-6", signatures(*files))).outcome is Outcome.FAIL


@pytest.mark.parametrize("criterion", [*RELEASE_CRITERIA, pytest.param(no_committed_private_key, id="keys")])
def test_signature_criteria_are_not_available_without_signatures_evidence(criterion: Criterion) -> None:
    assert run(criterion, check_input("SM-6")).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(EvidenceKind.SIGNATURES, "signatures evidence collected 2025-01-01 is older than the limit")
    finding = run(criterion, check_input("SM-6", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


@pytest.mark.parametrize("criterion", [*RELEASE_CRITERIA, pytest.param(no_committed_private_key, id="keys")])
def test_signature_criteria_on_a_malformed_payload_are_not_available(criterion: Criterion) -> None:
    broken = evidence(EvidenceKind.SIGNATURES, {"patterns": ["dist/*"], "artifacts": "everything"})
    finding = run(criterion, check_input("SM-6", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (broken.id,)
    assert "payload.artifacts" in finding.message


def test_signed_release_names_the_signers() -> None:
    finding = run(signed_release, check_input("SM-6", signatures(artifact(signer="ci@example.com"))))
    assert "ci@example.com" in finding.message


def test_verifiable_updates_says_how_users_verify() -> None:
    given = check_input("SUM-4", signatures(artifact(), key="public key keys/release.pub (key id 0123)"))
    finding = run(verifiable_updates, given)
    assert finding.outcome is Outcome.PASS
    assert "keys/release.pub" in finding.message


def test_keyless_signing_fails_on_a_file_signed_with_a_long_lived_key() -> None:
    files = (artifact("dist/a.whl"), artifact("dist/b.whl", signature_format=SignatureFormat.KEY))
    finding = run(keyless_signing, check_input("SM-8", signatures(*files)))
    assert finding.outcome is Outcome.FAIL
    assert "dist/b.whl" in finding.message and "dist/a.whl" not in finding.message


# --- committed private keys ---------------------------------------------------------------------------------------


def test_no_committed_private_key_passes_on_a_complete_clean_scan() -> None:
    finding = run(no_committed_private_key, check_input("SM-8", signatures(scan=key_scan(files_scanned=12))))
    assert finding.outcome is Outcome.PASS
    assert "12 file(s)" in finding.message


def test_a_committed_private_key_fails_with_its_path() -> None:
    scan = key_scan(private_key("deploy/id_rsa"), private_key("tests/ci.pem"))
    finding = run(no_committed_private_key, check_input("SM-8", signatures(scan=scan)))
    assert finding.outcome is Outcome.FAIL
    assert "deploy/id_rsa" in finding.message and "tests/ci.pem" in finding.message
    assert finding.location == "deploy/id_rsa"


def test_a_waived_test_key_is_accepted_and_shown() -> None:
    accepted = waiver("W-key", finding="private-key:tests/ci.pem")
    scan = key_scan(private_key("tests/ci.pem"))
    finding = run(no_committed_private_key, check_input("SM-8", signatures(scan=scan), waivers=[accepted]))
    assert finding.outcome is Outcome.PASS
    assert "W-key" in finding.message


def test_an_expired_key_waiver_no_longer_accepts_the_key() -> None:
    expired = waiver("W-key", finding="private-key:tests/ci.pem", created_days_ago=90, expires_in_days=-1)
    scan = key_scan(private_key("tests/ci.pem"))
    finding = run(no_committed_private_key, check_input("SM-8", signatures(scan=scan), waivers=[expired]))
    assert finding.outcome is Outcome.FAIL


def test_an_unverified_key_waiver_does_not_accept_the_key_and_says_why() -> None:
    from dataclasses import replace

    from sdl_gate.policy.waivers import WaiverRegister

    accepted = waiver("W-key", finding="private-key:tests/ci.pem")
    given = check_input("SM-8", signatures(scan=key_scan(private_key("tests/ci.pem"))), waivers=[accepted])
    unverified = replace(given, waivers=WaiverRegister(waivers=(accepted,), source="security/waivers.yaml"))
    finding = run(no_committed_private_key, unverified)
    assert finding.outcome is Outcome.FAIL
    assert "waiver W-key does not count" in finding.message


def test_an_incomplete_key_scan_is_not_available_unless_it_already_found_a_key() -> None:
    partial = key_scan(complete=False, problem="git ls-files failed")
    finding = run(no_committed_private_key, check_input("SM-8", signatures(scan=partial)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "git ls-files failed" in finding.message
    found = key_scan(private_key(), complete=False, problem="git ls-files failed")
    assert run(no_committed_private_key, check_input("SM-8", signatures(scan=found))).outcome is Outcome.FAIL


def test_a_key_scan_of_no_file_is_not_a_pass() -> None:
    finding = run(no_committed_private_key, check_input("SM-8", signatures(scan=key_scan(files_scanned=0))))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "read no file" in finding.message


# --- release bundle -----------------------------------------------------------------------------------------------


def test_release_bundle_passes_on_a_signed_bundle_and_fails_on_an_unsigned_one() -> None:
    signed = run(release_bundle, check_input("SM-6", bundle()))
    unsigned = run(release_bundle, check_input("SM-6", bundle(signed=False)))
    assert signed.outcome is Outcome.PASS
    assert "release@example.com" in signed.message
    assert unsigned.outcome is Outcome.FAIL
    assert "--sign" in unsigned.message


def test_release_bundle_without_a_bundle_being_made_does_not_apply() -> None:
    # Only `bundle create` declares a bundle, for the assessment it bundles; `check` makes none.
    finding = run(release_bundle, check_input("SM-6"))
    assert finding.outcome is Outcome.NOT_APPLICABLE
    assert "no release-evidence bundle is being made" in finding.message


def test_a_rejected_bundle_is_not_available_and_says_why() -> None:
    reason = rejection(EvidenceKind.BUNDLE, "bundle evidence was taken at commit none, not the assessed commit")
    finding = run(release_bundle, check_input("SM-6", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


def test_a_malformed_bundle_record_is_not_available_naming_it() -> None:
    broken = evidence(
        EvidenceKind.BUNDLE, {"format": 1, "file": "b.zip", "signature": "carrier pigeon", "signer": None}
    )
    finding = run(release_bundle, check_input("SM-6", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert broken.id in finding.message
