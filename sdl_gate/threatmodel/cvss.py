"""Severity of a threat: a qualitative level, or a CVSS 3.0/3.1 base vector scored as FIRST specifies."""

from __future__ import annotations

import math
import re

LEVELS = ("low", "medium", "high", "critical")
#: The levels SD-2 asks two independent mitigations for.
HIGH_LEVELS = ("high", "critical")

_VECTOR = re.compile(r"^CVSS:3\.[01]/(.+)$")
_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
_PRIVILEGES = {"U": {"N": 0.85, "L": 0.62, "H": 0.27}, "C": {"N": 0.85, "L": 0.68, "H": 0.5}}
_BASE_METRICS = ("AV", "AC", "PR", "UI", "S", "C", "I", "A")


def _roundup(value: float) -> float:
    # CVSS 3.1 Appendix A: round up to one decimal without floating-point surprises.
    integer = round(value * 100_000)
    if integer % 10_000 == 0:
        return integer / 100_000.0
    return (math.floor(integer / 10_000) + 1) / 10.0


def base_score(vector: str) -> float:
    """Return the CVSS 3.x base score of ``vector``; raise ``ValueError`` if it is not a valid base vector."""
    match = _VECTOR.match(vector)
    if match is None:
        raise ValueError(f"{vector!r} is not a CVSS 3.0/3.1 vector (CVSS:3.1/AV:N/AC:L/...)")
    metrics: dict[str, str] = {}
    for part in match.group(1).split("/"):
        key, _, value = part.partition(":")
        if key in metrics:
            raise ValueError(f"CVSS metric {key} appears twice in {vector!r}")
        metrics[key] = value
    missing = [m for m in _BASE_METRICS if m not in metrics]
    if missing:
        raise ValueError(f"CVSS vector {vector!r} lacks base metric(s) {', '.join(missing)}")
    scope = metrics["S"]
    if scope not in _PRIVILEGES:
        raise ValueError(f"CVSS metric S:{scope} is invalid in {vector!r}")
    try:
        weights = {key: _WEIGHTS[key][metrics[key]] for key in _WEIGHTS}
        privileges = _PRIVILEGES[scope][metrics["PR"]]
    except KeyError:
        raise ValueError(f"CVSS vector {vector!r} has an invalid metric value") from None
    iss = 1 - (1 - weights["C"]) * (1 - weights["I"]) * (1 - weights["A"])
    impact = 6.42 * iss if scope == "U" else 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    exploitability = 8.22 * weights["AV"] * weights["AC"] * privileges * weights["UI"]
    if impact <= 0:
        return 0.0
    if scope == "U":
        return _roundup(min(impact + exploitability, 10))
    return _roundup(min(1.08 * (impact + exploitability), 10))


def severity_level(value: str) -> str | None:
    """Return low/medium/high/critical for a level or a CVSS vector (None for a score of 0.0)."""
    lowered = value.strip().lower()
    if lowered in LEVELS:
        return lowered
    if not value.startswith("CVSS:"):
        raise ValueError(f"{value!r} is neither low, medium, high, critical nor a CVSS 3.x vector")
    score = base_score(value)
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return None
