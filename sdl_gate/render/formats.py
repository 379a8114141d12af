"""The report formats ``sdl-gate report`` and ``sdl-gate check --format`` offer, and one function to render any."""

from __future__ import annotations

import enum

from sdl_gate.render.view import ReportInput


class ReportFormat(str, enum.Enum):
    """A report format: for people (html, markdown) or for tools (sarif, junit, json)."""

    HTML = "html"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    JUNIT = "junit"
    JSON = "json"


def render_report(report: ReportInput, report_format: ReportFormat) -> str:
    """Render ``report`` in ``report_format``; renderers are imported only when used."""
    match report_format:
        case ReportFormat.HTML:
            from sdl_gate.render.html import render_html

            return render_html(report)
        case ReportFormat.MARKDOWN:
            from sdl_gate.render.markdown import render_markdown

            return render_markdown(report)
        case ReportFormat.SARIF:
            from sdl_gate.render.sarif import render_sarif

            return render_sarif(report)
        case ReportFormat.JUNIT:
            from sdl_gate.render.junit import render_junit

            return render_junit(report)
        case ReportFormat.JSON:
            from sdl_gate.render.json import render_json

            return render_json(report.assessment)
