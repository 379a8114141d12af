"""Checks for practice 4, secure implementation (SI-1, SI-2)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import record
from sdl_gate.checks._sast import (
    languages_analysed,
    sast_configuration,
    sast_files_analysed,
    sast_findings,
    sast_scan_of_commit,
    sast_skips,
    sast_suppressions,
)

CHECKS: dict[str, Check] = {
    "SI-1": Check(
        "SI-1",
        (
            record("review", purpose="the code review practice"),
            sast_files_analysed,
            sast_scan_of_commit,
            languages_analysed,
            sast_findings,
            sast_skips,
        ),
    ),
    "SI-2": Check(
        "SI-2",
        (
            record("process_document", purpose="the secure coding standard"),
            sast_configuration,
            sast_suppressions,
        ),
    ),
}
