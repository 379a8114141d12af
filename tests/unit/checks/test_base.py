"""What a check is (checks/_base.py): criteria run in order, one that raises is an error, none passes on nothing."""

from __future__ import annotations

import pytest

from sdl_gate.checks import Check, CheckInput, Criterion, Finding, Outcome
from sdl_gate.evidence import EvidenceKind
from tests.unit.checks._build import check_input, records


def _answering(name: str, outcome: Outcome) -> Criterion:
    def evaluate(given: CheckInput) -> Finding:
        return given.finding(name, outcome, f"{name} says {outcome.value}")

    return Criterion(name, f"answers {outcome.value}", (EvidenceKind.RECORDS,), evaluate)


def _raising(name: str, exc: Exception) -> Criterion:
    def evaluate(given: CheckInput) -> Finding:
        raise exc

    return Criterion(name, "raises", (EvidenceKind.RECORDS,), evaluate)


def test_findings_come_in_criterion_order_for_the_requirement() -> None:
    check = Check("SM-1", (_answering("first", Outcome.PASS), _answering("second", Outcome.FAIL)))
    findings = check.run(check_input("SM-1"))
    assert [(f.requirement, f.criterion, f.outcome) for f in findings] == [
        ("SM-1", "first", Outcome.PASS),
        ("SM-1", "second", Outcome.FAIL),
    ]


def test_a_criterion_that_raises_is_an_error_and_the_others_still_run() -> None:
    check = Check(
        "SM-1",
        (
            _raising("broken", KeyError("records")),
            _answering("after", Outcome.PASS),
        ),
    )
    broken, after = check.run(check_input("SM-1", records()))
    assert broken.outcome is Outcome.ERROR
    assert broken.criterion == "broken"
    assert broken.requirement == "SM-1"
    assert "KeyError" in broken.message
    assert after.outcome is Outcome.PASS


def test_any_exception_type_becomes_an_error() -> None:
    for exc in (ValueError("bad date"), TypeError("not a list"), AssertionError(), RuntimeError("boom")):
        (finding,) = Check("SM-1", (_raising("c", exc),)).run(check_input("SM-1"))
        assert finding.outcome is Outcome.ERROR
        assert type(exc).__name__ in finding.message


def test_check_input_builds_findings_for_its_requirement() -> None:
    finding = check_input("DM-1").finding("c", Outcome.FAIL, "why", ("sha256:x",), "SECURITY.md")
    assert finding == Finding("DM-1", "c", Outcome.FAIL, "why", ("sha256:x",), "SECURITY.md")


# --- the no-vacuous-pass rule, applied in one place (Criterion.answer, which Check.run uses) ---------------------


def _counting(
    examined: int | None, *, when_empty: Outcome = Outcome.NOT_AVAILABLE, empty: str = "no file"
) -> Criterion:
    def evaluate(given: CheckInput) -> Finding:
        return given.finding("counting", Outcome.PASS, "all clean", ("sha256:e",), examined=examined)

    return Criterion("counting", "counts", (EvidenceKind.SAST,), evaluate, when_empty=when_empty, empty_means=empty)


@pytest.mark.parametrize("declared", [Outcome.NOT_AVAILABLE, Outcome.FAIL, Outcome.NOT_APPLICABLE])
def test_a_pass_that_examined_nothing_becomes_the_declared_answer(declared: Outcome) -> None:
    (finding,) = Check("SI-1", (_counting(0, when_empty=declared, empty="the scan analysed no file"),)).run(
        check_input("SI-1")
    )
    assert finding.outcome is declared
    assert "the scan analysed no file" in finding.message
    assert finding.examined == 0
    assert finding.evidence == ("sha256:e",)
    assert finding.criterion == "counting"


def test_a_pass_that_examined_something_stays_a_pass() -> None:
    (finding,) = Check("SI-1", (_counting(3),)).run(check_input("SI-1"))
    assert finding.outcome is Outcome.PASS
    assert finding.message == "all clean"
    assert finding.examined == 3


def test_a_declared_criterion_that_passes_without_counting_is_an_error() -> None:
    (finding,) = Check("SI-1", (_counting(None),)).run(check_input("SI-1"))
    assert finding.outcome is Outcome.ERROR
    assert "counting" in finding.message


def test_other_answers_pass_through_the_rule_unchanged() -> None:
    criterion = _answering("plain", Outcome.FAIL)
    declared = Criterion("plain", "d", criterion.kinds, criterion.evaluate, Outcome.FAIL, "nothing")
    given = check_input("SM-1")
    assert declared.answer(given) == criterion.evaluate(given)


@pytest.mark.parametrize("outcome", [Outcome.PASS, Outcome.ERROR])
def test_nothing_to_examine_can_never_be_declared_a_pass_or_an_error(outcome: Outcome) -> None:
    with pytest.raises(ValueError, match="nothing to examine"):
        _counting(0, when_empty=outcome)


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="examined"):
        check_input("SM-1").finding("c", Outcome.PASS, "m", examined=-1)
