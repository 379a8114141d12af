"""The SM-7 criterion on CI workflows (checks/_devenv.py)."""

from __future__ import annotations

from sdl_gate.checks import Outcome
from sdl_gate.checks._devenv import SHOWN, locked_down_workflows
from sdl_gate.evidence import EvidenceKind
from tests.unit.checks._build import check_input, devenv, evidence, rejection, run, workflow


def test_locked_down_workflows_pass() -> None:
    given = check_input("SM-7", devenv(workflow(".github/workflows/ci.yml"), workflow(".github/workflows/rel.yml")))
    finding = run(locked_down_workflows, given)
    assert finding.outcome is Outcome.PASS
    assert "2 workflow(s)" in finding.message
    assert "2 action reference(s) pinned" in finding.message
    assert finding.evidence == given.evidence.ids()


def test_a_workflow_problem_fails_with_file_and_line() -> None:
    flawed = workflow(".github/workflows/ci.yml", "actions/checkout@v4 is not pinned to a commit SHA")
    finding = run(locked_down_workflows, check_input("SM-7", devenv(workflow(".github/workflows/ok.yml"), flawed)))
    assert finding.outcome is Outcome.FAIL
    assert ".github/workflows/ci.yml:7: actions/checkout@v4 is not pinned" in finding.message


def test_an_unreadable_workflow_fails() -> None:
    given = check_input("SM-7", devenv(workflow(), unreadable=(".github/workflows/bad.yml: not valid YAML",)))
    finding = run(locked_down_workflows, given)
    assert finding.outcome is Outcome.FAIL
    assert "bad.yml" in finding.message


def test_many_problems_are_counted_beyond_the_shown_ones() -> None:
    problems = [f"problem {i}" for i in range(SHOWN + 3)]
    finding = run(locked_down_workflows, check_input("SM-7", devenv(workflow(".github/workflows/ci.yml", *problems))))
    assert finding.outcome is Outcome.FAIL
    assert "(and 3 more)" in finding.message
    assert f"problem {SHOWN}" not in finding.message


def test_a_project_without_github_workflows_is_not_available() -> None:
    finding = run(locked_down_workflows, check_input("SM-7", devenv(ci="none")))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert ".github/workflows" in finding.message


def test_missing_or_rejected_evidence_is_not_available() -> None:
    assert run(locked_down_workflows, check_input("SM-7")).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(EvidenceKind.DEVELOPMENT_ENVIRONMENT)
    finding = run(locked_down_workflows, check_input("SM-7", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


def test_a_malformed_payload_is_not_available_naming_the_evidence_and_place() -> None:
    broken = evidence(EvidenceKind.DEVELOPMENT_ENVIRONMENT, {"ci": "github-actions", "workflows": "all good"})
    finding = run(locked_down_workflows, check_input("SM-7", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (broken.id,)
    assert broken.id in finding.message
    assert "payload.workflows" in finding.message


def test_github_actions_without_any_workflow_is_not_a_pass() -> None:
    finding = run(locked_down_workflows, check_input("SM-7", devenv()))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no CI workflow" in finding.message
