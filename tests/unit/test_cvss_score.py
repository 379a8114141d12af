"""CVSS base scores and ratings, as FIRST's calculators give them, and refusals of what is not a vector."""

from __future__ import annotations

import pytest

from sdl_gate.cvss_score import CvssScore, base_score, score_or_none

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@pytest.mark.parametrize(
    ("vector", "score", "rating"),
    [
        (CRITICAL, 9.8, "critical"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "critical"),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "critical"),
        ("CVSS:3.1/AV:A/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:L", 5.9, "medium"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "medium"),
        ("CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:C/C:N/I:L/A:L", 5.5, "medium"),
        ("CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8, "low"),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "low"),
        ("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "none"),
        # Temporal and environmental metrics may follow; the base score ignores them.
        (CRITICAL + "/E:P/RL:O", 9.8, "critical"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, "critical"),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, "none"),
    ],
)
def test_base_scores_and_ratings(vector: str, score: float, rating: str) -> None:
    assert base_score(vector) == CvssScore(score=score, rating=rating)
    assert score_or_none(vector) == CvssScore(score=score, rating=rating)


@pytest.mark.parametrize(
    "vector",
    [
        "",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P",  # CVSS 2 names no version
        "CVSS:3.1/AV:N",
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:4.0/AV:N",
        " " + CRITICAL,
    ],
)
def test_what_is_not_a_valid_vector_is_refused_or_unknown(vector: str) -> None:
    with pytest.raises(ValueError):
        base_score(vector)
    assert score_or_none(vector) is None
