"""Criteria on static-analysis evidence: every file of the scan analysed, the scan being of the whole project at
the commit, open findings, what the configuration switches off, an enforced configuration, justified nosec."""

from __future__ import annotations

from datetime import date

from sdl_gate._text import first_and_more
from sdl_gate.checks._base import Finding, Occurrence, Outcome
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.sast.models import BaselineState, SastFinding, SastReport, Scope, SkippedTest
from sdl_gate.sast.rules import (
    ALLOWED_EXCLUDES_SETTING,
    ALLOWED_SKIPS_SETTING,
    EXCLUDES_PARAM,
    UNANALYSED_LANGUAGES_SETTING,
    Status,
    analyser_problems,
    baseline_state,
    describe_exclusion,
    describe_language,
    disallowed_exclusions,
    disallowed_skips,
    disallowed_source_exclusions,
    judge,
    thresholds,
    unanalysed_languages,
)

_NOT_COLLECTED = (Outcome.NOT_AVAILABLE, "no static-analysis evidence was collected")
_SHOWN = 5
_NO_FILE = "the scan analysed no Python file"


@criterion(
    SastReport,
    name="sast_files_analysed",
    description="static analysis analysed every Python file it was to scan, excluding only paths the policy allows",
    fix="Fix the files bandit cannot parse, and exclude from analysis only paths the policy allows (SI-1 "
    "allowed_excludes)",
    when_empty=Outcome.NOT_APPLICABLE,
    empty_means="the project has no Python file (a configuration that excludes every one fails)",
    not_collected=_NOT_COLLECTED,
)
def sast_files_analysed(evaluation: Evaluation, report: SastReport) -> Finding:
    """Static analysis analysed every Python file of its scan, excluding only paths the policy allows."""
    if report.not_analysed:
        listed = [f"{item.path} ({item.reason})" for item in report.not_analysed]
        return evaluation.finding(
            Outcome.FAIL,
            f"{len(listed)} Python file(s) not analysed: {first_and_more(listed, _SHOWN)}",
            report.not_analysed[0].path,
        )
    if report.analysed == 0 and report.excluded:
        return evaluation.finding(
            Outcome.FAIL, f"the bandit configuration excludes all {len(report.excluded)} Python file(s)"
        )
    unallowed = disallowed_exclusions(report, evaluation.policy)
    if unallowed:
        listed = [describe_exclusion(exclusion) for exclusion in unallowed]
        return evaluation.finding(
            Outcome.FAIL,
            f"{len(unallowed)} Python file(s) excluded from analysis that the policy does not allow "
            f"({ALLOWED_EXCLUDES_SETTING}): {first_and_more(listed, _SHOWN)}",
            unallowed[0].path,
        )
    if report.analysed == 0:
        return evaluation.finding(Outcome.NOT_APPLICABLE, "the project has no Python files")
    excluded = (
        f"; {len(report.excluded)} excluded, in paths the policy allows ({ALLOWED_EXCLUDES_SETTING})"
        if report.excluded
        else ""
    )
    return evaluation.finding(
        Outcome.PASS,
        f"bandit {report.scanner_version} analysed all {report.analysed} Python file(s) of its scan{excluded}",
        examined=report.analysed,
    )


@criterion(
    SastReport,
    name="sast_scan_of_commit",
    description="static analysis of the whole project (every tracked Python file) as it is at the assessed commit",
    fix="Commit or stash the changed files and scan the whole project (`sdl-gate check`, or `sdl-gate sast` "
    "with no PATH), then run `sdl-gate check` again",
    when_empty=Outcome.NOT_APPLICABLE,
    empty_means="the project has no Python file to scan",
    not_collected=_NOT_COLLECTED,
)
def sast_scan_of_commit(evaluation: Evaluation, report: SastReport) -> Finding:
    """The static analysis scanned the whole project (every tracked file) as it is at the assessed commit."""
    if report.scope is Scope.FILES:
        return evaluation.finding(Outcome.FAIL, "the scan covered chosen files, not the project")
    if report.modified_since_commit:
        return evaluation.finding(
            Outcome.FAIL,
            f"{len(report.modified_since_commit)} file(s) differ from the assessed commit, so the scan is not "
            f"of that commit: {first_and_more(list(report.modified_since_commit), _SHOWN)}; commit or stash them",
        )
    scope = "tracked" if report.scope is Scope.GIT_TRACKED else "(not a git work tree: all)"
    return evaluation.finding(
        Outcome.PASS,
        f"the scan is of the whole project at the assessed commit: all {report.analysed} {scope} Python "
        "file(s), none changed since",
        examined=report.analysed,
    )


@criterion(
    SastReport,
    name="languages_analysed",
    description="an analyser result covers every source language of the product (C, C++, Python, JavaScript, Go, Rust, "
    "Java...), or the policy accepts the language unanalysed",
    fix="Import an analyser's results for each unanalysed language of the product, or accept the language in the "
    "policy ({requirement} unanalysed_languages)",
    # With no source in the repository (only dependencies, say), the requirement's other criteria decide.
    when_empty=Outcome.NOT_APPLICABLE,
    empty_means="no source file in a language sdl-gate counts (add its file names to [tool.sdl-gate] languages)",
    not_collected=_NOT_COLLECTED,
)
def languages_analysed(evaluation: Evaluation, report: SastReport) -> Finding:
    """Every source language of the product has an analyser result, or the policy accepts it has none."""
    if report.languages is None:
        return evaluation.finding(
            Outcome.NOT_AVAILABLE,
            "the static-analysis evidence does not count the product's source files by language; collect it again",
        )
    setting = f"{evaluation.requirement} {UNANALYSED_LANGUAGES_SETTING}"
    excludes_setting = f"{evaluation.requirement} {EXCLUDES_PARAM}"
    hidden = disallowed_source_exclusions(report, evaluation.policy)
    if hidden:
        listed = [describe_exclusion(exclusion) for exclusion in hidden]
        return evaluation.finding(
            Outcome.FAIL,
            f"{len(hidden)} source file(s) left out of the language census that the policy does not allow "
            f"({excludes_setting}): {first_and_more(listed, _SHOWN)}",
            hidden[0].path,
        )
    missing, accepted = unanalysed_languages(report, evaluation.policy)
    if missing:
        problems = analyser_problems(report)
        why = f" ({'; '.join(problems)})" if problems else ""
        return evaluation.finding(
            Outcome.NOT_AVAILABLE,
            f"no analyser result covers {len(missing)} language(s) of the product: "
            f"{'; '.join(describe_language(count) for count in missing)}{why}; import an analyser's results "
            f"for them, or record the scoping decision in the policy ({setting})",
            (missing[0].uncovered_examples or missing[0].examples or (None,))[0],
        )
    covered = [describe_language(count) for count in report.languages if count.analysers]
    parts = []
    if covered:
        parts.append("; ".join(covered))
    if accepted:
        parts.append(
            f"accepted without an analyser by the policy ({setting}): "
            + "; ".join(describe_language(count) for count in accepted)
        )
    if report.source_exclusions:
        parts.append(
            f"{len(report.source_exclusions)} source file(s) left out by source-exclude, in paths the policy "
            f"allows ({excludes_setting}): {first_and_more([e.path for e in report.source_exclusions], _SHOWN)}"
        )
    return evaluation.finding(
        Outcome.PASS,
        "every source language of the product is analysed or accepted: " + "; ".join(parts),
        examined=sum(count.files for count in report.languages),
    )


def _label(item: SastFinding) -> str:
    tool = f" ({item.tool})" if item.tool != "bandit" else ""
    return f"{item.path}:{item.line} {item.test_id}{tool} [{item.fingerprint}]"


def _examined(report: SastReport) -> int:
    """Files some analyser looked at: bandit's, and those the other analysers' results cover."""
    return report.analysed + len({path for run in report.analysers for path in run.files})


def _occurrence(item: SastFinding, why: str, waiver: str | None = None) -> Occurrence:
    return Occurrence(
        f"{item.path}:{item.line}",
        f"{item.test_id} {item.test_name} ({item.severity.value} severity, {item.confidence.value} confidence): "
        f"{item.text}{why}",
        item.fingerprint,
        waiver,
    )


def _baseline_note(report: SastReport, today: date) -> str:
    """Every baseline entry, by state, with its approver: a baseline is never applied unseen."""
    if report.baseline is None or not report.baseline.entries:
        return ""
    parts: list[str] = []
    for state in BaselineState:
        entries = [e for e in report.baseline.entries if baseline_state(e, today, report.baseline) is state]
        if not entries:
            continue
        shown = [
            f"{e.path}:{e.line} {e.test_id}"
            + (f" approved by {e.approval.approver} until {e.approval.expires.date()}" if e.approval else "")
            for e in entries
        ]
        parts.append(f"{state.value.replace('_', ' ')}: {first_and_more(shown, _SHOWN)}")
    return f"baseline {report.baseline.path} ({len(report.baseline.entries)} entr(ies); {'; '.join(parts)})"


@criterion(
    SastReport,
    name="sast_findings",
    description="no static-analysis finding at or above the policy's thresholds unless justified, approved in the "
    "baseline, or waived",
    fix="Fix each open finding, or accept it with `# nosec BXXX -- why it is safe`, an approved baseline entry, "
    "or a finding waiver naming its fingerprint in security/waivers.yaml",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_FILE,
    not_collected=_NOT_COLLECTED,
)
def sast_findings(evaluation: Evaluation, report: SastReport) -> Finding:
    """No finding at or above the policy's thresholds unless justified, baselined by approval, or waived."""
    severity, confidence = thresholds(evaluation.policy)
    blocking: list[str] = []
    waived: list[str] = []
    counts: dict[Status, int] = dict.fromkeys(Status, 0)
    occurrences: list[Occurrence] = []
    for item in report.findings:
        judgement = judge(item, report, evaluation.policy, evaluation.waivers, evaluation.today)
        counts[judgement.status] += 1
        match judgement.status:
            case Status.OPEN:
                why = f" ({'; '.join(judgement.why_open)})" if judgement.why_open else ""
                blocking.append(_label(item) + why)
                occurrences.append(_occurrence(item, why))
            case Status.SUPPRESSED_WITHOUT_JUSTIFICATION:
                where = f" at line {item.nosec_line}" if item.nosec_line is not None else ""
                blocking.append(f"{_label(item)} (silenced by an unjustified # nosec{where})")
                occurrences.append(_occurrence(item, f" (silenced by an unjustified # nosec{where})"))
            case Status.WAIVED:
                waived.append(f"{_label(item)} by {judgement.waiver}")
                occurrences.append(_occurrence(item, f" (waived by {judgement.waiver})", judgement.waiver))
            case Status.SUPPRESSED | Status.BASELINED | Status.BELOW_THRESHOLD:
                pass
    bar = f"severity >= {severity.value}, confidence >= {confidence.value}"
    notes = []
    if counts[Status.SUPPRESSED]:
        notes.append(f"{counts[Status.SUPPRESSED]} suppressed by a justified # nosec")
    if counts[Status.BASELINED]:
        notes.append(f"{counts[Status.BASELINED]} accepted by approved baseline entries")
    if waived:
        notes.append(f"waived: {first_and_more(waived, _SHOWN)}")
    baseline = _baseline_note(report, evaluation.today)
    if baseline:
        notes.append(baseline)
    extra = f" ({'; '.join(notes)})" if notes else ""
    if blocking:
        return evaluation.finding(
            Outcome.FAIL,
            f"{len(blocking)} open finding(s) at {bar}: {first_and_more(blocking, _SHOWN)}{extra}",
            blocking[0].split(" ", 1)[0],
            occurrences=tuple(occurrences),
        )
    return evaluation.finding(
        Outcome.PASS,
        f"no open finding at {bar} among {len(report.findings)}{extra}",
        examined=_examined(report),
        occurrences=tuple(occurrences),
    )


def _by_setting(skips: tuple[SkippedTest, ...]) -> str:
    """The tests grouped by the setting that switches them off: an allow-list can leave out fifty at once."""
    groups: dict[tuple[str, str], list[str]] = {}
    for skip in skips:
        severity = skip.severity.value if skip.severity is not None else "any severity"
        groups.setdefault((skip.reason.value.replace("_", " "), skip.source), []).append(f"{skip.test_id} ({severity})")
    return "; ".join(
        f"{reason} by {source}: {first_and_more(tests, _SHOWN)}" for (reason, source), tests in groups.items()
    )


@criterion(
    SastReport,
    name="sast_skips",
    description="bandit's tests run unless the policy allows skipping or reconfiguring them",
    fix="Remove the skips and test settings from the bandit configuration, or allow them in the policy (SI-1 "
    "allowed_skips)",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_FILE,
    not_collected=_NOT_COLLECTED,
)
def sast_skips(evaluation: Evaluation, report: SastReport) -> Finding:
    """The bandit configuration switches off (skips, leaves out, reconfigures) only tests the policy allows."""
    unallowed = disallowed_skips(report, evaluation.policy)
    if unallowed:
        return evaluation.finding(
            Outcome.FAIL,
            f"the bandit configuration switches off {len(unallowed)} test(s) that the policy does not allow "
            f"({ALLOWED_SKIPS_SETTING}; without it only tests bandit declares below high severity): "
            f"{_by_setting(unallowed)}",
            unallowed[0].source.split(" ", 1)[0],
        )
    if report.config.skipped:
        message = (
            "every bandit test runs as bandit would, except what the policy allows: "
            f"{_by_setting(report.config.skipped)}"
        )
    else:
        message = "every bandit test runs with its default settings"
    # What the tests were switched off for is the analysed code: with none, there was nothing to judge.
    return evaluation.finding(Outcome.PASS, message, examined=report.analysed)


@criterion(
    SastReport,
    name="sast_configuration",
    description="a committed analyser configuration that a hook or CI enforces",
    fix="Commit a bandit configuration ([tool.bandit] in pyproject.toml) and run the analyser automatically: the "
    "sdl-sast pre-commit hook (`sdl-gate init` writes it) or a CI workflow that calls `sdl-gate check`",
    when_empty=Outcome.FAIL,
    empty_means="no committed bandit configuration, or nothing runs the analyser automatically",
    not_collected=_NOT_COLLECTED,
)
def sast_configuration(evaluation: Evaluation, report: SastReport) -> Finding:
    """A bandit configuration is committed and the analyser runs automatically (pre-commit hook or CI)."""
    missing: list[str] = []
    if report.config.source is None:
        missing.append("no bandit configuration ([tool.bandit] in pyproject.toml or .bandit)")
    if not report.automation:
        missing.append("nothing runs it automatically (no pre-commit hook or CI workflow calls sdl-gate or bandit)")
    if missing:
        return evaluation.finding(Outcome.FAIL, "; ".join(missing))
    places = ", ".join(f"{hook.path} ({hook.detail})" for hook in report.automation)
    skips = f"; skips {', '.join(report.config.skips)}" if report.config.skips else ""
    message = f"bandit configured in {report.config.source}{skips}; enforced by {places}"
    return evaluation.finding(Outcome.PASS, message, examined=len(report.automation))


@criterion(
    SastReport,
    name="sast_suppressions",
    description="every # nosec names its tests and carries a justification",
    fix="Write every suppression as `# nosec BXXX -- why it is safe`, naming the tests it silences",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_FILE,
    not_collected=_NOT_COLLECTED,
)
def sast_suppressions(evaluation: Evaluation, report: SastReport) -> Finding:
    """Every ``# nosec`` names the tests it silences and says why after ``--``."""
    bad = [s for s in report.suppressions if s.problems]
    if bad:
        listed = [f"{s.path}:{s.line} ({', '.join(p.value for p in s.problems)})" for s in bad]
        return evaluation.finding(
            Outcome.FAIL,
            f"{len(bad)} unjustified suppression(s): {first_and_more(listed, _SHOWN)}; "
            "write `# nosec B602 -- why it is safe` (bandit treats any other spelling as silencing every test, "
            "and silences tests named after `--` too)",
            f"{bad[0].path}:{bad[0].line}",
        )
    count = len(report.suppressions)
    message = f"all {count} suppression(s) name their tests and are justified" if count else "no suppressions"
    return evaluation.finding(Outcome.PASS, message, examined=report.analysed)
