"""OSV affected-version matching for PyPI: PEP 440 ordering, ECOSYSTEM ranges and explicit version lists."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import Version

PYPI = "PyPI"


class RangeType(str, enum.Enum):
    """OSV range types; only ECOSYSTEM (and SEMVER, ordered the same way for PyPI) match versions."""

    ECOSYSTEM = "ECOSYSTEM"
    SEMVER = "SEMVER"
    GIT = "GIT"


class EventKind(str, enum.Enum):
    """The events of an OSV range."""

    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


@dataclass(frozen=True)
class Event:
    """One range event; ``version`` is None for ``introduced: "0"`` (the start of time)."""

    kind: EventKind
    version: Version | None


@dataclass(frozen=True)
class VersionRange:
    """An ECOSYSTEM range with its events in the order OSV evaluates them."""

    events: tuple[Event, ...]
    limits: tuple[Version, ...]


@dataclass(frozen=True)
class Affected:
    """One ``affected[]`` entry for a PyPI package, parsed for matching."""

    package: str
    ranges: tuple[VersionRange, ...]
    versions: frozenset[str]
    fixed: tuple[str, ...]
    canonical_versions: frozenset[str | None] = frozenset()


class MatchError(ValueError):
    """An OSV record is not usable: ``where`` names the field, ``message`` what is wrong."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


def normalise_name(name: str) -> str:
    """Return the PEP 503 normalised package name."""
    return canonicalize_name(name)


def _version(text: str) -> Version | None:
    """The PEP 440 version ``text`` spells, or None (also for a number longer than Python converts)."""
    try:
        return Version(text)
    except ValueError:  # InvalidVersion, or a release number of thousands of digits
        return None


def parse_version(text: str, where: str) -> Version:
    """Parse a PEP 440 version or raise :class:`MatchError` naming ``where``."""
    version = _version(text)
    if version is None:
        shown = text if len(text) <= 80 else text[:80] + "\u2026"
        raise MatchError(where, f"{shown!r} is not a PEP 440 version")
    return version


def _event(raw: Mapping[str, Any], where: str) -> Event:
    if len(raw) != 1:
        raise MatchError(where, "an event has exactly one of introduced, fixed, last_affected, limit")
    key, value = next(iter(raw.items()))
    try:
        kind = EventKind(key)
    except ValueError:
        raise MatchError(where, f"unknown event {key!r}") from None
    if not isinstance(value, str):
        raise MatchError(where, f"{key} must be a string")
    if kind is EventKind.INTRODUCED and value == "0":
        return Event(kind, None)
    if kind is EventKind.LIMIT and value == "*":
        return Event(kind, None)
    return Event(kind, parse_version(value, f"{where}.{key}"))


def parse_affected(raw: Mapping[str, Any], where: str) -> Affected | None:
    """Parse one ``affected[]`` entry; return None when it is not about a PyPI package."""
    package = raw.get("package")
    if not isinstance(package, Mapping) or package.get("ecosystem") != PYPI:
        return None
    name = package.get("name")
    if not isinstance(name, str) or not name:
        raise MatchError(f"{where}.package.name", "missing package name")
    ranges: list[VersionRange] = []
    fixed: list[str] = []
    raw_ranges = raw.get("ranges", [])
    if not isinstance(raw_ranges, list):
        raise MatchError(f"{where}.ranges", "must be a list")
    for r_index, raw_range in enumerate(raw_ranges):
        r_where = f"{where}.ranges[{r_index}]"
        if not isinstance(raw_range, Mapping):
            raise MatchError(r_where, "must be a mapping")
        try:
            range_type = RangeType(raw_range.get("type"))
        except ValueError:
            raise MatchError(f"{r_where}.type", f"unknown range type {raw_range.get('type')!r}") from None
        match range_type:
            case RangeType.GIT:
                # Commit ranges describe the source repository, not released versions.
                continue
            case RangeType.ECOSYSTEM | RangeType.SEMVER:
                pass
        raw_events = raw_range.get("events")
        if not isinstance(raw_events, list) or not raw_events:
            raise MatchError(f"{r_where}.events", "a range needs at least one event")
        events: list[Event] = []
        limits: list[Version] = []
        for e_index, raw_event in enumerate(raw_events):
            if not isinstance(raw_event, Mapping):
                raise MatchError(f"{r_where}.events[{e_index}]", "must be a mapping")
            event = _event(raw_event, f"{r_where}.events[{e_index}]")
            if event.kind is EventKind.LIMIT:
                if event.version is not None:
                    limits.append(event.version)
                continue
            events.append(event)
            if event.kind is EventKind.FIXED:
                fixed.append(str(raw_event["fixed"]))
        ranges.append(VersionRange(events=tuple(events), limits=tuple(limits)))
    raw_versions = raw.get("versions", [])
    if not isinstance(raw_versions, list) or not all(isinstance(v, str) for v in raw_versions):
        raise MatchError(f"{where}.versions", "must be a list of version strings")
    return Affected(
        package=normalise_name(name),
        ranges=tuple(ranges),
        versions=frozenset(raw_versions),
        fixed=tuple(fixed),
        # Listed versions compare by PEP 440 equality (0.5 == 0.5.0); non-PEP 440 ones only as text.
        canonical_versions=frozenset(canonical_version(v) for v in raw_versions) - {None},
    )


_ZERO = Version("0")


def _sort_key(event: Event) -> tuple[int, Version]:
    # introduced "0" (version None) sorts before every real version.
    return (0, _ZERO) if event.version is None else (1, event.version)


def in_range(version: Version, version_range: VersionRange) -> bool:
    """Return whether ``version`` is affected by one range, following the OSV evaluation algorithm."""
    if version_range.limits and not any(version < limit for limit in version_range.limits):
        return False
    affected = False
    ordered = sorted(version_range.events, key=_sort_key)
    for event in ordered:
        match event.kind:
            case EventKind.INTRODUCED:
                if event.version is None or version >= event.version:
                    affected = True
            case EventKind.FIXED:
                if event.version is not None and version >= event.version:
                    affected = False
            case EventKind.LAST_AFFECTED:
                if event.version is not None and version > event.version:
                    affected = False
            case EventKind.LIMIT:
                pass
    return affected


def is_affected(version_text: str, affected: Affected) -> bool:
    """Return whether a package version is affected: listed explicitly, or inside any range."""
    if version_text in affected.versions:
        return True
    version = _version(version_text)
    if version is None:
        return False
    if canonical_version(version_text) in affected.canonical_versions:
        return True
    return any(in_range(version, r) for r in affected.ranges)


_RELEASE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


@functools.lru_cache(maxsize=65536)
def canonical_version(text: str) -> str | None:
    """Return the PEP 440 canonical form (``0.5.0`` -> ``0.5``), or None for a non-PEP 440 string."""
    if _RELEASE.fullmatch(text):
        # The common case, without building a Version: strip leading zeros and trailing ".0" parts.
        parts = [part.lstrip("0") or "0" for part in text.split(".")]
        while len(parts) > 1 and parts[-1] == "0":
            parts.pop()
        return ".".join(parts)
    version = _version(text)
    return None if version is None else canonicalize_version(version)


def record_affects(entries: Iterable[Affected], package: str, version_text: str) -> bool:
    """Return whether any of a record's entries for ``package`` covers ``version_text``."""
    wanted = normalise_name(package)
    return any(entry.package == wanted and is_affected(version_text, entry) for entry in entries)


def parse_record_affected(record: Mapping[str, Any]) -> list[Affected]:
    """Parse every PyPI ``affected[]`` entry of an OSV record."""
    raw_affected = record.get("affected", [])
    if not isinstance(raw_affected, Sequence) or isinstance(raw_affected, str):
        raise MatchError("affected", "must be a list")
    parsed: list[Affected] = []
    for index, raw in enumerate(raw_affected):
        if not isinstance(raw, Mapping):
            raise MatchError(f"affected[{index}]", "must be a mapping")
        entry = parse_affected(raw, f"affected[{index}]")
        if entry is not None:
            parsed.append(entry)
    return parsed
