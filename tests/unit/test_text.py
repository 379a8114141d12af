"""The one "first N and K more" listing every finding, hook and report uses."""

from __future__ import annotations

from sdl_gate._text import first_and_more


def test_a_short_list_is_listed_whole() -> None:
    assert first_and_more(["a", "b"], 2) == "a, b"
    assert first_and_more([], 3) == ""


def test_a_long_list_says_how_many_more() -> None:
    assert first_and_more(["a", "b", "c", "d"], 2, "; ") == "a; b (and 2 more)"


def test_no_limit_lists_everything() -> None:
    assert first_and_more([str(n) for n in range(50)], None).count(",") == 49


def test_the_total_may_exceed_the_items_given() -> None:
    # A collector may keep the first few changed files of many and count them all.
    assert first_and_more(["a", "b"], 5, total=9) == "a, b (and 7 more)"
