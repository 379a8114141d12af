"""What the policy makes of a SAST report: each finding's status, and which skips and exclusions it allows.

One place for these rules, so that ``sdl-gate sast`` and the SI-1/SI-2 criteria can never decide differently.
"""

from __future__ import annotations

import enum
import fnmatch
from dataclasses import dataclass
from datetime import date

from sdl_gate.policy.models import ResolvedRequirement
from sdl_gate.policy.waivers import WaiverRegister, WaiverState, window_state
from sdl_gate.sast.models import (
    BaselineEntry,
    BaselineInfo,
    BaselineState,
    Exclusion,
    LanguageCount,
    Level,
    NosecStatus,
    SastFinding,
    SastReport,
    SkippedTest,
)
from sdl_gate.sast.sarif_import import band

#: Where a disallowed skip or exclusion is fixed: the policy's SI-1 parameters.
ALLOWED_SKIPS_SETTING = "SI-1 params sast_allowed_skips"
ALLOWED_EXCLUDES_SETTING = "SI-1 params sast_allowed_excludes"
#: The parameter that allows paths to go unanalysed, in the params of the requirement being judged.
EXCLUDES_PARAM = "params sast_allowed_excludes"
#: Where a language with no analyser is accepted: the params of the requirement being judged (SI-1, SVV-3).
UNANALYSED_LANGUAGES_SETTING = "params sast_unanalysed_languages_allowed"


class Status(str, enum.Enum):
    """What a finding means for the gate."""

    OPEN = "open"
    SUPPRESSED_WITHOUT_JUSTIFICATION = "suppressed_without_justification"
    SUPPRESSED = "suppressed"
    BASELINED = "baselined"
    WAIVED = "waived"
    BELOW_THRESHOLD = "below_threshold"

    @property
    def blocks(self) -> bool:
        """Whether a finding with this status fails the gate."""
        match self:
            case Status.OPEN | Status.SUPPRESSED_WITHOUT_JUSTIFICATION:
                return True
            case Status.SUPPRESSED | Status.BASELINED | Status.WAIVED | Status.BELOW_THRESHOLD:
                return False


@dataclass(frozen=True)
class Judgement:
    """One finding's status, the waiver that applies and the state of its baseline entry (if any).

    ``why_open`` says why a baseline entry or a waiver that names an open finding does not accept it.
    """

    status: Status
    waiver: str | None
    baseline: BaselineState | None
    why_open: tuple[str, ...] = ()


def baseline_problem(entry: BaselineEntry, state: BaselineState, baseline: BaselineInfo, today: date) -> str:
    """Why a baseline entry in ``state`` accepts nothing (empty when it is active)."""
    match state:
        case BaselineState.ACTIVE:
            return ""
        case BaselineState.UNAPPROVED:
            return "its baseline entry is unapproved (it has no approval written in)"
        case BaselineState.NOT_SIGNED:
            return f"its baseline entry does not count: {baseline.approval(entry).why_not(today)}"
        case BaselineState.EXPIRED | BaselineState.NOT_YET_VALID:
            return f"its baseline entry is {state.value.replace('_', ' ')}"


def thresholds(entry: ResolvedRequirement) -> tuple[Level, Level]:
    """The severity and confidence at which findings count; no threshold means every finding (the strictest)."""
    severity = Level(entry.severity_threshold.value) if entry.severity_threshold else Level.LOW
    confidence = Level(entry.confidence_threshold.value) if entry.confidence_threshold else Level.LOW
    return severity, confidence


def baseline_state(entry: BaselineEntry, today: date, baseline: BaselineInfo) -> BaselineState:
    """Whether a baseline entry accepts its finding on ``today``: approved and signed, within its dates, as a
    waiver."""
    if entry.approval is None:
        return BaselineState.UNAPPROVED
    match window_state(entry.approval.created, entry.approval.expires, today):
        case WaiverState.ACTIVE:
            if not baseline.approval(entry).counts(today):
                return BaselineState.NOT_SIGNED
            return BaselineState.ACTIVE
        case WaiverState.EXPIRED:
            return BaselineState.EXPIRED
        case WaiverState.NOT_YET_VALID:
            return BaselineState.NOT_YET_VALID


def judge(
    finding: SastFinding, report: SastReport, entry: ResolvedRequirement, waivers: WaiverRegister, today: date
) -> Judgement:
    """Apply the thresholds, justified ``# nosec``, the baseline and the waivers to one finding."""
    severity, confidence = thresholds(entry)
    waiver = waivers.for_finding(finding.fingerprint, today)
    listed = report.baseline.entry(finding.fingerprint) if report.baseline is not None else None
    state = (
        baseline_state(listed, today, report.baseline) if listed is not None and report.baseline is not None else None
    )
    if finding.nosec is NosecStatus.JUSTIFIED:
        status = Status.SUPPRESSED
    elif severity_of(finding, entry).rank < severity.rank or finding.confidence.rank < confidence.rank:
        status = Status.BELOW_THRESHOLD
    elif state is BaselineState.ACTIVE:
        status = Status.BASELINED
    elif waiver is not None:
        status = Status.WAIVED
    elif finding.nosec is NosecStatus.UNJUSTIFIED:
        status = Status.SUPPRESSED_WITHOUT_JUSTIFICATION
    else:
        status = Status.OPEN
    why: list[str] = []
    if status.blocks:
        if listed is not None and state is not None and report.baseline is not None:
            why.append(baseline_problem(listed, state, report.baseline, today))
        why += waivers.not_counting(waivers.matching_finding(finding.fingerprint), today)
    return Judgement(
        status=status, waiver=waiver.id if waiver is not None else None, baseline=state, why_open=tuple(why)
    )


def skip_allowed(skip: SkippedTest, entry: ResolvedRequirement) -> bool:
    """A test may be switched off if the policy lists it, or bandit declares it cannot report high severity."""
    if skip.test_id in (entry.sast_allowed_skips or ()):
        return True
    # A plugin declares no severity and may report any: only listed in the policy may it be switched off.
    return skip.severity is not None and skip.severity is not Level.HIGH


def disallowed_skips(report: SastReport, entry: ResolvedRequirement) -> tuple[SkippedTest, ...]:
    """The tests the configuration skips, leaves out or reconfigures that the policy does not allow."""
    return tuple(skip for skip in report.config.skipped if not skip_allowed(skip, entry))


def exclusion_allowed(exclusion: Exclusion, entry: ResolvedRequirement) -> bool:
    """A file may go unanalysed only if its repository path matches one of the policy's allowed globs.

    The path is judged, not the pattern that excluded it: bandit's rule also matches substrings, so an
    innocent-looking pattern (or one of bandit's defaults, like ``CVS``) can exclude files far from where it
    seems to point.
    """
    return any(fnmatch.fnmatchcase(exclusion.path, pattern) for pattern in entry.sast_allowed_excludes or ())


def disallowed_exclusions(report: SastReport, entry: ResolvedRequirement) -> tuple[Exclusion, ...]:
    """The excluded Python files whose paths the policy does not allow to go unanalysed."""
    return tuple(exclusion for exclusion in report.exclusions if not exclusion_allowed(exclusion, entry))


def describe_skip(skip: SkippedTest) -> str:
    """One line for people: the test, its declared severity and the setting that switches it off."""
    severity = skip.severity.value if skip.severity is not None else "any severity"
    return f"{skip.test_id} {skip.name} ({severity}) {skip.reason.value.replace('_', ' ')} by {skip.source}"


def describe_exclusion(exclusion: Exclusion) -> str:
    """One line for people: the file, the pattern and the setting that keeps it from being analysed."""
    return f"{exclusion.path} ({exclusion.pattern!r} in {exclusion.source})"


def unanalysed_languages(
    report: SastReport, entry: ResolvedRequirement
) -> tuple[tuple[LanguageCount, ...], tuple[LanguageCount, ...]]:
    """The product's languages that no analyser covers: (those the policy does not accept, those it does)."""
    allowed = set(entry.sast_unanalysed_languages_allowed or ())
    uncovered = [count for count in report.languages or () if not count.analysers or count.uncovered]
    return (
        tuple(count for count in uncovered if count.language not in allowed),
        tuple(count for count in uncovered if count.language in allowed),
    )


def disallowed_source_exclusions(report: SastReport, entry: ResolvedRequirement) -> tuple[Exclusion, ...]:
    """The source files ``source-exclude`` keeps out of the language census that the policy does not allow."""
    return tuple(exclusion for exclusion in report.source_exclusions if not exclusion_allowed(exclusion, entry))


def describe_language(count: LanguageCount) -> str:
    """One line for people: the language, how many files, the first of them and what analysed it."""
    shown = ", ".join(count.examples) + (", ..." if count.files > len(count.examples) else "")
    by = f" analysed by {', '.join(count.analysers)}" if count.analysers else ""
    if count.analysers and count.uncovered:
        more = ", ..." if count.uncovered > len(count.uncovered_examples) else ""
        left = ", ".join(count.uncovered_examples) + more
        by += f", which cover(s) all but {count.uncovered} file(s): {left}"
    return f"{count.language} ({count.files} file(s): {shown}){by}"


def analyser_problems(report: SastReport) -> tuple[str, ...]:
    """Why an analyser covers nothing (cppcheck missing, a run its tool says failed), for people."""
    problems: list[str] = []
    for run in report.analysers:
        where = f" ({run.file})" if run.file else ""
        if run.problem:
            problems.append(f"{run.tool}{where}: {run.problem}")
        elif not run.execution_successful:
            problems.append(f"{run.tool}{where}: the tool reports that its execution failed, so it covers no file")
        elif run.not_analysed:
            listed = ", ".join(f"{item.path} ({item.reason})" for item in run.not_analysed[:5])
            problems.append(f"{run.tool}: {len(run.not_analysed)} file(s) not analysed: {listed}")
    return tuple(problems)


def severity_of(finding: SastFinding, entry: ResolvedRequirement) -> Level:
    """A finding's severity under the policy: a ``security-severity`` score is banded per tool, else as reported."""
    if finding.security_severity is None:
        return finding.severity
    bands = entry.sast_security_severity or {}
    chosen = bands.get(finding.tool) or bands.get("*")
    if chosen is None:
        return band(finding.security_severity)
    return band(finding.security_severity, chosen.high, chosen.medium)
