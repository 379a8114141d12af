"""The shared criteria (checks/_criteria.py): records, any_of, repository facts and the waiver register."""

from __future__ import annotations

from typing import Any

import pytest

from sdl_gate.checks import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criteria import (
    any_of,
    codeowners,
    guideline_document,
    record,
    record_problems,
    security_contact,
    waiver_register,
)
from sdl_gate.evidence import EvidenceKind
from tests.unit.checks._build import (
    CODEOWNERS,
    SECURITY_POLICY,
    TODAY,
    approval,
    check_input,
    days_ago,
    evidence,
    guideline,
    link,
    policy_entry,
    record_entry,
    records,
    rejection,
    repository,
    run,
    typed_entry,
    waiver,
    waivers_evidence,
)

# --- record_problems ----------------------------------------------------------------------------------------------


def _entry(**changes: Any) -> dict[str, Any]:
    return record_entry("R-1", "review", ["SM-9"], **changes)


def test_an_approved_current_record_with_unchanged_links_has_no_problem() -> None:
    entry = _entry(
        links=[link(), {"url": "https://example.com/minutes", "status": "url"}], valid_until=TODAY.isoformat()
    )
    assert record_problems(typed_entry(entry), TODAY, max_age_days=20) == []


@pytest.mark.parametrize(
    ("changes", "max_age_days", "problem"),
    [
        ({"dated": days_ago(-1), "approved": days_ago(-1)}, None, "in the future"),
        ({"valid_until": days_ago(1)}, None, "expired on"),
        ({"dated": days_ago(21)}, 20, "older than the policy's 20 days"),
        ({"links": [link("docs/a.md", status="changed")]}, None, "docs/a.md changed"),
        ({"links": [link("docs/b.md", status="missing")]}, None, "docs/b.md is missing"),
    ],
    ids=["future", "expired", "too-old", "link-changed", "link-missing"],
)
def test_a_record_does_not_count_when(changes: dict[str, Any], max_age_days: int | None, problem: str) -> None:
    problems = record_problems(typed_entry(_entry(**changes)), TODAY, max_age_days)
    assert problems
    assert problem in problems[0]


def test_every_problem_of_a_record_is_reported() -> None:
    entry = _entry(approved=None, valid_until=days_ago(1), links=[link(status="changed"), link(status="missing")])
    assert len(record_problems(typed_entry(entry), TODAY, None)) == 3


# --- record -------------------------------------------------------------------------------------------------------


def test_record_passes_on_an_approved_current_record_of_an_accepted_kind() -> None:
    given = check_input("SM-9", records(_entry()))
    finding = run(record("review", purpose="component risk decisions"), given)
    assert finding.outcome is Outcome.PASS
    assert "R-1" in finding.message
    assert "Bob Example" in finding.message
    assert finding.location == "security/records/R-1.yaml"
    assert finding.evidence == given.evidence.ids()


def test_record_accepts_any_of_its_kinds() -> None:
    criterion = record("process_document", "test_report", purpose="tester independence")
    for kind in ("process_document", "test_report"):
        given = check_input("SVV-5", records(record_entry("R-1", kind, ["SVV-5"])))
        assert run(criterion, given).outcome is Outcome.PASS


def test_record_fails_when_no_record_lists_the_requirement() -> None:
    given = check_input("SM-9", records(record_entry("R-1", "review", ["SM-10"])))
    finding = run(record("review", purpose="component risk decisions"), given)
    assert finding.outcome is Outcome.FAIL
    assert "no record lists SM-9" in finding.message
    assert finding.evidence == given.evidence.ids()


def test_record_fails_on_a_record_of_another_kind_and_says_which_it_needs() -> None:
    given = check_input("SVV-4", records(record_entry("R-1", "review", ["SVV-4"])))
    finding = run(record("pen_test", purpose="the penetration test"), given)
    assert finding.outcome is Outcome.FAIL
    assert "R-1 is a review" in finding.message
    assert "pen_test" in finding.message


def test_record_fails_with_the_reasons_a_listed_record_does_not_count() -> None:
    given = check_input(
        "SM-9", records(_entry(approved=None), record_entry("R-2", "review", ["SM-9"], valid_until=days_ago(3)))
    )
    finding = run(record("review", purpose="component risk decisions"), given)
    assert finding.outcome is Outcome.FAIL
    assert "R-1 does not count: it is not approved" in finding.message
    assert "R-2 does not count: it expired" in finding.message


def test_record_passes_when_one_listed_record_counts_beside_one_that_does_not() -> None:
    given = check_input("SM-9", records(_entry(approved=None), record_entry("R-2", "review", ["SM-9"])))
    finding = run(record("review", purpose="component risk decisions"), given)
    assert finding.outcome is Outcome.PASS
    assert finding.location == "security/records/R-2.yaml"


def test_record_applies_the_policy_age_limit() -> None:
    given = check_input("SM-9", records(_entry(dated=days_ago(400), approved=days_ago(399))))
    criterion = record("review", purpose="component risk decisions")
    assert run(criterion, given).outcome is Outcome.PASS
    aged = check_input(
        "SM-9", records(_entry(dated=days_ago(400), approved=days_ago(399))), policy=policy_entry(max_age_days=365)
    )
    finding = run(criterion, aged)
    assert finding.outcome is Outcome.FAIL
    assert "365 days" in finding.message


def test_record_is_not_available_without_records_evidence() -> None:
    finding = run(record("review", purpose="component risk decisions"), check_input("SM-9"))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no records evidence" in finding.message


def test_record_is_not_available_when_records_evidence_was_rejected_and_says_why() -> None:
    reasons = [
        rejection(EvidenceKind.RECORDS, "records evidence was taken at another commit"),
        rejection(EvidenceKind.RECORDS),
    ]
    finding = run(record("review", purpose="component risk decisions"), check_input("SM-9", rejected=reasons))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert all(r.reason in finding.message for r in reasons)


@pytest.mark.parametrize(
    ("broken", "place"),
    [
        (_entry(dated="last tuesday"), "payload.records.0.date"),
        # Evidence that does not say whether it looked for placeholders cannot be told free of them.
        ({k: v for k, v in _entry().items() if k != "placeholders"}, "payload.records.0.placeholders"),
        (_entry(links=[{"path": "docs/a.md", "status": "moved"}]), "payload.records.0.links.0.status"),
        (_entry(links=[{"url": "https://example.com/a", "status": "changed"}]), "payload.records.0.links.0"),
        (_entry(approvals=[{**approval(days_ago(1)), "status": "trusted"}]), "payload.records.0.approvals.0.status"),
        (_entry(approvals=[{**approval(days_ago(1)), "person": None}]), None),
        ({**_entry(), "requirements": "SM-9"}, "payload.records.0.requirements"),
    ],
    ids=[
        "date",
        "no-placeholders",
        "link-status",
        "url-link-status",
        "approval-status",
        "verified-without-person",
        "requirements",
    ],
)
def test_a_malformed_record_entry_is_not_available_naming_the_evidence_and_place(
    broken: dict[str, Any], place: str | None
) -> None:
    given = check_input("SM-9", records(broken))
    finding = run(record("review", purpose="component risk decisions"), given)
    if place is None:
        # Well-formed, yet a verified approval that names no person cannot be told apart from the author's.
        assert finding.outcome is Outcome.FAIL
        assert "names no person of the approver register" in finding.message
        return
    assert finding.outcome is Outcome.NOT_AVAILABLE
    (stored,) = given.evidence.stored(EvidenceKind.RECORDS)
    assert finding.evidence == (stored.id,)
    assert stored.id in finding.message
    assert place in finding.message


def test_an_empty_records_evidence_fails_a_record_criterion() -> None:
    finding = run(record("review", purpose="component risk decisions"), check_input("SM-9", records()))
    assert finding.outcome is Outcome.FAIL


# --- any_of -------------------------------------------------------------------------------------------------------


def _fixed(name: str, outcome: Outcome, kind: EvidenceKind, evidence_id: str = "") -> Criterion:
    def evaluate(given: CheckInput) -> Finding:
        return given.finding(name, outcome, f"{name}: {outcome.value}", (evidence_id,) if evidence_id else ())

    return Criterion(name, f"{name} description", (kind,), evaluate)


def test_any_of_takes_the_first_passing_alternative() -> None:
    either = any_of(_fixed("a", Outcome.FAIL, EvidenceKind.REPOSITORY), _fixed("b", Outcome.PASS, EvidenceKind.RECORDS))
    finding = run(either, check_input("SM-2"))
    assert finding.outcome is Outcome.PASS
    assert finding.criterion == "b"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (Outcome.FAIL, Outcome.NOT_AVAILABLE, Outcome.FAIL),
        (Outcome.NOT_AVAILABLE, Outcome.FAIL, Outcome.FAIL),
        (Outcome.NOT_AVAILABLE, Outcome.NOT_AVAILABLE, Outcome.NOT_AVAILABLE),
        (Outcome.ERROR, Outcome.NOT_AVAILABLE, Outcome.NOT_AVAILABLE),
        (Outcome.NOT_APPLICABLE, Outcome.NOT_AVAILABLE, Outcome.NOT_AVAILABLE),
    ],
)
def test_any_of_without_a_pass_fails_if_any_failed_else_is_not_available(
    first: Outcome, second: Outcome, expected: Outcome
) -> None:
    either = any_of(
        _fixed("a", first, EvidenceKind.REPOSITORY, "sha256:a"), _fixed("b", second, EvidenceKind.RECORDS, "sha256:b")
    )
    finding = run(either, check_input("SM-2"))
    assert finding.outcome is expected
    assert finding.criterion == "a or b"
    assert "a: " in finding.message and "b: " in finding.message
    assert finding.evidence == ("sha256:a", "sha256:b")


def test_any_of_reads_every_kind_of_its_alternatives() -> None:
    either = any_of(codeowners, record("process_document", purpose="roles"))
    assert either.name == "codeowners or record"
    assert either.kinds == (EvidenceKind.REPOSITORY, EvidenceKind.RECORDS)


# --- repository facts ---------------------------------------------------------------------------------------------


def test_security_contact_passes_on_a_policy_naming_a_contact() -> None:
    given = check_input("DM-1", repository(security_policy=SECURITY_POLICY))
    finding = run(security_contact, given)
    assert finding.outcome is Outcome.PASS
    assert "security@example.com" in finding.message
    assert finding.location == "SECURITY.md"


def test_security_contact_fails_without_a_policy_or_without_a_contact() -> None:
    missing = run(security_contact, check_input("DM-1", repository()))
    silent = run(
        security_contact, check_input("DM-1", repository(security_policy={"path": "SECURITY.md", "contacts": []}))
    )
    assert missing.outcome is Outcome.FAIL
    assert silent.outcome is Outcome.FAIL
    assert silent.location == "SECURITY.md"


def test_security_contact_is_not_available_without_repository_evidence() -> None:
    assert run(security_contact, check_input("DM-1")).outcome is Outcome.NOT_AVAILABLE
    rejected = check_input("DM-1", rejected=[rejection(EvidenceKind.REPOSITORY)])
    finding = run(security_contact, rejected)
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "repository evidence is unreadable" in finding.message


def test_security_contact_on_a_malformed_payload_is_not_available_naming_the_place() -> None:
    broken = evidence(EvidenceKind.REPOSITORY, {"security_policy": {"path": "SECURITY.md"}})
    finding = run(security_contact, check_input("DM-1", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (broken.id,)
    assert "payload.security_policy.contacts" in finding.message


def test_codeowners_passes_on_rules_and_fails_without_file_or_rules() -> None:
    assert run(codeowners, check_input("SM-2", repository(codeowners=CODEOWNERS))).outcome is Outcome.PASS
    assert run(codeowners, check_input("SM-2", repository())).outcome is Outcome.FAIL
    empty = repository(codeowners={"path": "CODEOWNERS", "rules": 0, "owners": []})
    finding = run(codeowners, check_input("SM-2", empty))
    assert finding.outcome is Outcome.FAIL
    assert finding.location == "CODEOWNERS"
    assert run(codeowners, check_input("SM-2")).outcome is Outcome.NOT_AVAILABLE


def test_guideline_document_passes_on_the_configured_present_document() -> None:
    finding = run(
        guideline_document, check_input("SG-3", repository(guidelines={"SG-3": guideline("docs/hardening.md")}))
    )
    assert finding.outcome is Outcome.PASS
    assert finding.location == "docs/hardening.md"


@pytest.mark.parametrize("status", ["missing", "empty"])
def test_guideline_document_fails_on_a_missing_or_empty_document(status: str) -> None:
    given = check_input("SG-3", repository(guidelines={"SG-3": guideline("docs/hardening.md", status=status)}))
    finding = run(guideline_document, given)
    assert finding.outcome is Outcome.FAIL
    assert status in finding.message


def test_guideline_document_fails_when_none_is_configured_and_says_where_to_configure_it() -> None:
    finding = run(guideline_document, check_input("SG-3", repository()))
    assert finding.outcome is Outcome.FAIL
    assert "SG-3" in finding.message and "pyproject.toml" in finding.message


def test_guideline_document_is_not_available_without_repository_evidence() -> None:
    assert run(guideline_document, check_input("SG-3")).outcome is Outcome.NOT_AVAILABLE


# --- waiver register ----------------------------------------------------------------------------------------------


def test_waiver_register_passes_when_every_waiver_is_in_force() -> None:
    active = (waiver("W-1", requirement="SM-4"), waiver("W-2", finding="fp-1"))
    finding = run(waiver_register, check_input("SM-11", waivers_evidence(*active), waivers=active))
    assert finding.outcome is Outcome.PASS
    assert "2 waiver(s)" in finding.message


def test_waiver_register_fails_on_an_expired_waiver_and_names_it() -> None:
    expired = waiver("W-old", finding="fp-1", created_days_ago=90, expires_in_days=-1)
    given = check_input("SM-11", waivers_evidence(expired), waivers=[waiver("W-1", finding="fp-2"), expired])
    finding = run(waiver_register, given)
    assert finding.outcome is Outcome.FAIL
    assert "W-old" in finding.message
    assert "W-1" not in finding.message


def test_a_waiver_expiring_today_is_still_in_force() -> None:
    today = waiver("W-today", finding="fp-1", expires_in_days=0)
    assert run(waiver_register, check_input("SM-11", waivers_evidence(today), waivers=[today])).outcome is Outcome.PASS


def test_waiver_register_is_not_available_without_waivers_evidence() -> None:
    given = check_input("SM-11", waivers=[waiver("W-1", finding="fp-1")])
    assert run(waiver_register, given).outcome is Outcome.NOT_AVAILABLE
    rejected = check_input("SM-11", rejected=[rejection(EvidenceKind.WAIVERS)])
    assert run(waiver_register, rejected).outcome is Outcome.NOT_AVAILABLE


def test_an_empty_waiver_register_is_not_a_pass() -> None:
    # Not a pass, and not a block either: demanding a waiver would reward registering exceptions.
    finding = run(waiver_register, check_input("SM-11", waivers_evidence()))
    assert finding.outcome is Outcome.NOT_APPLICABLE
    assert finding.examined == 0
    assert "no exception is registered" in finding.message


# --- placeholders: an unfinished record or guideline counts for nothing -----------------------------------------

TODO_TITLE = {"file": "security/records/R-1.yaml", "line": 4, "kind": "marker", "reason": "contains 'TODO'"}
EMPTY_SECTION = {
    "file": "docs/process.md",
    "line": 7,
    "kind": "empty_section",
    "reason": "has an empty section 'Roles' (a heading with nothing under it)",
}


def test_a_signed_record_with_placeholders_counts_for_nothing_and_names_file_and_line() -> None:
    entry = _entry(placeholders=[TODO_TITLE, EMPTY_SECTION])
    finding = run(record("review", purpose="component risk decisions"), check_input("SM-9", records(entry)))
    assert finding.outcome is Outcome.FAIL
    assert not finding.human_record
    assert "security/records/R-1.yaml:4 contains 'TODO'" in finding.message
    assert "docs/process.md:7 has an empty section 'Roles'" in finding.message


def test_an_unfinished_unsigned_record_is_to_be_finished_before_it_is_approved() -> None:
    entry = _entry(placeholders=[TODO_TITLE], approved=None)
    finding = run(record("review", purpose="component risk decisions"), check_input("SM-9", records(entry)))
    assert finding.outcome is Outcome.FAIL
    assert "finish it, then run `sdl-gate records approve R-1`" in finding.message
    assert "; run `sdl-gate records approve" not in finding.message


def test_placeholders_beyond_those_listed_are_counted() -> None:
    entry = _entry(placeholders=[TODO_TITLE])
    entry["placeholder_count"] = 31
    (problem,) = record_problems(typed_entry(entry), TODAY, None)
    assert problem.endswith("and 30 more")


def test_a_signed_record_without_placeholders_rests_on_a_human_record() -> None:
    finding = run(record("review", purpose="component risk decisions"), check_input("SM-9", records(_entry())))
    assert finding.outcome is Outcome.PASS
    assert finding.human_record


def test_guideline_document_with_placeholders_fails_naming_file_and_line() -> None:
    document = guideline("docs/hardening.md") | {
        "placeholders": ["docs/hardening.md:12 contains 'TBD'"],
        "placeholder_count": 1,
    }
    finding = run(guideline_document, check_input("SG-3", repository(guidelines={"SG-3": document})))
    assert finding.outcome is Outcome.FAIL
    assert "docs/hardening.md:12 contains 'TBD'" in finding.message


def test_a_security_policy_whose_contacts_are_one_string_is_never_a_pass() -> None:
    # Read as a dict, the string's characters were taken for contacts and the criterion passed.
    broken = repository(security_policy={"path": "SECURITY.md", "contacts": "security@example.com"})
    finding = run(security_contact, check_input("DM-1", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "payload.security_policy.contacts" in finding.message
