"""The waiver approvals a bundle's evidence recorded are read as a typed payload, and a malformed one refuses it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sdl_gate.bundle.verify import BundleInvalid, _with_recorded_approvals
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest, StoredEvidence, Subject, ToolInfo
from sdl_gate.policy.waivers import WaiverRegister

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _waivers_evidence(payload: dict[str, object]) -> StoredEvidence:
    evidence = Evidence(
        kind=EvidenceKind.WAIVERS,
        tool=ToolInfo(name="sdl-gate", version="1.0"),
        subject=Subject(commit="a" * 40, files=(FileDigest(path="security/waivers.yaml", sha256="b" * 64),)),
        payload=payload,
    )
    return StoredEvidence(id=evidence.id, collected_at=NOW, evidence=evidence)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"waivers": "W-1"}, id="waivers-not-a-list"),
        pytest.param({"waivers": [{"approval": {}}]}, id="entry-without-id"),
        pytest.param({}, id="no-waivers-field"),
    ],
)
def test_a_bundle_whose_waivers_evidence_is_not_in_its_form_is_refused(payload: dict[str, object]) -> None:
    # Malformed entries were skipped before, so a bundle could carry waivers whose approvals nobody checked.
    with pytest.raises(BundleInvalid):
        _with_recorded_approvals(WaiverRegister(), [_waivers_evidence(payload)])


def test_a_bundle_without_waivers_evidence_keeps_the_register() -> None:
    register = WaiverRegister()
    assert _with_recorded_approvals(register, []) is register
