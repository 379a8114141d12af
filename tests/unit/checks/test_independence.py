"""SVV-5: testers against the git authors of the code under test, at the independence the testing needs."""

from __future__ import annotations

import pytest

from sdl_gate.checks import CHECKS, Outcome
from sdl_gate.checks._independence import Independence, judge_record, required_level
from tests.unit.checks._build import check_input, person, records, run_criterion, signed_test_record, typed_entry

QA = person("quinn@example.com", "QA", "Example GmbH")
DEV = person("dev@example.com", "Development", "Example GmbH")
QA_COLLEAGUE = person("qa2@example.com", "QA", "Example GmbH")
CONTRACTOR = person("pen@lab.example", "Red Team", "Lab Ltd")


def test_the_level_follows_the_standards_table() -> None:
    assert required_level(["SVV-3"]) is Independence.PERSON
    assert required_level(["SVV-1"]) is Independence.DEPARTMENT
    assert required_level(["SVV-3", "SVV-4"]) is Independence.DEPARTMENT
    assert required_level(["SUM-1"]) is Independence.PERSON


@pytest.mark.parametrize(
    ("requirements", "testers", "authors", "outcome", "words"),
    [
        (["SVV-3"], [QA], [DEV], Outcome.PASS, "independent person"),
        (["SVV-3"], [QA], [QA, DEV], Outcome.FAIL, "is an author of HEAD"),
        (["SVV-1"], [QA], [DEV], Outcome.PASS, "independent department"),
        (["SVV-1"], [QA], [QA_COLLEAGUE], Outcome.FAIL, "are both in department QA"),
        (["SVV-1"], [QA], [person("x@example.com", None)], Outcome.NOT_AVAILABLE, "has no department"),
        (["SVV-1"], [{"email": "q@example.com", "person": None}], [DEV], Outcome.NOT_AVAILABLE, "has no department"),
        (["SVV-4"], [CONTRACTOR], [DEV], Outcome.PASS, "independent department"),
    ],
    ids=["person", "tester-wrote-code", "department", "same-department", "author-unknown", "tester-unknown", "pen"],
)
def test_judge_record(
    requirements: list[str], testers: list[dict], authors: list[dict], outcome: Outcome, words: str
) -> None:
    found, message = judge_record(typed_entry(signed_test_record(requirements, testers=testers, authors=authors)))
    assert found is outcome, message
    assert words in message


def test_unknown_git_history_cannot_be_told() -> None:
    found, message = judge_record(typed_entry(signed_test_record(observed=False)))
    assert found is Outcome.NOT_AVAILABLE
    assert "not a git repository" in message


def _criterion_on(*entries: dict) -> tuple[Outcome, str]:
    index = [c.name for c in CHECKS["SVV-5"].criteria].index("testers_independent")
    finding = run_criterion("SVV-5", index, check_input("SVV-5", records(*entries)))
    return finding.outcome, finding.message


def test_no_test_record_naming_its_testers_fails() -> None:
    outcome, message = _criterion_on()
    assert outcome is Outcome.FAIL
    assert "names its testers" in message


def test_an_unapproved_test_record_does_not_vouch_for_independence() -> None:
    entry = signed_test_record(authors=[DEV])
    entry["approvals"] = []
    assert _criterion_on(entry)[0] is Outcome.FAIL


def test_one_dependent_tester_fails_the_criterion() -> None:
    good = signed_test_record(authors=[DEV])
    bad = {**signed_test_record(["SVV-1"], authors=[QA_COLLEAGUE]), "id": "tests-2"}
    outcome, message = _criterion_on(good, bad)
    assert outcome is Outcome.FAIL
    assert "tests-2" in message
