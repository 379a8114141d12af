"""The assessment as one self-contained HTML file for certification labs and managers.

No scripts, fonts, images or links leave the file (a Content-Security-Policy says so to the browser),
it reads the same with scripts disabled, and it prints to A4. Verdicts carry a symbol and a word, so
colour is never the only signal. Long finding lists are folded into pages of ``PAGE_SIZE`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from sdl_gate.approvals.state import ExceptionStatus
from sdl_gate.assess import (
    Assessment,
    FindingResult,
    Maturity,
    PracticeResult,
    RequirementResult,
    Verdict,
    WaiverResult,
)
from sdl_gate.checks import Outcome
from sdl_gate.render.diagram import render_diagram_svg
from sdl_gate.render.view import (
    ReportInput,
    Topic,
    TopicFinding,
    evidence_kinds,
    finding_topic,
    finding_waivers,
    fix_text,
    ordered_requirements,
    outcome_label,
    problem_findings,
    topic_findings,
    topic_has_evidence,
    verdict_label,
    verdict_symbol,
    vex_state,
)

PAGE_SIZE = 200
RATIONALE_SHOWN = 1500

_CSS = """
:root { --ok: #1b7f3b; --part: #a15c00; --fail: #b3261e; --na: #5f6368; --waived: #6a3fa0; --unknown: #8a6d00; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  font-size: 14px; line-height: 1.45; color: #1d1d1f; margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 8px; } h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 2px solid #d0d7e2; }
h3 { font-size: 16px; margin: 20px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid #c9d1dc; padding: 4px 6px; text-align: left; vertical-align: top; }
thead th { background: #eef2f7; } caption { text-align: left; font-weight: bold; padding: 4px 0; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px;
  overflow-wrap: anywhere; }
td { overflow-wrap: break-word; }
#matrix-table td:nth-child(2) { min-width: 9em; } #matrix-table td:nth-child(8) { min-width: 8em; }
/* Long words (bundle entry paths, evidence ids, verdict labels) break inside the matrix instead of pushing
   it past the page: on a 1280 px screen and on A4 alike every column keeps to its share of the width. */
#matrix-table th, #matrix-table td { overflow-wrap: anywhere; } #matrix-table .verdict { white-space: normal; }
.facts th { width: 180px; background: #f6f8fb; }
.decision { font-size: 18px; font-weight: bold; padding: 8px 12px; border-left: 6px solid; margin: 8px 0 16px; }
.decision.passed { border-color: var(--ok); background: #eaf6ee; } .decision.failed { border-color: var(--fail);
  background: #fbeceb; }
.verdict { white-space: nowrap; font-weight: 600; }
.v-satisfied { color: var(--ok); } .v-partially_satisfied { color: var(--part); }
.v-not_satisfied { color: var(--fail); } .v-not_assessed { color: var(--unknown); }
.v-not_applicable { color: var(--na); } .v-waived { color: var(--waived); }
.o-fail, .o-error { color: var(--fail); font-weight: 600; }
.o-not_available { color: var(--unknown); font-weight: 600; }
.o-pass { color: var(--ok); } .o-not_applicable { color: var(--na); }
.blocks { font-weight: bold; color: var(--fail); }
.nodata { padding: 8px 12px; background: #f6f8fb; border: 1px dashed #9aa6b8; }
.note { color: #4a4f57; }
nav ol { columns: 2; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
svg text { font-family: inherit; font-size: 12px; fill: #1d1d1f; }
svg.diagram, #practice-chart { max-width: 100%; height: auto; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5px; }
  nav { display: none; }
  tr, .decision, svg { break-inside: avoid; }
  thead { display: table-header-group; }
  h2 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _verdict_cell(verdict: Verdict) -> str:
    return (
        f'<span class="verdict v-{verdict.value}"><span aria-hidden="true">{verdict_symbol(verdict)}</span> '
        f"{verdict_label(verdict)}</span>"
    )


def _outcome_cell(outcome: Outcome) -> str:
    return f'<span class="o-{outcome.value}">{_e(outcome_label(outcome))}</span>'


def _short(evidence_id: str) -> str:
    algorithm, _, digest = evidence_id.partition(":")
    return f"{algorithm}:{digest[:12]}\u2026" if digest else evidence_id


def _anchor(evidence_id: str) -> str:
    return "ev-" + evidence_id.partition(":")[2][:64]


def _title_block(report: ReportInput) -> str:
    assessment = report.assessment
    product, policy, decision = assessment.product, assessment.policy, assessment.decision
    state = "passed" if decision.passed else "failed"
    symbol = "\u2714" if decision.passed else "\u2718"
    blocking = ", ".join(decision.blocking) or "none"
    rows = [
        ("Product", product.name),
        ("Version", product.version or "not stated"),
        ("Commit", product.commit or "not a git checkout"),
        ("Assessed on", assessment.assessed_on.isoformat()),
        ("Standard", assessment.standard),
        ("Policy", f"{policy.name} ({policy.source})"),
        ("Policy digest", policy.digest),
        ("Decision", "PASSED" if decision.passed else "FAILED"),
        ("Blocking requirements", blocking),
        ("Generated by", f"{assessment.generator.name} {assessment.generator.version}"),
        ("Provenance", report.provenance()),
    ]
    body = "".join(
        f'<tr><th scope="row">{_e(name)}</th><td{" class=mono" if name in ("Commit", "Policy digest") else ""}>'
        f"{_e(value)}</td></tr>"
        for name, value in rows
    )
    return (
        f'<header id="title-block"><h1>IEC 62443-4-1 assessment: {_e(product.name)} {_e(product.version or "")}</h1>'
        f'<p class="decision {state}"><span aria-hidden="true">{symbol}</span> {_e(decision.summary)}</p>'
        f'<table class="facts"><caption>Assessment</caption><tbody>{body}</tbody></table></header>'
    )


def _chart(practices: Sequence[PracticeResult]) -> str:
    """A horizontal bar per practice: score as length and as a number, maturity as text."""
    label_width, bar_width, row, top = 330, 300, 30, 28
    width = label_width + bar_width + 150
    height = top + row * len(practices) + 10
    parts = [
        f'<svg id="practice-chart" role="img" aria-labelledby="chart-title chart-desc" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        '<title id="chart-title">Score and indicative maturity per practice</title>',
        '<desc id="chart-desc">'
        + _e("; ".join(f"{p.id} {p.title}: score {p.score:.2f}, {p.maturity.value}" for p in practices))
        + "</desc>",
    ]
    for tick in (0.0, 0.5, 1.0):
        x = label_width + tick * bar_width
        parts.append(
            f'<line x1="{x:.0f}" y1="{top - 6}" x2="{x:.0f}" y2="{height - 6}" stroke="#c9d1dc"/>'
            f'<text x="{x:.0f}" y="{top - 10}" text-anchor="middle">{tick:.1f}</text>'
        )
    for index, practice in enumerate(practices):
        y = top + index * row
        complete = practice.maturity in (Maturity.ML2, Maturity.ML3, Maturity.ML4)
        fill = "#1b7f3b" if complete else "#3d5a99"
        length = max(practice.score * bar_width, 1.0)
        parts.append(
            f'<g class="bar"><text x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
            f"{_e(practice.id)} {_e(practice.title)}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="18" fill="#eef2f7"/>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="18" fill="{fill}"/>'
            f'<text x="{label_width + bar_width + 8}" y="{y + 17}">{practice.score:.2f} \u00b7 '
            f"{_e(practice.maturity.value)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _practices(assessment: Assessment) -> str:
    head = "".join(f'<th scope="col">{verdict_symbol(v)} {_e(verdict_label(v))}</th>' for v in Verdict)
    rows = "".join(
        f'<tr><th scope="row">{_e(p.id)} {_e(p.title)}</th><td>{p.score:.2f}</td><td>{_e(p.maturity.value)}</td>'
        + "".join(f"<td>{p.verdicts.get(v.value, 0)}</td>" for v in Verdict)
        + "</tr>"
        for p in assessment.practices
    )
    return (
        '<section id="practices"><h2>Practices</h2>'
        + _chart(assessment.practices)
        + '<table><caption>Practice scores and indicative maturity</caption><thead><tr><th scope="col">Practice</th>'
        f'<th scope="col">Score</th><th scope="col">Maturity</th>{head}</tr></thead><tbody>{rows}</tbody></table>'
        f'<p class="note">{_e(assessment.maturity_basis)}</p></section>'
    )


def _evidence_cell(result: RequirementResult, report: ReportInput) -> str:
    if not result.evidence:
        return '<span class="note">none</span>'
    kinds = evidence_kinds(report.assessment)
    items = []
    for evidence_id in result.evidence:
        path = report.bundle_paths.get(evidence_id)
        where = f"<br><code>{_e(path)}</code>" if path else ""
        items.append(
            f'{_e(kinds.get(evidence_id, "unknown"))} <a class="mono" href="#{_anchor(evidence_id)}" '
            f'title="{_e(evidence_id)}">{_e(_short(evidence_id))}</a>{where}'
        )
    return "<br>".join(items)


def _rationale(text: str) -> str:
    if len(text) <= RATIONALE_SHOWN:
        return _e(text)
    return _e(text[:RATIONALE_SHOWN]) + ' \u2026 <a href="#findings">(continued under Findings)</a>'


def _matrix(report: ReportInput) -> str:
    rows = []
    for result in report.assessment.requirements:
        blocks = '<span class="blocks">blocks</span>' if result.blocking else "no"
        mode = result.mode.value.replace("_", " ")
        rows.append(
            f'<tr id="req-{_e(result.id)}"><th scope="row">{_e(result.id)}</th><td>{_e(result.title)}</td>'
            f"<td>{_verdict_cell(result.verdict)}</td><td>{result.score:.2f}</td><td>{_e(mode)}</td>"
            f"<td>{blocks}</td><td>{_rationale(result.rationale)}</td><td>{_evidence_cell(result, report)}</td></tr>"
        )
    return (
        '<section id="matrix"><h2>Compliance matrix</h2>'
        '<table id="matrix-table"><caption>All requirements of IEC 62443-4-1 with verdict, score and evidence'
        '</caption><thead><tr><th scope="col">Requirement</th><th scope="col">Title</th><th scope="col">Verdict</th>'
        '<th scope="col">Score</th><th scope="col">Mode</th><th scope="col">Blocks the gate</th>'
        '<th scope="col">Rationale</th><th scope="col">Evidence</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></section>"
    )


#: Reasons shown per blocking requirement, and the characters shown of each; the rest is under Findings.
REASONS_SHOWN = 3
REASON_CHARS = 400


def _reasons(result: RequirementResult) -> str:
    """Why a requirement blocks: its failing criteria and what each found, else the verdict's rationale."""
    problems = list(problem_findings(result))
    if not problems:
        return _e(result.rationale[:REASON_CHARS])
    shown = []
    for finding in problems[:REASONS_SHOWN]:
        message = finding.message if len(finding.message) <= REASON_CHARS else finding.message[:REASON_CHARS] + "\u2026"
        shown.append(
            f'<span class="o-{_e(finding.outcome.value)}">{_e(outcome_label(finding.outcome))}</span> '
            f"{_e(finding.criterion)}: {_e(message)}"
        )
    more = len(problems) - REASONS_SHOWN
    tail = f'; and {more} more (<a href="#findings">Findings</a>)' if more > 0 else ""
    return "; ".join(shown) + tail + "."


def _blocking(assessment: Assessment) -> str:
    blocking = [r for r in ordered_requirements(assessment) if r.blocking]
    if not blocking:
        return '<section id="blocking"><h2>What blocks the release</h2><p>Nothing: the gate passed.</p></section>'
    items = "".join(
        f'<li><a href="#req-{_e(r.id)}">{_e(r.id)}</a> {_e(r.title)}: {_verdict_cell(r.verdict)}. '
        f"<strong>Why:</strong> {_reasons(r)} "
        f'<strong>Fix:</strong> {_e(fix_text(r))} <span class="note">(<code>sdl-gate explain {_e(r.id)}</code>)'
        "</span></li>"
        for r in blocking
    )
    return f'<section id="blocking"><h2>What blocks the release ({len(blocking)})</h2><ol>{items}</ol></section>'


def _paged(rows: Sequence[str], header: str, caption: str) -> str:
    """One table when short; pages of PAGE_SIZE rows folded in <details> when long (the first one open)."""
    table = "<table><caption>{caption}</caption><thead><tr>" + header + "</tr></thead><tbody>{rows}</tbody></table>"
    if len(rows) <= PAGE_SIZE:
        return table.format(caption=_e(caption), rows="".join(rows))
    pages = []
    for start in range(0, len(rows), PAGE_SIZE):
        end = min(start + PAGE_SIZE, len(rows))
        label = f"{caption}: {start + 1}\u2013{end} of {len(rows)}"
        pages.append(
            f"<details{' open' if start == 0 else ''}><summary>{_e(label)}</summary>"
            + table.format(caption=_e(label), rows="".join(rows[start:end]))
            + "</details>"
        )
    return "".join(pages)


def _finding_row(item: TopicFinding, report: ReportInput, with_waivers: bool) -> str:
    finding, requirement = item.finding, item.requirement
    location = f"<code>{_e(finding.location)}</code>" if finding.location else ""
    cells = (
        f'<td><a href="#req-{_e(requirement.id)}">{_e(requirement.id)}</a></td><td>{_outcome_cell(finding.outcome)}'
        f"</td><td>{_e(finding.criterion)}</td><td>{_e(finding.message)}</td><td>{location}</td>"
    )
    if with_waivers:
        waivers = finding_waivers(report.assessment, finding)
        shown = "<br>".join(
            f"{_e(w.id)} ({_e(w.state.value)})"
            + (f"; VEX {_e(vex_state(w) or 'not recorded')}" if w.kind == "vulnerability" else "")
            for w in waivers
        )
        cells += f"<td>{shown or 'none'}</td>"
    return f"<tr>{cells}</tr>"


_FINDING_HEAD = (
    '<th scope="col">Requirement</th><th scope="col">Outcome</th><th scope="col">Criterion</th>'
    '<th scope="col">Finding</th><th scope="col">Location</th>'
)


def _topic_section(report: ReportInput, topic: Topic, items: list[TopicFinding], anchor: str) -> str:
    title = topic.title()
    heading = f'<section id="{anchor}"><h3>{_e(title)}</h3>'
    if not items and not topic_has_evidence(report.assessment, topic):
        return heading + f'<p class="nodata">No {_e(title.lower())} data in this assessment.</p></section>'
    problems = sum(1 for item in items if item.finding.is_problem)
    waiver_head = "Waiver and VEX state" if topic is Topic.VULNERABILITIES else "Waiver"
    header = _FINDING_HEAD + f'<th scope="col">{waiver_head}</th>'
    rows = [_finding_row(item, report, True) for item in items]
    summary = f"<p>{len(items)} finding{'s' if len(items) != 1 else ''}, {problems} not passing.</p>"
    return heading + summary + _paged(rows, header, title + " findings") + "</section>"


def _requirement_findings(report: ReportInput) -> str:
    """Every requirement's findings, generic over criteria; topic findings are counted and listed in their section."""
    kinds = evidence_kinds(report.assessment)
    blocks = []
    for result in ordered_requirements(report.assessment):
        if not result.findings:
            continue
        own: list[FindingResult] = []
        elsewhere: dict[Topic, int] = {}
        for finding in result.findings:
            topic = finding_topic(finding, kinds)
            if topic is None or len(result.findings) == 1:
                own.append(finding)
            else:
                elsewhere[topic] = elsewhere.get(topic, 0) + 1
        rows = [
            f"<tr><td>{_e(f.criterion)}</td><td>{_outcome_cell(f.outcome)}</td><td>{_e(f.message)}</td>"
            f"<td>{'<code>' + _e(f.location) + '</code>' if f.location else ''}</td>"
            f"<td>{'<br>'.join(_e(_short(e)) for e in f.evidence)}</td></tr>"
            for f in own
        ]
        notes = "".join(
            f"<p>{count} {_e(topic.title().lower())} finding{'s' if count != 1 else ''}: see "
            f'<a href="#topic-{topic.value}">{_e(topic.title())}</a>.</p>'
            for topic, count in elsewhere.items()
        )
        header = (
            '<th scope="col">Criterion</th><th scope="col">Outcome</th><th scope="col">Finding</th>'
            '<th scope="col">Location</th><th scope="col">Evidence</th>'
        )
        opened = " open" if result.is_problem and len(result.findings) <= PAGE_SIZE else ""
        problems = sum(1 for _ in problem_findings(result))
        blocks.append(
            f"<details{opened}><summary>{_e(result.id)} {_e(result.title)}: {verdict_label(result.verdict)} "
            f"({len(result.findings)} finding{'s' if len(result.findings) != 1 else ''}, {problems} not passing)"
            f"</summary>{notes}{_paged(rows, header, result.id + ' findings') if rows else ''}</details>"
        )
    return '<section id="by-requirement"><h3>Findings by requirement</h3>' + "".join(blocks) + "</section>"


def _findings(report: ReportInput, grouped: dict[Topic, list[TopicFinding]]) -> str:
    sections = [
        _topic_section(report, Topic.SAST, grouped[Topic.SAST], "topic-sast"),
        _topic_section(report, Topic.VULNERABILITIES, grouped[Topic.VULNERABILITIES], "topic-vulnerability_audit"),
        _requirement_findings(report),
    ]
    return '<section id="findings"><h2>Findings</h2>' + "".join(sections) + "</section>"


def _threat_model(report: ReportInput, items: list[TopicFinding]) -> str:
    parts = ['<section id="topic-threat_model"><h2>Threat model</h2>']
    if report.diagram is not None:
        parts.append(render_diagram_svg(report.diagram, title="Zones and conduits: data flows between components"))
        zones = "".join(
            f"<tr><td>{_e(z.name)}</td><td>{'' if z.security_level is None else z.security_level}</td>"
            f"<td>{sum(1 for c in report.diagram.components if c.zone == z.id)}</td></tr>"
            for z in report.diagram.zones
        )
        parts.append(
            '<table><caption>Zones</caption><thead><tr><th scope="col">Zone</th><th scope="col">Target security '
            f'level</th><th scope="col">Components</th></tr></thead><tbody>{zones}</tbody></table>'
        )
    else:
        parts.append('<p class="nodata">No zones-and-conduits diagram data in this assessment.</p>')
    if items:
        rows = [_finding_row(item, report, False) for item in items]
        parts.append(_paged(rows, _FINDING_HEAD, "Threat model findings"))
    elif not topic_has_evidence(report.assessment, Topic.THREAT_MODEL):
        parts.append('<p class="nodata">No threat model data in this assessment.</p>')
    parts.append("</section>")
    return "".join(parts)


def _not_counting(waiver: WaiverResult) -> str:
    """Say beside its state that a waiver without a verified approval does not count."""
    if waiver.approval is ExceptionStatus.APPROVED:
        return ""
    return f", does not count ({waiver.approval.value.replace('_', ' ')}: {waiver.approval_detail})"


def _waivers(assessment: Assessment) -> str:
    if not assessment.waivers:
        return '<section id="waivers"><h2>Waiver register</h2><p>No waivers in the register.</p></section>'
    rows = "".join(
        f'<tr><th scope="row">{_e(w.id)}</th><td>{_e(w.kind)}</td><td>{_e(w.target)}</td><td>{_e(w.requirement)}'
        f"</td><td>{_e(w.state.value + _not_counting(w))}</td><td>{_e(vex_state(w) or '')}</td>"
        f"<td>{_e(w.approver)}</td>"
        f"<td>{_e(w.expires)}</td><td>{_e(w.justification)}</td></tr>"
        for w in assessment.waivers
    )
    return (
        '<section id="waivers"><h2>Waiver register</h2><table><caption>Every waiver, active or not</caption><thead><tr>'
        '<th scope="col">Waiver</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">Requirement'
        '</th><th scope="col">State</th><th scope="col">VEX state</th><th scope="col">Approver</th>'
        f'<th scope="col">Expires</th><th scope="col">Justification</th></tr></thead><tbody>{rows}</tbody></table>'
        "</section>"
    )


def _evidence(report: ReportInput) -> str:
    assessment = report.assessment
    rows = "".join(
        f'<tr id="{_anchor(ref.id)}"><td class="mono">{_e(ref.id)}</td><td>{_e(ref.kind)}</td>'
        f"<td>{_e(ref.tool.name)} {_e(ref.tool.version)}</td>"
        f"<td>{'<code>' + _e(report.bundle_paths[ref.id]) + '</code>' if ref.id in report.bundle_paths else ''}"
        "</td></tr>"
        for ref in assessment.evidence
    )
    table = (
        "<table><caption>Evidence used (id = SHA-256 of its canonical JSON)</caption><thead><tr>"
        '<th scope="col">Digest</th><th scope="col">Kind</th><th scope="col">Tool</th>'
        f'<th scope="col">Path in bundle</th></tr></thead><tbody>{rows}</tbody></table>'
        if assessment.evidence
        else '<p class="nodata">No evidence was used.</p>'
    )
    rejected = (
        "<h3>Evidence not used</h3><ul>" + "".join(f"<li>{_e(r)}</li>" for r in assessment.rejected_evidence) + "</ul>"
        if assessment.rejected_evidence
        else ""
    )
    return f'<section id="evidence"><h2>Evidence</h2>{table}{rejected}</section>'


def _tools(assessment: Assessment) -> str:
    tools = sorted(
        {(assessment.generator.name, assessment.generator.version)}
        | {(ref.tool.name, ref.tool.version) for ref in assessment.evidence}
    )
    rows = "".join(f"<tr><td>{_e(name)}</td><td>{_e(version)}</td></tr>" for name, version in tools)
    return (
        '<section id="tools"><h2>Tool versions</h2><table><caption>Tools whose output fed this assessment</caption>'
        f'<thead><tr><th scope="col">Tool</th><th scope="col">Version</th></tr></thead><tbody>{rows}</tbody></table>'
        "</section>"
    )


_NAV = (
    '<nav aria-label="Contents"><ol><li><a href="#practices">Practices</a></li><li><a href="#blocking">'
    'What blocks the release</a></li><li><a href="#matrix">Compliance matrix</a></li><li><a href="#findings">'
    'Findings</a></li><li><a href="#topic-threat_model">Threat model</a></li><li><a href="#waivers">Waiver '
    'register</a></li><li><a href="#evidence">Evidence</a></li><li><a href="#tools">Tool versions</a></li></ol>'
    "</nav>"
)


def _join(parts: Iterable[str]) -> str:
    return "\n".join(parts)


def render_html(report: ReportInput) -> str:
    """Return the assessment as one self-contained HTML document."""
    assessment = report.assessment
    grouped = topic_findings(assessment)
    state = "PASSED" if assessment.decision.passed else "FAILED"
    title = f"IEC 62443-4-1 assessment: {assessment.product.name} {assessment.product.version or ''}".rstrip()
    return (
        _join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                # Nothing may load from outside the file, and no script may run.
                '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                "style-src 'unsafe-inline'; img-src data:\">",
                f'<meta name="generator" content="{_e(assessment.generator.name)} {_e(assessment.generator.version)}">',
                f"<title>{_e(title)} \u2014 {state}</title>",
                f"<style>{_CSS}</style>",
                "</head>",
                "<body>",
                _title_block(report),
                _NAV,
                "<main>",
                _practices(assessment),
                _blocking(assessment),
                _matrix(report),
                _findings(report, grouped),
                _threat_model(report, grouped[Topic.THREAT_MODEL]),
                _waivers(assessment),
                _evidence(report),
                _tools(assessment),
                "</main>",
                f'<footer><p class="note">{_e(assessment.standard)}: requirement ids and short titles only; '
                "summaries and remediations are sdl-gate's own words. Verdicts: "
                + "; ".join(f"{verdict_symbol(v)} {verdict_label(v)}" for v in Verdict)
                + ".</p></footer>",
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )
