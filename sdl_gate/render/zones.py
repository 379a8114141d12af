"""The zones-and-conduits diagram of a threat model, as the HTML report draws it.

Reads the ``threat_model`` evidence an assessment used (the model as it was assessed), never the file on
disk, so a report from ``check`` and one from a bundle draw the same diagram.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.payloads import ThreatModelPayload
from sdl_gate.render.diagram import Component, Flow, Zone, ZoneDiagram
from sdl_gate.threatmodel.model import ThreatModel

#: A column for components the model places in no zone; the leading space keeps it apart from model ids.
UNZONED_ID = " unzoned"
UNZONED_NAME = "No zone assigned"


def diagram_from_model(model: ThreatModel) -> ZoneDiagram | None:
    """Return the model's zones, components and flows as a diagram, or None when it has no components."""
    if not model.components:
        return None
    zones = [Zone(id=z.id, name=z.name, security_level=z.sl_t) for z in model.zones]
    # Components without a zone are drawn in a column of their own rather than left out.
    if any(c.zone is None for c in model.components):
        zones.append(Zone(id=UNZONED_ID, name=UNZONED_NAME))
    components = [Component(id=c.id, name=c.name, zone=c.zone or UNZONED_ID) for c in model.components]
    flows = [Flow(source=f.source, target=f.target, conduit=f.conduit, protocol=f.protocol) for f in model.flows]
    try:
        return ZoneDiagram(zones=zones, components=components, flows=flows)
    except ValidationError as exc:
        raise ValueError(f"the threat model cannot be drawn: {exc.errors()[0]['msg']}") from None


def diagram_from_evidence(items: Iterable[Evidence]) -> ZoneDiagram | None:
    """Return the diagram of the first threat model among ``items`` that holds one; ValueError if it is malformed."""
    for evidence in items:
        if evidence.kind is not EvidenceKind.THREAT_MODEL:
            continue
        try:
            payload = ThreatModelPayload.model_validate(evidence.payload)
        except ValidationError as exc:
            raise ValueError(f"the threat_model evidence holds no valid model: {exc.errors()[0]['msg']}") from None
        if not payload.present:
            continue
        if payload.model is None:
            raise ValueError("the threat_model evidence holds no model")
        return diagram_from_model(payload.model)
    return None
