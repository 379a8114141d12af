"""Every report format on the fixed sample assessment: golden files, determinism, the format list, well-formedness."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdl_gate.render.formats import ReportFormat, render_report
from sdl_gate.render.html import render_html
from sdl_gate.render.junit import render_junit
from sdl_gate.render.markdown import render_markdown
from sdl_gate.render.sarif import render_sarif
from sdl_gate.render.view import ReportInput, SourceKind
from tests.conftest import Golden
from tests.report_data import sample_assessment, sample_input


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


@pytest.mark.parametrize("report_format", list(ReportFormat))
def test_every_format_renders_the_product_and_every_blocking_requirement(report_format: ReportFormat) -> None:
    text = render_report(sample_input(), report_format)
    assert "modbus-mqtt-gateway" in text
    for requirement in sample_assessment().decision.blocking:
        assert requirement in text


def test_cli_format_choices_match_the_renderers() -> None:
    from sdl_gate.cli import check, report

    def choices(command: object) -> list[str]:
        option = next(p for p in command.params if p.name == "output_format")  # type: ignore[attr-defined]
        return list(option.type.choices)

    assert choices(report) == [f.value for f in ReportFormat]
    assert set(choices(check)) == {"console"} | {f.value for f in ReportFormat}


# --- whatever text a finding carries, every format stays well formed ----------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.matrix_rows = 0
        self.urls: list[str] = []
        self._in_matrix = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        values = dict(attrs)
        if tag == "table" and values.get("id") == "matrix-table":
            self._in_matrix = True
        if tag == "tr" and self._in_matrix and (values.get("id") or "").startswith("req-"):
            self.matrix_rows += 1
        self.urls += [v for k, v in attrs if k in ("href", "src") and v and not v.startswith("#")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_matrix = False


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
    parsed = _Tags()
    parsed.feed(render_html(report))
    assert parsed.matrix_rows == 47 and parsed.tags["script"] == 0 and parsed.urls == []
    root = ET.fromstring(render_junit(report))  # noqa: S314 - our own output
    assert len(root.findall("./testsuite/testcase")) == 47
    markdown = render_markdown(report)
    blocking = markdown[markdown.index("### Blocking") : markdown.index("| practice |")].strip().splitlines()
    # Heading, blank line, header, rule, then exactly one row per blocking requirement: nothing broke a row.
    assert len(blocking) == 4 + len(base.decision.blocking)
    assert all(line.startswith("| **") and line.endswith("|") for line in blocking[4:])
    json.loads(render_sarif(report))


# --- what ``sdl-gate check --format`` writes ------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["console", "json", "html", "markdown", "sarif", "junit"])
def test_check_renders_each_format_as_its_renderer_does(output_format: str) -> None:
    from sdl_gate.render.console import render_console
    from sdl_gate.render.formats import render_check
    from sdl_gate.render.json import render_json
    from sdl_gate.render.source import from_check

    assessment = sample_assessment()
    expected = {
        "console": lambda: render_console(assessment),
        "json": lambda: render_json(assessment),
    }.get(output_format, lambda: render_report(from_check(assessment, None), ReportFormat(output_format)))()
    assert render_check(assessment, None, output_format) == expected


def test_check_refuses_a_format_it_does_not_know() -> None:
    from sdl_gate.render.formats import render_check

    with pytest.raises(ValueError):
        render_check(sample_assessment(), None, "pdf")
