"""The security-management table (checks/sm.py): every criterion of SM-1 to SM-13 on hand-built evidence."""

from __future__ import annotations

import pytest

from sdl_gate.assess import Verdict, assess_requirement
from sdl_gate.attest.files import SignatureFormat
from sdl_gate.catalogue import load_catalogue
from sdl_gate.checks import CHECKS, Outcome, sm
from sdl_gate.evidence import EvidenceKind
from sdl_gate.policy.loader import resolve_policy
from sdl_gate.policy.waivers import WaiverRegister
from tests.unit.checks._build import (
    CODEOWNERS,
    REGISTER,
    artifact,
    audit,
    bundle,
    check_input,
    key_scan,
    private_key,
    record_entry,
    records,
    repository,
    signatures,
    vuln,
    waiver,
    waivers_evidence,
)
from tests.unit.checks._scenarios import Case, assert_case, cases


@pytest.mark.parametrize("case", cases(sm.CHECKS))
def test_criterion_answers_on_hand_built_evidence(case: Case) -> None:
    assert_case(case)


def test_sm2_is_met_by_codeowners_or_by_a_roles_document() -> None:
    by_owners = CHECKS["SM-2"].run(check_input("SM-2", repository(codeowners=CODEOWNERS), records()))
    roles = records(record_entry("roles", "process_document", ["SM-2"]))
    by_record = CHECKS["SM-2"].run(check_input("SM-2", repository(), roles))
    assert [f.outcome for f in by_owners] == [Outcome.PASS, Outcome.PASS]
    assert by_owners[0].criterion == "codeowners"
    assert [f.outcome for f in by_record] == [Outcome.PASS, Outcome.PASS]
    assert by_record[0].criterion == "record"
    assert by_record[1].criterion == "approver_register"


def test_sm2_fails_when_the_change_edits_the_approver_register() -> None:
    edit = "security/approvers.yaml is edited in this change (it differs from the trusted register, file a.yaml)"
    edited = records(register={**REGISTER, "edit": edit})
    findings = CHECKS["SM-2"].run(check_input("SM-2", repository(codeowners=CODEOWNERS), edited))
    assert [(f.criterion, f.outcome) for f in findings] == [
        ("codeowners", Outcome.PASS),
        ("approver_register", Outcome.FAIL),
    ]
    assert findings[1].location == "security/approvers.yaml"
    assert edit in findings[1].message
    assert REGISTER["source"] in findings[1].message  # whose approvers must approve the change
    given = check_input("SM-2", repository(codeowners=CODEOWNERS), edited)
    result = assess_requirement(
        load_catalogue().requirement("SM-2"),
        given.evidence,
        resolve_policy("iec62443-4-1-ml2"),
        WaiverRegister(),
        given.today,
    )
    assert result.blocking
    assert result.verdict is Verdict.PARTIALLY_SATISFIED


def test_sm2_does_not_judge_register_edits_without_a_trusted_register() -> None:
    # Without a trusted register no approval is verified, so an edited copy cannot make anyone an approver.
    unnamed = records(register=None)
    findings = CHECKS["SM-2"].run(check_input("SM-2", repository(codeowners=CODEOWNERS), unnamed))
    assert [(f.criterion, f.outcome) for f in findings] == [
        ("codeowners", Outcome.PASS),
        ("approver_register", Outcome.NOT_APPLICABLE),
    ]


def test_sm8_accepts_key_signing_only_with_a_key_custody_record() -> None:
    keyed = signatures(artifact(signature_format=SignatureFormat.KEY), key="public key keys/release.pub")
    custody = records(record_entry("custody", "key_custody", ["SM-8"]))
    without = CHECKS["SM-8"].run(check_input("SM-8", keyed, records()))
    with_custody = CHECKS["SM-8"].run(check_input("SM-8", keyed, custody))
    assert without[0].outcome is Outcome.FAIL
    assert "key_custody" in without[0].message
    assert [f.outcome for f in with_custody] == [Outcome.PASS, Outcome.PASS]


def test_sm8_fails_on_a_committed_key_even_when_releases_are_signed_keyless() -> None:
    leaked = signatures(artifact(), scan=key_scan(private_key("deploy/id_rsa")))
    findings = CHECKS["SM-8"].run(check_input("SM-8", leaked))
    assert [f.outcome for f in findings] == [Outcome.PASS, Outcome.FAIL]
    assert findings[1].location == "deploy/id_rsa"


def test_sm11_needs_both_a_sound_register_and_a_disposition_for_every_vulnerability() -> None:
    vuln_waiver = waiver("W-vuln", vulnerability="GHSA-aaaa-bbbb-cccc", package="requests")
    disposed = CHECKS["SM-11"].run(
        check_input("SM-11", waivers_evidence(vuln_waiver), audit(vuln()), waivers=[vuln_waiver])
    )
    undisposed = CHECKS["SM-11"].run(check_input("SM-11", waivers_evidence(), audit(vuln())))
    assert [f.outcome for f in disposed] == [Outcome.PASS, Outcome.PASS]
    assert undisposed[1].outcome is Outcome.FAIL


def test_sm12_does_not_read_the_bundle_being_made() -> None:
    # Process verification cannot be vouched for by the bundle it goes into: SM-12's own criteria are its review
    # record and the earlier releases; the rest of the assessment's verdicts are read by assess.
    review = records(record_entry("verification", "review", ["SM-12"]))
    findings = CHECKS["SM-12"].run(check_input("SM-12", review, bundle()))
    assert [(f.criterion, f.outcome) for f in findings] == [
        ("record", Outcome.PASS),
        ("release_history", Outcome.NOT_APPLICABLE),
    ]
    assert all(EvidenceKind.BUNDLE not in c.kinds for c in CHECKS["SM-12"].criteria)


def test_sm6_reads_the_bundle_being_made_and_without_one_rests_on_the_release_files() -> None:
    signed = signatures(artifact())
    plain = CHECKS["SM-6"].run(check_input("SM-6", signed))
    unsigned_bundle = CHECKS["SM-6"].run(check_input("SM-6", signed, bundle(signed=False)))
    assert [f.outcome for f in plain] == [Outcome.PASS, Outcome.NOT_APPLICABLE]
    assert [f.outcome for f in unsigned_bundle] == [Outcome.PASS, Outcome.FAIL]
