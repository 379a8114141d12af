"""The IEC 62443-4-1 catalogue: requirement IDs, short titles and our own summaries, loaded from data.

The standard's text is copyrighted; the data file holds IDs, short titles and summaries written in
our own words only.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sdl_gate.record_kinds import RecordKind

CATALOGUE_FILE = Path(__file__).with_name("iec62443-4-1.json")
RECORD_KINDS = frozenset(kind.value for kind in RecordKind)


class Automation(enum.Enum):
    """How far pipeline artefacts alone can evidence a requirement."""

    AUTOMATED = "A"
    AUTOMATED_PARTLY = "A/P"
    PARTLY = "P"
    HUMAN = "H"

    def describe(self) -> str:
        """Return a one-line explanation of the class."""
        match self:
            case Automation.AUTOMATED:
                return "pipeline artefacts can evidence it for a release"
            case Automation.AUTOMATED_PARTLY:
                return "mostly pipeline artefacts, with a human record for the rest"
            case Automation.PARTLY:
                return "artefacts support it; a human record or decision is still needed"
            case Automation.HUMAN:
                return "only a human or organisational record evidences it"


@dataclass(frozen=True)
class Practice:
    """One of the eight practices (clauses 5 to 12)."""

    id: str
    clause: int
    title: str
    summary: str


@dataclass(frozen=True)
class Requirement:
    """One of the 47 requirements."""

    id: str
    practice: str
    title: str
    summary: str
    automation: Automation
    #: The record kinds a signed human record evidencing it may be (class H: the ones it cannot be satisfied without).
    record_kinds: tuple[str, ...]
    evidence: tuple[str, ...]
    ssdf: tuple[str, ...]
    remediation: str

    def to_json(self) -> dict[str, object]:
        """Return the JSON form ``sdl-gate catalogue --format json`` prints."""
        return {
            "id": self.id,
            "practice": self.practice,
            "title": self.title,
            "summary": self.summary,
            "automation": self.automation.value,
            "records": list(self.record_kinds),
            "evidence": list(self.evidence),
            "ssdf": list(self.ssdf),
            "remediation": self.remediation,
        }


@dataclass(frozen=True)
class Catalogue:
    """The whole catalogue, in the standard's order."""

    standard: str
    practices: tuple[Practice, ...]
    requirements: tuple[Requirement, ...]

    def requirement(self, requirement_id: str) -> Requirement:
        """Return a requirement by id (case-insensitive), raising ``KeyError`` when unknown."""
        wanted = requirement_id.strip().upper()
        for requirement in self.requirements:
            if requirement.id == wanted:
                return requirement
        raise KeyError(requirement_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """All requirement ids in catalogue order."""
        return tuple(requirement.id for requirement in self.requirements)

    def in_practice(self, practice_id: str) -> tuple[Requirement, ...]:
        """Return the requirements of one practice, in order."""
        return tuple(r for r in self.requirements if r.practice == practice_id)


@cache
def load_catalogue() -> Catalogue:
    """Load and check the catalogue shipped in the package."""
    raw = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    practices = tuple(
        Practice(id=p["id"], clause=int(p["clause"]), title=p["title"], summary=p["summary"]) for p in raw["practices"]
    )
    requirements = tuple(
        Requirement(
            id=r["id"],
            practice=r["practice"],
            title=r["title"],
            summary=r["summary"],
            automation=Automation(r["automation"]),
            record_kinds=tuple(r.get("records", ())),
            evidence=tuple(r["evidence"]),
            ssdf=tuple(r["ssdf"]),
            remediation=r["remediation"],
        )
        for r in raw["requirements"]
    )
    practice_ids = {p.id for p in practices}
    seen: set[str] = set()
    for requirement in requirements:
        # A broken data file is a packaging bug, not user input: fail loudly.
        if requirement.practice not in practice_ids or requirement.id in seen:
            raise RuntimeError(f"catalogue data is inconsistent at {requirement.id}")
        if requirement.automation is Automation.HUMAN and not requirement.record_kinds:
            raise RuntimeError(f"catalogue data names no record kind for the human requirement {requirement.id}")
        if not set(requirement.record_kinds) <= RECORD_KINDS:
            raise RuntimeError(f"catalogue data names an unknown record kind at {requirement.id}")
        seen.add(requirement.id)
    return Catalogue(standard=raw["standard"], practices=practices, requirements=requirements)
