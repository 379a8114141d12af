"""The SM-7 criterion over the development-environment evidence (GitHub Actions workflows)."""

from __future__ import annotations

from sdl_gate._text import first_and_more
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criteria import _single
from sdl_gate.collectors.devenv import DevEnvPayload
from sdl_gate.evidence import EvidenceKind

#: Problems named in one finding before the rest are counted.
SHOWN = 10


def locked_down_workflows() -> Criterion:
    """Every workflow pins its actions by SHA, declares token permissions and keeps untrusted data out of scripts."""
    name = "development_environment"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.DEVELOPMENT_ENVIRONMENT, name)
        if isinstance(evidence, Finding):
            return evidence
        payload = DevEnvPayload.model_validate(evidence.payload)
        if payload.ci == "none":
            return check_input.finding(
                name,
                Outcome.NOT_AVAILABLE,
                "no .github/workflows found; sdl-gate assesses GitHub Actions workflows only",
                (evidence.id,),
            )
        problems = [f"{line}" for line in payload.unreadable]
        for workflow in payload.workflows:
            for item in workflow.findings:
                where = f"{workflow.path}:{item.line}" if item.line else workflow.path
                problems.append(f"{where}: {item.problem}")
        if problems:
            return check_input.finding(name, Outcome.FAIL, first_and_more(problems, SHOWN, "; "), (evidence.id,))
        pinned = sum(1 for w in payload.workflows for u in w.uses if u.kind == "pinned")
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{len(payload.workflows)} workflow(s): {pinned} action reference(s) pinned by commit SHA, token "
            "permissions declared, no untrusted expressions in run steps, checkouts drop the token",
            (evidence.id,),
            examined=len(payload.workflows),
        )

    return Criterion(
        name,
        "CI workflows pin actions by commit SHA, declare least-privilege token permissions and do not expand "
        "untrusted event data into scripts",
        (EvidenceKind.DEVELOPMENT_ENVIRONMENT,),
        evaluate,
        fix="Pin every action to a full commit SHA, declare least-privilege `permissions:` in each workflow, and pass "
        "event data to scripts through `env:` instead of expanding `${{ github.event... }}` in `run:`",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means="no CI workflow to assess (sdl-gate reads GitHub Actions workflows)",
    )
