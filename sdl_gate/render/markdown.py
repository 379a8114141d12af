"""The assessment as Markdown for a GitHub job summary or a pull-request comment.

A compact headline, the blocking requirements first, everything else folded in ``<details>``, and never
more than GitHub's 1 MiB step-summary limit: what does not fit is cut, and the cut says so.
"""

from __future__ import annotations

import re

from sdl_gate.approvals.state import ExceptionStatus
from sdl_gate.assess import Assessment, RequirementResult, Verdict, WaiverResult
from sdl_gate.checks import Outcome
from sdl_gate.render.view import (
    ReportInput,
    fix_text,
    imported_test_notes,
    ordered_requirements,
    outcome_label,
    problem_findings,
    verdict_label,
    verdict_symbol,
)

#: GitHub refuses a step summary larger than 1 MiB; keep a margin for what a workflow appends.
MAX_BYTES = 1024 * 1024 - 16 * 1024
MESSAGE_CHARS = 300
FINDINGS_SHOWN = 50

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Everything that can start a link, image, emphasis, code span, strikethrough, math or footnote, split a table
# cell or make an e-mail autolink; escaped, it renders as itself.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]!|~$@{}^#])")
# GitHub also links bare ``www.host`` and ``scheme://host``: escaping that one dot or colon is enough.
_AUTOLINK = re.compile(r"(?i)(?<=www)\.|:(?=//)")
_BACKTICKS = re.compile("`+")


def _flat(text: str, limit: int) -> str:
    flat = " ".join(_CONTROL.sub("\ufffd", text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "\u2026"
    return flat


def inert(text: str) -> str:
    """Make one line of untrusted text render as itself: no link, image, HTML, emphasis or autolink."""
    escaped = _AUTOLINK.sub(lambda found: "\\" + found.group(0), _MARKDOWN_ACTIVE.sub(r"\\\1", text))
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: str, limit: int = MESSAGE_CHARS) -> str:
    """Make untrusted text safe inside a table cell or a line: one line, inert, bounded."""
    return inert(_flat(text, limit))


def code_span(text: str, limit: int = MESSAGE_CHARS, *, table: bool = False) -> str:
    """Render untrusted text as one inline code span that no backtick in it can close early."""
    flat = _flat(text, limit)
    if not flat:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    if table:  # GitHub splits table cells at a pipe before it sees code spans
        flat = flat.replace("|", "\\|")
    if flat.startswith("`") or flat.endswith("`"):
        flat = f" {flat} "  # the renderer strips these again; they keep the text's backticks off the fence
    return f"{fence}{flat}{fence}"


def code_block(text: str, language: str = "text") -> str:
    """Render untrusted multi-line text as a fenced code block that no line of it can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = _CONTROL.sub("\ufffd", text).rstrip("\n")
    return f"{fence}{language}\n{body}\n{fence}\n"


def _prose(text: str, limit: int, *, table: bool = False) -> str:
    """Render text whose backtick pairs mark code (messages, remediations): code spans stay, the rest is inert."""
    return _code_and_text(_flat(text, limit), table=table)


def _code_and_text(flat: str, *, table: bool = False) -> str:
    parts = flat.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code at all
        return inert(flat)
    return "".join(inert(part) if index % 2 == 0 else code_span(part, table=table) for index, part in enumerate(parts))


def _provenance(report: ReportInput) -> str:
    """The provenance sentence: its commands as code, the file name it quotes inert and verbatim."""
    sentence = _flat(report.provenance(), 1000)
    before, found, after = sentence.partition(" ".join(report.origin.split()))
    if not found:
        return _code_and_text(sentence)
    return _code_and_text(before) + inert(found) + _code_and_text(after)


def _verdict(verdict: Verdict) -> str:
    return f"{verdict_symbol(verdict)} {verdict_label(verdict)}"


def _headline(report: ReportInput) -> list[str]:
    assessment = report.assessment
    decision, product, policy = assessment.decision, assessment.product, assessment.policy
    mark = "\u2705" if decision.passed else "\u274c"
    commit = f" @ {code_span(product.commit[:12])}" if product.commit else ""
    return [
        f"## {mark} sdl-gate: {_cell(decision.summary)}",
        "",
        f"**{_cell(product.name)} {_cell(product.version or '')}**{commit} \u00b7 {_cell(assessment.standard)} \u00b7 "
        f"policy {code_span(policy.name)} ({code_span(policy.digest[:19] + chr(0x2026))}) \u00b7 "
        f"assessed {assessment.assessed_on}",
        "",
        f"_{_provenance(report)}_",
        "",
    ]


def _practice_table(assessment: Assessment) -> list[str]:
    lines = [
        "| practice | score | maturity | " + " | ".join(verdict_symbol(v) for v in Verdict) + " |",
        "|---|---:|---|" + "---:|" * len(Verdict),
    ]
    for practice in assessment.practices:
        counts = " | ".join(str(practice.verdicts.get(v.value, 0)) for v in Verdict)
        lines.append(
            f"| {_cell(practice.id)} {_cell(practice.title)} | {practice.score:.2f} | {practice.maturity.value} | "
            f"{counts} |"
        )
    legend = ", ".join(f"{verdict_symbol(v)} {verdict_label(v).lower()}" for v in Verdict)
    return [*lines, "", f"<sub>{legend}</sub>", ""]


def _why(result: RequirementResult) -> str:
    problems = [f"{f.criterion}: {f.message}" for f in problem_findings(result)]
    if not problems:
        return result.rationale
    extra = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + extra


def _blocking(assessment: Assessment) -> list[str]:
    blocking = [r for r in ordered_requirements(assessment) if r.blocking]
    if not blocking:
        return ["Nothing blocks the release.", ""]
    lines = [
        f"### Blocking ({len(blocking)})",
        "",
        "| requirement | verdict | why | fix |",
        "|---|---|---|---|",
    ]
    for result in blocking:
        why = _prose(_why(result), MESSAGE_CHARS, table=True)
        fix = f"{_prose(fix_text(result), 200, table=True)} {code_span('sdl-gate explain ' + result.id, table=True)}"
        lines.append(f"| **{_cell(result.id)}** {_cell(result.title)} | {_verdict(result.verdict)} | {why} | {fix} |")
    return [*lines, ""]


def _requirement_detail(result: RequirementResult) -> list[str]:
    lines = [
        f"#### {_cell(result.id)} {_cell(result.title)}: {_verdict(result.verdict)} (score {result.score:.2f}, "
        f"{result.mode.value}{', blocks' if result.blocking else ''})",
        "",
    ]
    # Problems first; a requirement with thousands of findings shows the first ones and a count.
    findings = sorted(result.findings, key=lambda f: f.outcome is Outcome.PASS)
    lines += [
        f"- {outcome_label(f.outcome)}: {_cell(f.criterion)}: {_prose(f.message, MESSAGE_CHARS)}"
        + (f" ({code_span(f.location, 200)})" if f.location else "")
        for f in findings[:FINDINGS_SHOWN]
    ]
    if len(findings) > FINDINGS_SHOWN:
        lines.append(f"- \u2026 and {len(findings) - FINDINGS_SHOWN} more findings (see the HTML or SARIF report)")
    return [*lines, "", f"Fix: {_prose(fix_text(result), 600)}", ""]


def _matrix(assessment: Assessment) -> list[str]:
    lines = [
        "<details><summary>All requirements</summary>",
        "",
        "| requirement | verdict | score | mode | blocks |",
        "|---|---|---:|---|---|",
    ]
    for result in assessment.requirements:
        lines.append(
            f"| {_cell(result.id)} {_cell(result.title)} | {_verdict(result.verdict)} | {result.score:.2f} | "
            f"{result.mode.value} | {'yes' if result.blocking else 'no'} |"
        )
    return [*lines, "", "</details>", ""]


def _imported_tests(assessment: Assessment) -> list[str]:
    notes = imported_test_notes(assessment)
    if not notes:
        return []
    return ["**Imported test results** (not observed by sdl-gate):", "", *(f"- {_cell(n, 1000)}" for n in notes), ""]


def _not_counting(waiver: WaiverResult) -> str:
    """Say beside its state that a waiver without a verified approval does not count."""
    if waiver.approval is ExceptionStatus.APPROVED:
        return ""
    return f", does not count ({waiver.approval.value.replace('_', ' ')})"


def _waivers(assessment: Assessment) -> list[str]:
    if not assessment.waivers:
        return []
    lines = [
        f"<details><summary>Waivers ({len(assessment.waivers)})</summary>",
        "",
        "| waiver | target | state | expires | approver |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(w.id)} | {_cell(w.target)} | {w.state.value}{_not_counting(w)} | {_cell(w.expires)} | "
        f"{_cell(w.approver)} |"
        for w in assessment.waivers
    ]
    return [*lines, "", "</details>", ""]


def _size(lines: list[str]) -> int:
    return sum(len(line.encode("utf-8")) + 1 for line in lines)


def render_markdown(report: ReportInput, *, max_bytes: int = MAX_BYTES) -> str:
    """Return the assessment as GitHub-flavoured Markdown of at most ``max_bytes`` bytes."""
    assessment = report.assessment
    head = _headline(report) + _blocking(assessment) + _imported_tests(assessment) + _practice_table(assessment)
    tail = _matrix(assessment) + _waivers(assessment)
    footer = ["<sub>Run `sdl-gate explain ID` for what a requirement asks and how to fix it.</sub>", ""]
    details_open = ["<details><summary>Details of unmet requirements</summary>", ""]
    details_close = ["</details>", ""]
    budget = max_bytes - _size(head) - _size(tail) - _size(footer) - _size(details_open) - _size(details_close) - 200
    details: list[str] = []
    unmet_results = [r for r in ordered_requirements(assessment) if r.is_problem]
    omitted = 0
    for index, result in enumerate(unmet_results):
        block = _requirement_detail(result)
        if _size(block) > budget:
            omitted = len(unmet_results) - index
            break
        details += block
        budget -= _size(block)
    if omitted:
        details += [
            f"_{omitted} more unmet requirement{'s' if omitted != 1 else ''} not shown: the summary would pass "
            "GitHub's 1 MiB limit. The HTML or SARIF report has every finding._",
            "",
        ]
    body = head + (details_open + details + details_close if details else []) + tail + footer
    text = "\n".join(body)
    if len(text.encode("utf-8")) > max_bytes:
        # Only the fixed parts are left and they still do not fit (absurdly long titles): cut hard, say so.
        note = "\n\n_Summary cut at GitHub's size limit._\n"
        room = max_bytes - len(note.encode("utf-8"))
        text = text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + note
    return text
