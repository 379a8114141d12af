"""What changed in a threat model between two versions: element by element, severity downgrades first.

Reviews are left out (recording a review changes the file after the reviewed commit), and so is where an
imported model came from (its digest changes with any byte of the source file). Everything else counts:
a change anywhere in what the reviewers looked at means they did not review the model as it is now.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from sdl_gate._model import FrozenModel
from sdl_gate.threatmodel.model import Threat, ThreatModel
from sdl_gate.threatmodel.severity import HIGH_LEVELS, LEVELS, severity_level

# Keyed sections in the order a report lists them; dispositions are keyed by the threat they decide.
_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("threats", "threat", "id"),
    ("dispositions", "disposition of", "threat"),
    ("mitigations", "mitigation", "id"),
    ("zones", "zone", "id"),
    ("conduits", "conduit", "id"),
    ("assets", "asset", "id"),
    ("components", "component", "id"),
    ("flows", "flow", "id"),
)


class ChangeKind(str, enum.Enum):
    """How one element of the model changed."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SEVERITY_LOWERED = "severity_lowered"
    SEVERITY_RAISED = "severity_raised"


class ModelChange(FrozenModel):
    """One element that differs between the reviewed model and the current one."""

    section: str
    item: str | None = None
    kind: ChangeKind
    detail: str
    lowers_severity: bool = False

    def describe(self) -> str:
        """One line for people, e.g. ``threat T-1: severity lowered high -> medium``."""
        label = {s: label for s, label, _ in _SECTIONS}.get(self.section, self.section)
        subject = f"{label} {self.item}" if self.item is not None else label
        return f"{subject}: {self.detail}"


def _level(threat: Threat) -> str | None:
    return severity_level(threat.severity) if threat.severity is not None else None


def _rank(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


# Short, id-like fields whose old and new values a report shows; free texts only say "changed".
_SHOWN = frozenset(
    {"status", "stride", "affects", "mitigations", "tests", "requirements", "depends_on", "sl_t", "zone", "conduit"}
)


def _fields(before: Mapping[str, Any], after: Mapping[str, Any], skip: Iterable[str] = ()) -> list[str]:
    skipped = set(skip)
    return sorted(k for k in set(before) | set(after) if k not in skipped and before.get(k) != after.get(k))


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _details(before: Mapping[str, Any], after: Mapping[str, Any], skip: Iterable[str] = ()) -> str:
    """Name each differing field, with its old and new value when it is short."""
    shown = [
        f"{field} {_show(before.get(field))} -> {_show(after.get(field))}" if field in _SHOWN else f"{field} changed"
        for field in _fields(before, after, skip)
    ]
    return "; ".join(shown)


def _threat_changes(before: Threat, after: Threat, dumped: tuple[dict[str, Any], dict[str, Any]]) -> list[ModelChange]:
    changes: list[ModelChange] = []
    old_level, new_level = _level(before), _level(after)
    if _rank(new_level) < _rank(old_level):
        changes.append(
            ModelChange(
                section="threats",
                item=after.id,
                kind=ChangeKind.SEVERITY_LOWERED,
                detail=f"severity lowered {old_level} -> {new_level or 'none'}",
                lowers_severity=True,
            )
        )
    elif _rank(new_level) > _rank(old_level):
        changes.append(
            ModelChange(
                section="threats",
                item=after.id,
                kind=ChangeKind.SEVERITY_RAISED,
                detail=f"severity raised {old_level or 'none'} -> {new_level}",
            )
        )
    elif before.severity != after.severity:
        changes.append(
            ModelChange(
                section="threats",
                item=after.id,
                kind=ChangeKind.CHANGED,
                detail=f"severity vector changed ({new_level})",
            )
        )
    others = _details(*dumped, skip=("severity",))
    if others:
        changes.append(ModelChange(section="threats", item=after.id, kind=ChangeKind.CHANGED, detail=others))
    return changes


def _removed(section: str, item: str, value: Any) -> ModelChange:
    if isinstance(value, Threat):
        level = _level(value)
        if level in HIGH_LEVELS:
            return ModelChange(
                section=section,
                item=item,
                kind=ChangeKind.REMOVED,
                detail=f"removed (was {level})",
                lowers_severity=True,
            )
    return ModelChange(section=section, item=item, kind=ChangeKind.REMOVED, detail="removed")


def _section_changes(section: str, key: str, before: list[Any], after: list[Any]) -> list[ModelChange]:
    old = {getattr(item, key): item for item in before}
    new = {getattr(item, key): item for item in after}
    changes: list[ModelChange] = []
    for item in sorted(set(old) | set(new)):
        if item not in new:
            changes.append(_removed(section, item, old[item]))
        elif item not in old:
            detail = "added"
            if isinstance(new[item], Threat):
                detail = f"added ({_level(new[item]) or 'no severity'})"
            changes.append(ModelChange(section=section, item=item, kind=ChangeKind.ADDED, detail=detail))
        elif old[item] != new[item]:
            dumped = (
                old[item].model_dump(mode="json", by_alias=True),
                new[item].model_dump(mode="json", by_alias=True),
            )
            if isinstance(new[item], Threat):
                changes += _threat_changes(old[item], new[item], dumped)
                continue
            changes.append(ModelChange(section=section, item=item, kind=ChangeKind.CHANGED, detail=_details(*dumped)))
    return changes


def model_changes(before: ThreatModel, after: ThreatModel) -> list[ModelChange]:
    """Return what differs between ``before`` and ``after`` (reviews and import provenance aside).

    Severity lowerings (a lower level, a severity taken away, a high or critical threat removed) come first.
    """
    changes: list[ModelChange] = []
    if before.product != after.product:
        old = before.product.model_dump(mode="json") if before.product else {}
        new = after.product.model_dump(mode="json") if after.product else {}
        changes.append(ModelChange(section="product", kind=ChangeKind.CHANGED, detail=_details(old, new) or "changed"))
    for section, _, key in _SECTIONS:
        changes += _section_changes(section, key, getattr(before, section), getattr(after, section))
    return sorted(changes, key=lambda c: not c.lowers_severity)
