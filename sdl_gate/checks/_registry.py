"""Every check, by requirement id: importing this loads every practice module."""

from __future__ import annotations

from sdl_gate.checks import dm, sd, sg, si, sm, sr, svv, update
from sdl_gate.checks._base import Check

CHECKS: dict[str, Check] = {
    **sm.CHECKS,
    **sr.CHECKS,
    **sd.CHECKS,
    **si.CHECKS,
    **svv.CHECKS,
    **dm.CHECKS,
    **update.CHECKS,
    **sg.CHECKS,
}
