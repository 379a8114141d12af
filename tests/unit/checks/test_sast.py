"""The static-analysis criteria (checks/_sast.py): SI-1 coverage, scan of the commit and findings, SI-2
configuration and nosec."""

from __future__ import annotations

import pytest

from sdl_gate.checks import Criterion, Outcome
from sdl_gate.checks._sast import (
    languages_analysed,
    sast_configuration,
    sast_files_analysed,
    sast_findings,
    sast_scan_of_commit,
    sast_suppressions,
)
from sdl_gate.evidence import EvidenceKind
from sdl_gate.policy.models import Threshold
from sdl_gate.sast.models import Level, NotAnalysed, Scope, SuppressionProblem
from tests.unit.checks._build import (
    approved_baseline,
    check_input,
    evidence,
    language,
    policy_entry,
    rejection,
    run,
    sast,
    sast_finding,
    source_exclusion,
    suppression,
    waiver,
)

ALL = [
    pytest.param(sast_files_analysed, id="files-analysed"),
    pytest.param(sast_scan_of_commit, id="scan-of-commit"),
    pytest.param(sast_findings, id="findings"),
    pytest.param(sast_configuration, id="configuration"),
    pytest.param(sast_suppressions, id="suppressions"),
    pytest.param(languages_analysed, id="languages"),
]


@pytest.mark.parametrize("criterion", ALL)
def test_missing_or_rejected_static_analysis_is_not_available(criterion: Criterion) -> None:
    assert run(criterion, check_input("SI-1")).outcome is Outcome.NOT_AVAILABLE
    reason = rejection(EvidenceKind.SAST, "sast evidence was taken at commit 1234, not the assessed commit")
    finding = run(criterion, check_input("SI-1", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


@pytest.mark.parametrize("criterion", ALL)
def test_a_malformed_report_is_not_available_never_a_pass(criterion: Criterion) -> None:
    broken = evidence(EvidenceKind.SAST, {"scanner": "bandit", "analysed": "all of them"})
    finding = run(criterion, check_input("SI-1", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "not in the expected form" in finding.message
    assert finding.evidence == (broken.id,)


# --- sast_files_analysed ------------------------------------------------------------------------------------------


def test_a_scan_analysing_every_file_passes() -> None:
    given = check_input("SI-1", sast(analysed=12, excluded=("widget/_vendored.py",)))
    finding = run(sast_files_analysed, given)
    assert finding.outcome is Outcome.PASS
    assert "all 12 Python file(s)" in finding.message and "1 excluded" in finding.message
    assert finding.evidence == given.evidence.ids()


def test_a_scan_of_chosen_files_can_analyse_every_file_it_was_given() -> None:
    # Whether the scan is of the whole project is the other criterion's question: `sast PATH` is judged on this.
    assert run(sast_files_analysed, check_input("SI-1", sast(scope=Scope.FILES))).outcome is Outcome.PASS
    assert run(sast_files_analysed, check_input("SI-1", sast(modified=("a.py",)))).outcome is Outcome.PASS


def test_a_file_bandit_could_not_analyse_fails_with_its_path() -> None:
    skipped = (NotAnalysed(path="widget/broken.py", reason="syntax error"),)
    finding = run(sast_files_analysed, check_input("SI-1", sast(not_analysed=skipped)))
    assert finding.outcome is Outcome.FAIL
    assert "widget/broken.py (syntax error)" in finding.message
    assert finding.location == "widget/broken.py"


def test_a_configuration_excluding_every_file_fails() -> None:
    finding = run(sast_files_analysed, check_input("SI-1", sast(analysed=0, excluded=("a.py", "b.py"))))
    assert finding.outcome is Outcome.FAIL
    assert "excludes all 2" in finding.message


def test_a_project_without_python_files_is_not_applicable() -> None:
    assert run(sast_files_analysed, check_input("SI-1", sast(analysed=0))).outcome is Outcome.NOT_APPLICABLE


# --- sast_scan_of_commit ------------------------------------------------------------------------------------------


def test_a_scan_of_every_tracked_file_at_the_commit_passes() -> None:
    given = check_input("SI-1", sast(analysed=12))
    finding = run(sast_scan_of_commit, given)
    assert finding.outcome is Outcome.PASS
    assert "all 12 tracked" in finding.message
    assert finding.evidence == given.evidence.ids()


def test_a_scan_of_chosen_files_does_not_cover_the_project() -> None:
    assert run(sast_scan_of_commit, check_input("SI-1", sast(scope=Scope.FILES))).outcome is Outcome.FAIL
    assert run(sast_scan_of_commit, check_input("SI-1", sast(scope=Scope.FILES, analysed=0))).outcome is (Outcome.FAIL)


def test_a_scan_of_a_modified_work_tree_is_not_of_the_commit() -> None:
    finding = run(sast_scan_of_commit, check_input("SI-1", sast(modified=("widget/api.py",))))
    assert finding.outcome is Outcome.FAIL
    assert "widget/api.py" in finding.message


def test_a_scan_of_the_commit_without_python_files_is_not_applicable() -> None:
    assert run(sast_scan_of_commit, check_input("SI-1", sast(analysed=0))).outcome is Outcome.NOT_APPLICABLE


def test_a_directory_scan_outside_git_passes_and_says_so() -> None:
    finding = run(sast_scan_of_commit, check_input("SI-1", sast(scope=Scope.DIRECTORY)))
    assert finding.outcome is Outcome.PASS
    assert "not a git work tree" in finding.message


# --- sast_findings ------------------------------------------------------------------------------------------------


def test_no_finding_passes() -> None:
    assert run(sast_findings, check_input("SI-1", sast())).outcome is Outcome.PASS


def test_an_open_finding_fails_with_its_place_and_fingerprint() -> None:
    finding = run(sast_findings, check_input("SI-1", sast(sast_finding("fp-9", path="widget/run.py", line=33))))
    assert finding.outcome is Outcome.FAIL
    assert "widget/run.py:33 B602 [fp-9]" in finding.message
    assert finding.location == "widget/run.py:33"


def test_without_thresholds_every_finding_counts() -> None:
    low = sast_finding(severity=Level.LOW, confidence=Level.LOW)
    assert run(sast_findings, check_input("SI-1", sast(low))).outcome is Outcome.FAIL


@pytest.mark.parametrize(
    ("severity", "confidence"),
    [(Level.LOW, Level.HIGH), (Level.HIGH, Level.LOW), (Level.MEDIUM, Level.MEDIUM)],
)
def test_findings_below_the_policy_thresholds_do_not_block(severity: Level, confidence: Level) -> None:
    policy = policy_entry(severity_threshold=Threshold.HIGH, confidence_threshold=Threshold.HIGH)
    given = check_input("SI-1", sast(sast_finding(severity=severity, confidence=confidence)), policy=policy)
    assert run(sast_findings, given).outcome is Outcome.PASS


def test_a_baselined_finding_is_counted_not_blocking() -> None:
    fingerprint = "0" * 32
    accepted = sast(sast_finding(fingerprint, baselined=True), baseline=approved_baseline(fingerprint))
    unapproved = sast(sast_finding(fingerprint, baselined=True))
    expired = sast(
        sast_finding(fingerprint, baselined=True), baseline=approved_baseline(fingerprint, expires_in_days=-1)
    )
    assert run(sast_findings, check_input("SI-1", accepted)).outcome is Outcome.PASS
    # A baseline entry nobody approved, or whose approval has lapsed, accepts nothing.
    assert run(sast_findings, check_input("SI-1", unapproved)).outcome is Outcome.FAIL
    assert run(sast_findings, check_input("SI-1", expired)).outcome is Outcome.FAIL


def test_a_waived_finding_is_shown_not_blocking_and_an_expired_waiver_blocks() -> None:
    active = waiver("W-sast", finding="fp-1")
    expired = waiver("W-sast", finding="fp-1", created_days_ago=90, expires_in_days=-1)
    waived = run(sast_findings, check_input("SI-1", sast(sast_finding("fp-1")), waivers=[active]))
    lapsed = run(sast_findings, check_input("SI-1", sast(sast_finding("fp-1")), waivers=[expired]))
    assert waived.outcome is Outcome.PASS
    assert "W-sast" in waived.message
    assert lapsed.outcome is Outcome.FAIL


def test_a_waiver_for_another_fingerprint_does_not_cover_a_finding() -> None:
    other = waiver("W-sast", finding="fp-2")
    assert run(sast_findings, check_input("SI-1", sast(sast_finding("fp-1")), waivers=[other])).outcome is Outcome.FAIL


def test_findings_of_a_scan_of_no_file_are_not_a_pass() -> None:
    finding = run(sast_findings, check_input("SI-1", sast(analysed=0)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no Python file" in finding.message


# --- sast_configuration -------------------------------------------------------------------------------------------


def test_a_committed_configuration_that_a_hook_enforces_passes() -> None:
    finding = run(sast_configuration, check_input("SI-2", sast()))
    assert finding.outcome is Outcome.PASS
    assert "pyproject.toml" in finding.message and ".pre-commit-config.yaml" in finding.message


def test_no_configuration_or_no_automation_fails_and_says_which() -> None:
    unconfigured = run(sast_configuration, check_input("SI-2", sast(config_source=None)))
    manual = run(sast_configuration, check_input("SI-2", sast(automation=())))
    neither = run(sast_configuration, check_input("SI-2", sast(config_source=None, automation=())))
    assert unconfigured.outcome is Outcome.FAIL and "no bandit configuration" in unconfigured.message
    assert manual.outcome is Outcome.FAIL and "nothing runs it automatically" in manual.message
    assert neither.outcome is Outcome.FAIL and ";" in neither.message


# --- sast_suppressions --------------------------------------------------------------------------------------------


def test_justified_suppressions_pass() -> None:
    finding = run(sast_suppressions, check_input("SI-2", sast(suppressions=(suppression(), suppression(line=40)))))
    assert finding.outcome is Outcome.PASS
    assert "all 2 suppression(s)" in finding.message


def test_a_project_with_no_suppression_passes() -> None:
    assert run(sast_suppressions, check_input("SI-2", sast())).outcome is Outcome.PASS


@pytest.mark.parametrize("problem", list(SuppressionProblem))
def test_an_unjustified_suppression_fails_with_its_place(problem: SuppressionProblem) -> None:
    finding = run(sast_suppressions, check_input("SI-2", sast(suppressions=(suppression(problem, line=20),))))
    assert finding.outcome is Outcome.FAIL
    assert problem.value in finding.message
    assert finding.location == "widget/run.py:20"


def test_suppressions_of_a_scan_of_no_file_are_not_a_pass() -> None:
    finding = run(sast_suppressions, check_input("SI-2", sast(analysed=0)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "no Python file" in finding.message


# --- languages_analysed -------------------------------------------------------------------------------------------


def test_a_c_code_base_without_an_analyser_is_not_available_naming_c() -> None:
    # No Python at all: bandit has nothing to say, which must not read as "nothing to analyse".
    given = check_input("SI-1", sast(analysed=0, languages=(language("C", 1),)))
    finding = run(languages_analysed, given)
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "C (1 file(s): widget/file0.c)" in finding.message
    assert "SI-1 params sast_unanalysed_languages_allowed" in finding.message
    assert finding.location == "widget/file0.c"
    assert finding.evidence == given.evidence.ids()


def test_python_covered_by_bandit_and_c_unanalysed_names_only_c() -> None:
    census = (language("C", 2), language("Python", 4, "bandit"))
    finding = run(languages_analysed, check_input("SI-1", sast(languages=census)))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "1 language(s)" in finding.message and "C (2 file(s)" in finding.message
    assert "Python" not in finding.message


def test_a_language_the_policy_accepts_unanalysed_passes_and_the_allowance_is_shown() -> None:
    census = (language("C", 2), language("Python", 4, "bandit"))
    policy = policy_entry(sast_unanalysed_languages_allowed=("C",))
    finding = run(languages_analysed, check_input("SI-1", sast(languages=census), policy=policy))
    assert finding.outcome is Outcome.PASS
    assert "Python (4 file(s)" in finding.message and "analysed by bandit" in finding.message
    assert "accepted without an analyser by the policy (SI-1 params sast_unanalysed_languages_allowed): C" in (
        finding.message
    )
    assert finding.examined == 6


def test_the_allowance_names_a_language_exactly() -> None:
    policy = policy_entry(sast_unanalysed_languages_allowed=("c", "C++"))
    finding = run(languages_analysed, check_input("SI-1", sast(languages=(language("C", 1),)), policy=policy))
    assert finding.outcome is Outcome.NOT_AVAILABLE


def test_evidence_without_a_census_cannot_show_coverage() -> None:
    stored = sast().payload | {"languages": None}
    older = run(languages_analysed, check_input("SI-1", evidence(EvidenceKind.SAST, stored)))
    assert older.outcome is Outcome.NOT_AVAILABLE
    assert "by language" in older.message


def test_no_source_file_in_any_language_is_never_a_pass() -> None:
    # Only dependencies in the repository: nothing for an analyser, so the other criteria decide.
    finding = run(languages_analysed, check_input("SVV-3", sast(analysed=0, languages=())))
    assert finding.outcome is Outcome.NOT_APPLICABLE
    assert "no source file" in finding.message


def test_source_left_out_of_the_census_fails_unless_the_policy_allows_its_path() -> None:
    left_out = sast(source_exclusions=(source_exclusion("third_party/zlib/inflate.c"),))
    finding = run(languages_analysed, check_input("SVV-3", left_out))
    assert finding.outcome is Outcome.FAIL
    assert "third_party/zlib/inflate.c ('third_party/*' in pyproject.toml [tool.sdl-gate] source-exclude)" in (
        finding.message
    )
    assert "SVV-3 params sast_allowed_excludes" in finding.message
    assert finding.location == "third_party/zlib/inflate.c"
    allowed = policy_entry(sast_allowed_excludes=("third_party/*",))
    finding = run(languages_analysed, check_input("SVV-3", left_out, policy=allowed))
    assert finding.outcome is Outcome.PASS
    assert "1 source file(s) left out by source-exclude" in finding.message
    assert "third_party/zlib/inflate.c" in finding.message


def test_the_policy_judges_the_excluded_path_not_the_pattern() -> None:
    # A pattern that looks like it names vendored code but also catches the product's own source.
    left_out = sast(source_exclusions=(source_exclusion("src/core/parser.c", "*/*"),))
    allowed = policy_entry(sast_allowed_excludes=("third_party/*",))
    assert run(languages_analysed, check_input("SI-1", left_out, policy=allowed)).outcome is Outcome.FAIL
