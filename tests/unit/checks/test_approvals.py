"""approval_state: a record counts only with a verified approval by an entitled approver who is not its author."""

from __future__ import annotations

from typing import Any

import pytest

from sdl_gate.checks import CHECKS, Outcome
from sdl_gate.checks._approvals import ApprovalState, approval_state
from tests.unit.checks._build import (
    BOB,
    TODAY,
    approval,
    check_input,
    days_ago,
    record_entry,
    records,
    run_criterion,
    typed_entry,
)


def _state(**changes: Any) -> tuple[ApprovalState, str, list[str]]:
    return approval_state(typed_entry(record_entry("R-1", "review", ["SD-3"], **changes)), "SD-3", TODAY)


def test_a_verified_entitled_independent_approval_counts() -> None:
    state, approved, reasons = _state()
    assert state is ApprovalState.APPROVED
    assert approved.startswith("approved by Bob Example <bob@example.com> on")
    assert reasons == []


@pytest.mark.parametrize(
    ("approvals", "author_email", "expected"),
    [
        ([], "alice@example.com", "it is not approved: it has no signed approval"),
        ([approval(days_ago(1), may_approve=["SD-3"])], "bob@example.com", "is a self-approval"),
        ([approval(days_ago(1), may_approve=["SD-3"])], None, "names no e-mail address"),
        ([approval(days_ago(1), may_approve=["SM-9"])], "alice@example.com", "does not entitle"),
        ([approval(days_ago(-1), may_approve=["SD-3"])], "alice@example.com", "in the future"),
        ([approval(days_ago(1), status="invalid", person=None)], "alice@example.com", "has an invalid signature"),
        ([approval(days_ago(1), status="wrong_namespace", person=None)], "alice@example.com", "invalid signature"),
        ([approval(days_ago(1), status="unknown_approver", person=None)], "alice@example.com", "unknown approver"),
        (
            [approval(days_ago(1), status="stale", may_approve=["SD-3"], changed=["docs/a.md"])],
            "alice@example.com",
            "is stale: linked file docs/a.md changed since it was approved; run `sdl-gate records approve R-1`",
        ),
    ],
    ids=["unsigned", "self", "anonymous-author", "not-entitled", "future", "invalid", "namespace", "unknown", "stale"],
)
def test_an_approval_that_does_not_count_says_why(
    approvals: list[dict[str, Any]], author_email: str | None, expected: str
) -> None:
    state, _, reasons = _state(approvals=approvals, author_email=author_email)
    assert state is ApprovalState.NOT_APPROVED
    assert any(expected in reason for reason in reasons), reasons


def test_an_alias_of_the_author_is_a_self_approval() -> None:
    person = {**BOB, "emails": ["bob@example.com", "b.example@example.org"]}
    entry = record_entry(
        "R-1", "review", ["SD-3"], approvals=[approval(days_ago(1), person=person, may_approve=["SD-3"])]
    )
    entry["author_email"] = "b.example@example.org"
    state, _, reasons = approval_state(typed_entry(entry), "SD-3", TODAY)
    assert state is ApprovalState.NOT_APPROVED
    assert "self-approval" in reasons[0]


def test_one_good_approval_beside_a_bad_one_counts() -> None:
    approvals = [approval(days_ago(1), status="invalid", person=None), approval(days_ago(1), may_approve=["SD-3"])]
    assert _state(approvals=approvals)[0] is ApprovalState.APPROVED


def test_without_a_register_it_cannot_be_told() -> None:
    state, _, reasons = _state(approvals=[approval(days_ago(1), status="unverified")])
    assert state is ApprovalState.CANNOT_TELL
    assert "no trusted approver register" in reasons[0]
    assert "--approvers FILE" in reasons[0]


def test_an_unknown_approver_names_an_edited_register() -> None:
    entry = record_entry("R-1", "review", ["SD-3"], approvals=[approval(days_ago(1), status="unknown_approver")])
    _, _, reasons = approval_state(typed_entry(entry), "SD-3", TODAY, register_edit="security/approvers.yaml is edited")
    assert "security/approvers.yaml is edited" in reasons[0]


def test_the_record_criterion_cannot_tell_without_a_register_but_fails_an_expired_record() -> None:
    unverified = record_entry("R-1", "review", ["SD-3"], approvals=[approval(days_ago(1), status="unverified")])
    finding = run_criterion("SD-3", 0, check_input("SD-3", records(unverified, register=None)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no trusted approver register" in finding.message
    expired = {**unverified, "valid_until": days_ago(1)}
    finding = run_criterion("SD-3", 0, check_input("SD-3", records(expired, register=None)))
    assert finding.outcome is Outcome.FAIL
    assert "expired" in finding.message


def test_the_record_criterion_fails_a_self_approved_record() -> None:
    entry = record_entry("R-1", "review", ["SD-3"])
    entry["author_email"] = "bob@example.com"
    finding = run_criterion("SD-3", 0, check_input("SD-3", records(entry)))
    assert finding.outcome is Outcome.FAIL
    assert "self-approval" in finding.message
    assert CHECKS["SD-3"].criteria[0].name == "record"
