"""The assessment as SARIF 2.1.0 for code-scanning tools: unmet requirements and static-analysis findings.

One rule per requirement id (all of them, so rule indexes never shift). Each finding that keeps a
requirement from being satisfied is a result; a static-analysis finding is a result under the requirement
whose check reported it (SI-1), at its file and line. Results of waived requirements carry an accepted
external suppression. Fingerprints do not depend on line numbers or wording that changes from day to day.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sdl_gate._files import pretty_json
from sdl_gate.assess import FindingResult, OccurrenceResult, RequirementResult, Verdict, WaiverResult
from sdl_gate.checks import Outcome
from sdl_gate.policy.waivers import WaiverState
from sdl_gate.render.view import (
    ReportInput,
    Topic,
    evidence_kinds,
    file_location,
    finding_topic,
    finding_waivers,
    outcome_label,
    verdict_label,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "sdlGateFinding/v1"
#: Where a result with no file of its own points: the file that configures the gate.
FALLBACK_ARTIFACT = "pyproject.toml"

_DIGITS = re.compile(r"\d+")


def _rule(result: RequirementResult, standard: str) -> dict[str, Any]:
    explain = f"sdl-gate explain {result.id}"
    return {
        "id": result.id,
        "name": re.sub(r"[^A-Za-z0-9]+", "", result.title.title()) or result.id,
        "shortDescription": {"text": f"{result.id} {result.title}"},
        "fullDescription": {
            "text": f"{standard} requirement {result.id} ({result.practice} practice): {result.title}."
        },
        "help": {
            "text": f"{result.remediation} Run `{explain}` for what the requirement asks and how it is checked.",
            "markdown": f"{result.remediation}\n\nRun `{explain}` for what the requirement asks and how it is checked.",
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "iec-62443-4-1", f"practice-{result.practice.lower()}"]},
    }


def _level(result: RequirementResult, finding: FindingResult) -> str:
    if result.blocking:
        return "error"
    if finding.outcome in (Outcome.FAIL, Outcome.ERROR):
        return "warning"
    return "note"


def _fingerprint(result: RequirementResult, finding: FindingResult, path: str, occurrence: int) -> str:
    # Digits are dropped from the message so line numbers and day counts do not change the fingerprint.
    wording = _DIGITS.sub("#", " ".join(finding.message.split()))
    key = "\x1f".join((result.id, finding.criterion, path, wording, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _location(where: str | None, fallback: str) -> tuple[dict[str, Any], str]:
    place = file_location(where)
    if place is None:
        uri = fallback
        region: dict[str, int] = {}
    else:
        uri = place.path
        region = {"startLine": place.line} if place.line is not None else {}
        if place.line is not None and place.column is not None:
            region["startColumn"] = place.column
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if region:
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if place is None and where:
        location["message"] = {"text": where}
    return location, uri


def _entry(
    index: int, result: RequirementResult, finding: FindingResult, location: dict[str, Any], kinds: dict[str, str]
) -> dict[str, Any]:
    topic = finding_topic(finding, kinds)
    return {
        "ruleId": result.id,
        "ruleIndex": index,
        "kind": "fail",
        "level": _level(result, finding),
        "locations": [location],
        "properties": {
            "verdict": result.verdict.value,
            "outcome": finding.outcome.value,
            "criterion": finding.criterion,
            "blocking": result.blocking,
            "mode": result.mode.value,
            "evidence": list(finding.evidence),
            "source": "static-analysis" if topic is Topic.SAST else "requirement",
            "fix": finding.fix or result.remediation,
        },
    }


def _suppress(entry: dict[str, Any], covering: list[WaiverResult]) -> None:
    if covering:
        entry["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{w.id} approved by {w.approver}, expires {w.expires}: {w.justification}",
            }
            for w in covering
        ]


def _occurrence_result(
    index: int,
    result: RequirementResult,
    finding: FindingResult,
    occurrence: OccurrenceResult,
    waiver_by_id: dict[str, WaiverResult],
    covering_requirement: list[WaiverResult],
    fallback: str,
    kinds: dict[str, str],
) -> dict[str, Any]:
    location, uri = _location(occurrence.location, fallback)
    entry = _entry(index, result, finding, location, kinds)
    waiver = waiver_by_id.get(occurrence.waiver) if occurrence.waiver else None
    state = "waived" if occurrence.waiver is not None else "open"
    entry["message"] = {"text": f"{result.id} {result.title}: {finding.criterion} ({state}): {occurrence.message}"}
    if occurrence.waiver is not None:
        entry["level"] = "note"
    key = "\x1f".join((result.id, finding.criterion, uri, occurrence.key))
    entry["partialFingerprints"] = {FINGERPRINT_KEY: hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]}
    entry["properties"]["fingerprint"] = occurrence.key
    entry["properties"]["waiver"] = occurrence.waiver
    # The item's own waiver (checked in force on the assessment date), or the requirement's.
    own = [waiver] if waiver is not None and waiver.state is WaiverState.ACTIVE else []
    _suppress(entry, own + covering_requirement)
    return entry


def render_sarif(report: ReportInput) -> str:
    """Return the assessment as a SARIF 2.1.0 log with one run."""
    assessment = report.assessment
    policy_file = file_location(assessment.policy.source)
    fallback = policy_file.path if policy_file is not None else FALLBACK_ARTIFACT
    kinds = evidence_kinds(assessment)
    waiver_by_id = {w.id: w for w in assessment.waivers}
    rules = [_rule(r, assessment.standard) for r in assessment.requirements]
    results: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for index, result in enumerate(assessment.requirements):
        unmet = result.is_problem
        requirement_waiver = waiver_by_id.get(result.waiver) if result.waiver else None
        covering_requirement = (
            [requirement_waiver] if result.verdict is Verdict.WAIVED and requirement_waiver is not None else []
        )
        for finding in result.findings:
            problem = finding.is_problem
            if finding.occurrences:
                # Each item on its own, with its own waiver: a waived item never hides an open one beside it.
                for item in finding.occurrences:
                    if item.waiver is None and not (unmet and problem):
                        continue
                    results.append(
                        _occurrence_result(
                            index, result, finding, item, waiver_by_id, covering_requirement, fallback, kinds
                        )
                    )
                continue
            if not (unmet and problem):
                continue
            location, uri = _location(finding.location, fallback)
            identity = (result.id, finding.criterion, uri, _DIGITS.sub("#", finding.message))
            occurrence = seen.get(identity, 0)
            seen[identity] = occurrence + 1
            entry = _entry(index, result, finding, location, kinds)
            entry["message"] = {
                "text": f"{result.id} {result.title} is {verdict_label(result.verdict).lower()}: "
                f"{finding.criterion} ({outcome_label(finding.outcome)}): {finding.message}"
            }
            entry["partialFingerprints"] = {FINGERPRINT_KEY: _fingerprint(result, finding, uri, occurrence)}
            # A finding or vulnerability waiver in force covers its own finding even when the requirement is not.
            covering = covering_requirement + [
                w for w in finding_waivers(assessment, finding) if w.state is WaiverState.ACTIVE
            ]
            _suppress(entry, covering)
            results.append(entry)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": assessment.generator.name,
                        "version": assessment.generator.version,
                        "semanticVersion": assessment.generator.version,
                        "rules": rules,
                    }
                },
                # Code scanning keys uploads by category: everything before the last slash.
                "automationDetails": {"id": f"sdl-gate/{assessment.policy.name}/"},
                "columnKind": "unicodeCodePoints",
                "invocations": [{"executionSuccessful": True}],
                "results": results,
                "properties": {
                    "standard": assessment.standard,
                    "product": assessment.product.model_dump(mode="json"),
                    "assessedOn": assessment.assessed_on.isoformat(),
                    "policy": assessment.policy.model_dump(mode="json"),
                    "decision": assessment.decision.model_dump(mode="json"),
                    "provenance": report.provenance(),
                },
            }
        ],
    }
    return pretty_json(log)
