"""The SM-7 criterion over the development-environment evidence (GitHub Actions workflows)."""

from __future__ import annotations

from sdl_gate._text import first_and_more
from sdl_gate.checks._base import Finding, Outcome
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.collectors.devenv import DevEnvPayload

#: Problems named in one finding before the rest are counted.
SHOWN = 10


@criterion(
    DevEnvPayload,
    name="development_environment",
    description="CI workflows pin actions by commit SHA, declare least-privilege token permissions and do not expand "
    "untrusted event data into scripts",
    fix="Pin every action to a full commit SHA, declare least-privilege `permissions:` in each workflow, and pass "
    "event data to scripts through `env:` instead of expanding `${{ github.event... }}` in `run:`",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means="no CI workflow to assess (sdl-gate reads GitHub Actions workflows)",
)
def locked_down_workflows(evaluation: Evaluation, payload: DevEnvPayload) -> Finding:
    """Every workflow pins its actions by SHA, declares token permissions and keeps untrusted data out of scripts."""
    if payload.ci == "none":
        return evaluation.finding(
            Outcome.NOT_AVAILABLE, "no .github/workflows found; sdl-gate assesses GitHub Actions workflows only"
        )
    problems = [f"{line}" for line in payload.unreadable]
    for workflow in payload.workflows:
        for item in workflow.findings:
            where = f"{workflow.path}:{item.line}" if item.line else workflow.path
            problems.append(f"{where}: {item.problem}")
    if problems:
        return evaluation.finding(Outcome.FAIL, first_and_more(problems, SHOWN, "; "))
    pinned = sum(1 for w in payload.workflows for u in w.uses if u.kind == "pinned")
    return evaluation.finding(
        Outcome.PASS,
        f"{len(payload.workflows)} workflow(s): {pinned} action reference(s) pinned by commit SHA, token "
        "permissions declared, no untrusted expressions in run steps, checkouts drop the token",
        examined=len(payload.workflows),
    )
