"""Where each approved item (a record, a waiver, a SAST baseline entry) stands: the one shape of both status lists."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Standing(str, enum.Enum):
    """Where an item stands, for `records status` and `waivers status`."""

    APPROVED = "approved"
    EXPIRING = "expiring"
    UNSIGNED = "unsigned"
    STALE = "stale"
    NOT_COUNTING = "not counting"
    UNVERIFIED = "unverified"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"


#: The standings in which an item counts today.
COUNTING = frozenset({Standing.APPROVED, Standing.EXPIRING})


@dataclass(frozen=True)
class StatusLine:
    """One item's standing and what to do about it."""

    label: str
    state: Standing
    detail: str

    @property
    def counts(self) -> bool:
        """Whether the item counts today."""
        return self.state in COUNTING


@dataclass(frozen=True)
class StatusReport:
    """A status list: warnings about what it could not check, one line per item, and how many count."""

    noun: str
    lines: tuple[StatusLine, ...]
    warnings: tuple[str, ...] = ()

    @property
    def counting(self) -> int:
        """How many items count."""
        return sum(1 for line in self.lines if line.counts)

    @property
    def all_count(self) -> bool:
        """Whether every item counts."""
        return self.counting == len(self.lines)

    def text(self) -> list[str]:
        """Return the report as console lines: warnings, one line per item, then the count."""
        return [
            *(f"warning: {warning}" for warning in self.warnings),
            *(f"{line.label}: {line.state.value}: {line.detail}" for line in self.lines),
            f"{self.counting} of {len(self.lines)} {self.noun}(s) count",
        ]
