"""What every format shares: finding locations, verdict words, topics and the order requirements are shown in."""

from __future__ import annotations

from sdl_gate.assess import FindingResult, RefreshAdvice, RequirementResult, Verdict
from sdl_gate.checks import Outcome
from sdl_gate.render.view import (
    ReportInput,
    SourceKind,
    Topic,
    file_location,
    fix_text,
    ordered_requirements,
    topic_findings,
    verdict_label,
    verdict_symbol,
)
from tests.report_data import sample_assessment, sample_input


def test_file_location_parsing() -> None:
    assert file_location("a/b.py:12:3") is not None
    parsed = file_location("a\\b.py:12")
    assert parsed is not None and (parsed.path, parsed.line, parsed.column) == ("a/b.py", 12, None)
    assert file_location("https://example.com/x") is None
    assert file_location("/etc/passwd") is None
    assert file_location("builtin:iec62443-4-1-ml2") is None
    assert file_location(None) is None


def test_file_location_with_line_and_column_and_zero_line() -> None:
    parsed = file_location("src/app.py:7:5")
    assert parsed is not None and (parsed.path, parsed.line, parsed.column) == ("src/app.py", 7, 5)
    zero = file_location("src/app.py:0")
    assert zero is not None and zero.line is None
    assert file_location("security/policy.yaml") is not None


def test_every_verdict_has_its_own_word_and_symbol() -> None:
    assert len({verdict_label(v) for v in Verdict}) == len(Verdict)
    assert len({verdict_symbol(v) for v in Verdict}) == len(Verdict)


def test_blocking_requirements_come_first_then_unmet_then_the_rest() -> None:
    ordered = ordered_requirements(sample_assessment())
    blocking = sample_assessment().decision.blocking
    assert [r.id for r in ordered[: len(blocking)]] == blocking
    # DM-6 (advisory, not satisfied) and SVV-4 (waived) follow the blocking ones, before anything satisfied.
    assert {r.id for r in ordered[len(blocking) : len(blocking) + 2]} == {"DM-6", "SVV-4"}
    assert len(ordered) == 47


def test_findings_are_grouped_by_the_kind_of_evidence_they_read() -> None:
    grouped = topic_findings(sample_assessment())
    assert {item.requirement.id for item in grouped[Topic.SAST]} == {"SI-1"}
    assert len(grouped[Topic.SAST]) == 3
    # Problems come before passes within a topic.
    outcomes = [item.finding.outcome.value for item in grouped[Topic.SAST]]
    assert outcomes == ["fail", "fail", "pass"]
    assert {item.requirement.id for item in grouped[Topic.VULNERABILITIES]} >= {"SVV-3", "SUM-5"}
    assert {item.requirement.id for item in grouped[Topic.THREAT_MODEL]} == {"SR-2"}


def test_each_source_kind_says_where_the_report_came_from() -> None:
    sentences = {kind: ReportInput(sample_assessment(), kind, "ORIGIN").provenance() for kind in SourceKind}
    assert all("ORIGIN" in sentence for sentence in sentences.values())
    assert len(set(sentences.values())) == len(SourceKind)
    assert "not been verified" in sample_input().provenance()


def test_imported_test_notes_follow_the_finding_field_not_its_wording() -> None:
    from sdl_gate.assess import FindingResult
    from sdl_gate.checks import Outcome
    from sdl_gate.render.view import imported_test_notes

    resting = FindingResult(
        criterion="requirement_tests", outcome=Outcome.PASS, message="3 tests passed", evidence=[], location=None
    )
    wording = resting.model_copy(update={"message": "counted imported results: imported from a.xml"})
    assessment = sample_assessment({"SVV-1": [resting.model_copy(update={"imported_results": True}), wording]})
    assert imported_test_notes(assessment) == ["SVV-1 requirement_tests: pass: 3 tests passed"]


def _failing_with_fix(remediation: str, refresh: list[RefreshAdvice]) -> RequirementResult:
    """SVV-1 failing on one criterion that has fix advice of its own."""
    base = next(r for r in sample_assessment().requirements if r.id == "SVV-1")
    finding = FindingResult(
        criterion="requirement_tests",
        outcome=Outcome.FAIL,
        message="2 requirements have no test",
        evidence=[],
        location=None,
        fix="Add tests marked for SR-1 and SR-2",
    )
    return base.model_copy(update={"findings": [finding], "remediation": remediation, "refresh": refresh})


def test_stale_evidence_refresh_is_the_fix_before_the_criteria_own() -> None:
    refresh = [RefreshAdvice(kind="test_results", command="`sdl-gate check --run-tests`")]
    result = _failing_with_fix("Refresh the stale test_results evidence: `sdl-gate check --run-tests`.", refresh)
    assert fix_text(result) == result.remediation


def test_a_remediation_worded_like_refresh_advice_is_not_taken_for_it() -> None:
    # Whether evidence is stale is a field of the result, not read back from the remediation's words.
    result = _failing_with_fix("Refresh the stale process documents, then record them again.", [])
    assert fix_text(result) == "Add tests marked for SR-1 and SR-2."
