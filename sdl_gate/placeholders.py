"""Is a text real content or a placeholder? Shared by every check that must not count a "TBD" as evidence.

A placeholder is empty or whitespace, carries a marker (TODO, TBD, FIXME, XXX, lorem ipsum, "<fill in>"),
says nothing but filler ("n/a", "-", "none", "to be defined"), is the unedited text ``sdl-gate init`` writes
(with or without its TODO), or is too short to say anything (by default fewer than eight letters or digits).

Whole documents (records and the files they link, user guidelines) are judged line by line: markers, empty
sections (a heading with nothing under it) and text that is (nearly) a template the installed sdl-gate ships.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: Letters and digits a free text needs to count as content; names and categories pass a smaller minimum.
MIN_CONTENT_CHARS = 8

TEMPLATE_DIR = Path(__file__).with_name("templates")

# Upper case only for TODO and XXX: "todo" is an ordinary word in some products' vocabularies.
# "<fill in>", "<your name>", "[insert date]", "{{ product }}": the blanks of a form left blank.
_MARKERS = re.compile(
    r"\b(?:TODO|XXX)\b|\b(?:tbd|tba|fixme)\b|lorem ipsum"
    r"|<[ \t]*(?:fill|insert|enter|replace|add|describe|your[ \t])[^<>\n]{0,60}>"
    r"|\[[ \t]*(?:fill|insert|enter|replace|describe|your[ \t])[^\[\]\n]{0,60}\]"
    r"|\{\{[^{}\n]{0,60}\}\}",
    re.IGNORECASE,
)
_UPPER_ONLY = {"todo", "xxx"}
#: What every marker contains (case-folded): a text with none of these is skipped without running the pattern.
_MARKER_HINTS = ("todo", "xxx", "tbd", "tba", "fixme", "lorem", "<", "[", "{{")
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
    EMPTY_SECTION = "empty_section"
    UNREADABLE = "unreadable"


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
                if self.detail.startswith(_TEMPLATE_FILE_PREFIX):
                    return f"is the unedited `sdl-gate init` template {self.detail.removeprefix(_TEMPLATE_FILE_PREFIX)}"
                return "is the unedited template text of `sdl-gate init`"
            case PlaceholderKind.TOO_SHORT:
                return f"is too short to be content ({self.detail!r})"
            case PlaceholderKind.EMPTY_SECTION:
                return f"has an empty section {self.detail!r} (a heading with nothing under it)"
            case PlaceholderKind.UNREADABLE:
                return f"cannot be checked for placeholders: {self.detail}"


_TEMPLATE_FILE_PREFIX = "file "


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
    marker = find_marker(text)
    if marker is not None:
        return marker
    normalised = _normalise(text)
    if normalised in _FILLER:
        return Placeholder(PlaceholderKind.FILLER, text.strip())
    if normalised in template_texts():
        return Placeholder(PlaceholderKind.TEMPLATE, text.strip())
    if sum(c.isalnum() for c in text) < min_chars:
        return Placeholder(PlaceholderKind.TOO_SHORT, text.strip())
    return None


def _may_hold_marker(text: str) -> bool:
    folded = text.casefold()
    return any(hint in folded for hint in _MARKER_HINTS)


def find_marker(text: str | None) -> Placeholder | None:
    """Return the first placeholder marker in ``text`` (TODO, TBD, lorem ipsum, "<fill in>"...), or None."""
    if not text or not _may_hold_marker(text):
        return None
    for match in _MARKERS.finditer(text):
        word = match.group(0)
        if word.casefold() in _UPPER_ONLY and not word.isupper():
            continue
        return Placeholder(PlaceholderKind.MARKER, word)
    return None


@dataclass(frozen=True)
class PlaceholderAt:
    """A placeholder found in a document, at a line (1-based)."""

    line: int
    placeholder: Placeholder

    def describe(self, path: str) -> str:
        """Say where and why, e.g. ``docs/x.md:3 contains 'TBD'``."""
        return f"{path}:{self.line} {self.placeholder.describe()}"


#: Placeholders listed per document in evidence; the rest are counted, so a file of TODOs cannot swell the evidence.
SHOWN_PLACEHOLDERS = 20
#: Suffixes of documents judged line by line (markdown and plain text); other files are judged as templates only.
DOCUMENT_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text", ".rst", ".adoc"})
#: Share of a file's content lines that, found in one template, make it that template "nearly unchanged".
TEMPLATE_SHARE = 0.85
#: Content lines a file needs before it can be told to be a template copy (a two-line file says nothing either way).
TEMPLATE_MIN_LINES = 3
#: Larger texts are not compared with the templates (each is a few kilobytes): a copy of one is never this big.
TEMPLATE_MAX_CHARS = 256 * 1024
_COMMENTED_SUFFIXES = frozenset({".yaml", ".yml", ".toml"})
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^\w\n]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
# Linear on any line (a heading's closing #s are taken off in Python): a hostile document cannot stall the gate.
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def _content_lines(text: str, commented: bool) -> list[str]:
    """The lines as templates are compared: comments, markers, digits, case, punctuation and spacing taken off."""
    lines = text.splitlines()
    if commented:
        lines = ["" if line.lstrip().startswith("#") else line.split(" #", 1)[0] for line in lines]
    # Whole-text substitutions run at C speed: a document of megabytes is judged in well under a second.
    lines = [_MARKERS.sub(" ", line) if _may_hold_marker(line) else line for line in lines]
    joined = _DIGITS.sub("0", "\n".join(lines).casefold())
    return [" ".join(line.split()) for line in _NON_WORD.sub(" ", joined).split("\n")]


def _line_digests(text: str, commented: bool) -> list[str]:
    return [
        hashlib.sha256(content.encode("utf-8")).hexdigest()
        for content in _content_lines(text, commented)
        if len(_NOT_LETTER.sub("", content)) >= 3
    ]


@cache
def template_fingerprints() -> tuple[tuple[str, frozenset[str]], ...]:
    """Each shipped template (by its path under the templates) with the digests of its normalised content lines."""
    found = []
    for template in sorted(TEMPLATE_DIR.rglob("*")):
        if not template.is_file() or "__pycache__" in template.parts:
            continue
        commented = template.suffix in _COMMENTED_SUFFIXES
        digests = frozenset(_line_digests(template.read_text(encoding="utf-8"), commented))
        if digests:
            found.append((template.relative_to(TEMPLATE_DIR).as_posix(), digests))
    return tuple(found)


def matching_template(text: str, suffix: str) -> str | None:
    """Return the shipped template ``text`` is a (nearly) unchanged copy of, or None.

    Lines are compared by the digest of their normalised text, so whitespace, case, comments, dates and
    numbers, and the TODO markers taken out do not make a template copy look like content.
    """
    if len(text) > TEMPLATE_MAX_CHARS:
        return None
    lines = _line_digests(text, suffix.lower() in _COMMENTED_SUFFIXES)
    if len(lines) < TEMPLATE_MIN_LINES:
        return None
    for name, digests in template_fingerprints():
        if sum(1 for d in lines if d in digests) >= TEMPLATE_SHARE * len(lines):
            return name
    return None


def template_copy(text: str, suffix: str) -> Placeholder | None:
    """Return a TEMPLATE placeholder naming the shipped template ``text`` copies, or None."""
    name = matching_template(text, suffix)
    return Placeholder(PlaceholderKind.TEMPLATE, _TEMPLATE_FILE_PREFIX + name) if name is not None else None


def _headings(lines: list[str]) -> Iterable[tuple[int, int, str]]:
    """Markdown headings as (index, level, title), outside fenced code blocks."""
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        atx = _ATX_HEADING.match(line)
        if atx:
            yield index, len(atx.group(1)), (atx.group(2) or "").strip().rstrip("#").strip()
            continue
        underline = _SETEXT_UNDERLINE.match(line)
        if underline and index > 0 and lines[index - 1].strip() and not _ATX_HEADING.match(lines[index - 1]):
            yield index - 1, 1 if underline.group(1).startswith("=") else 2, lines[index - 1].strip()


def _empty_sections(lines: list[str]) -> list[PlaceholderAt]:
    """Headings with nothing under them before the next heading of the same or a higher level (or the end)."""
    headings = list(_headings(lines))
    setext = {
        index + 1 for index, _, _ in headings if index + 1 < len(lines) and _SETEXT_UNDERLINE.match(lines[index + 1])
    }
    heading_lines = {index for index, _, _ in headings} | setext
    found = []
    for position, (index, level, title) in enumerate(headings):
        # Only the lines up to the next heading can be this heading's own content; a sub-heading with content
        # under it counts as content too, so look past sub-headings until the next heading of the same level.
        end = len(lines)
        for later in range(position + 1, len(headings)):
            if headings[later][1] <= level:
                end = headings[later][0]
                break
        body = [
            line
            for number, line in enumerate(lines[index + 1 : end], start=index + 1)
            if number not in heading_lines and line.strip() and not line.strip().startswith("<!--")
        ]
        if not body:
            found.append(PlaceholderAt(index + 1, Placeholder(PlaceholderKind.EMPTY_SECTION, title)))
    return found


def document_placeholders(text: str, suffix: str) -> list[PlaceholderAt]:
    """Every placeholder in a document, by line: markers, empty sections (markdown), a copy of a template, emptiness.

    A markdown or plain-text document (``suffix`` in ``DOCUMENT_SUFFIXES``) is judged line by line; any other
    text is judged only as a possible copy of a shipped template.
    """
    copied = template_copy(text, suffix)
    found = [PlaceholderAt(1, copied)] if copied is not None else []
    if suffix.lower() not in DOCUMENT_SUFFIXES:
        return found
    if not text.strip():
        return [PlaceholderAt(1, Placeholder(PlaceholderKind.EMPTY, ""))]
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        marker = find_marker(line)
        if marker is not None:
            found.append(PlaceholderAt(number, marker))
    if suffix.lower() in (".md", ".markdown"):
        found += _empty_sections(lines)
    return sorted(found, key=lambda p: (p.line, p.placeholder.kind.value))
