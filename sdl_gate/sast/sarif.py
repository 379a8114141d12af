"""SARIF 2.1.0 for static-analysis findings, with ``partialFingerprints`` for GitHub code scanning."""

from __future__ import annotations

from datetime import date
from typing import Any

from sdl_gate.approvals.state import ExceptionStatus
from sdl_gate.policy.waivers import WaiverRegister
from sdl_gate.sast.findings import waived
from sdl_gate.sast.models import BaselineEntry, BaselineInfo, BaselineState, Level, NosecStatus, SastFinding, SastReport
from sdl_gate.sast.rules import baseline_state, describe_skip

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "sdlGateFingerprint/v1"


def _level(severity: Level) -> str:
    match severity:
        case Level.HIGH:
            return "error"
        case Level.MEDIUM:
            return "warning"
        case Level.LOW:
            return "note"


def _baseline_suppression(entry: BaselineEntry, today: date | None, baseline: BaselineInfo) -> dict[str, Any]:
    approval = entry.approval
    if approval is None:
        return {"kind": "external", "status": "underReview", "justification": "in the SAST baseline, not approved"}
    if today is not None:
        state = baseline_state(entry, today, baseline)
    else:
        signed = baseline.approval(entry).status is ExceptionStatus.APPROVED
        state = BaselineState.ACTIVE if signed else BaselineState.NOT_SIGNED
    status = {
        BaselineState.ACTIVE: "accepted",
        BaselineState.EXPIRED: "rejected",
        BaselineState.NOT_YET_VALID: "underReview",
        BaselineState.UNAPPROVED: "underReview",
        BaselineState.NOT_SIGNED: "underReview",
    }[state]
    return {
        "kind": "external",
        "status": status,
        "justification": f"SAST baseline, approved by {approval.approver} until {approval.expires.date()}: "
        f"{approval.justification}",
    }


def _result(
    finding: SastFinding, rule_index: int, waiver: str | None, report: SastReport, today: date | None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.test_id,
        "ruleIndex": rule_index,
        "level": _level(finding.severity),
        "message": {"text": finding.text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": finding.line,
                        "endLine": max(finding.end_line, finding.line),
                        "startColumn": finding.column,
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "confidence": finding.confidence.value,
            **({"cwe": f"CWE-{finding.cwe}"} if finding.cwe else {}),
        },
    }
    suppressions: list[dict[str, Any]] = []
    if finding.nosec is NosecStatus.JUSTIFIED:
        comment = next(s for s in report.suppressions if s.path == finding.path and s.line == finding.nosec_line)
        suppressions.append({"kind": "inSource", "status": "accepted", "justification": comment.justification})
    elif finding.nosec is NosecStatus.UNJUSTIFIED:
        result["properties"]["nosec"] = "unjustified: counts as open"
    listed = report.baseline.entry(finding.fingerprint) if report.baseline is not None else None
    if listed is not None and report.baseline is not None:
        suppressions.append(_baseline_suppression(listed, today, report.baseline))
    if waiver is not None:
        suppressions.append({"kind": "external", "status": "accepted", "justification": f"waiver {waiver}"})
    if suppressions:
        result["suppressions"] = suppressions
    return result


def to_sarif(report: SastReport, waivers: WaiverRegister | None = None, today: date | None = None) -> dict[str, Any]:
    """Render a report as one SARIF 2.1.0 run; justified nosec, baseline entries and waivers are suppressions.

    Without ``today`` a signed, approved baseline entry is shown as accepted (its expiry in the justification).
    """
    runs = [_run(report, [f for f in report.findings if f.tool == "bandit"], waivers, today)]
    for tool in sorted({f.tool for f in report.findings} - {"bandit"}):
        run = _run(report, [f for f in report.findings if f.tool == tool], waivers, today)
        versions = sorted({a.version for a in report.analysers if a.tool == tool and a.version})
        run["tool"]["driver"] = {"name": tool, "rules": run["tool"]["driver"]["rules"]}
        if len(versions) == 1:
            run["tool"]["driver"]["version"] = versions[0]
        runs.append(run)
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"not analysed: {item.reason}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": item.path, "uriBaseId": "%SRCROOT%"}}}],
        }
        for item in report.not_analysed
    ]
    notifications += [
        {
            "level": "note",
            "message": {"text": f"excluded from analysis by {item.pattern!r} in {item.source}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": item.path, "uriBaseId": "%SRCROOT%"}}}],
        }
        for item in report.exclusions
    ]
    notifications += [
        {"level": "note", "message": {"text": f"bandit test {describe_skip(skip)}"}} for skip in report.config.skipped
    ]
    runs[0]["invocations"] = [
        {"executionSuccessful": not report.not_analysed, "toolExecutionNotifications": notifications}
    ]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}


def _run(
    report: SastReport, findings: list[SastFinding], waivers: WaiverRegister | None, today: date | None
) -> dict[str, Any]:
    """One SARIF run of one analyser's findings (bandit's run also carries the scan's notifications)."""
    rule_ids = sorted({f.test_id for f in findings})
    names = {f.test_id: f.test_name for f in findings}
    links = {f.test_id: f.more_info for f in findings}
    rules = [
        {
            "id": rule_id,
            "name": names[rule_id],
            "shortDescription": {"text": names[rule_id].replace("_", " ")},
            **({"helpUri": links[rule_id]} if links[rule_id] else {}),
        }
        for rule_id in rule_ids
    ]
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    results = [
        _result(
            finding,
            index[finding.test_id],
            waived(finding, waivers, today) if waivers is not None and today is not None else None,
            report,
            today,
        )
        for finding in findings
    ]
    return {
        "tool": {
            "driver": {
                "name": report.scanner,
                "version": report.scanner_version,
                "informationUri": "https://bandit.readthedocs.io/",
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
