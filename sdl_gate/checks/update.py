"""Checks for practice 7, security update management (SUM-1 to SUM-5)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import record
from sdl_gate.checks._regression import regression_tests_pass
from sdl_gate.checks._signing import verifiable_updates
from sdl_gate.checks._vulns import patch_timeliness

CHECKS: dict[str, Check] = {
    "SUM-1": Check(
        "SUM-1",
        (
            record("test_report", purpose="the regression testing of the security update"),
            regression_tests_pass,
        ),
    ),
    "SUM-2": Check("SUM-2", (record("release_notes", purpose="the documentation of the security fixes"),)),
    "SUM-3": Check("SUM-3", (record("release_notes", purpose="notes on dependency and platform updates"),)),
    "SUM-4": Check("SUM-4", (verifiable_updates,)),
    "SUM-5": Check(
        "SUM-5",
        (
            record("process_document", purpose="the patch timeframe policy"),
            patch_timeliness,
        ),
    ),
}
