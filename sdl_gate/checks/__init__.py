"""The check registry: one check per IEC 62443-4-1 requirement, by id (explicit, no discovery).

``CHECKS`` loads every practice module on first use, so that a command which only needs the shared types
(``Outcome``, ``Finding``), or one helper module, does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdl_gate.checks._base import Check, CheckInput, Criterion, Finding, Outcome

if TYPE_CHECKING:
    from sdl_gate.checks._registry import CHECKS
else:

    def __getattr__(name: str) -> Any:
        """Import the registry (every practice module) when ``CHECKS`` is first asked for."""
        if name == "CHECKS":
            from sdl_gate.checks._registry import CHECKS

            return CHECKS
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CHECKS", "Check", "CheckInput", "Criterion", "Finding", "Outcome"]
