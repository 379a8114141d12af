"""What a check is (checks/_base.py): criteria run in order, and one that raises is an error, never a pass."""

from __future__ import annotations

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
