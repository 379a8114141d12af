"""OWASP Threat Dragon 2.x JSON models.

Threat Dragon draws trust boundaries instead of zones: a boundary box becomes a zone (with no
security level, which the format lacks), and a flow crosses a boundary when its drawn path (source
centre, bend points, target centre, as straight segments) intersects a boundary curve, or when its ends
sit in different boxes.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from pydantic import Field

from sdl_gate._model import LenientFrozenModel
from sdl_gate.errors import InputError
from sdl_gate.threatmodel.importers import build_model, parse_foreign, stride_from_name
from sdl_gate.threatmodel.model import ModelFormat, Stride, ThreatModel

FORMAT = ModelFormat.THREAT_DRAGON
_CIA = {
    "confidentiality": Stride.INFORMATION_DISCLOSURE,
    "integrity": Stride.TAMPERING,
    "availability": Stride.DENIAL_OF_SERVICE,
}
_ELEMENT_TYPES = {"tm.Actor": "actor", "tm.Process": "process", "tm.Store": "store"}


class _Threat(LenientFrozenModel):
    id: str | None = None
    title: str = ""
    type: str | None = None
    status: str | None = None
    severity: str | None = None
    mitigation: str | None = None
    description: str | None = None
    modelType: str | None = None


class _Data(LenientFrozenModel):
    type: str
    name: str | None = None
    description: str | None = None
    protocol: str | None = None
    threats: list[_Threat] = Field(default_factory=list)


class _Point(LenientFrozenModel):
    x: float
    y: float


class _Size(LenientFrozenModel):
    width: float
    height: float


class _End(LenientFrozenModel):
    cell: str | None = None
    x: float | None = None
    y: float | None = None


class _Cell(LenientFrozenModel):
    id: str
    shape: str
    data: _Data | None = None
    position: _Point | None = None
    size: _Size | None = None
    source: _End | None = None
    target: _End | None = None
    vertices: list[_Point] = Field(default_factory=list)


class _Diagram(LenientFrozenModel):
    title: str = ""
    cells: list[_Cell]


class _Detail(LenientFrozenModel):
    diagrams: list[_Diagram]
    reviewer: str | None = None


class _Summary(LenientFrozenModel):
    title: str
    description: str | None = None
    owner: str | None = None


class _Document(LenientFrozenModel):
    version: str
    summary: _Summary
    detail: _Detail


Segment = tuple[tuple[float, float], tuple[float, float]]


def _orientation(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _intersects(first: Segment, second: Segment) -> bool:
    """Return whether two segments properly cross or touch."""
    (p1, p2), (q1, q2) = first, second
    d1, d2 = _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    d3, d4 = _orientation(p1, p2, q1), _orientation(p1, p2, q2)
    return (d1 * d2 <= 0) and (d3 * d4 <= 0) and not (d1 == d2 == d3 == d4 == 0)


def _segments(points: list[tuple[float, float]]) -> list[Segment]:
    return list(itertools.pairwise(points))


def _centre(cell: _Cell) -> tuple[float, float] | None:
    if cell.position is None or cell.size is None:
        return None
    return (cell.position.x + cell.size.width / 2, cell.position.y + cell.size.height / 2)


def _inside(point: tuple[float, float], box: _Cell) -> bool:
    if box.position is None or box.size is None:
        return False
    x, y = point
    return box.position.x <= x <= box.position.x + box.size.width and (
        box.position.y <= y <= box.position.y + box.size.height
    )


def _stride(threat: _Threat, path: str, source: Path) -> Stride:
    text = threat.type or ""
    found = stride_from_name(text) or _CIA.get(text.strip().lower())
    if found is None:
        raise InputError(
            f"unknown STRIDE category {text!r} (model type {threat.modelType or 'unknown'}); sdl-gate reads "
            "STRIDE and CIA threats",
            path=source,
            location=f"{path}.type",
        )
    return found


def _severity(value: str | None) -> str | None:
    lowered = (value or "").strip().lower()
    return lowered if lowered in ("low", "medium", "high", "critical") else None


def convert(data: Any, source: Path, sha256: str) -> ThreatModel:  # noqa: PLR0915 - one pass over the cells
    """Convert a Threat Dragon 2.x document."""
    if isinstance(data, dict) and "version" not in data and "detail" in data:
        raise InputError(
            "a Threat Dragon 1.x model (no version field); open and save it in Threat Dragon 2.x first",
            path=source,
            location="version",
        )
    document: _Document = parse_foreign(_Document, data, source, "Threat Dragon model")
    if not document.version.startswith("2."):
        raise InputError(
            f"Threat Dragon model version {document.version!r}; sdl-gate reads 2.x",
            path=source,
            location="version",
        )
    components: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    zones: list[dict[str, Any]] = []
    threats: list[dict[str, Any]] = []
    mitigations: list[dict[str, Any]] = []
    dispositions: list[dict[str, Any]] = []
    missing: list[str] = []
    threat_ids: set[str] = set()
    for d_index, diagram in enumerate(document.detail.diagrams):
        cells = {cell.id: cell for cell in diagram.cells}
        boxes = [c for c in diagram.cells if c.data is not None and c.shape == "trust-boundary-box"]
        curves: list[list[Segment]] = []
        for cell in diagram.cells:
            if cell.shape == "trust-boundary-curve" and cell.source is not None and cell.target is not None:
                ends = [cell.source, cell.target]
                if all(e.x is not None and e.y is not None for e in ends):
                    points = [(float(ends[0].x or 0), float(ends[0].y or 0))]
                    points += [(v.x, v.y) for v in cell.vertices]
                    points.append((float(ends[1].x or 0), float(ends[1].y or 0)))
                    curves.append(_segments(points))
        for box in boxes:
            name = (box.data.name if box.data else None) or "trust boundary"
            zones.append({"id": box.id, "name": name})
        zone_of: dict[str, str | None] = {}
        for cell in diagram.cells:
            if cell.data is None or cell.data.type not in _ELEMENT_TYPES:
                continue
            centre = _centre(cell)
            zone = next((b.id for b in boxes if centre is not None and _inside(centre, b)), None)
            zone_of[cell.id] = zone
            components.append(
                {
                    "id": cell.id,
                    "name": (cell.data.name or "").strip() or f"unnamed {_ELEMENT_TYPES[cell.data.type]}",
                    "type": _ELEMENT_TYPES[cell.data.type],
                    "zone": zone,
                    "description": cell.data.description or None,
                }
            )
        kept: set[str] = set(zone_of)
        for cell in diagram.cells:
            if cell.data is None or cell.data.type != "tm.Flow":
                continue
            start = cells.get(cell.source.cell or "") if cell.source else None
            end = cells.get(cell.target.cell or "") if cell.target else None
            if start is None or end is None or start.id not in zone_of or end.id not in zone_of:
                missing.append(f"flow {cell.id} in diagram {diagram.title!r} is not connected at both ends; left out")
                continue
            kept.add(cell.id)
            points = [p for p in (_centre(start),) if p is not None]
            points += [(v.x, v.y) for v in cell.vertices]
            points += [p for p in (_centre(end),) if p is not None]
            path = _segments(points)
            crosses = zone_of[start.id] != zone_of[end.id] or any(
                _intersects(a, b) for curve in curves for a in path for b in curve
            )
            flows.append(
                {
                    "id": cell.id,
                    "name": (cell.data.name or "").strip() or None,
                    "from": start.id,
                    "to": end.id,
                    "protocol": cell.data.protocol or None,
                    "crosses_boundary": crosses,
                }
            )
        for c_index, cell in enumerate(diagram.cells):
            if cell.data is None:
                continue
            for t_index, threat in enumerate(cell.data.threats):
                where = f"detail.diagrams[{d_index}].cells[{c_index}].data.threats[{t_index}]"
                stride = _stride(threat, where, source)
                if cell.id not in kept:
                    missing.append(f"threat {threat.title!r} sits on an element sdl-gate left out; not imported")
                    continue
                threat_id = threat.id or f"{cell.id}-T{t_index + 1}"
                if threat_id in threat_ids:
                    raise InputError(f"duplicate threat id {threat_id!r}", path=source, location=f"{where}.id")
                threat_ids.add(threat_id)
                status = (threat.status or "").strip().lower()
                entry: dict[str, Any] = {
                    "id": threat_id,
                    "title": threat.title.strip() or "untitled threat",
                    "description": threat.description or None,
                    "stride": stride.value,
                    "affects": [cell.id],
                    "severity": _severity(threat.severity),
                }
                if status == "mitigated":
                    entry["status"] = "mitigated"
                    mitigation_ids: list[str] = []
                    if threat.mitigation and threat.mitigation.strip():
                        mitigation_ids.append(f"M-{threat_id}")
                        mitigations.append({"id": f"M-{threat_id}", "description": threat.mitigation.strip()})
                    dispositions.append({"threat": threat_id, "status": "mitigated", "mitigations": mitigation_ids})
                elif status in ("na", "n/a", "notapplicable", "not applicable"):
                    # Threat Dragon's "not applicable" is a decision without a recorded approver.
                    entry["status"] = "accepted"
                    dispositions.append(
                        {"threat": threat_id, "status": "accepted", "rationale": "marked N/A in Threat Dragon"}
                    )
                else:
                    entry["status"] = "open"
                threats.append(entry)
    reviewer = document.detail.reviewer
    missing += [
        "reviews: Threat Dragon records "
        + (f"a reviewer name ({reviewer}) but" if reviewer else "no reviewer and")
        + " no review date or reviewed commit",
        "intended environment and assumptions (SR-1)",
        "zones with target security levels (SL-T) and conduits",
        "approvers of accepted risks",
        "links from mitigations to security requirements and tests",
    ]
    native = {
        "version": 1,
        "product": {"name": document.summary.title or source.stem, "description": document.summary.description},
        "zones": zones,
        "components": components,
        "flows": flows,
        "threats": threats,
        "mitigations": mitigations,
        "dispositions": dispositions,
        "imported_from": {"format": FORMAT.value, "source": source.name, "sha256": sha256, "missing": missing},
    }
    return build_model(native, source, "Threat Dragon model")
