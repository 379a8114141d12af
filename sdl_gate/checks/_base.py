"""What a check is: a requirement and the small criteria whose findings decide it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sdl_gate.evidence import EvidenceKind, EvidenceSet
from sdl_gate.policy.models import ResolvedRequirement
from sdl_gate.policy.waivers import WaiverRegister


class Outcome(str, enum.Enum):
    """One criterion's answer. ``not_available`` ("we could not tell") is never ``fail`` ("no")."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    NOT_AVAILABLE = "not_available"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One criterion's answer for one requirement, with the evidence it read."""

    requirement: str
    criterion: str
    outcome: Outcome
    message: str
    evidence: tuple[str, ...] = ()
    location: str | None = None


@dataclass(frozen=True)
class CheckInput:
    """What a criterion may read: evidence, the requirement's policy entry, waivers and the date."""

    requirement: str
    evidence: EvidenceSet
    policy: ResolvedRequirement
    waivers: WaiverRegister
    today: date

    def finding(
        self,
        criterion: str,
        outcome: Outcome,
        message: str,
        evidence: tuple[str, ...] = (),
        location: str | None = None,
    ) -> Finding:
        """Build a finding for this requirement."""
        return Finding(self.requirement, criterion, outcome, message, evidence, location)


@dataclass(frozen=True)
class Criterion:
    """A small, pure test of evidence; several criteria make one requirement's check."""

    name: str
    description: str
    kinds: tuple[EvidenceKind, ...]
    evaluate: Callable[[CheckInput], Finding]
    record_kinds: tuple[str, ...] = ()  # the record kinds a record criterion accepts (for `records new`)


@dataclass(frozen=True)
class Check:
    """A requirement's check: every criterion must pass for the requirement to be satisfied."""

    requirement: str
    criteria: tuple[Criterion, ...]

    def run(self, check_input: CheckInput) -> tuple[Finding, ...]:
        """Evaluate every criterion; a criterion that raises yields an ``error`` finding, never a pass."""
        findings: list[Finding] = []
        for criterion in self.criteria:
            try:
                findings.append(criterion.evaluate(check_input))
            except Exception as exc:
                findings.append(
                    check_input.finding(
                        criterion.name, Outcome.ERROR, f"criterion failed with {type(exc).__name__}: {exc}"
                    )
                )
        return tuple(findings)
