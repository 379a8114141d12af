"""Report formats: golden files, SARIF schema validity, JUnit and Markdown structure, HTML content, the CLI."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdl_gate.assess import Verdict
from sdl_gate.render._view import ReportInput, SourceKind, file_location
from sdl_gate.render.formats import ReportFormat, render_report
from sdl_gate.render.html import PAGE_SIZE, render_html
from sdl_gate.render.junit import render_junit
from sdl_gate.render.markdown import render_markdown
from sdl_gate.render.sarif import FINGERPRINT_KEY, render_sarif
from tests.conftest import DEMO_PROJECT, SHARED_FIXTURES, Golden, RunCli
from tests.report_data import DIAGRAM, many_findings, sample_assessment, sample_input

SARIF_SCHEMA = SHARED_FIXTURES / "sarif" / "sarif-schema-2.1.0.json"


def _sarif_validator() -> jsonschema.Draft4Validator:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema fixture not found at ../shared/fixtures/sarif ({SARIF_SCHEMA.name})")
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("report_format", "name"),
    [
        (ReportFormat.HTML, "report.html"),
        (ReportFormat.MARKDOWN, "report.md"),
        (ReportFormat.SARIF, "report.sarif"),
        (ReportFormat.JUNIT, "report.junit.xml"),
    ],
)
def test_golden(report_format: ReportFormat, name: str, golden: Golden) -> None:
    golden(name, render_report(sample_input(), report_format))


def test_rendering_is_deterministic() -> None:
    for report_format in ReportFormat:
        assert render_report(sample_input(), report_format) == render_report(sample_input(), report_format)


# --- SARIF ------------------------------------------------------------------------------------------------


def test_sarif_validates_and_has_one_rule_per_requirement() -> None:
    validator = _sarif_validator()
    log = json.loads(render_sarif(sample_input()))
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


def test_sarif_static_analysis_findings_keep_file_and_line() -> None:
    results = json.loads(render_sarif(sample_input()))["runs"][0]["results"]
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


def test_sarif_waived_requirement_is_suppressed_not_hidden() -> None:
    results = json.loads(render_sarif(sample_input()))["runs"][0]["results"]
    waived = [r for r in results if r["ruleId"] == "SVV-4"]
    assert len(waived) == 1
    assert waived[0]["suppressions"][0]["status"] == "accepted"
    assert waived[0]["suppressions"][0]["justification"].startswith("W-001 approved by Erika Lind")


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
        report = ReportInput(sample_assessment(shifted), SourceKind.ASSESSMENT_FILE, "x")
        results = json.loads(render_sarif(report))["runs"][0]["results"]
        return [r["partialFingerprints"][FINGERPRINT_KEY] for r in results if "finding number" in r["message"]["text"]]

    base = fingerprints(0)
    assert len(base) == 3
    assert fingerprints(25) == base
    assert not set(fingerprints(0, "src/other")) & set(base)


def test_file_location_parsing() -> None:
    assert file_location("a/b.py:12:3") is not None
    parsed = file_location("a\\b.py:12")
    assert parsed is not None and (parsed.path, parsed.line, parsed.column) == ("a/b.py", 12, None)
    assert file_location("https://example.com/x") is None
    assert file_location("/etc/passwd") is None
    assert file_location("builtin:iec62443-4-1-ml2") is None
    assert file_location(None) is None


# --- JUnit ------------------------------------------------------------------------------------------------


def test_junit_has_one_case_per_requirement_with_failures_and_skips() -> None:
    assessment = sample_assessment()
    root = ET.fromstring(render_junit(sample_input()))  # noqa: S314 - our own output
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 47
    by_id = {case.get("name", "").split()[0]: case for case in cases}
    failed = {rid for rid, case in by_id.items() if case.find("failure") is not None}
    skipped = {rid for rid, case in by_id.items() if case.find("skipped") is not None}
    expected_failed = {
        r.id
        for r in assessment.requirements
        if r.verdict in (Verdict.NOT_SATISFIED, Verdict.PARTIALLY_SATISFIED)
        or (r.verdict is Verdict.NOT_ASSESSED and r.blocking)
    }
    assert failed == expected_failed
    assert {"SM-10", "SVV-4"} <= skipped
    assert "SI-1" in failed and "DM-6" in failed and "SM-6" in failed
    assert root.get("tests") == "47"
    assert root.get("failures") == str(len(failed))
    assert root.get("skipped") == str(len(skipped))
    assert [s.get("name", "").split()[0] for s in root.findall("testsuite")] == [
        "SM",
        "SR",
        "SD",
        "SI",
        "SVV",
        "DM",
        "SUM",
        "SG",
    ]
    si1 = by_id["SI-1"].find("failure")
    assert si1 is not None and "src/modbus_mqtt_gateway/registers.py:42" in (si1.text or "")
    # The bell character in SM-2's message cannot appear in XML 1.0; it is replaced, and the file parses.
    sm2 = by_id["SM-2"].find("failure")
    assert sm2 is not None and "\x07" not in (sm2.text or "") and "<script>" in (sm2.text or "")


# --- Markdown ---------------------------------------------------------------------------------------------


def test_markdown_puts_blocking_first_and_folds_details() -> None:
    text = render_markdown(sample_input())
    assert text.startswith("## \u274c sdl-gate: FAILED")
    assert text.index("### Blocking") < text.index("<details><summary>All requirements</summary>")
    blocking_section = text[text.index("### Blocking") : text.index("| practice |")]
    assert "**SI-1**" in blocking_section and "**DM-6**" not in blocking_section
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert "\\| is not approved" in text


def test_markdown_stays_within_github_limit_with_ten_thousand_findings() -> None:
    big = ReportInput(sample_assessment(many_findings(10_000)), SourceKind.ASSESSMENT_FILE, "big.json")
    text = render_markdown(big)
    assert len(text.encode("utf-8")) <= 1024 * 1024
    assert "and 9953 more findings" in text  # 10,000 plus the sample's three, 50 shown
    small = render_markdown(big, max_bytes=12_000)
    assert len(small.encode("utf-8")) <= 12_000
    assert "more unmet requirements not shown" in small or "Summary cut at GitHub's size limit" in small


# --- HTML -------------------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.matrix_rows = 0
        self._in_matrix_body = False
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        values = dict(attrs)
        if tag == "table" and values.get("id") == "matrix-table":
            self._in_matrix_body = True
        if tag == "tr" and self._in_matrix_body and (values.get("id") or "").startswith("req-"):
            self.matrix_rows += 1
        for name in ("href", "src"):
            value = values.get(name)
            if value and not value.startswith("#"):
                self.urls.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_matrix_body = False


def _parse(text: str) -> _Collector:
    collector = _Collector()
    collector.feed(text)
    return collector


def test_html_is_self_contained_and_escapes_input() -> None:
    text = render_html(sample_input())
    parsed = _parse(text)
    assert parsed.matrix_rows == 47
    assert parsed.tags["script"] == 0 and parsed.tags["link"] == 0 and parsed.tags["img"] == 0
    assert parsed.urls == []
    assert "Content-Security-Policy" in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "@page { size: A4" in text
    assert 'id="practice-chart"' in text and 'id="diagram-title"' in text
    # Colour is never the only signal: every verdict cell names its verdict in words.
    for verdict in ("Satisfied", "Partially satisfied", "Not satisfied", "Not assessed", "Not applicable", "Waived"):
        assert f"</span> {verdict}</span>" in text


def test_html_sections_render_from_findings_or_say_there_is_no_data() -> None:
    text = render_html(sample_input())
    assert "B608 hardcoded_sql_expressions" in text
    assert "PYSEC-2021-142" in text
    assert "W-002 (active); VEX not recorded" in text
    assert "<td>W-003 (expired)</td>" in text  # the expired finding waiver is shown beside its finding
    assert "crosses zone Plant DMZ" in text
    assert "No zones-and-conduits diagram data" not in text
    bare = sample_assessment().model_copy(
        update={
            "evidence": [],
            "requirements": [r.model_copy(update={"findings": []}) for r in sample_assessment().requirements],
        }
    )
    empty = render_html(ReportInput(bare, SourceKind.ASSESSMENT_FILE, "x"))
    assert "No static analysis data in this assessment." in empty
    assert "No known vulnerabilities data in this assessment." in empty
    assert "No threat model data in this assessment." in empty
    assert "No zones-and-conduits diagram data in this assessment." in empty


def test_html_folds_long_finding_lists_into_pages() -> None:
    count = 1000
    report = ReportInput(sample_assessment(many_findings(count)), SourceKind.ASSESSMENT_FILE, "x")
    text = render_html(report)
    total = count + 3  # the sample's own three SI-1 static-analysis findings
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    assert text.count("<summary>Static analysis findings: ") == pages
    assert f"Static analysis findings: 1001\u2013{total} of {total}" in text
    assert text.count("<details open><summary>Static analysis findings: ") == 1
    assert "finding number 999:" in text


def test_html_says_where_the_assessment_came_from() -> None:
    text = render_html(sample_input())
    assert "not been verified against a release-evidence bundle" in text
    from_check = render_html(ReportInput(sample_assessment(), SourceKind.CHECK_RUN, "commit 0123456789ab"))
    assert "Rendered directly by `sdl-gate check` (commit 0123456789ab)" in from_check


def test_html_of_a_verified_bundle_names_evidence_paths() -> None:
    assessment = sample_assessment()
    report = ReportInput(
        assessment,
        SourceKind.VERIFIED_BUNDLE,
        "release-1.4.0.zip",
        bundle_paths={ref.id: f"evidence/{ref.kind}.json" for ref in assessment.evidence},
    )
    text = render_html(report)
    assert "release-evidence bundle release-1.4.0.zip, whose signature and digests verified" in text
    assert "<code>evidence/sast.json</code>" in text
    assert "not been verified" not in text


def test_zone_diagram_rejects_dangling_references() -> None:
    from pydantic import ValidationError

    from sdl_gate.render.diagram import Flow, ZoneDiagram

    with pytest.raises(ValidationError, match="unknown component 'nowhere'"):
        ZoneDiagram(
            zones=DIAGRAM.zones, components=DIAGRAM.components, flows=[Flow(source="gateway", target="nowhere")]
        )


# --- the CLI ----------------------------------------------------------------------------------------------


def _assessment_file(tmp_path: Path) -> Path:
    path = tmp_path / "assessment.json"
    path.write_text(json.dumps(sample_assessment().model_dump(mode="json"), indent=2), encoding="utf-8")
    return path


def test_cli_format_choices_match_the_renderers() -> None:
    from sdl_gate.cli import check, report

    def choices(command: object) -> list[str]:
        option = next(p for p in command.params if p.name == "output_format")  # type: ignore[attr-defined]
        return list(option.type.choices)

    assert choices(report) == [f.value for f in ReportFormat]
    assert set(choices(check)) == {"console"} | {f.value for f in ReportFormat}


@pytest.mark.slow
def test_cli_report_renders_every_format(run_cli: RunCli, tmp_path: Path) -> None:
    source = _assessment_file(tmp_path)
    for report_format in ReportFormat:
        out = tmp_path / f"report.{report_format.value}"
        result = run_cli("report", "--format", report_format.value, source, "--output", out)
        assert result.code == 0, result.stderr
        text = out.read_text(encoding="utf-8")
        assert "modbus-mqtt-gateway" in text
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Rendered from the assessment file assessment.json (sha256:" in html
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8")) == json.loads(source.read_text())


@pytest.mark.slow
def test_cli_check_offers_report_formats(run_cli: RunCli, tmp_path: Path) -> None:
    demo = tmp_path / "demo-project"
    # A copy, so the run does not write evidence into the source tree.
    shutil.copytree(DEMO_PROJECT, demo, ignore=shutil.ignore_patterns(".sdl-gate"))
    out = tmp_path / "demo.sarif"
    result = run_cli("check", demo, "--format", "sarif", "--output", out)
    assert result.code == 1, result.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    if SARIF_SCHEMA.is_file():
        _sarif_validator().validate(log)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"SM-4", "SM-6"}
    result = run_cli("check", demo, "--format", "markdown")
    assert result.code == 1
    assert result.stdout.startswith("## \u274c sdl-gate: FAILED")
    assert "Rendered directly by `sdl-gate check`" in result.stdout


def test_cli_report_newer_schema_version_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    document = sample_assessment().model_dump(mode="json")
    document["schema_version"] = 2
    path = tmp_path / "future.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run_cli("report", path)
    assert result.code == 2
    assert "future.json at schema_version: written by a newer sdl-gate (assessment schema_version 2)" in result.stderr
    assert "upgrade sdl-gate" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "truncated.json:"),
        (b"[1, 2]", "not an sdl-gate assessment: expected a JSON object"),
        (b'{"schema_version": 1, "standard": "x"}', "invalid assessment: missing required key"),
        (b"", "file is empty"),
        (b'{"schema_version": "1"}', "schema_version is missing or not an integer"),
    ],
)
def test_cli_report_bad_input_is_exit_2(run_cli: RunCli, tmp_path: Path, content: bytes | None, expected: str) -> None:
    source = _assessment_file(tmp_path)
    path = tmp_path / "truncated.json"
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2] if content is None else content)
    result = run_cli("report", path)
    assert result.code == 2, result.stderr
    assert expected in result.stderr
    if content is None:
        assert "malformed JSON" in result.stderr


def test_cli_report_refuses_a_bundle_it_cannot_verify(run_cli: RunCli, tmp_path: Path) -> None:
    bundle = tmp_path / "release.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("assessment.json", _assessment_file(tmp_path).read_text(encoding="utf-8"))
    (tmp_path / "k.pub.pem").write_bytes(_public_key_pem())
    result = run_cli("report", bundle, "--key", tmp_path / "k.pub.pem", "--output", tmp_path / "r.html")
    assert result.code == 2
    assert "release.zip: release-evidence bundle did not verify, so no report is rendered from it" in result.stderr
    assert "manifest.json is missing" in result.stderr
    assert not (tmp_path / "r.html").exists()


def _public_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def test_cli_failed_report_keeps_the_previous_output(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("previous report", encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1,', encoding="utf-8")
    result = run_cli("report", broken, "--output", out)
    assert result.code == 2
    assert out.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "report.html"]


# --- whatever text a finding carries, every format stays well formed ----------------------------------


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=st.text(min_size=1, max_size=200), location=st.one_of(st.none(), st.text(max_size=60)))
def test_any_finding_text_keeps_every_format_well_formed(message: str, location: str | None) -> None:
    base = sample_assessment()
    requirements = [
        r.model_copy(update={"findings": [r.findings[0].model_copy(update={"message": message, "location": location})]})
        if r.id == "SM-2"
        else r
        for r in base.requirements
    ]
    report = ReportInput(base.model_copy(update={"requirements": requirements}), SourceKind.ASSESSMENT_FILE, "x")
    parsed = _parse(render_html(report))
    assert parsed.matrix_rows == 47 and parsed.tags["script"] == 0 and parsed.urls == []
    root = ET.fromstring(render_junit(report))  # noqa: S314 - our own output
    assert len(root.findall("./testsuite/testcase")) == 47
    markdown = render_markdown(report)
    blocking = markdown[markdown.index("### Blocking") : markdown.index("| practice |")].strip().splitlines()
    # Heading, blank line, header, rule, then exactly one row per blocking requirement: nothing broke a row.
    assert len(blocking) == 4 + len(base.decision.blocking)
    assert all(line.startswith("| **") and line.endswith("|") for line in blocking[4:])
    json.loads(render_sarif(report))
