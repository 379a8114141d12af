"""Verdicts, waivers, effective dates and the gate decision, on real projects on disk."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from sdl_gate.assess import Assessment, RequirementResult, Verdict, score_findings
from sdl_gate.checks import CHECKS, Finding, Outcome
from sdl_gate.run import assess_project
from tests.conftest import ProjectFactory, approve_project_exceptions

TODAY = date(2026, 11, 1)


def run(project: ProjectFactory, today: date = TODAY, policy: str | None = None) -> Assessment:
    noon = datetime.combine(today, time(12), tzinfo=timezone.utc)
    return assess_project(project.root, policy_spec=policy, today=today, now=noon).assessment


def result(assessment: Assessment, requirement_id: str) -> RequirementResult:
    return next(r for r in assessment.requirements if r.id == requirement_id)


def test_every_requirement_has_a_check_and_appears_once(project: ProjectFactory) -> None:
    assessment = run(project)
    ids = [r.id for r in assessment.requirements]
    assert len(ids) == 47
    assert len(set(ids)) == 47
    assert set(CHECKS) == set(ids)


def test_approved_record_with_unchanged_link_satisfies(project: ProjectFactory) -> None:
    project.doc("docs/sdl.md")
    project.record("sdl-process", "process_document", ["SM-1"], links=["docs/sdl.md"])
    sm1 = result(run(project), "SM-1")
    assert sm1.verdict is Verdict.SATISFIED
    assert sm1.score == 1.0
    assert "sdl-process" in sm1.rationale
    assert not sm1.blocking
    assert sm1.evidence and sm1.evidence[0].startswith("sha256:")


def test_missing_record_is_not_satisfied_and_blocks(project: ProjectFactory) -> None:
    sm1 = result(run(project), "SM-1")
    assert sm1.verdict is Verdict.NOT_SATISFIED
    assert sm1.score == 0.0
    assert sm1.blocking
    assert "no record lists SM-1" in sm1.rationale


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"approved": None}, "not approved"),
        ({"valid_until": "2026-06-30"}, "expired on 2026-06-30"),
        ({"date": "2026-12-01", "approved": "2026-12-02"}, "in the future"),
    ],
)
def test_unapproved_expired_or_future_records_do_not_count(
    project: ProjectFactory, kwargs: dict[str, str | None], expected: str
) -> None:
    project.record("training", "training", ["SM-4"], **kwargs)  # type: ignore[arg-type]
    sm4 = result(run(project), "SM-4")
    assert sm4.verdict is Verdict.NOT_SATISFIED
    assert expected in sm4.rationale


def test_record_whose_linked_file_changed_since_approval_does_not_count(project: ProjectFactory) -> None:
    doc = project.doc("docs/sdl.md")
    project.record("sdl-process", "process_document", ["SM-1"], links=["docs/sdl.md"])
    doc.write_text("# Development process\n\nEdited after the approval: reviews are now optional.\n", encoding="utf-8")
    sm1 = result(run(project), "SM-1")
    assert sm1.verdict is Verdict.NOT_SATISFIED
    assert "docs/sdl.md changed since it was approved" in sm1.rationale


def test_record_of_the_wrong_kind_does_not_count(project: ProjectFactory) -> None:
    project.record("course", "training", ["SVV-4"])
    svv4 = result(run(project), "SVV-4")
    assert svv4.verdict is Verdict.NOT_SATISFIED
    assert "is a training, but SVV-4 needs pen_test" in svv4.rationale


def test_policy_max_age_makes_old_records_stale(project: ProjectFactory) -> None:
    # The ML2 policy limits DM-6 periodic reviews to 365 days.
    project.record("review-2025", "periodic_review", ["DM-6"], date="2025-09-01", approved="2025-09-02")
    assert result(run(project, today=date(2026, 8, 31)), "DM-6").verdict is Verdict.SATISFIED
    stale = result(run(project, today=date(2026, 9, 3)), "DM-6")
    assert stale.verdict is Verdict.NOT_SATISFIED
    assert "older than the policy's 365 days" in stale.rationale


def test_collector_without_evidence_is_not_assessed_and_blocks_under_builtin_policy(project: ProjectFactory) -> None:
    sm6 = result(run(project), "SM-6")
    assert sm6.verdict is Verdict.NOT_ASSESSED
    assert sm6.findings[0].outcome is Outcome.NOT_AVAILABLE
    assert sm6.blocking


def test_not_assessed_blocking_is_a_policy_setting(project: ProjectFactory) -> None:
    project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        settings:
          not_assessed_blocks: false
        """
    )
    sm6 = result(run(project, policy=str(project.root / "security" / "policy.yaml")), "SM-6")
    assert sm6.verdict is Verdict.NOT_ASSESSED
    assert not sm6.blocking


def test_not_applicable_carries_its_justification(project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.record("scoping", "process_document", ["SM-5", "SM-10"])
    project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SM-10:
            mode: not_applicable
            justification: No supplier builds custom components for us.
        """
    )
    assessment = run(project)
    sm10 = result(assessment, "SM-10")
    assert sm10.verdict is Verdict.NOT_APPLICABLE
    assert "No supplier builds custom components" in sm10.rationale
    assert "scoping record scoping" in sm10.rationale
    assert not sm10.blocking
    sm_practice = next(p for p in assessment.practices if p.id == "SM")
    assert sm_practice.verdicts["not_applicable"] == 1


WAIVABLE_SVV4 = """
    version: 1
    extends: iec62443-4-1-ml2
    requirements:
      SVV-4: {waivable: true}
    """


def test_requirement_waiver_waives_and_is_reported(project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy(WAIVABLE_SVV4)
    project.waivers(
        """
        version: 1
        waivers:
          - id: W-1
            scope: {requirement: SVV-4}
            justification: Pen test booked for next quarter with an external lab.
            requester: Dave Example <dave@example.com>
            approver: Carol Example <carol@example.com>
            created: 2026-10-01T00:00:00Z
            expires: 2027-01-31T23:59:59Z
        """
    )
    approve_project_exceptions(project)
    assessment = run(project)
    svv4 = result(assessment, "SVV-4")
    assert svv4.verdict is Verdict.WAIVED
    assert svv4.waiver == "W-1"
    assert not svv4.blocking
    assert "Underlying verdict: Not satisfied" in svv4.rationale
    assert [w.id for w in assessment.waivers] == ["W-1"]
    assert assessment.waivers[0].state.value == "active"


def test_expired_waiver_no_longer_waives_and_fails_the_register(project: ProjectFactory) -> None:
    project.waivers(
        """
        version: 1
        waivers:
          - id: W-1
            scope: {requirement: SVV-4}
            justification: Pen test booked for next quarter with an external lab.
            requester: Dave Example <dave@example.com>
            approver: Carol Example <carol@example.com>
            created: 2026-02-01T00:00:00Z
            expires: 2026-06-30T23:59:59Z
        """
    )
    approve_project_exceptions(project)
    assessment = run(project)
    svv4 = result(assessment, "SVV-4")
    assert svv4.verdict is Verdict.NOT_SATISFIED
    assert "waiver W-1 for requirement SVV-4 expired" in svv4.rationale
    for register_requirement in ("SM-11", "DM-4"):
        finding = result(assessment, register_requirement).findings[0]
        assert finding.criterion == "waiver_register"
        assert finding.outcome is Outcome.FAIL
        assert "W-1" in finding.message
    assert assessment.waivers[0].state.value == "expired"


def test_waiver_is_not_applied_to_a_satisfied_requirement(project: ProjectFactory) -> None:
    project.record("pentest", "pen_test", ["SVV-4"])
    project.waivers(
        """
        version: 1
        waivers:
          - id: W-1
            scope: {requirement: SVV-4}
            justification: Kept from before the pen test was done.
            requester: Dave Example <dave@example.com>
            approver: Carol Example <carol@example.com>
            created: 2026-10-01T00:00:00Z
            expires: 2027-01-31T23:59:59Z
        """
    )
    approve_project_exceptions(project)
    svv4 = result(run(project), "SVV-4")
    assert svv4.verdict is Verdict.SATISFIED
    assert svv4.waiver is None


def test_enforced_from_makes_a_requirement_advisory_until_its_date(project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SVV-4:
            enforced_from: 2027-01-01
        """
    )
    before = result(run(project, today=date(2026, 12, 31)), "SVV-4")
    assert before.mode.value == "advisory"
    assert before.verdict is Verdict.NOT_SATISFIED
    assert not before.blocking
    after = result(run(project, today=date(2027, 1, 1)), "SVV-4")
    assert after.mode.value == "enforced"
    assert after.blocking


def test_disabled_and_advisory_requirements_never_block(project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SM-1: {mode: disabled}
          SM-3: {mode: advisory}
        """
    )
    assessment = run(project)
    assert not result(assessment, "SM-1").blocking
    assert not result(assessment, "SM-3").blocking
    assert result(assessment, "SM-1").verdict is Verdict.NOT_SATISFIED
    assert "SM-1" not in assessment.decision.blocking
    assert "SM-2" in assessment.decision.blocking


def test_gate_passes_when_nothing_enforced_fails(project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.doc("docs/sdl.md")
    project.record("sdl-process", "process_document", ["SM-1"], links=["docs/sdl.md"])
    project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        defaults: {mode: advisory}
        requirements:
          SM-1: {mode: enforced}
        """
    )
    assessment = run(project)
    assert assessment.decision.passed
    assert assessment.decision.blocking == []
    assert assessment.decision.summary.startswith("PASSED")


def test_repository_evidence_drives_dm1_sm2_and_guidelines(project: ProjectFactory) -> None:
    project.pyproject('[tool.sdl-gate.guidelines]\nSG-3 = "docs/hardening.md"\nSG-4 = "docs/disposal.md"\n')
    project.doc("SECURITY.md", "# Security\n\nReport issues to psirt@example.com.\n")
    project.doc(".github/CODEOWNERS", "* @example/maintainers\n")
    project.doc("docs/hardening.md", "# Hardening\n\nClose port 502.\n")
    project.doc("docs/disposal.md", "   \n")
    # SM-2 and the guidelines are class H: the repository's files count beside a signed record, never alone.
    project.record("roles", "process_document", ["SM-2"])
    project.record("guides-review", "review", ["SG-3", "SG-4"], links=["docs/hardening.md"])
    assessment = run(project)
    assert result(assessment, "DM-1").verdict is Verdict.SATISFIED
    assert "psirt@example.com" in result(assessment, "DM-1").rationale
    assert result(assessment, "SM-2").verdict is Verdict.SATISFIED
    assert result(assessment, "SG-3").verdict is Verdict.SATISFIED
    assert "docs/disposal.md is empty" in result(assessment, "SG-4").rationale
    assert "no document configured" in result(assessment, "SG-5").rationale


def test_security_policy_without_contact_fails_dm1(project: ProjectFactory) -> None:
    project.doc("SECURITY.md", "# Security\n\nWe take security seriously.\n")
    dm1 = result(run(project), "DM-1")
    assert dm1.verdict is Verdict.NOT_SATISFIED
    assert "names no contact" in dm1.rationale


def test_maturity_is_ml2_only_when_every_applicable_requirement_is_satisfied(project: ProjectFactory) -> None:
    project.pyproject("[tool.sdl-gate.guidelines]\n" + "".join(f'SG-{n} = "docs/g{n}.md"\n' for n in range(1, 7)))
    for n in range(1, 7):
        project.doc(f"docs/g{n}.md")
    project.record("doc-review", "review", [f"SG-{n}" for n in range(1, 8)])
    assessment = run(project)
    sg = next(p for p in assessment.practices if p.id == "SG")
    assert sg.score == 1.0
    assert sg.maturity.value == "ML2"
    sm = next(p for p in assessment.practices if p.id == "SM")
    assert sm.maturity.value == "ML1"
    assert 0.0 <= sm.score < 1.0


def _finding(outcome: Outcome) -> Finding:
    return Finding("SM-1", "c", outcome, "m")


@pytest.mark.parametrize(
    ("outcomes", "verdict", "score"),
    [
        ([Outcome.PASS, Outcome.PASS], Verdict.SATISFIED, 1.0),
        ([Outcome.PASS, Outcome.FAIL], Verdict.PARTIALLY_SATISFIED, 0.5),
        ([Outcome.FAIL, Outcome.NOT_AVAILABLE], Verdict.NOT_SATISFIED, 0.0),
        ([Outcome.PASS, Outcome.NOT_AVAILABLE], Verdict.NOT_ASSESSED, 0.5),
        ([Outcome.PASS, Outcome.ERROR], Verdict.NOT_ASSESSED, 0.5),
        ([Outcome.NOT_APPLICABLE], Verdict.NOT_APPLICABLE, 1.0),
        ([Outcome.PASS, Outcome.PASS, Outcome.FAIL], Verdict.PARTIALLY_SATISFIED, 0.6667),
    ],
)
def test_findings_combine_into_verdicts_failing_closed(outcomes: list[Outcome], verdict: Verdict, score: float) -> None:
    scored = score_findings(tuple(_finding(o) for o in outcomes))
    assert scored.verdict is verdict
    assert scored.score == score


def test_partially_satisfied_enforced_requirement_blocks(project: ProjectFactory) -> None:
    from sdl_gate.assess import _blocks
    from sdl_gate.policy.loader import resolve_policy
    from sdl_gate.policy.models import Mode

    policy = resolve_policy()
    assert _blocks(Mode.ENFORCED, Verdict.PARTIALLY_SATISFIED, policy)
    assert not _blocks(Mode.ENFORCED, Verdict.WAIVED, policy)
    assert not _blocks(Mode.ADVISORY, Verdict.NOT_SATISFIED, policy)


# --- Bounded exceptions: requirement waivers and scoping -----------------------------------------------------------

SM1_WAIVER = """
    version: 1
    waivers:
      - id: W-1
        scope: {requirement: SM-1}
        justification: The process document is being written and will be approved next month.
        requester: Dave Example <dave@example.com>
        approver: Carol Example <carol@example.com>
        created: 2026-10-01T00:00:00Z
        expires: 2027-01-31T23:59:59Z
    """


@pytest.mark.parametrize("policy", ["iec62443-4-1-ml2", "iec62443-4-1-ml3", "iec62443-4-1-ml4"])
def test_requirement_waiver_does_not_lift_a_builtin_requirement(project: ProjectFactory, policy: str) -> None:
    project.waivers(SM1_WAIVER)
    approve_project_exceptions(project)
    assessment = run(project, policy=policy)
    sm1 = result(assessment, "SM-1")
    assert sm1.verdict is Verdict.NOT_SATISFIED
    assert sm1.blocking
    assert sm1.waiver is None
    assert "Waiver W-1 does not count" in sm1.rationale
    assert "SM-1" in assessment.decision.blocking


def test_requirement_waiver_lifts_only_what_the_policy_makes_waivable(project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy(WAIVABLE_SVV4)
    project.waivers(SM1_WAIVER)
    approve_project_exceptions(project)
    sm1 = result(run(project), "SM-1")
    assert sm1.verdict is Verdict.NOT_SATISFIED
    assert sm1.blocking


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(None, id="no-record"),
        pytest.param(("scoping", "process_document", ["SM-5"], None), id="record-does-not-name-it"),
        pytest.param(("scoping", "process_document", ["SM-5", "SM-10"], "not-approved"), id="not-approved"),
        pytest.param(("scoping", "review", ["SM-5", "SM-10"], None), id="wrong-kind"),
        pytest.param(("scoping", "process_document", ["SM-10"], None), id="not-an-sm5-record"),
    ],
)
def test_not_applicable_without_an_approved_scoping_record_blocks(
    project: ProjectFactory, record: tuple[str, str, list[str], str | None] | None
) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SM-10:
            mode: not_applicable
            justification: No supplier builds custom components for us.
        """
    )
    if record is not None:
        record_id, kind, requirements, flag = record
        project.record(record_id, kind, requirements, approved=None if flag == "not-approved" else "2026-01-12")
    assessment = run(project)
    sm10 = result(assessment, "SM-10")
    assert sm10.verdict is Verdict.NOT_SATISFIED
    assert sm10.blocking
    assert "SM-10" in assessment.decision.blocking
    assert [f.criterion for f in sm10.findings] == ["scoping_decision"]
