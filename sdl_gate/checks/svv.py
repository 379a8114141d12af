"""Checks for practice 5, security verification and validation testing (SVV-1 to SVV-5)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import record
from sdl_gate.checks._independence import testers_independent
from sdl_gate.checks._inspection import inspected_requirements
from sdl_gate.checks._sast import languages_analysed
from sdl_gate.checks._threats import mitigations_tested, requirements_tested
from sdl_gate.checks._vulns import known_vulnerabilities

CHECKS: dict[str, Check] = {
    "SVV-1": Check("SVV-1", (requirements_tested, inspected_requirements)),
    "SVV-2": Check("SVV-2", (mitigations_tested,)),
    "SVV-3": Check(
        "SVV-3",
        (
            known_vulnerabilities,
            languages_analysed,
            record("test_report", purpose="fuzzing, abuse-case and attack-surface testing"),
        ),
    ),
    "SVV-4": Check("SVV-4", (record("pen_test", purpose="the penetration test of this product"),)),
    "SVV-5": Check(
        "SVV-5",
        (
            record("process_document", "test_report", purpose="who tested and how independent they were"),
            testers_independent,
        ),
    ),
}
