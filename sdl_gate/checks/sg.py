"""Checks for practice 8, security guidelines (SG-1 to SG-7)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import guideline_document, record

CHECKS: dict[str, Check] = {
    **{rid: Check(rid, (guideline_document,)) for rid in ("SG-1", "SG-2", "SG-3", "SG-4", "SG-5", "SG-6")},
    "SG-7": Check("SG-7", (record("review", purpose="the review of the user guideline documents"),)),
}
