"""@criterion: the decorator loads the typed payload, answers for missing or malformed evidence, cites the evidence."""

from __future__ import annotations

import pytest

from sdl_gate.checks._base import Criterion, Finding, Outcome
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.collectors.devenv import DevEnvPayload
from sdl_gate.evidence import EvidenceKind, ToolInfo
from sdl_gate.payloads import PAYLOAD_MODELS, RepositoryPayload, kind_of
from tests.unit.checks._build import (
    CODEOWNERS,
    SECURITY_POLICY,
    check_input,
    devenv,
    evidence,
    rejection,
    repository,
    run,
)

#: The payloads each probe criterion was handed, so a test can see what the decorator gave it.
SEEN: list[object] = []


def _probe(name: str) -> Criterion:
    @criterion(RepositoryPayload, name=name, description="a probe over repository facts", fix="fix it")
    def probe(evaluation: Evaluation, payload: RepositoryPayload) -> Finding:
        SEEN.append(payload)
        return evaluation.finding(Outcome.PASS, f"{len(payload.guidelines)} guideline(s)", examined=1)

    return probe


@pytest.fixture(autouse=True)
def _forget_seen() -> None:
    SEEN.clear()


def test_without_evidence_it_is_not_available_and_the_function_never_runs() -> None:
    finding = run(_probe("probe"), check_input("DM-1"))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no repository evidence was collected" in finding.message
    assert finding.evidence == ()
    assert SEEN == []


def test_rejected_evidence_is_not_available_with_the_admission_reasons() -> None:
    reason = rejection(EvidenceKind.REPOSITORY)
    finding = run(_probe("probe"), check_input("DM-1", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message
    assert SEEN == []


def test_an_invalid_payload_is_not_available_naming_the_evidence_and_the_place() -> None:
    broken = evidence(EvidenceKind.REPOSITORY, {"security_policy": None, "codeowners": {"path": "CODEOWNERS"}})
    finding = run(_probe("probe"), check_input("DM-1", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (broken.id,)
    assert broken.id in finding.message
    assert "payload.codeowners.rules" in finding.message
    assert "payload.guidelines" in finding.message
    assert SEEN == []


def test_the_finding_cites_the_evidence_it_read() -> None:
    facts = repository(security_policy=SECURITY_POLICY, codeowners=CODEOWNERS)
    finding = run(_probe("probe"), check_input("DM-1", facts))
    assert finding.outcome is Outcome.PASS
    assert finding.evidence == (facts.id,)
    assert finding.criterion == "probe"
    assert isinstance(SEEN[0], RepositoryPayload)


def test_the_payload_is_validated_once_for_every_criterion_reading_it() -> None:
    given = check_input("DM-1", repository(security_policy=SECURITY_POLICY))
    run(_probe("first"), given)
    run(_probe("second"), given)
    first, second = SEEN
    assert first is second  # the second criterion was handed the payload the first one's validation made


def test_an_invalid_payload_is_judged_once_and_stays_unusable() -> None:
    broken = evidence(EvidenceKind.REPOSITORY, {"codeowners": None})
    given = check_input("DM-1", broken)
    answers = [run(_probe(name), given) for name in ("first", "second")]
    assert [a.outcome for a in answers] == [Outcome.NOT_AVAILABLE, Outcome.NOT_AVAILABLE]
    assert answers[0].message == answers[1].message


def test_not_collected_answers_only_when_nothing_was_collected_or_rejected() -> None:
    @criterion(
        DevEnvPayload,
        name="optional",
        description="an optional step",
        not_collected=(Outcome.NOT_APPLICABLE, "the step was not run"),
    )
    def optional(evaluation: Evaluation, payload: DevEnvPayload) -> Finding:
        return evaluation.finding(Outcome.PASS, "ran", examined=len(payload.workflows))

    assert run(optional, check_input("SM-7")).outcome is Outcome.NOT_APPLICABLE
    rejected = run(optional, check_input("SM-7", rejected=[rejection(EvidenceKind.DEVELOPMENT_ENVIRONMENT)]))
    assert rejected.outcome is Outcome.NOT_AVAILABLE
    broken = evidence(EvidenceKind.DEVELOPMENT_ENVIRONMENT, {"ci": 3})
    assert run(optional, check_input("SM-7", broken)).outcome is Outcome.NOT_AVAILABLE


def test_a_view_may_answer_instead_of_the_function_citing_the_evidence() -> None:
    def with_workflows(evaluation: Evaluation, payload: DevEnvPayload) -> int | Finding:
        if not payload.workflows:
            return evaluation.finding(Outcome.FAIL, "no workflow")
        return len(payload.workflows)

    @criterion(DevEnvPayload, view=with_workflows, name="viewed", description="workflows counted")
    def viewed(evaluation: Evaluation, count: int) -> Finding:
        return evaluation.finding(Outcome.PASS, f"{count} workflow(s)", examined=count)

    empty = devenv()
    finding = run(viewed, check_input("SM-7", empty))
    assert (finding.outcome, finding.message, finding.evidence) == (Outcome.FAIL, "no workflow", (empty.id,))


def test_the_decorator_keeps_the_rule_that_nothing_examined_is_no_pass() -> None:
    @criterion(
        DevEnvPayload,
        name="counting",
        description="counts workflows",
        when_empty=Outcome.FAIL,
        empty_means="no workflow",
    )
    def counting(evaluation: Evaluation, payload: DevEnvPayload) -> Finding:
        return evaluation.finding(Outcome.PASS, "fine", examined=len(payload.workflows))

    finding = run(counting, check_input("SM-7", devenv()))
    assert finding.outcome is Outcome.FAIL
    assert counting.kinds == (EvidenceKind.DEVELOPMENT_ENVIRONMENT,)


def test_every_evidence_kind_has_one_payload_model() -> None:
    assert set(PAYLOAD_MODELS) == set(EvidenceKind)
    assert len(set(PAYLOAD_MODELS.values())) == len(PAYLOAD_MODELS)
    assert all(kind_of(model) is kind for kind, model in PAYLOAD_MODELS.items())


def test_a_model_of_no_kind_cannot_make_a_criterion() -> None:
    with pytest.raises(TypeError):
        criterion(ToolInfo, name="x", description="y")
