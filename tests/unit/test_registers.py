"""The slice of the gate `records check` decides on (registers.py)."""

from __future__ import annotations

from sdl_gate.assess import EXPIRED_WAIVER_CRITERION
from sdl_gate.checks import CHECKS
from sdl_gate.evidence import EvidenceKind
from sdl_gate.registers import registers_scope
from sdl_gate.run import Scope


def test_without_strict_every_requirement_is_judged_on_its_expired_waivers_and_the_register() -> None:
    scope = registers_scope(strict=False)
    assert set(scope) == set(CHECKS)
    assert all(EXPIRED_WAIVER_CRITERION in names for names in scope.values())
    assert {r for r, names in scope.items() if "waiver_register" in names} == {"SM-11", "DM-4"}
    assert not any("record" in names for names in scope.values())
    assert Scope(scope).kinds == {EvidenceKind.WAIVERS}


def test_strict_adds_the_criteria_that_read_only_the_records() -> None:
    scope = registers_scope(strict=True)
    assert "record" in scope["SI-1"] and "approver_register" in scope["SM-2"]
    assert "testers_independent" in scope["SVV-5"]
    # Criteria that also need tests, threat models or signatures are `check`'s: the hook collects no such evidence.
    assert "requirement_tests" not in scope["SVV-1"]
    assert Scope(scope).kinds == {EvidenceKind.RECORDS, EvidenceKind.WAIVERS}
