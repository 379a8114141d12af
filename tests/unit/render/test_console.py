"""The terminal view of the fixed sample assessment: golden text, sections, and text that stays inert."""

from __future__ import annotations

import re

from sdl_gate.checks import Outcome
from sdl_gate.render.console import render_console
from tests.conftest import Golden
from tests.report_data import sample_assessment

# C0 controls except the newline that separates lines, DEL and C1 controls (CSI, OSC as single bytes).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def test_golden(golden: Golden) -> None:
    golden("report.txt", render_console(sample_assessment()))


def test_header_names_product_commit_policy_and_date() -> None:
    lines = render_console(sample_assessment()).splitlines()
    assert lines[1] == "product  modbus-mqtt-gateway 1.4.0 @ 0123456789ab"
    assert lines[2].startswith("policy   sample (security/policy.yaml) sha256:")
    assert lines[3] == "date     2026-11-20"


def test_one_line_per_practice_then_each_section_lists_its_requirements() -> None:
    assessment = sample_assessment()
    text = render_console(assessment)
    lines = text.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("practice ")))
    assert [line.split()[0] for line in lines[header + 1 : header + 9]] == [p.id for p in assessment.practices]
    blocking = [line.split()[1] for line in lines if line.startswith("  x ")]
    assert blocking == assessment.decision.blocking
    assert [line.split()[1] for line in lines if line.startswith("  ! ")] == ["DM-6"]
    assert [line.split()[1] for line in lines if line.startswith("  ~ ")] == ["SVV-4"]
    assert [line.split()[1] for line in lines if line.startswith("  - ") and "-" in line.split()[1]][:1] == ["SM-10"]
    assert f"Blocking ({len(assessment.decision.blocking)})" in text
    assert "Evidence not used" in text and "sbom evidence from commit 89abcdef" in text
    for waiver in ("W-001", "W-002", "W-003"):
        assert f"  {waiver}: " in text
    assert lines[-1] == assessment.decision.summary


def test_control_characters_from_findings_never_reach_the_terminal() -> None:
    # SM-2's message carries a bell character; a hostile one could carry terminal escape sequences.
    text = render_console(sample_assessment())
    assert _CONTROL.search(text) is None


def test_escape_sequences_and_line_breaks_in_repository_text_stay_inert() -> None:
    base = sample_assessment()
    hostile = "\x1b[2J\x1b]0;owned\x07\x9b31m\n::error::forged annotation\rdone"
    requirements = [
        r.model_copy(update={"findings": [r.findings[0].model_copy(update={"message": hostile, "location": hostile})]})
        if r.id == "SM-2"
        else r
        for r in base.requirements
    ]
    product = base.product.model_copy(update={"name": "widget\n::error::forged"})
    text = render_console(base.model_copy(update={"requirements": requirements, "product": product}))
    assert _CONTROL.search(text) is None
    assert not any(line.startswith("::") for line in text.splitlines())
    assert "forged annotation" in text  # shown, not dropped


def test_a_waiver_without_a_verified_approval_is_listed_as_not_counting() -> None:
    from sdl_gate.approvals.state import ExceptionStatus
    from sdl_gate.render.html import render_html
    from sdl_gate.render.markdown import render_markdown
    from sdl_gate.render.view import ReportInput, SourceKind

    assessment = sample_assessment()
    first = assessment.waivers[0].model_copy(
        update={"approval": ExceptionStatus.UNSIGNED, "approval_detail": "no approver has signed it"}
    )
    unsigned = assessment.model_copy(update={"waivers": [first, *assessment.waivers[1:]]})
    text = render_console(unsigned)
    assert f"{first.id}: {first.target} (active, expires {first.expires}, does not count: no approver" in text
    report = ReportInput(unsigned, SourceKind.ASSESSMENT_FILE, "x")
    assert "does not count (unsigned)" in render_markdown(report)
    assert "does not count (unsigned: no approver has signed it)" in render_html(report)
    assert f"{first.id}: {first.target} (active, expires {first.expires}, approved by" in render_console(assessment)


def _with_policy(name: str, source: str) -> str:
    base = sample_assessment()
    policy = base.policy.model_copy(update={"name": name, "source": source})
    return render_console(base.model_copy(update={"policy": policy})).splitlines()[2]


def test_a_policy_file_without_a_name_is_named_once_by_its_path() -> None:
    header = _with_policy("policy", "security/policy.yaml")
    assert header.startswith("policy   security/policy.yaml sha256:")
    assert header.count("policy") == 2  # the label and the path, never the file's stem as a name besides


def test_a_builtin_policy_is_named_once() -> None:
    header = _with_policy("iec62443-4-1-ml2", "builtin:iec62443-4-1-ml2")
    assert header.startswith("policy   iec62443-4-1-ml2 (built-in) sha256:")
    assert header.count("iec62443-4-1-ml2") == 1


def test_one_cause_shared_by_several_requirements_is_printed_once_and_referred_to() -> None:
    base = sample_assessment()
    blocking = [r for r in base.requirements if r.blocking][:3]
    assert len(blocking) == 3
    cause = "the vulnerability service is unreachable"
    shared = {
        r.id: r.model_copy(
            update={
                "findings": [
                    r.findings[0].model_copy(
                        update={"message": cause, "location": None, "outcome": Outcome.NOT_AVAILABLE}
                    )
                ]
            }
        )
        for r in blocking
    }
    requirements = [shared.get(r.id, r) for r in base.requirements]
    text = render_console(base.model_copy(update={"requirements": requirements}))
    assert text.count(cause) == 1
    first, *others = (r.id for r in blocking)
    for other in others:
        block = text.split(f" {other} ", 1)[1].split("\n  x ", 1)[0]
        assert f"as under {first} above" in block


# --- how the run audited vulnerabilities (``bundle create`` prints it) ---------------------------------------------


def test_audit_note_says_how_the_audit_ran() -> None:
    from sdl_gate.collectors.vulns import AuditStatus
    from sdl_gate.evidence import EvidenceKind, Rejection
    from sdl_gate.render.console import audit_note
    from tests.unit.checks._build import audit, evidence_set

    assert (
        audit_note(evidence_set([audit(offline=True)]))
        == "vulnerability audit: offline, against the imported OSV database"
    )
    assert audit_note(evidence_set([audit()])).startswith("vulnerability audit: ONLINE, against osv at ")
    failed = evidence_set([audit(status=AuditStatus.UNAVAILABLE, reason="pip-audit could not start")])
    assert audit_note(failed) == "vulnerability audit (online): not completed: pip-audit could not start"
    rejected = evidence_set(rejections=[Rejection(EvidenceKind.VULNERABILITY_AUDIT, "bound to another commit")])
    assert audit_note(rejected) == "vulnerability audit: not available (bound to another commit)"
    assert audit_note(evidence_set()) == "vulnerability audit: not available (not collected)"


def test_a_malformed_audit_is_not_available_not_a_crash() -> None:
    from sdl_gate.evidence import EvidenceKind
    from sdl_gate.render.console import audit_note
    from tests.unit.checks._build import evidence, evidence_set

    malformed = evidence_set([evidence(EvidenceKind.VULNERABILITY_AUDIT, {"offline": True})])
    note = audit_note(malformed)
    assert note.startswith("vulnerability audit: not available (vulnerability_audit evidence ")
    assert "payload.status" in note
