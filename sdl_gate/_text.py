"""Text helpers shared by findings, hooks and reports."""

from __future__ import annotations

from collections.abc import Iterable


def first_and_more(items: Iterable[str], limit: int | None, separator: str = ", ", *, total: int | None = None) -> str:
    """Join the first ``limit`` items (all when None) and say how many of ``total`` (default: all) are left out."""
    listed = list(items)
    shown = listed if limit is None else listed[:limit]
    left_out = (len(listed) if total is None else total) - len(shown)
    more = f" (and {left_out} more)" if left_out > 0 else ""
    return separator.join(shown) + more
