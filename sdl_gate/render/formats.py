"""The report formats ``sdl-gate report`` and ``sdl-gate check --format`` offer, and one function to render any."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sdl_gate.render.view import ReportInput

if TYPE_CHECKING:
    from sdl_gate.assess import Assessment
    from sdl_gate.evidence import EvidenceSet

#: ``sdl-gate check``'s own format for people, beside the report formats.
CONSOLE = "console"


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


def render_check(assessment: Assessment, evidence: EvidenceSet | None, output_format: str) -> str:
    """Render what ``sdl-gate check`` just decided: the console report, or a report format with its evidence."""
    if output_format == CONSOLE:
        from sdl_gate.render.console import render_console

        return render_console(assessment)
    report_format = ReportFormat(output_format)
    if report_format is ReportFormat.JSON:
        # The assessment alone: the threat model's diagram is for the reports people read.
        from sdl_gate.render.json import render_json

        return render_json(assessment)
    from sdl_gate.render.source import from_check

    return render_report(from_check(assessment, evidence), report_format)
