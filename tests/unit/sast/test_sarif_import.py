"""Reading SARIF 2.1.0 from other analysers: the real cppcheck's output, and hand-built edge cases."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.errors import InputError
from sdl_gate.policy.models import ResolvedRequirement, SeverityBands
from sdl_gate.sast.cppcheck import find_cppcheck
from sdl_gate.sast.models import AnalyserSource, Level, NosecStatus, SuppressionProblem, SuppressionState
from sdl_gate.sast.rules import severity_of
from sdl_gate.sast.sarif_import import (
    AnalyserResults,
    issue_findings,
    load_sarif,
    read_sarif_file,
    suppression_state,
)
from tests.conftest import SHARED_FIXTURES, write

NULL_DEREFERENCE = "int main(void) {\n    int *p = 0;\n    return *p;\n}\n"
SARIF_SCHEMA = SHARED_FIXTURES / "sarif" / "sarif-schema-2.1.0.json"


def _sarif(results: list[dict[str, Any]], **run: Any) -> dict[str, Any]:
    return {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "Semgrep", "version": "1.2.3", **run.pop("driver", {})}},
                **run,
                "results": results,
            }
        ],
    }


def _result(uri: str = "src/app.c", line: int = 2, **extra: Any) -> dict[str, Any]:
    return {
        "ruleId": "c.strcpy",
        "message": {"text": "strcpy into a fixed buffer"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}}],
        **extra,
    }


def _read(root: Path, document: dict[str, Any], name: str = "scan.sarif") -> AnalyserResults:
    path = write(root / name, json.dumps(document))
    (results,) = read_sarif_file(path, root, source=AnalyserSource.CONFIGURED, shown=name, confine=True)
    return results


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root / "src" / "app.c", "#include <string.h>\nvoid f(char *s) { char b[4]; strcpy(b, s); }\n")
    return root


def test_the_real_cppcheck_sarif_is_read_with_its_severity_cwe_and_fingerprints(tmp_path: Path) -> None:
    cppcheck = find_cppcheck()
    write(tmp_path / "main.c", NULL_DEREFERENCE)
    output = tmp_path / "cppcheck.sarif"
    subprocess.run(
        [str(cppcheck.binary), "--quiet", "--output-format=sarif", f"--output-file={output}", "main.c"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    (results,) = read_sarif_file(output, tmp_path, source=AnalyserSource.IMPORTED, shown="x", confine=False)
    # Imported, it is not the built-in cppcheck, and never named as it.
    assert results.run.tool == "Cppcheck (SARIF)" and results.run.version == cppcheck.version
    assert results.run.files == ("main.c",)
    (issue,) = [i for i in results.issues if i.rule_id == "nullPointer"]
    # cppcheck points at the null assignment or at the dereference, depending on its version.
    assert (issue.path, issue.severity, issue.cwe) == ("main.c", Level.HIGH, 476) and issue.line in (2, 3)
    assert issue.security_severity is not None and issue.partial_fingerprints
    if SARIF_SCHEMA.is_file():
        import jsonschema

        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft4Validator(schema).validate(json.loads(output.read_text(encoding="utf-8")))


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason="the shared SARIF schema fixture is absent")
def test_the_hand_built_edge_cases_are_valid_sarif_so_the_reader_is_tested_on_real_shapes() -> None:
    import jsonschema

    validator = jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    validator.validate(_sarif([_result(suppressions=[{"kind": "external", "status": "accepted"}])]))


def test_without_partial_fingerprints_the_fingerprint_survives_lines_moving(repo: Path) -> None:
    before = issue_findings("Semgrep", _read(repo, _sarif([_result(line=2)])).issues, set())[0][0]
    text = (repo / "src" / "app.c").read_text()
    write(repo / "src" / "app.c", "/* a new licence header */\n\n" + text)
    after = issue_findings("Semgrep", _read(repo, _sarif([_result(line=4)])).issues, set())[0][0]
    assert before.fingerprint == after.fingerprint and (before.line, after.line) == (2, 4)
    other_tool = issue_findings("CodeQL", _read(repo, _sarif([_result(line=4)])).issues, set())[0][0]
    assert other_tool.fingerprint != after.fingerprint


def test_partial_fingerprints_decide_and_repeats_get_distinct_fingerprints(repo: Path) -> None:
    same: dict[str, Any] = {"partialFingerprints": {"primaryLocationLineHash": "abc:1"}}
    results = _read(repo, _sarif([_result(line=1, **same), _result(line=2, **same)]))
    findings, _ = issue_findings("CodeQL", results.issues, set())
    assert len({f.fingerprint for f in findings}) == 2
    moved = _read(repo, _sarif([_result(line=7, **same)]))
    assert issue_findings("CodeQL", moved.issues, set())[0][0].fingerprint == findings[0].fingerprint


@pytest.mark.parametrize(
    ("suppressions", "state"),
    [
        ([{"kind": "inSource", "justification": "length checked by the caller"}], SuppressionState.JUSTIFIED),
        ([{"kind": "external", "status": "accepted", "justification": "  "}], SuppressionState.UNJUSTIFIED),
        ([{"kind": "external", "status": "accepted"}], SuppressionState.UNJUSTIFIED),
        ([{"kind": "external", "status": "underReview", "justification": "asked"}], SuppressionState.NONE),
        ([{"kind": "external", "status": "rejected", "justification": "no"}], SuppressionState.NONE),
    ],
)
def test_sarif_suppressions_count_as_nosec_would(
    repo: Path, suppressions: list[dict[str, Any]], state: SuppressionState
) -> None:
    results = _read(repo, _sarif([_result(suppressions=suppressions)]))
    assert results.issues[0].suppression is state
    findings, noted = issue_findings("Semgrep", results.issues, set())
    expected = {
        SuppressionState.NONE: NosecStatus.NONE,
        SuppressionState.JUSTIFIED: NosecStatus.JUSTIFIED,
        SuppressionState.UNJUSTIFIED: NosecStatus.UNJUSTIFIED,
    }[state]
    assert findings[0].nosec is expected
    if state is SuppressionState.UNJUSTIFIED:
        assert noted[0].problems == (SuppressionProblem.NO_JUSTIFICATION,) and noted[0].tool == "Semgrep"
    if state is SuppressionState.NONE:
        assert noted == []


def test_a_justified_suppression_needs_an_accepted_status() -> None:
    from sdl_gate.sast.sarif_import import SarifSuppression

    under_review = SarifSuppression(kind="external", status="underReview", justification="please")
    assert suppression_state([under_review]) == (SuppressionState.NONE, None)


@pytest.mark.parametrize(
    "uri",
    ["../outside.c", "src/../../outside.c", "file:///etc/passwd", "https://example.com/app.c", "/etc/passwd"],
)
def test_a_result_outside_the_repository_is_refused_and_named(repo: Path, uri: str) -> None:
    results = _read(repo, _sarif([_result(uri=uri), _result()]))
    assert [issue.path for issue in results.issues] == ["src/app.c"]
    (refused,) = results.run.refused
    assert (refused.uri, refused.rule_id) == (uri, "c.strcpy") and uri in refused.reason
    assert results.run.files == ("src/app.c",)


def test_absolute_and_based_uris_inside_the_repository_are_made_relative(repo: Path) -> None:
    absolute = _result(uri=(repo / "src" / "app.c").as_uri())
    based = _result(uri="app.c")
    based["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] = "SRC"
    results = _read(repo, _sarif([absolute, based], originalUriBaseIds={"SRC": {"uri": (repo / "src").as_uri() + "/"}}))
    assert [issue.path for issue in results.issues] == ["src/app.c", "src/app.c"] and not results.run.refused


@pytest.mark.parametrize(
    ("result", "rule", "expected"),
    [
        ({"properties": {"security-severity": "7.0"}}, {}, Level.HIGH),
        ({"properties": {"security-severity": "4.0"}}, {}, Level.MEDIUM),
        ({"properties": {"security-severity": "3.9"}, "level": "error"}, {}, Level.LOW),
        ({}, {"properties": {"security-severity": "9.8"}}, Level.HIGH),
        ({"level": "error"}, {}, Level.HIGH),
        ({"level": "warning"}, {}, Level.MEDIUM),
        ({"level": "note"}, {}, Level.LOW),
        ({}, {}, Level.MEDIUM),
        ({}, {"defaultConfiguration": {"level": "error"}}, Level.HIGH),
        ({"properties": {"security-severity": "high"}, "level": "error"}, {}, Level.HIGH),
    ],
)
def test_severity_from_security_severity_then_level(
    repo: Path, result: dict[str, Any], rule: dict[str, Any], expected: Level
) -> None:
    document = _sarif([_result(**result)], driver={"rules": [{"id": "c.strcpy", **rule}]})
    assert _read(repo, document).issues[0].severity is expected


def test_the_policy_bands_security_severity_per_tool(repo: Path) -> None:
    document = _sarif([_result(properties={"security-severity": "6.5"})])
    (finding,), _ = issue_findings("Semgrep", _read(repo, document).issues, set())
    base = ResolvedRequirement(mode="enforced", justification=None, enforced_from=None, max_age_days=None)  # type: ignore[arg-type]
    assert severity_of(finding, base) is Level.MEDIUM
    from dataclasses import replace

    strict = replace(base, sast_security_severity={"Semgrep": SeverityBands(high=6.0, medium=3.0)})
    other = replace(base, sast_security_severity={"CodeQL": SeverityBands(high=6.0, medium=3.0)})
    assert severity_of(finding, strict) is Level.HIGH
    assert severity_of(finding, other) is Level.MEDIUM


def test_precision_sets_confidence_and_results_that_are_no_problem_are_skipped(repo: Path) -> None:
    document = _sarif(
        [_result(kind="pass"), _result(baselineState="absent"), _result(line=1)],
        driver={"rules": [{"id": "c.strcpy", "properties": {"precision": "low"}}]},
    )
    (issue,) = _read(repo, document).issues
    assert issue.confidence is Level.LOW


def test_a_failed_execution_is_recorded(repo: Path) -> None:
    document = _sarif([_result()], invocations=[{"executionSuccessful": False}])
    assert _read(repo, document).run.execution_successful is False


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ('{"version": "2.1.0", "runs": [', None),
        (json.dumps(_sarif([_result(level="fatal")])), "runs[0].results[0].level"),
        (json.dumps({"version": "2.0.0", "runs": []}), "version"),
        (json.dumps(_sarif([{"message": {"text": "no rule"}}])), "runs[0].results[0]"),
        ("[]", None),
        ("[" * 100_000 + "]" * 100_000, None),
    ],
)
def test_invalid_sarif_is_an_input_error_naming_the_file_and_place(repo: Path, text: str, place: str | None) -> None:
    path = write(repo / "bad.sarif", text)
    with pytest.raises(InputError) as raised:
        read_sarif_file(path, repo, source=AnalyserSource.CONFIGURED, shown="bad.sarif", confine=True)
    assert raised.value.path == str(path)
    if place is not None:
        assert raised.value.location == place


def test_a_sarif_file_linked_out_of_the_checkout_is_refused(tmp_path: Path, repo: Path) -> None:
    outside = write(tmp_path / "elsewhere.sarif", json.dumps(_sarif([_result()])))
    (repo / "linked.sarif").symlink_to(outside)
    with pytest.raises(InputError):
        load_sarif(repo / "linked.sarif", root=repo)


def test_many_results_in_one_file_read_the_source_once_and_each_keep_its_line(repo: Path) -> None:
    results = _read(repo, _sarif([_result(line=n % 2 + 1) for n in range(2000)]))
    assert len(results.issues) == 2000
    assert {issue.flagged for issue in results.issues} == {
        "#include <string.h>",
        "void f(char *s) { char b[4]; strcpy(b, s); }",
    }
