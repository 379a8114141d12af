"""``@criterion``: one function over a typed payload becomes a :class:`Criterion`.

The decorator does what every criterion used to repeat: it finds the evidence of the payload's kind, answers
``not_available`` (with the admission's reasons) when there is none and when its payload is not in its
kind's form, and cites the evidence id in every finding the function builds through :class:`Evaluation`. An
optional ``view`` narrows the payload first (a threat model that exists, an audit that completed) and may
answer instead of the function. :meth:`Criterion.answer`'s rules apply to the result unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, TypeVar, overload

from pydantic import BaseModel

from sdl_gate.checks._base import CheckInput, Criterion, Finding, Occurrence, Outcome
from sdl_gate.evidence import EvidenceKind
from sdl_gate.payloads import Typed, Unusable, kind_of, typed
from sdl_gate.policy.models import ResolvedRequirement
from sdl_gate.policy.waivers import WaiverRegister

M = TypeVar("M", bound=BaseModel)
V = TypeVar("V")


@dataclass(frozen=True)
class Evaluation:
    """One criterion answering for one requirement: what it may read, and the evidence its findings cite."""

    check_input: CheckInput
    criterion: str
    evidence: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        """The requirement the criterion answers for."""
        return self.check_input.requirement

    @property
    def policy(self) -> ResolvedRequirement:
        """The requirement's policy entry."""
        return self.check_input.policy

    @property
    def waivers(self) -> WaiverRegister:
        """The waiver register."""
        return self.check_input.waivers

    @property
    def today(self) -> date:
        """The date of the assessment."""
        return self.check_input.today

    def citing(self, *evidence_ids: str) -> Evaluation:
        """The same evaluation, its findings also citing ``evidence_ids``."""
        return replace(self, evidence=tuple(dict.fromkeys((*self.evidence, *evidence_ids))))

    def finding(
        self,
        outcome: Outcome,
        message: str,
        location: str | None = None,
        *,
        examined: int | None = None,
        human_record: bool = False,
        occurrences: tuple[Occurrence, ...] = (),
        fix: str = "",
    ) -> Finding:
        """Build this criterion's finding, citing the evidence it read."""
        return self.check_input.finding(
            self.criterion,
            outcome,
            message,
            self.evidence,
            location,
            examined=examined,
            human_record=human_record,
            occurrences=occurrences,
            fix=fix,
        )

    @overload
    def load(self, model: type[M], view: None = None) -> Typed[M] | Finding: ...

    @overload
    def load(self, model: type[M], view: Callable[[Evaluation, M], V | Finding]) -> Typed[V] | Finding: ...

    def load(self, model: type[M], view: Callable[[Evaluation, M], Any] | None = None) -> Typed[Any] | Finding:
        """Read a further kind of evidence: its typed payload (narrowed by ``view``), or why it cannot be read.

        A finding the view answers cites that evidence alone; cite it in this evaluation with :meth:`citing`.
        """
        loaded = typed(self.check_input.evidence, model)
        if isinstance(loaded, Unusable):
            return self.check_input.finding(self.criterion, Outcome.NOT_AVAILABLE, loaded.reason, loaded.evidence)
        if view is None:
            return loaded
        narrowed = view(Evaluation(self.check_input, self.criterion, (loaded.id,)), loaded.payload)
        if isinstance(narrowed, Finding):
            return narrowed
        return Typed(loaded.stored, narrowed)


@overload
def criterion(
    model: type[M],
    *,
    name: str,
    description: str,
    fix: str = "",
    when_empty: Outcome = Outcome.NOT_AVAILABLE,
    empty_means: str = "",
    also_reads: tuple[EvidenceKind, ...] = (),
    record_kinds: tuple[str, ...] = (),
    not_collected: tuple[Outcome, str] | None = None,
    view: None = None,
) -> Callable[[Callable[[Evaluation, M], Finding]], Criterion]: ...


@overload
def criterion(
    model: type[M],
    *,
    name: str,
    description: str,
    fix: str = "",
    when_empty: Outcome = Outcome.NOT_AVAILABLE,
    empty_means: str = "",
    also_reads: tuple[EvidenceKind, ...] = (),
    record_kinds: tuple[str, ...] = (),
    not_collected: tuple[Outcome, str] | None = None,
    view: Callable[[Evaluation, M], V | Finding],
) -> Callable[[Callable[[Evaluation, V], Finding]], Criterion]: ...


def criterion(
    model: type[M],
    *,
    name: str,
    description: str,
    fix: str = "",
    when_empty: Outcome = Outcome.NOT_AVAILABLE,
    empty_means: str = "",
    also_reads: tuple[EvidenceKind, ...] = (),
    record_kinds: tuple[str, ...] = (),
    not_collected: tuple[Outcome, str] | None = None,
    view: Callable[[Evaluation, M], Any] | None = None,
) -> Callable[[Callable[[Evaluation, Any], Finding]], Criterion]:
    """Turn ``judge(evaluation, payload) -> Finding`` into a criterion over the evidence whose payload ``model`` is.

    ``also_reads`` names the further kinds ``judge`` loads itself (``Evaluation.load``); ``not_collected`` is
    the answer when no evidence of the kind was collected and none was rejected (``not_available`` with that
    said, by default); ``view`` narrows the payload before ``judge`` sees it, or answers instead.
    """
    kind = kind_of(model)

    def decorate(judge: Callable[[Evaluation, Any], Finding]) -> Criterion:
        def evaluate(check_input: CheckInput) -> Finding:
            loaded = typed(check_input.evidence, model)
            if isinstance(loaded, Unusable):
                if not_collected is not None and not loaded.evidence and not check_input.evidence.rejected(kind):
                    return check_input.finding(name, not_collected[0], not_collected[1])
                return check_input.finding(name, Outcome.NOT_AVAILABLE, loaded.reason, loaded.evidence)
            evaluation = Evaluation(check_input, name, (loaded.id,))
            payload: Any = loaded.payload
            if view is not None:
                payload = view(evaluation, loaded.payload)
                if isinstance(payload, Finding):
                    return payload
            return judge(evaluation, payload)

        return Criterion(
            name,
            description,
            tuple(dict.fromkeys((kind, *also_reads))),
            evaluate,
            when_empty=when_empty,
            empty_means=empty_means,
            record_kinds=record_kinds,
            fix=fix,
        )

    return decorate
