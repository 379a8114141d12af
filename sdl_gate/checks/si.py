"""Checks for practice 4, secure implementation (SI-1, SI-2)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import awaiting, record
from sdl_gate.evidence import EvidenceKind

CHECKS: dict[str, Check] = {
    "SI-1": Check(
        "SI-1",
        (
            record("review", purpose="the code review practice"),
            awaiting(EvidenceKind.SAST, "static analysis of every tracked source file"),
        ),
    ),
    "SI-2": Check(
        "SI-2",
        (
            record("process_document", purpose="the secure coding standard"),
            awaiting(EvidenceKind.SAST, "an enforced static-analysis configuration"),
        ),
    ),
}
