"""Open Threat Model (OTM) JSON.

OTM places threats on components and data flows as instances with a state; each instance becomes one
native threat (``<threat id>@<element id>``). OTM scores threats by likelihood and impact (0 to 100), not
by severity level, and trust zones by a trust rating, not a security level: both are reported missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from sdl_gate._model import LenientFrozenModel
from sdl_gate.errors import InputError
from sdl_gate.threatmodel.importers import build_model, parse_foreign, stride_from_name
from sdl_gate.threatmodel.model import ModelFormat, Stride, ThreatModel

FORMAT = ModelFormat.OTM


class _Parent(LenientFrozenModel):
    trustZone: str | None = None
    component: str | None = None


class _MitigationInstance(LenientFrozenModel):
    mitigation: str | None = None
    state: str | None = None


class _ThreatInstance(LenientFrozenModel):
    threat: str
    state: str
    mitigations: list[_MitigationInstance | None] | None = None


class _Zone(LenientFrozenModel):
    id: str
    name: str
    description: str | None = None
    parent: _Parent | None = None


class _Component(LenientFrozenModel):
    id: str
    name: str
    type: str | None = None
    description: str | None = None
    parent: _Parent
    threats: list[_ThreatInstance] | None = None


class _Dataflow(LenientFrozenModel):
    id: str
    name: str
    source: str
    destination: str
    description: str | None = None
    threats: list[_ThreatInstance] | None = None


class _Threat(LenientFrozenModel):
    id: str
    name: str
    description: str | None = None
    categories: list[str | None] | None = None


class _Mitigation(LenientFrozenModel):
    id: str
    name: str
    description: str | None = None


class _Asset(LenientFrozenModel):
    id: str
    name: str
    description: str | None = None


class _Project(LenientFrozenModel):
    name: str
    id: str
    description: str | None = None


class _Document(LenientFrozenModel):
    otmVersion: str
    project: _Project
    trustZones: list[_Zone] = Field(default_factory=list)
    components: list[_Component] | None = None
    dataflows: list[_Dataflow] = Field(default_factory=list)
    threats: list[_Threat] | None = None
    mitigations: list[_Mitigation] | None = None
    assets: list[_Asset] | None = None


def _stride(threat: _Threat, where: str, source: Path) -> Stride:
    categories = [c for c in threat.categories or [] if c]
    for category in categories:
        found = stride_from_name(category)
        if found is not None:
            return found
    raise InputError(
        f"unknown STRIDE category for threat {threat.id!r}: categories {categories or 'none'}",
        path=source,
        location=f"{where}.categories",
    )


def convert(data: Any, source: Path, sha256: str) -> ThreatModel:
    """Convert an OTM document."""
    document: _Document = parse_foreign(_Document, data, source, "Open Threat Model")
    definitions = {t.id: (index, t) for index, t in enumerate(document.threats or [])}
    zones = [
        {
            "id": zone.id,
            "name": zone.name,
            "description": zone.description,
            "parent": zone.parent.trustZone if zone.parent else None,
        }
        for zone in document.trustZones
    ]
    parents = {c.id: c.parent for c in document.components or []}

    def zone_of(component_id: str, seen: frozenset[str] = frozenset()) -> str | None:
        parent = parents.get(component_id)
        if parent is None or component_id in seen:
            return None  # a parent cycle is refused by the reference check
        if parent.trustZone:
            return parent.trustZone
        return zone_of(parent.component, seen | {component_id}) if parent.component else None

    components = [
        {
            "id": c.id,
            "name": c.name,
            "type": c.type,
            "description": c.description,
            "zone": zone_of(c.id),
            "parent": c.parent.component,
        }
        for c in document.components or []
    ]
    flows = [
        {"id": f.id, "from": f.source, "to": f.destination, "data": f.name, "protocol": None}
        for f in document.dataflows
    ]
    threats: list[dict[str, Any]] = []
    dispositions: list[dict[str, Any]] = []
    placed: list[tuple[str, str, list[_ThreatInstance]]] = [
        *((f"components[{i}]", c.id, c.threats or []) for i, c in enumerate(document.components or [])),
        *((f"dataflows[{i}]", f.id, f.threats or []) for i, f in enumerate(document.dataflows)),
    ]
    for where, element_id, instances in placed:
        for position, instance in enumerate(instances):
            found = definitions.get(instance.threat)
            if found is None:
                raise InputError(
                    f"unknown threat {instance.threat!r}", path=source, location=f"{where}.threats[{position}].threat"
                )
            index, definition = found
            threat_id = f"{definition.id}@{element_id}"
            implemented = [
                m.mitigation
                for m in instance.mitigations or []
                if m is not None and m.mitigation and (m.state or "").lower() == "implemented"
            ]
            state = instance.state.strip().lower().replace("-", "").replace("_", "")
            status = "open"
            if state == "mitigated":
                status = "mitigated"
                dispositions.append({"threat": threat_id, "status": "mitigated", "mitigations": implemented})
            elif state in ("accepted", "notapplicable"):
                status = "accepted"
                dispositions.append(
                    {"threat": threat_id, "status": "accepted", "rationale": f"OTM state {instance.state}"}
                )
            elif state == "transferred":
                status = "transferred"
                dispositions.append({"threat": threat_id, "status": "transferred"})
            threats.append(
                {
                    "id": threat_id,
                    "title": definition.name,
                    "description": definition.description,
                    "stride": _stride(definition, f"threats[{index}]", source).value,
                    "affects": [element_id],
                    "status": status,
                }
            )
    mitigations = [
        {"id": m.id, "description": " - ".join(t for t in (m.name, m.description) if t)}
        for m in document.mitigations or []
    ]
    assets = [{"id": a.id, "name": a.name, "description": a.description} for a in document.assets or []]
    native = {
        "version": 1,
        "product": {"name": document.project.name, "description": document.project.description},
        "zones": zones,
        "assets": assets,
        "components": components,
        "flows": flows,
        "threats": threats,
        "mitigations": mitigations,
        "dispositions": dispositions,
        "imported_from": {
            "format": FORMAT.value,
            "source": source.name,
            "sha256": sha256,
            "missing": [
                "reviews: OTM records none",
                "intended environment and assumptions (SR-1)",
                "threat severities: OTM scores likelihood and impact, not a severity level",
                "target security levels (SL-T): OTM gives trust ratings, and no conduits",
                "approvers of accepted risks",
                "links from mitigations to security requirements and tests",
            ],
        },
    }
    return build_model(native, source, "Open Threat Model")
