"""The check registry: one check per IEC 62443-4-1 requirement, by id (explicit, no discovery)."""

from __future__ import annotations

from sdl_gate.checks import dm, sd, sg, si, sm, sr, sum, svv
from sdl_gate.checks._base import Check, CheckInput, Criterion, Finding, Outcome

CHECKS: dict[str, Check] = {
    **sm.CHECKS,
    **sr.CHECKS,
    **sd.CHECKS,
    **si.CHECKS,
    **svv.CHECKS,
    **dm.CHECKS,
    **sum.CHECKS,
    **sg.CHECKS,
}

__all__ = ["CHECKS", "Check", "CheckInput", "Criterion", "Finding", "Outcome"]
