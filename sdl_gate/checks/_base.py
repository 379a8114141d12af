"""What a check is: a requirement and the small criteria whose findings decide it.

The rule that no criterion passes on nothing lives here, in :meth:`Criterion.answer`: every criterion
declares what "nothing to examine" means for it and what it answers then (``when_empty``), every finding
says how many items it examined, and a pass that examined none becomes the declared answer.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
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

    @property
    def is_problem(self) -> bool:
        """Whether this answer keeps a requirement from being satisfied: anything but a pass or not applicable."""
        return self not in (Outcome.PASS, Outcome.NOT_APPLICABLE)


#: What a criterion may answer when it found nothing to examine: never a pass, never an error.
EMPTY_OUTCOMES = frozenset({Outcome.NOT_AVAILABLE, Outcome.FAIL, Outcome.NOT_APPLICABLE})


@dataclass(frozen=True)
class Occurrence:
    """One located item behind a finding (a static-analysis finding, say), with the waiver that covers it.

    A criterion that judges many items answers once, but code scanning shows each item on its own: every
    occurrence carries its own place, stable key and waiver, so one waived item never hides another.
    """

    location: str
    message: str
    #: What identifies the item across runs (a static-analysis fingerprint): never its line or wording.
    key: str
    #: The waiver in force that accepts this item; None while the item is open.
    waiver: str | None = None


@dataclass(frozen=True)
class Finding:
    """One criterion's answer for one requirement, with the evidence it read and how many items it examined."""

    requirement: str
    criterion: str
    outcome: Outcome
    message: str
    evidence: tuple[str, ...] = ()
    location: str | None = None
    #: Items the criterion examined (files, dependencies, tests, records...); None when it did not get that far.
    examined: int | None = None
    #: Whether the answer rests on a signed, counting human record (what a class H requirement cannot pass without).
    human_record: bool = False
    #: The located items the criterion judged one by one (open and waived), each shown on its own.
    occurrences: tuple[Occurrence, ...] = ()
    #: What would change this answer into a pass; set from the criterion when the answer is not one.
    fix: str = ""
    #: The waivers naming an item this finding judged (in force or not), as the criterion matched them.
    waivers: tuple[str, ...] = ()
    #: Whether the answer rests on, or refused, imported test results (reports note it even on a pass).
    imported_results: bool = False

    def __post_init__(self) -> None:
        if self.examined is not None and self.examined < 0:
            raise ValueError(f"{self.criterion}: examined {self.examined} items")


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
        *,
        examined: int | None = None,
        human_record: bool = False,
        occurrences: tuple[Occurrence, ...] = (),
        fix: str = "",
        waivers: tuple[str, ...] = (),
    ) -> Finding:
        """Build a finding for this requirement; ``fix`` overrides the criterion's own for this answer."""
        return Finding(
            self.requirement,
            criterion,
            outcome,
            message,
            evidence,
            location,
            examined,
            human_record=human_record,
            occurrences=occurrences,
            fix=fix,
            waivers=waivers,
        )


@dataclass(frozen=True)
class Criterion:
    """A small, pure test of evidence; several criteria make one requirement's check.

    ``empty_means`` says what "nothing to examine" is for this criterion (zero files analysed, zero
    dependencies audited...) and ``when_empty`` what it answers then. A criterion that declares them
    must report ``examined`` on every pass.
    """

    name: str
    description: str
    kinds: tuple[EvidenceKind, ...]
    evaluate: Callable[[CheckInput], Finding]
    when_empty: Outcome = Outcome.NOT_AVAILABLE
    empty_means: str = ""
    record_kinds: tuple[str, ...] = ()  # the record kinds a record criterion accepts (for `records new`)
    #: What turns a failing or unavailable answer into a pass: something that changes the verdict, never
    #: generic advice. ``{requirement}`` stands for the requirement the criterion answers for.
    fix: str = ""

    def __post_init__(self) -> None:
        if self.when_empty not in EMPTY_OUTCOMES:
            raise ValueError(f"criterion {self.name}: nothing to examine can never be {self.when_empty.value}")

    def answer(self, check_input: CheckInput) -> Finding:
        """Evaluate the criterion under the rule: a pass that examined nothing is the declared ``when_empty``."""
        finding = self._judged(check_input)
        if finding.outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE) or finding.fix or not self.fix:
            return finding
        return replace(finding, fix=self.fix.replace("{requirement}", check_input.requirement))

    def _judged(self, check_input: CheckInput) -> Finding:
        finding = self.evaluate(check_input)
        if finding.outcome is not Outcome.PASS:
            return finding
        if finding.examined is None:
            if not self.empty_means:
                return finding  # an undeclared criterion judges emptiness itself (test_registry says which may)
            return replace(
                finding,
                outcome=Outcome.ERROR,
                message=f"{self.name} passed without saying how many items it examined, so its pass cannot count",
            )
        if finding.examined:
            return finding
        return replace(finding, outcome=self.when_empty, message=f"nothing to examine: {self.empty_means}")


@dataclass(frozen=True)
class Check:
    """A requirement's check: every criterion must pass for the requirement to be satisfied."""

    requirement: str
    criteria: tuple[Criterion, ...]

    def run(self, check_input: CheckInput) -> tuple[Finding, ...]:
        """Answer every criterion; a criterion that raises yields an ``error`` finding, never a pass."""
        findings: list[Finding] = []
        for criterion in self.criteria:
            try:
                findings.append(criterion.answer(check_input))
            except Exception as exc:
                findings.append(
                    check_input.finding(
                        criterion.name, Outcome.ERROR, f"criterion failed with {type(exc).__name__}: {exc}"
                    )
                )
        return tuple(findings)
