"""Severity of a threat: a qualitative level, or a CVSS 3.0/3.1/4.0 base vector rated by its score."""

from __future__ import annotations

from sdl_gate.cvss_score import base_score

LEVELS = ("low", "medium", "high", "critical")
#: The levels SD-2 asks two independent mitigations for.
HIGH_LEVELS = ("high", "critical")


def severity_level(value: str) -> str | None:
    """Return low/medium/high/critical for a level or a CVSS vector (None for a score of 0.0)."""
    lowered = value.strip().lower()
    if lowered in LEVELS:
        return lowered
    if not value.startswith("CVSS:"):
        raise ValueError(f"{value!r} is neither low, medium, high, critical nor a CVSS vector")
    rating = base_score(value).rating
    return rating if rating in LEVELS else None
