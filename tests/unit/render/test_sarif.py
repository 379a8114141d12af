"""SARIF 2.1.0 from the fixed sample assessment: schema validity, rules, results, locations, suppressions."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from sdl_gate.assess import Assessment, FindingResult, Verdict
from sdl_gate.checks import Outcome
from sdl_gate.render.sarif import FALLBACK_ARTIFACT, FINGERPRINT_KEY, render_sarif
from sdl_gate.render.view import ReportInput, SourceKind, problem_findings
from tests.conftest import SHARED_FIXTURES
from tests.report_data import SAST, VULNS, many_findings, sample_assessment, sample_input

SARIF_SCHEMA = SHARED_FIXTURES / "sarif" / "sarif-schema-2.1.0.json"


def _sarif_validator() -> jsonschema.Draft4Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema fixture not found at ../shared/fixtures/sarif ({SARIF_SCHEMA.name})")
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def _log(assessment: Assessment | None = None) -> dict[str, Any]:
    report = sample_input() if assessment is None else ReportInput(assessment, SourceKind.ASSESSMENT_FILE, "x")
    log: dict[str, Any] = json.loads(render_sarif(report))
    return log


def test_sarif_validates_and_has_one_rule_per_requirement() -> None:
    validator = _sarif_validator()
    log = _log()
    validator.validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in sample_assessment().requirements]
    assert "sdl-gate explain SM-6" in rules[5]["help"]["text"]
    assert run["automationDetails"]["id"] == "sdl-gate/sample/"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"], "code scanning refuses results without a location"
    fingerprints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_one_result_per_problem_finding_of_each_unmet_requirement() -> None:
    assessment = sample_assessment()
    expected = sorted(
        (r.id, f.criterion, f.outcome.value)
        for r in assessment.requirements
        if r.verdict not in (Verdict.SATISFIED, Verdict.NOT_APPLICABLE)
        for f in problem_findings(r)
    )
    results = _log()["runs"][0]["results"]
    assert sorted((r["ruleId"], r["properties"]["criterion"], r["properties"]["outcome"]) for r in results) == expected
    blocking = set(assessment.decision.blocking)
    assert {r["ruleId"] for r in results if r["level"] == "error"} == blocking
    assert all(r["properties"]["blocking"] == (r["ruleId"] in blocking) for r in results)


def test_run_properties_carry_the_decision_and_provenance() -> None:
    properties = _log()["runs"][0]["properties"]
    assessment = sample_assessment()
    assert properties["decision"] == assessment.decision.model_dump(mode="json")
    assert properties["assessedOn"] == "2026-11-20"
    assert properties["product"]["commit"] == assessment.product.commit
    assert "sample-assessment.json" in properties["provenance"]


def test_a_fully_satisfied_assessment_has_no_results_and_still_validates() -> None:
    validator = _sarif_validator()
    base = sample_assessment()
    satisfied = base.model_copy(
        update={
            "requirements": [
                r.model_copy(update={"verdict": Verdict.SATISFIED, "blocking": False}) for r in base.requirements
            ]
        }
    )
    log = _log(satisfied)
    validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == 47


def test_sarif_static_analysis_findings_keep_file_and_line() -> None:
    results = _log()["runs"][0]["results"]
    sast = [r for r in results if r["properties"]["source"] == "static-analysis"]
    places = sorted(
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"].get("startLine"),
        )
        for r in sast
    )
    assert places == [("src/modbus_mqtt_gateway/cli.py", 7), ("src/modbus_mqtt_gateway/registers.py", 42)]
    assert all(r["ruleId"] == "SI-1" and r["level"] == "error" for r in sast)
    # A requirement with no file of its own points at the policy file that configures the gate.
    sm6 = next(r for r in results if r["ruleId"] == "SM-6")
    assert sm6["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "security/policy.yaml"
    # Advisory requirements are warnings; passes and satisfied requirements produce no result.
    assert next(r for r in results if r["ruleId"] == "DM-6")["level"] == "warning"
    assert not any(r["ruleId"] == "SM-1" for r in results)
    assert not any("covered by waiver W-002" in r["message"]["text"] for r in results)


def test_a_builtin_policy_falls_back_to_pyproject_as_the_location() -> None:
    base = sample_assessment()
    builtin = base.model_copy(update={"policy": base.policy.model_copy(update={"source": "builtin:iec62443-4-1-ml2"})})
    sm6 = next(r for r in _log(builtin)["runs"][0]["results"] if r["ruleId"] == "SM-6")
    assert sm6["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == FALLBACK_ARTIFACT


def test_sarif_waived_requirement_is_suppressed_not_hidden() -> None:
    results = _log()["runs"][0]["results"]
    waived = [r for r in results if r["ruleId"] == "SVV-4"]
    assert len(waived) == 1
    assert waived[0]["suppressions"][0]["status"] == "accepted"
    assert waived[0]["suppressions"][0]["justification"].startswith("W-001 approved by Erika Lind")


def test_an_expired_finding_waiver_suppresses_nothing() -> None:
    results = _log()["runs"][0]["results"]
    expired = next(r for r in results if "9f8e7d6c5b4a3921" in r["message"]["text"])
    assert "suppressions" not in expired


def test_a_finding_waiver_suppresses_the_finding_that_names_it_not_one_that_mentions_its_target() -> None:
    # Which waivers cover a finding is a field the assessment fills in; the renderer never searches message text.
    named = FindingResult(
        criterion="known_vulnerabilities",
        outcome=Outcome.FAIL,
        message="one known vulnerability without a waiver: urllib3 1.0: GHSA-x",
        evidence=[VULNS],
        location="requirements.txt:9",
        waivers=["W-002"],
    )
    mentioning = FindingResult(
        criterion="known_vulnerabilities",
        outcome=Outcome.FAIL,
        message="PYSEC-2018-28 in requests is open again",
        evidence=[VULNS],
        location="requirements.txt:1",
    )
    # A file the checkout names after a waived advisory does not borrow its waiver either.
    decoy = FindingResult(
        criterion="sast_findings",
        outcome=Outcome.FAIL,
        message="B602 open in a decoy file",
        evidence=[SAST],
        location="src/PYSEC-2018-28.py:3",
    )
    results = _log(sample_assessment({"SVV-3": [named, mentioning], "SI-1": [decoy]}))["runs"][0]["results"]
    suppressed = next(r for r in results if "GHSA-x" in r["message"]["text"])
    assert [s["justification"].split(" ", 1)[0] for s in suppressed["suppressions"]] == ["W-002"]
    reopened = next(r for r in results if "is open again" in r["message"]["text"])
    assert "suppressions" not in reopened
    assert "suppressions" not in next(r for r in results if "decoy file" in r["message"]["text"])


def test_sarif_fingerprints_survive_line_shifts_but_not_other_files() -> None:
    def fingerprints(line_offset: int, path_prefix: str = "src/pkg") -> list[str]:
        extra = many_findings(3)
        shifted = {
            "SI-1": [
                f.model_copy(
                    update={
                        "location": f"{path_prefix}/{f.location.split('/')[-1].split(':')[0]}:"  # type: ignore[union-attr]
                        f"{int(f.location.split(':')[1]) + line_offset}"  # type: ignore[union-attr]
                    }
                )
                for f in extra["SI-1"]
            ]
        }
        results = _log(sample_assessment(shifted))["runs"][0]["results"]
        return [r["partialFingerprints"][FINGERPRINT_KEY] for r in results if "finding number" in r["message"]["text"]]

    base = fingerprints(0)
    assert len(base) == 3
    assert fingerprints(25) == base
    assert not set(fingerprints(0, "src/other")) & set(base)
