"""Is a text real content or a placeholder? Shared by every check that must not count a "TBD" as evidence.

A placeholder is empty or whitespace, carries a marker (TODO, TBD, FIXME, XXX, lorem ipsum), says nothing
but filler ("n/a", "-", "none", "to be defined"), is the unedited text ``sdl-gate init`` writes (with or
without its TODO), or is too short to say anything (by default fewer than eight letters or digits).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: Letters and digits a free text needs to count as content; names and categories pass a smaller minimum.
MIN_CONTENT_CHARS = 8

TEMPLATE_DIR = Path(__file__).with_name("templates")

# Upper case only for TODO and XXX: "todo" is an ordinary word in some products' vocabularies.
_MARKERS = re.compile(r"\b(?:TODO|XXX)\b|\b(?:tbd|tba|fixme)\b|lorem ipsum", re.IGNORECASE)
_UPPER_ONLY = {"todo", "xxx"}
_TEMPLATE_TAIL = re.compile(r"\s{2,}#.*$")
_PUNCTUATION = " \t\r\n.,;:!?-_*~'\"`()[]{}<>"
_FILLER = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a",
        "none",
        "nil",
        "null",
        "nothing",
        "todo",
        "tbd",
        "tba",
        "fixme",
        "xxx",
        "wip",
        "to do",
        "to be done",
        "to be defined",
        "to be determined",
        "to be decided",
        "to be added",
        "to be completed",
        "to be written",
        "not applicable",
        "not yet",
        "not yet defined",
        "placeholder",
        "see above",
        "see below",
        "same as above",
        "as above",
        "change me",
        "changeme",
        "fill in",
        "fill me in",
        "description",
        "mitigation",
        "example",
        "dummy",
        "test",
    }
)


class PlaceholderKind(str, enum.Enum):
    """Why a text does not count as content."""

    EMPTY = "empty"
    MARKER = "marker"
    FILLER = "filler"
    TEMPLATE = "template"
    TOO_SHORT = "too_short"


@dataclass(frozen=True)
class Placeholder:
    """A text found to be a placeholder, and why."""

    kind: PlaceholderKind
    detail: str

    def describe(self) -> str:
        """Say why, for a finding's message (e.g. ``contains 'TBD'``)."""
        match self.kind:
            case PlaceholderKind.EMPTY:
                return "is empty"
            case PlaceholderKind.MARKER:
                return f"contains {self.detail!r}"
            case PlaceholderKind.FILLER:
                return f"says only {self.detail!r}"
            case PlaceholderKind.TEMPLATE:
                return "is the unedited template text of `sdl-gate init`"
            case PlaceholderKind.TOO_SHORT:
                return f"is too short to be content ({self.detail!r})"


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split()).strip(_PUNCTUATION)


@cache
def template_texts() -> frozenset[str]:
    """The free texts of the shipped templates, normalised, with their TODO marker taken off."""
    found: set[str] = set()
    for template in sorted(TEMPLATE_DIR.rglob("*.yaml")):
        for line in template.read_text(encoding="utf-8").splitlines():
            _, marker, rest = line.partition("TODO")
            if not marker:
                continue
            remainder = _normalise(_TEMPLATE_TAIL.sub("", rest))
            if sum(c.isalnum() for c in remainder) >= 3:
                found.add(remainder)
    return frozenset(found)


def find_placeholder(text: str | None, *, min_chars: int = MIN_CONTENT_CHARS) -> Placeholder | None:
    """Return why ``text`` is a placeholder, or None when it is real content."""
    if text is None or not text.strip():
        return Placeholder(PlaceholderKind.EMPTY, "")
    for match in _MARKERS.finditer(text):
        word = match.group(0)
        if word.casefold() in _UPPER_ONLY and not word.isupper():
            continue
        return Placeholder(PlaceholderKind.MARKER, word)
    normalised = _normalise(text)
    if normalised in _FILLER:
        return Placeholder(PlaceholderKind.FILLER, text.strip())
    if normalised in template_texts():
        return Placeholder(PlaceholderKind.TEMPLATE, text.strip())
    if sum(c.isalnum() for c in text) < min_chars:
        return Placeholder(PlaceholderKind.TOO_SHORT, text.strip())
    return None


def is_placeholder(text: str | None, *, min_chars: int = MIN_CONTENT_CHARS) -> bool:
    """Whether ``text`` is a placeholder rather than content."""
    return find_placeholder(text, min_chars=min_chars) is not None
