"""The collector registry: every collector sdl-gate runs, by name (explicit, no import-time discovery).

``COLLECTORS`` loads every collector module on first use, so that a command which reads one kind of evidence
(``records check`` reads the records) does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdl_gate.collectors.base import Collector

if TYPE_CHECKING:
    from sdl_gate.collectors._registry import COLLECTORS
else:

    def __getattr__(name: str) -> Any:
        """Import the registry (every collector module) when ``COLLECTORS`` is first asked for."""
        if name == "COLLECTORS":
            from sdl_gate.collectors._registry import COLLECTORS

            return COLLECTORS
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COLLECTORS", "Collector"]
