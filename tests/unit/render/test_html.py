"""The self-contained HTML report from the fixed sample assessment: structure, escaping, sections, paging."""

from __future__ import annotations

from collections import Counter
from html import escape
from html.parser import HTMLParser

import pytest

from sdl_gate.render.html import PAGE_SIZE, render_html
from sdl_gate.render.view import ReportInput, SourceKind
from tests.report_data import DIAGRAM, VULNS, many_findings, sample_assessment, sample_input


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.matrix_rows = 0
        self._in_matrix_body = False
        self.urls: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
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


def test_element_ids_are_unique_and_every_internal_link_has_a_target() -> None:
    text = render_html(sample_input())
    parsed = _parse(text)
    duplicates = [name for name, count in Counter(parsed.ids).items() if count > 1]
    assert duplicates == []
    internal = [value[1:] for value in _anchors(text)]
    assert internal, "the report links its sections"
    assert set(internal) <= set(parsed.ids)


def _anchors(text: str) -> list[str]:
    found: list[str] = []

    class _Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend(v for k, v in attrs if k == "href" and v and v.startswith("#"))

    _Links().feed(text)
    return found


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

    with pytest.raises(ValidationError) as caught:
        ZoneDiagram(
            zones=DIAGRAM.zones, components=DIAGRAM.components, flows=[Flow(source="gateway", target="nowhere")]
        )
    assert "'nowhere'" in str(caught.value)


def test_what_blocks_the_release_gives_the_reason_beside_the_fix() -> None:
    assessment = sample_assessment()
    html = render_html(sample_input())
    section = html[
        html.index('<section id="blocking">') : html.index("</section>", html.index('<section id="blocking">'))
    ]
    for requirement in assessment.requirements:
        if not requirement.blocking:
            continue
        item = section[section.index(f'href="#req-{requirement.id}"') :]
        item = item[: item.index("</li>")]
        assert "Why:" in item and "Fix:" in item
        failing = [f for f in requirement.findings if f.outcome.value not in ("pass", "not_applicable")]
        if failing:
            assert failing[0].criterion in item
            assert escape(failing[0].message[:60]) in item


def test_the_waiver_column_shows_the_waivers_a_finding_names_not_those_its_text_mentions() -> None:
    import re

    from sdl_gate.assess import FindingResult
    from sdl_gate.checks import Outcome

    named = FindingResult(
        criterion="known_vulnerabilities",
        outcome=Outcome.FAIL,
        message="urllib3 1.0: GHSA-x named",
        evidence=[VULNS],
        location=None,
        waivers=["W-002"],
    )
    mentioning = named.model_copy(update={"message": "PYSEC-2018-28 in requests mentioned", "waivers": []})
    text = render_html(ReportInput(sample_assessment({"SVV-3": [named, mentioning]}), SourceKind.CHECK_RUN, "x"))

    def waiver_cell(message: str) -> str:
        row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(message)}(?:(?!</tr>).)*</tr>", text, re.S)
        assert row is not None, message
        return re.findall(r"<td>((?:(?!</td>).)*)</td>", row.group(0), re.S)[-1]

    assert waiver_cell("GHSA-x named").startswith("W-002 (active)")
    assert waiver_cell("PYSEC-2018-28 in requests mentioned") == "none"
