"""SM-7 from the project's GitHub Actions workflows, and SUM-1 from the recorded test run."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest

from sdl_gate.assess import Assessment, RequirementResult
from sdl_gate.collectors.devenv import classify_uses
from sdl_gate.collectors.test_results import TestOutcome, TestResult, results_evidence
from sdl_gate.evidence import EvidenceStore
from sdl_gate.run import assess_project
from tests.conftest import DEMO_PROJECT, ProjectFactory, write

TODAY = date(2026, 11, 1)
NOON = datetime.combine(TODAY, time(12), tzinfo=timezone.utc)
SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"

GOOD = f"""
name: ci
on: [pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@{SHA} # v4.2.2
        with:
          persist-credentials: false
      - uses: ./.github/actions/local
      - name: Greet
        env:
          TITLE: ${{{{ github.event.pull_request.title }}}}
        run: echo "$TITLE"
"""


def assess(project: ProjectFactory) -> Assessment:
    return assess_project(project.root, today=TODAY, now=NOON).assessment


def finding(assessment: Assessment, requirement: str, criterion: str) -> tuple[str, str]:
    result: RequirementResult = next(r for r in assessment.requirements if r.id == requirement)
    found = next(f for f in result.findings if f.criterion == criterion)
    return found.outcome.value, found.message


@pytest.mark.parametrize(
    ("uses", "kind"),
    [
        (f"actions/checkout@{SHA}", "pinned"),
        ("actions/checkout@v4", "unpinned"),
        ("actions/checkout@11bd719", "unpinned"),
        ("./.github/actions/build", "local"),
        ("docker://alpine@sha256:" + "a" * 64, "pinned"),
        ("docker://alpine:3.20", "unpinned"),
        (f"org/repo/.github/workflows/release.yml@{SHA}", "pinned"),
    ],
)
def test_action_references_are_classified(uses: str, kind: str) -> None:
    assert classify_uses(uses) == kind


def test_locked_down_workflow_passes(project: ProjectFactory) -> None:
    write(project.root / ".github/workflows/ci.yml", GOOD)
    outcome, message = finding(assess(project), "SM-7", "development_environment")
    assert outcome == "pass"
    assert "1 workflow(s): 1 action reference(s) pinned" in message


def test_each_weakness_is_named_with_file_and_line(project: ProjectFactory) -> None:
    write(
        project.root / ".github/workflows/ci.yml",
        """
        name: ci
        on: [issues]
        jobs:
          triage:
            runs-on: ubuntu-24.04
            steps:
              - uses: actions/checkout@v4
              - run: echo "${{ github.event.issue.title }}"
          publish:
            runs-on: ubuntu-24.04
            permissions: write-all
            steps:
              - run: echo hi
        """,
    )
    outcome, message = finding(assess(project), "SM-7", "development_environment")
    assert outcome == "fail"
    assert ".github/workflows/ci.yml:7: actions/checkout@v4 is not pinned to a full commit SHA" in message
    assert "ci.yml:7: actions/checkout keeps the token" in message
    assert "ci.yml:8: `${{ github.event.issue.title }}` is expanded into a shell script" in message
    assert "ci.yml:4: no permissions: block for the workflow or this job" in message
    assert "ci.yml:11: permissions: write-all" in message


def test_no_workflows_cannot_be_told(project: ProjectFactory) -> None:
    outcome, message = finding(assess(project), "SM-7", "development_environment")
    assert outcome == "not_available"
    assert "no .github/workflows" in message


def test_a_broken_workflow_is_a_finding_not_bad_input(project: ProjectFactory) -> None:
    write(project.root / ".github/workflows/ci.yml", "jobs: [unclosed\n")
    outcome, message = finding(assess(project), "SM-7", "development_environment")
    assert outcome == "fail"
    assert message.startswith(".github/workflows/ci.yml:2: malformed YAML")


def test_demo_workflows_are_locked_down(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO_PROJECT, demo, ignore=shutil.ignore_patterns(".sdl-gate"))
    assessment = assess_project(demo, today=TODAY, now=NOON).assessment
    assert finding(assessment, "SM-7", "development_environment")[0] == "pass"


def _record_tests(project: ProjectFactory, outcomes: dict[str, TestOutcome]) -> None:
    results = [TestResult(node_id=node, outcome=outcome) for node, outcome in outcomes.items()]
    commit = project.commit()  # recorded test runs count only when bound to the assessed commit
    EvidenceStore(project.root).put(results_evidence(results, commit=commit, tool=("pytest", "9.0")), NOON)


def test_sum1_passes_on_a_green_recorded_run(project: ProjectFactory) -> None:
    _record_tests(
        project, {"tests/test_a.py::test_ok": TestOutcome.PASSED, "tests/test_a.py::test_skip": TestOutcome.SKIPPED}
    )
    outcome, message = finding(assess(project), "SUM-1", "regression_tests")
    assert outcome == "pass"
    assert message == "1 of 2 recorded tests passed, none failed"


def test_sum1_fails_naming_the_failing_tests(project: ProjectFactory) -> None:
    _record_tests(
        project, {"tests/test_a.py::test_ok": TestOutcome.PASSED, "tests/test_a.py::test_bad": TestOutcome.FAILED}
    )
    outcome, message = finding(assess(project), "SUM-1", "regression_tests")
    assert outcome == "fail"
    assert "tests/test_a.py::test_bad" in message


def test_sum1_without_a_recorded_run_cannot_be_told(project: ProjectFactory) -> None:
    assert finding(assess(project), "SUM-1", "regression_tests")[0] == "not_available"
