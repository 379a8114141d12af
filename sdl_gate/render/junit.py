"""The assessment as JUnit XML: one test case per requirement, one test suite per practice.

A requirement that is not satisfied or partially satisfied fails; one that could not be assessed fails
when it blocks the gate (and is skipped, with the reason, when it does not); not applicable and waived
requirements are skipped with their reason, so a waived item is always visible in the test report.
"""

from __future__ import annotations

import enum
import re
import xml.etree.ElementTree as ET

from sdl_gate.assess import RequirementResult, Verdict
from sdl_gate.render.view import ReportInput, fix_text, outcome_label, problem_findings, verdict_label

# XML 1.0 cannot carry most control characters, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class CaseState(str, enum.Enum):
    """How a requirement shows in a test report."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


def case_state(result: RequirementResult) -> CaseState:
    """Map a requirement's verdict (and whether it blocks) to a test-case state."""
    match result.verdict:
        case Verdict.SATISFIED:
            return CaseState.PASSED
        case Verdict.NOT_SATISFIED | Verdict.PARTIALLY_SATISFIED:
            return CaseState.FAILED
        case Verdict.NOT_ASSESSED:
            return CaseState.FAILED if result.blocking else CaseState.SKIPPED
        case Verdict.NOT_APPLICABLE | Verdict.WAIVED:
            return CaseState.SKIPPED


def _text(value: str) -> str:
    return _INVALID_XML.sub("\ufffd", value)


def _details(result: RequirementResult) -> str:
    lines = [
        f"{outcome_label(f.outcome)}: {f.criterion}: {f.message}" + (f" [{f.location}]" if f.location else "")
        for f in problem_findings(result)
    ]
    lines += ["", f"Rationale: {result.rationale}", f"Fix: {fix_text(result)}", f"See: sdl-gate explain {result.id}"]
    return _text("\n".join(lines))


def render_junit(report: ReportInput) -> str:
    """Return the assessment as a JUnit XML document."""
    assessment = report.assessment
    states = {r.id: case_state(r) for r in assessment.requirements}
    root = ET.Element(
        "testsuites",
        {
            "name": _text(f"sdl-gate {assessment.standard}: {assessment.product.name}"),
            "tests": str(len(states)),
            "failures": str(sum(1 for s in states.values() if s is CaseState.FAILED)),
            "errors": "0",
            "skipped": str(sum(1 for s in states.values() if s is CaseState.SKIPPED)),
            "time": "0",
        },
    )
    for practice in assessment.practices:
        members = [r for r in assessment.requirements if r.practice == practice.id]
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": _text(f"{practice.id} {practice.title}"),
                "tests": str(len(members)),
                "failures": str(sum(1 for r in members if states[r.id] is CaseState.FAILED)),
                "errors": "0",
                "skipped": str(sum(1 for r in members if states[r.id] is CaseState.SKIPPED)),
                "time": "0",
                # The assessment date, not the wall clock: the same assessment gives the same XML.
                "timestamp": f"{assessment.assessed_on.isoformat()}T00:00:00",
            },
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in (
            ("product", assessment.product.name),
            ("version", assessment.product.version or ""),
            ("commit", assessment.product.commit or ""),
            ("policy", assessment.policy.name),
            ("policy_digest", assessment.policy.digest),
            ("score", f"{practice.score:.4f}"),
            ("maturity", practice.maturity.value),
        ):
            ET.SubElement(properties, "property", {"name": name, "value": _text(value)})
        for result in members:
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": _text(f"iec62443-4-1.{practice.id}"),
                    "name": _text(f"{result.id} {result.title}"),
                    "time": "0",
                },
            )
            label = verdict_label(result.verdict).lower()
            blocks = "blocks the gate" if result.blocking else f"does not block ({result.mode.value})"
            match states[result.id]:
                case CaseState.PASSED:
                    pass
                case CaseState.FAILED:
                    failure = ET.SubElement(
                        case,
                        "failure",
                        {"message": _text(f"{result.id} is {label}; {blocks}"), "type": result.verdict.value},
                    )
                    failure.text = _details(result)
                case CaseState.SKIPPED:
                    ET.SubElement(case, "skipped", {"message": _text(f"{label}: {result.rationale}")})
            out = ET.SubElement(case, "system-out")
            out.text = _text(f"verdict: {result.verdict.value}; score: {result.score:.4f}; {blocks}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
