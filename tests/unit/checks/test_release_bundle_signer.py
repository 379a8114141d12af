"""SM-6's ``release_bundle`` criterion: a bundle counts only when its signer is the configured one."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from sdl_gate.attest.files import SignatureFormat
from sdl_gate.bundle_payload import BundleRecord, SignerCheck
from sdl_gate.checks import CheckInput, Finding, Outcome
from sdl_gate.checks._signing import release_bundle
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceSet, Rejection, StoredEvidence, Subject, ToolInfo
from sdl_gate.policy.models import Mode, ResolvedRequirement
from sdl_gate.policy.waivers import WaiverRegister

COMMIT = "c0ffee" + "0" * 34
FOUND = "key " + "1" * 64
EXPECTED = "key " + "2" * 64


def _evaluate(*records: BundleRecord, rejections: tuple[Rejection, ...] = ()) -> Finding:
    items = tuple(
        StoredEvidence(id=evidence.id, collected_at=datetime(2026, 3, 1, tzinfo=timezone.utc), evidence=evidence)
        for evidence in (
            Evidence(
                kind=EvidenceKind.BUNDLE,
                tool=ToolInfo(name="sdl-gate", version="test"),
                subject=Subject(commit=COMMIT),
                payload=record.model_dump(mode="json"),
            )
            for record in records
        )
    )
    check_input = CheckInput(
        requirement="SM-6",
        evidence=EvidenceSet(commit=COMMIT, items=items, rejections=rejections),
        policy=ResolvedRequirement(mode=Mode.ENFORCED, justification=None, enforced_from=None, max_age_days=None),
        waivers=WaiverRegister(),
        today=date(2026, 3, 1),
    )
    return release_bundle.evaluate(check_input)


def _record(check: SignerCheck | None, *, signed: bool = True, expected: str | None = EXPECTED) -> BundleRecord:
    return BundleRecord(
        format=1,
        file="widget-2.0.0.zip",
        signature=SignatureFormat.KEY if signed else None,
        signer=FOUND if signed else None,
        signer_check=check,
        expected_signer=expected,
    )


def test_a_bundle_by_the_configured_signer_passes() -> None:
    finding = _evaluate(_record(SignerCheck.VERIFIED))
    assert finding.outcome is Outcome.PASS
    assert f"signed by {FOUND}, the configured signer" in finding.message
    assert finding.evidence


def test_a_bundle_by_another_signer_fails_naming_both() -> None:
    finding = _evaluate(_record(SignerCheck.MISMATCH))
    assert finding.outcome is Outcome.FAIL
    assert FOUND in finding.message
    assert f"not by the configured signer {EXPECTED}" in finding.message


def test_a_bundle_with_no_configured_signer_to_check_cannot_tell() -> None:
    finding = _evaluate(_record(SignerCheck.NOT_CONFIGURED, expected=None))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert FOUND in finding.message
    assert "no signer is configured" in finding.message


def test_a_signed_record_that_never_checked_its_signer_does_not_count() -> None:
    """A declaration written before signers were checked (or without saying) is not a pass."""
    legacy = {"format": 1, "file": "widget-2.0.0.zip", "signature": "key", "signer": FOUND}
    finding = _evaluate(BundleRecord.model_validate(legacy))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "without checking its signer" in finding.message


@pytest.mark.parametrize("check", [None, SignerCheck.NOT_CONFIGURED])
def test_an_unsigned_bundle_fails(check: SignerCheck | None) -> None:
    finding = _evaluate(_record(check, signed=False))
    assert finding.outcome is Outcome.FAIL
    assert "is not signed" in finding.message


def test_no_bundle_being_made_does_not_apply_and_an_unreadable_one_says_why() -> None:
    assert _evaluate().outcome is Outcome.NOT_APPLICABLE
    rejected = _evaluate(rejections=(Rejection(EvidenceKind.BUNDLE, "stored bundle evidence is unreadable"),))
    assert rejected.outcome is Outcome.NOT_AVAILABLE
    assert "unreadable" in rejected.message
