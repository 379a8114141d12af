"""Explaining one requirement under a project's policy (``explain.explain_requirement``)."""

from __future__ import annotations

import textwrap

import pytest

from sdl_gate.approvals.register import RegisterChoice
from sdl_gate.errors import InputError
from sdl_gate.explain import explain_requirement
from tests.conftest import ProjectFactory, current_waiver_window


def test_an_unknown_id_is_refused(project: ProjectFactory) -> None:
    with pytest.raises(InputError):
        explain_requirement("SM-99", project.root, None, RegisterChoice())


def test_the_projects_own_policy_is_explained(project: ProjectFactory) -> None:
    project.pyproject('policy = "iec62443-4-1-ml3"\n')
    lines = explain_requirement("sm-6", project.root, None, RegisterChoice())
    assert lines[0].startswith("SM-6  ")
    assert any(line.startswith("Policy iec62443-4-1-ml3 ") for line in lines)


def test_a_waiver_of_the_requirement_is_listed_with_why_it_does_not_count(project: ProjectFactory) -> None:
    created, expires = current_waiver_window()
    project.waivers(
        textwrap.dedent(
            f"""
            version: 1
            waivers:
              - id: W-1
                scope: {{requirement: SVV-4}}
                justification: Pen test booked for next quarter with an external lab.
                requester: Dave Example <dave@example.com>
                approver: Carol Example <carol@example.com>
                created: {created}
                expires: {expires}
            """
        )
    )
    lines = explain_requirement("SVV-4", project.root, None, RegisterChoice(file=project.approvers))
    (listed,) = [line for line in lines if line.startswith("  - W-1 ")]
    assert "does not count" in listed
    # Another requirement's explanation lists no waiver of SVV-4.
    assert not [line for line in explain_requirement("SVV-3", project.root, None, RegisterChoice()) if "W-1" in line]
