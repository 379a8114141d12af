"""Markdown for the GitHub job summary from the fixed sample assessment: order, escaping and the size limit."""

from __future__ import annotations

from sdl_gate.render.markdown import render_markdown
from sdl_gate.render.view import ReportInput, SourceKind
from tests.report_data import many_findings, sample_assessment, sample_input


def test_markdown_puts_blocking_first_and_folds_details() -> None:
    text = render_markdown(sample_input())
    assert text.startswith("## \u274c sdl-gate: FAILED")
    assert text.index("### Blocking") < text.index("<details><summary>All requirements</summary>")
    blocking_section = text[text.index("### Blocking") : text.index("| practice |")]
    assert "**SI-1**" in blocking_section and "**DM-6**" not in blocking_section
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert "\\| is not approved" in text


def test_blocking_table_has_one_row_per_blocking_requirement_in_decision_order() -> None:
    text = render_markdown(sample_input())
    section = text[text.index("### Blocking") : text.index("| practice |")].strip().splitlines()
    assert section[0] == f"### Blocking ({len(sample_assessment().decision.blocking)})"
    rows = section[4:]
    assert [row.split("**")[1] for row in rows] == sample_assessment().decision.blocking


def test_practice_table_has_one_row_per_practice() -> None:
    text = render_markdown(sample_input())
    start = text.index("| practice |")
    table = text[start:].split("\n\n", 1)[0].splitlines()
    assert [row.split()[1] for row in table[2:]] == [p.id for p in sample_assessment().practices]


def test_markdown_stays_within_github_limit_with_ten_thousand_findings() -> None:
    big = ReportInput(sample_assessment(many_findings(10_000)), SourceKind.ASSESSMENT_FILE, "big.json")
    text = render_markdown(big)
    assert len(text.encode("utf-8")) <= 1024 * 1024
    assert "and 9953 more findings" in text  # 10,000 plus the sample's three, 50 shown
    small = render_markdown(big, max_bytes=12_000)
    assert len(small.encode("utf-8")) <= 12_000
    assert "more unmet requirements not shown" in small or "Summary cut at GitHub's size limit" in small
