"""CVSS v3.x base scores from vectors (FIRST specification), so findings can carry a number and a rating."""

from __future__ import annotations

import math

_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
_PR = {"U": {"N": 0.85, "L": 0.62, "H": 0.27}, "C": {"N": 0.85, "L": 0.68, "H": 0.5}}


def _round_up(value: float) -> float:
    # The specification's Roundup, written to avoid floating-point surprises.
    integer = round(value * 100000)
    if integer % 10000 == 0:
        return integer / 100000.0
    return (math.floor(integer / 10000) + 1) / 10.0


def cvss3_base_score(vector: str) -> float | None:
    """Return the base score of a ``CVSS:3.0/...`` or ``CVSS:3.1/...`` vector, or None if it is not one."""
    parts = vector.strip().split("/")
    if not parts or parts[0] not in ("CVSS:3.0", "CVSS:3.1"):
        return None
    metrics: dict[str, str] = {}
    for part in parts[1:]:
        key, _, value = part.partition(":")
        metrics[key] = value
    try:
        scope = metrics["S"]
        impact_sub = 1 - (1 - _WEIGHTS["C"][metrics["C"]]) * (1 - _WEIGHTS["I"][metrics["I"]]) * (
            1 - _WEIGHTS["A"][metrics["A"]]
        )
        exploitability = (
            8.22
            * _WEIGHTS["AV"][metrics["AV"]]
            * _WEIGHTS["AC"][metrics["AC"]]
            * _PR[scope][metrics["PR"]]
            * _WEIGHTS["UI"][metrics["UI"]]
        )
    except KeyError:
        return None
    impact = 6.42 * impact_sub if scope == "U" else 7.52 * (impact_sub - 0.029) - 3.25 * (impact_sub - 0.02) ** 15
    if impact <= 0:
        return 0.0
    if scope == "U":
        return _round_up(min(impact + exploitability, 10))
    return _round_up(min(1.08 * (impact + exploitability), 10))


def rating(score: float) -> str:
    """Return the qualitative rating (none, low, medium, high, critical) of a CVSS score."""
    if score == 0:
        return "none"
    if score < 4:
        return "low"
    if score < 7:
        return "medium"
    if score < 9:
        return "high"
    return "critical"
