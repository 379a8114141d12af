"""SVV-5: the people who tested are independent of the authors of the code they tested, as far as 4-1 asks."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sdl_gate.checks._approvals import ApprovalState, approval_state
from sdl_gate.checks._base import Finding, Outcome
from sdl_gate.checks._criteria import record_problems
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.payloads import NamedPerson, RecordEntry, RecordsPayload
from sdl_gate.record_kinds import RecordKind


class Independence(int, enum.Enum):
    """How independent a tester must be of the code's authors (ordered: each includes the ones before)."""

    PERSON = 1
    DEPARTMENT = 2
    ORGANISATION = 3

    @property
    def label(self) -> str:
        """The level as the standard's table names it."""
        return f"independent {self.name.lower()}"


#: The independence each kind of testing needs (the standard's table, in our words). Penetration testing
#: asks for an independent department or organisation; a department suffices. Testing the table does not
#: name (update qualification, for one) still needs at least another person.
REQUIRED: dict[str, Independence] = {
    "SVV-1": Independence.DEPARTMENT,
    "SVV-2": Independence.DEPARTMENT,
    "SVV-3": Independence.PERSON,
    "SVV-4": Independence.DEPARTMENT,
}
TEST_KINDS = (RecordKind.TEST_REPORT, RecordKind.PEN_TEST)


def required_level(requirements: Iterable[str]) -> Independence:
    """The strictest independence any of ``requirements`` asks of its testers."""
    return max((REQUIRED.get(r, Independence.PERSON) for r in requirements), default=Independence.PERSON)


def _attribute(named: NamedPerson, level: Independence) -> str | None:
    person = named.person
    if person is None:
        return None
    value = person.department if level is Independence.DEPARTMENT else person.organisation
    return value or None


def _emails(named: NamedPerson) -> set[str]:
    person = named.person
    return {named.email, *(person.emails if person else ())}


def judge_record(entry: RecordEntry) -> tuple[Outcome, str]:
    """Judge one test record's testers against the authors of its code under test."""
    record_id = entry.id
    authors_seen = entry.code_authors
    if authors_seen is None or authors_seen.status != "observed":
        detail = authors_seen.detail if authors_seen is not None else "the records evidence does not name them"
        return Outcome.NOT_AVAILABLE, f"record {record_id}: the authors of the code under test are unknown: {detail}"
    level = required_level(entry.requirements)
    testers = entry.testers or ()
    authors = authors_seen.authors
    failures: list[str] = []
    unknown: list[str] = []
    for tester in testers:
        overlap = sorted(_emails(tester) & {a.email for a in authors})
        if overlap:
            failures.append(f"tester {tester.email} is an author of {authors_seen.range}")
            continue
        if level is Independence.PERSON:
            continue
        mine = _attribute(tester, level)
        what = level.name.lower()
        if mine is None:
            unknown.append(f"tester {tester.email} has no {what} in the approver register")
            continue
        for author in authors:
            theirs = _attribute(author, level)
            if theirs is None:
                unknown.append(f"author {author.email} has no {what} in the approver register")
            elif theirs == mine:
                failures.append(f"tester {tester.email} and author {author.email} are both in {what} {mine}")
    needs = f"{', '.join(entry.requirements)} needs an {level.label}"
    if failures:
        return Outcome.FAIL, f"record {record_id}: {needs}: " + "; ".join(failures)
    if unknown:
        return Outcome.NOT_AVAILABLE, f"record {record_id}: {needs}, which cannot be told: " + "; ".join(
            sorted(set(unknown))
        )
    names = ", ".join(t.email for t in testers)
    return (
        Outcome.PASS,
        f"record {record_id}: testers {names} are an {level.label} from the {len(authors)} author(s) of "
        f"{authors_seen.range} ({needs})",
    )


@criterion(
    RecordsPayload,
    name="testers_independent",
    description="the testers named in approved test reports and pen tests are independent of the code's git "
    "authors (person, department or organisation, as the kind of testing needs)",
    fix="Have the testing done (or the test report approved) by testers who are not git authors of the code, "
    "from another department or organisation where the kind of testing needs it, and name them in the "
    "test_report or pen_test record",
    when_empty=Outcome.FAIL,
    empty_means="no approved test_report or pen_test record names its testers",
)
def testers_independent(evaluation: Evaluation, payload: RecordsPayload) -> Finding:
    """Every approved test report and pen test names its testers, who are independent enough of the code's authors."""
    register_edit = payload.approver_register.edit
    results: list[tuple[Outcome, str]] = []
    cannot_tell = False
    for entry in payload.records:
        if entry.kind not in TEST_KINDS or entry.testers is None:
            continue
        problems = record_problems(entry, evaluation.today, evaluation.policy.max_age_days)
        state, _, _ = approval_state(entry, None, evaluation.today, register_edit)
        if problems or state is not ApprovalState.APPROVED:
            cannot_tell = cannot_tell or (not problems and state is ApprovalState.CANNOT_TELL)
            continue
        results.append(judge_record(entry))
    if not results:
        message = (
            "no approved test_report or pen_test record names its testers (testers: [e-mail, ...]), so who "
            "tested, and how independently of the code's authors, cannot be shown"
        )
        if cannot_tell:
            return evaluation.finding(Outcome.NOT_AVAILABLE, message)
        # Nothing to examine: the rule in Criterion.answer turns this into when_empty.
        return evaluation.finding(Outcome.PASS, message, examined=0)
    for wanted in (Outcome.FAIL, Outcome.NOT_AVAILABLE):
        bad = [message for outcome, message in results if outcome is wanted]
        if bad:
            return evaluation.finding(wanted, " | ".join(bad))
    return evaluation.finding(Outcome.PASS, " | ".join(m for _, m in results), examined=len(results))
