"""Pure questions about a threat model: boundary flows, threat coverage, dispositions, defence in depth."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sdl_gate.threatmodel.cvss import severity_level
from sdl_gate.threatmodel.model import DispositionStatus, Flow, Threat, ThreatModel, ThreatStatus

HIGH_LEVELS = ("high", "critical")


def zone_of(model: ThreatModel) -> dict[str, str | None]:
    """Map component ids to their zone."""
    return {c.id: c.zone for c in model.components}


def crosses_boundary(flow: Flow, zones: dict[str, str | None]) -> bool:
    """Whether a flow crosses a zone or trust boundary (explicit for imports, else zones or a conduit)."""
    if flow.crosses_boundary is not None:
        return flow.crosses_boundary
    return flow.conduit is not None or zones.get(flow.source) != zones.get(flow.target)


def boundary_flows(model: ThreatModel) -> list[Flow]:
    """Return the flows that cross a zone or trust boundary."""
    zones = zone_of(model)
    return [flow for flow in model.flows if crosses_boundary(flow, zones)]


def uncovered_boundary_flows(model: ThreatModel) -> list[str]:
    """Return boundary-crossing flows no threat considers (neither the flow nor its conduit)."""
    considered: set[str] = {element for threat in model.threats for element in threat.affects}
    return [
        flow.id
        for flow in boundary_flows(model)
        if flow.id not in considered and (flow.conduit is None or flow.conduit not in considered)
    ]


def level(threat: Threat) -> str | None:
    """Return a threat's severity level (None when it has none or a CVSS score of 0)."""
    return severity_level(threat.severity) if threat.severity is not None else None


def disposition_gaps(model: ThreatModel) -> list[str]:
    """Return, per threat, what is missing: severity, a decision, or the decision's particulars."""
    gaps: list[str] = []
    decided = {d.threat: d for d in model.dispositions}
    for threat in model.threats:
        if threat.severity is None:
            gaps.append(f"{threat.id} has no severity")
        disposition = decided.get(threat.id)
        if disposition is None:
            state = "is open" if threat.status is ThreatStatus.OPEN else "has no disposition"
            gaps.append(f"{threat.id} {state}")
            continue
        match disposition.status:
            case DispositionStatus.MITIGATED:
                if not disposition.mitigations:
                    gaps.append(f"{threat.id} is mitigated but names no mitigation")
            case DispositionStatus.ACCEPTED:
                lacking = [f for f in ("approver", "date", "rationale") if not getattr(disposition, f)]
                if lacking:
                    gaps.append(f"{threat.id} is accepted without {', '.join(lacking)}")
            case DispositionStatus.TRANSFERRED:
                lacking = [f for f in ("to", "rationale") if not getattr(disposition, f)]
                if lacking:
                    gaps.append(f"{threat.id} is transferred without {', '.join(lacking)}")
    return gaps


def _depends(model: ThreatModel) -> dict[str, set[str]]:
    """Return each mitigation's transitive dependencies (the loader has refused cycles)."""
    direct = {m.id: set(m.depends_on) for m in model.mitigations}
    closure: dict[str, set[str]] = {}

    def walk(node: str) -> set[str]:
        if node in closure:
            return closure[node]
        closure[node] = set()
        found: set[str] = set()
        for child in direct.get(node, ()):
            found |= {child} | walk(child)
        closure[node] = found
        return found

    for mitigation_id in direct:
        walk(mitigation_id)
    return closure


@dataclass(frozen=True)
class DepthGap:
    """A high or critical threat without two independent mitigations."""

    threat: str
    level: str
    mitigations: tuple[str, ...]


def defence_in_depth_gaps(model: ThreatModel) -> tuple[list[str], list[DepthGap]]:
    """Return the high/critical threats checked, and those lacking two independent mitigations (SD-2).

    Two mitigations are independent when neither depends, directly or transitively, on the other.
    Accepted and transferred threats are not mitigated by the product and count as gaps.
    """
    depends = _depends(model)
    decided = {d.threat: d for d in model.dispositions}
    checked: list[str] = []
    gaps: list[DepthGap] = []
    for threat in model.threats:
        threat_level = level(threat)
        if threat_level not in HIGH_LEVELS:
            continue
        checked.append(threat.id)
        disposition = decided.get(threat.id)
        chosen = (
            tuple(disposition.mitigations) if disposition and disposition.status is DispositionStatus.MITIGATED else ()
        )
        independent = any(
            a != b and b not in depends.get(a, set()) and a not in depends.get(b, set())
            for index, a in enumerate(chosen)
            for b in chosen[index + 1 :]
        )
        if not independent:
            gaps.append(DepthGap(threat.id, str(threat_level), chosen))
    return checked, gaps


def mitigations_by_requirement(model: ThreatModel) -> dict[str, list[str]]:
    """Map security requirement ids to the mitigations implementing them."""
    found: dict[str, list[str]] = defaultdict(list)
    for mitigation in model.mitigations:
        for requirement in mitigation.requirements:
            found[requirement].append(mitigation.id)
    return dict(found)


def characterisation_gaps(model: ThreatModel) -> list[str]:
    """Return what the boundary characterisation lacks (SD-1): zones, SL-T, zone membership, conduits."""
    gaps: list[str] = []
    if not model.zones:
        gaps.append("no zones")
    gaps += [f"zone {z.id} has no target security level (sl_t)" for z in model.zones if z.sl_t is None]
    gaps += [f"component {c.id} is in no zone" for c in model.components if c.zone is None]
    zones = zone_of(model)
    for flow in model.flows:
        ends = (zones.get(flow.source), zones.get(flow.target))
        if None not in ends and ends[0] != ends[1] and flow.conduit is None:
            gaps.append(f"flow {flow.id} crosses from zone {ends[0]} to {ends[1]} through no conduit")
    return gaps
