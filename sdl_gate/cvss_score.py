"""CVSS base scores and ratings of vectors, computed by the maintained ``cvss`` package."""

from __future__ import annotations

from dataclasses import dataclass

from cvss import CVSS3, CVSS4, CVSSError

#: The vector prefixes the scorer knows; CVSS 2 vectors carry no prefix and are not scored.
_SCORERS = {"CVSS:3.0/": CVSS3, "CVSS:3.1/": CVSS3, "CVSS:4.0/": CVSS4}


@dataclass(frozen=True)
class CvssScore:
    """The base score of a vector and its qualitative rating (none, low, medium, high, critical)."""

    score: float
    rating: str


def base_score(vector: str) -> CvssScore:
    """Score a CVSS 3.0, 3.1 or 4.0 vector; raise ``ValueError`` if it is not a valid base vector."""
    scorer = next((kind for prefix, kind in _SCORERS.items() if vector.startswith(prefix)), None)
    if scorer is None:
        raise ValueError(f"{vector!r} is not a CVSS 3.0, 3.1 or 4.0 vector (CVSS:3.1/AV:N/AC:L/...)")
    try:
        scored = scorer(vector)
    except CVSSError as exc:
        raise ValueError(f"{vector!r} is not a valid CVSS base vector: {exc}") from None
    if isinstance(scored, CVSS4):
        score, rating = scored.base_score, scored.severity
    else:
        score, rating = scored.base_score, scored.severities()[0]
    return CvssScore(score=float(score), rating=str(rating).lower())


def score_or_none(vector: str) -> CvssScore | None:
    """Score ``vector`` as :func:`base_score` does, or None where it cannot tell (not a valid vector)."""
    try:
        return base_score(vector)
    except ValueError:
        return None
