"""Criteria on static-analysis evidence: coverage, open findings, an enforced configuration, justified nosec."""

from __future__ import annotations

from pydantic import ValidationError

from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.policy.models import Threshold
from sdl_gate.sast.models import Level, SastReport, Scope

_KINDS = (EvidenceKind.SAST,)
_SHOWN = 5
_NO_FILE = "the scan analysed no Python file"


def _report(check_input: CheckInput, criterion: str) -> tuple[Evidence, SastReport] | Finding:
    found = check_input.evidence.of(EvidenceKind.SAST)
    if not found:
        rejected = check_input.evidence.rejected(EvidenceKind.SAST)
        reason = "; ".join(r.reason for r in rejected) if rejected else "no static-analysis evidence was collected"
        return check_input.finding(criterion, Outcome.NOT_AVAILABLE, reason)
    evidence = found[0]
    try:
        return evidence, SastReport.model_validate(evidence.payload)
    except ValidationError as exc:
        return check_input.finding(
            criterion,
            Outcome.NOT_AVAILABLE,
            f"static-analysis evidence is not in the expected form ({exc.error_count()} problem(s))",
            (evidence.id,),
        )


def _some(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _level(threshold: Threshold | None) -> Level:
    # No threshold in the policy means every finding counts: the strictest reading.
    return Level(threshold.value) if threshold is not None else Level.LOW


def sast_coverage() -> Criterion:
    """Static analysis covered every tracked Python file (the ones the configuration does not exclude)."""
    name = "sast_coverage"

    def evaluate(check_input: CheckInput) -> Finding:
        loaded = _report(check_input, name)
        if isinstance(loaded, Finding):
            return loaded
        evidence, report = loaded
        ids = (evidence.id,)
        if report.scope is Scope.FILES:
            return check_input.finding(name, Outcome.FAIL, "the scan covered chosen files, not the project", ids)
        if report.not_analysed:
            listed = [f"{item.path} ({item.reason})" for item in report.not_analysed]
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{len(listed)} Python file(s) not analysed: {_some(listed)}",
                ids,
                report.not_analysed[0].path,
            )
        if report.modified_since_commit:
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{len(report.modified_since_commit)} file(s) differ from the assessed commit, so the scan is not "
                f"of that commit: {_some(list(report.modified_since_commit))}; commit or stash them",
                ids,
            )
        if report.analysed == 0 and report.excluded:
            return check_input.finding(
                name, Outcome.FAIL, f"the bandit configuration excludes all {len(report.excluded)} Python file(s)", ids
            )
        if report.analysed == 0:
            return check_input.finding(name, Outcome.NOT_APPLICABLE, "the project has no Python files", ids)
        scope = "tracked" if report.scope is Scope.GIT_TRACKED else "(not a git work tree: all)"
        excluded = f"; {len(report.excluded)} excluded by the bandit configuration" if report.excluded else ""
        return check_input.finding(
            name,
            Outcome.PASS,
            f"bandit {report.scanner_version} analysed all {report.analysed} {scope} Python file(s){excluded}",
            ids,
            examined=report.analysed,
        )

    return Criterion(
        name,
        "static analysis of every tracked Python file at the assessed commit",
        _KINDS,
        evaluate,
        when_empty=Outcome.NOT_APPLICABLE,
        empty_means="the project has no Python file (a configuration that excludes every one fails)",
    )


def sast_findings() -> Criterion:
    """No finding at or above the policy's thresholds that is neither baselined nor waived."""
    name = "sast_findings"

    def evaluate(check_input: CheckInput) -> Finding:
        loaded = _report(check_input, name)
        if isinstance(loaded, Finding):
            return loaded
        evidence, report = loaded
        severity = _level(check_input.policy.severity_threshold)
        confidence = _level(check_input.policy.confidence_threshold)
        blocking: list[str] = []
        waived: list[str] = []
        baselined = 0
        for item in report.findings:
            if item.severity.rank < severity.rank or item.confidence.rank < confidence.rank:
                continue
            if item.baselined:
                baselined += 1
                continue
            waiver = check_input.waivers.for_finding(item.fingerprint, check_input.today)
            label = f"{item.path}:{item.line} {item.test_id} [{item.fingerprint}]"
            if waiver is not None:
                waived.append(f"{label} by {waiver.id}")
            else:
                blocking.append(label)
        bar = f"severity >= {severity.value}, confidence >= {confidence.value}"
        notes = []
        if baselined:
            notes.append(f"{baselined} in the baseline")
        if waived:
            notes.append(f"waived: {_some(waived)}")
        extra = f" ({'; '.join(notes)})" if notes else ""
        if blocking:
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{len(blocking)} open finding(s) at {bar}: {_some(blocking)}{extra}",
                (evidence.id,),
                blocking[0].split(" ", 1)[0],
            )
        return check_input.finding(
            name,
            Outcome.PASS,
            f"no open finding at {bar} among {len(report.findings)}{extra}",
            (evidence.id,),
            examined=report.analysed,
        )

    return Criterion(
        name,
        "no static-analysis finding at or above the policy's thresholds unless baselined or waived",
        _KINDS,
        evaluate,
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_FILE,
    )


def sast_configuration() -> Criterion:
    """A bandit configuration is committed and the analyser runs automatically (pre-commit hook or CI)."""
    name = "sast_configuration"

    def evaluate(check_input: CheckInput) -> Finding:
        loaded = _report(check_input, name)
        if isinstance(loaded, Finding):
            return loaded
        evidence, report = loaded
        missing: list[str] = []
        if report.config.source is None:
            missing.append("no bandit configuration ([tool.bandit] in pyproject.toml or .bandit)")
        if not report.automation:
            missing.append("nothing runs it automatically (no pre-commit hook or CI workflow calls sdl-gate or bandit)")
        if missing:
            return check_input.finding(name, Outcome.FAIL, "; ".join(missing), (evidence.id,))
        places = ", ".join(f"{hook.path} ({hook.detail})" for hook in report.automation)
        skips = f"; skips {', '.join(report.config.skips)}" if report.config.skips else ""
        message = f"bandit configured in {report.config.source}{skips}; enforced by {places}"
        return check_input.finding(name, Outcome.PASS, message, (evidence.id,), examined=len(report.automation))

    return Criterion(
        name,
        "a committed analyser configuration that a hook or CI enforces",
        _KINDS,
        evaluate,
        when_empty=Outcome.FAIL,
        empty_means="no committed bandit configuration, or nothing runs the analyser automatically",
    )


def sast_suppressions() -> Criterion:
    """Every ``# nosec`` names the tests it silences and says why after ``--``."""
    name = "sast_suppressions"

    def evaluate(check_input: CheckInput) -> Finding:
        loaded = _report(check_input, name)
        if isinstance(loaded, Finding):
            return loaded
        evidence, report = loaded
        bad = [s for s in report.suppressions if s.problems]
        if bad:
            listed = [f"{s.path}:{s.line} ({', '.join(p.value for p in s.problems)})" for s in bad]
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{len(bad)} unjustified suppression(s): {_some(listed)}; write `# nosec B602 -- why it is safe`",
                (evidence.id,),
                f"{bad[0].path}:{bad[0].line}",
            )
        count = len(report.suppressions)
        message = f"all {count} suppression(s) name their tests and are justified" if count else "no suppressions"
        return check_input.finding(name, Outcome.PASS, message, (evidence.id,), examined=report.analysed)

    return Criterion(
        name,
        "every # nosec names its tests and carries a justification",
        _KINDS,
        evaluate,
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_FILE,
    )
