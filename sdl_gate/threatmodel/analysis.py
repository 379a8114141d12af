"""Pure questions about a threat model: boundary flows, threat coverage, dispositions, defence in depth."""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass

from sdl_gate.placeholders import MIN_CONTENT_CHARS, find_placeholder
from sdl_gate.threatmodel.freshness import Freshness, FreshnessStatus, latest_review
from sdl_gate.threatmodel.model import (
    DispositionStatus,
    Flow,
    Mitigation,
    ReviewConclusion,
    Threat,
    ThreatModel,
    ThreatStatus,
)
from sdl_gate.threatmodel.severity import HIGH_LEVELS, severity_level


def zone_of(model: ThreatModel) -> dict[str, str | None]:
    """Map component ids to their zone."""
    return {c.id: c.zone for c in model.components}


#: Ids longer than this (Threat Dragon's UUIDs) are shortened beside the element's name.
_SHORT_ID = 12


def _short(element_id: str) -> str:
    return element_id if len(element_id) <= _SHORT_ID else element_id[:8] + "\u2026"


def element_names(model: ThreatModel) -> dict[str, str]:
    """Map element ids to their names as the model gives them (zones, components, assets, flows, threats)."""
    names: dict[str, str] = {}
    for zone in model.zones:
        names[zone.id] = zone.name
    for asset in model.assets:
        names[asset.id] = asset.name
    for component in model.components:
        names[component.id] = component.name
    for flow in model.flows:
        if flow.name:
            names[flow.id] = flow.name
    for threat in model.threats:
        names[threat.id] = threat.title
    return names


def named(element_id: str, names: dict[str, str]) -> str:
    """An element as the model names it: ``'PLC runtime' (3f2a8c1d…)``, or its id when it has no name."""
    name = names.get(element_id)
    if not name or name.strip() == element_id:
        return element_id
    return f"'{name.strip()}' ({_short(element_id)})"


def describe_flow(flow: Flow, names: dict[str, str]) -> str:
    """A flow as the model draws it: its name and id, and the elements at both ends by name."""
    return f"flow {named(flow.id, names)} from {named(flow.source, names)} to {named(flow.target, names)}"


def crosses_boundary(flow: Flow, zones: dict[str, str | None]) -> bool:
    """Whether a flow crosses a zone or trust boundary (explicit for imports, else zones or a conduit)."""
    if flow.crosses_boundary is not None:
        return flow.crosses_boundary
    return flow.conduit is not None or zones.get(flow.source) != zones.get(flow.target)


def boundary_flows(model: ThreatModel) -> list[Flow]:
    """Return the flows that cross a zone or trust boundary."""
    zones = zone_of(model)
    return [flow for flow in model.flows if crosses_boundary(flow, zones)]


def uncovered_boundary_flows(model: ThreatModel) -> list[Flow]:
    """Return boundary-crossing flows no threat considers (neither the flow nor its conduit)."""
    considered: set[str] = {element for threat in model.threats for element in threat.affects}
    return [
        flow
        for flow in boundary_flows(model)
        if flow.id not in considered and (flow.conduit is None or flow.conduit not in considered)
    ]


def level(threat: Threat) -> str | None:
    """Return a threat's severity level (None when it has none or a CVSS score of 0)."""
    return severity_level(threat.severity) if threat.severity is not None else None


#: Names, recipients and categories may be short ("DMZ", "vendor"); free texts need the default minimum.
NAME_MIN_CHARS = 1


def placeholder_mitigations(model: ThreatModel) -> dict[str, str]:
    """Map each mitigation whose description is a placeholder to why (such a mitigation counts for nothing)."""
    found: dict[str, str] = {}
    for mitigation in model.mitigations:
        placeholder = find_placeholder(mitigation.description)
        if placeholder is not None:
            found[mitigation.id] = placeholder.describe()
    return found


def real_mitigations(model: ThreatModel) -> list[Mitigation]:
    """Return the mitigations whose description is real content."""
    empty = placeholder_mitigations(model)
    return [m for m in model.mitigations if m.id not in empty]


def _particulars(threat: str, decision: str, values: dict[str, str | None], names: tuple[str, ...]) -> list[str]:
    """Say which particulars of an accepted or transferred threat are absent or placeholders."""
    gaps: list[str] = []
    lacking = [field for field, value in values.items() if not value]
    if lacking:
        gaps.append(f"{threat} is {decision} without {', '.join(lacking)}")
    for field, value in values.items():
        if value:
            placeholder = find_placeholder(value, min_chars=NAME_MIN_CHARS if field in names else MIN_CONTENT_CHARS)
            if placeholder is not None:
                gaps.append(f"{threat} is {decision} with a placeholder {field} (it {placeholder.describe()})")
    return gaps


def disposition_gaps(model: ThreatModel) -> list[str]:
    """Return, per threat, what is missing: severity, a decision, or the decision's particulars.

    A placeholder counts as missing: a mitigation whose description says "TBD", a rationale of "n/a".
    """
    gaps: list[str] = []
    decided = {d.threat: d for d in model.dispositions}
    empty = placeholder_mitigations(model)
    for threat in model.threats:
        if threat.severity is None:
            gaps.append(f"{threat.id} has no severity")
        title = find_placeholder(threat.title, min_chars=NAME_MIN_CHARS)
        if title is not None:
            gaps.append(f"{threat.id}'s title {title.describe()}")
        disposition = decided.get(threat.id)
        if disposition is None:
            state = "is open" if threat.status is ThreatStatus.OPEN else "has no disposition"
            gaps.append(f"{threat.id} {state}")
            continue
        match disposition.status:
            case DispositionStatus.MITIGATED:
                if not disposition.mitigations:
                    gaps.append(f"{threat.id} is mitigated but names no mitigation")
                for mitigation in disposition.mitigations:
                    if mitigation in empty:
                        gaps.append(f"{threat.id} is mitigated by {mitigation}, whose description {empty[mitigation]}")
            case DispositionStatus.ACCEPTED:
                accepted: dict[str, str | None] = {
                    "approver": disposition.approver,
                    "date": disposition.date.isoformat() if disposition.date else None,
                    "rationale": disposition.rationale,
                }
                gaps += _particulars(threat.id, "accepted", accepted, ("approver", "date"))
            case DispositionStatus.TRANSFERRED:
                transferred = {"to": disposition.to, "rationale": disposition.rationale}
                gaps += _particulars(threat.id, "transferred", transferred, ("to",))
    return gaps


def surface_gaps(model: ThreatModel) -> list[str]:
    """Return why the model has nothing for threat coverage to examine: no threats, or no boundary crossed."""
    gaps: list[str] = []
    if not model.threats:
        gaps.append("the model lists no threats")
    if not boundary_flows(model):
        gaps.append("no flow crosses a zone or trust boundary, so the attack surface is not modelled")
    return gaps


def coverage_gaps(model: ThreatModel) -> list[str]:
    """Return what keeps the threats from covering the model (SR-2); an empty model is a gap, never a pass."""
    gaps = surface_gaps(model)
    names = element_names(model)
    gaps += [
        f"{describe_flow(flow, names)} crosses a boundary but no threat considers it"
        for flow in uncovered_boundary_flows(model)
    ]
    return gaps + disposition_gaps(model)


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
    placeholders: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for people."""
        text = f"{self.threat} ({self.level}) has {len(self.mitigations)} mitigation(s)"
        if self.mitigations:
            text += f" ({', '.join(self.mitigations)}), not two independent ones"
        if self.placeholders:
            text += f"; placeholder mitigation(s) {', '.join(self.placeholders)} do not count"
        return text


def defence_in_depth_gaps(model: ThreatModel) -> tuple[list[str], list[DepthGap]]:
    """Return the high/critical threats checked, and those lacking two independent mitigations (SD-2).

    Two mitigations are independent when neither depends, directly or transitively, on the other.
    Accepted and transferred threats are not mitigated by the product and count as gaps; a mitigation
    whose description is a placeholder does not count.
    """
    depends = _depends(model)
    decided = {d.threat: d for d in model.dispositions}
    empty = placeholder_mitigations(model)
    checked: list[str] = []
    gaps: list[DepthGap] = []
    for threat in model.threats:
        threat_level = level(threat)
        if threat_level not in HIGH_LEVELS:
            continue
        checked.append(threat.id)
        disposition = decided.get(threat.id)
        named = (
            tuple(disposition.mitigations) if disposition and disposition.status is DispositionStatus.MITIGATED else ()
        )
        chosen = tuple(m for m in named if m not in empty)
        independent = any(
            a != b and b not in depends.get(a, set()) and a not in depends.get(b, set())
            for index, a in enumerate(chosen)
            for b in chosen[index + 1 :]
        )
        if not independent:
            gaps.append(DepthGap(threat.id, str(threat_level), chosen, tuple(m for m in named if m in empty)))
    return checked, gaps


class DepthOutcome(str, enum.Enum):
    """SD-2's answer for a model: met, not met, or not judgeable from what the model says."""

    MET = "met"
    GAPS = "gaps"
    UNJUDGED = "unjudged"


@dataclass(frozen=True)
class DefenceInDepth:
    """SD-2 for one model: the outcome, and the reasons (the problems, or what was met)."""

    outcome: DepthOutcome
    reasons: tuple[str, ...]


def judge_defence_in_depth(model: ThreatModel, freshness: Freshness | None) -> DefenceInDepth:
    """Decide SD-2: two independent real mitigations per high or critical threat, severities as reviewed.

    Severities lowered (or high threats removed) since the latest review are gaps. A model with no high or
    critical threat is met only when its latest review concludes ``no_high_threats`` and the model is the
    one reviewed; otherwise, as with no threats or unrated threats, SD-2 cannot be judged.
    """
    if not model.threats:
        return DefenceInDepth(DepthOutcome.UNJUDGED, ("the model lists no threats, so there is nothing to judge",))
    lowered: list[str] = []
    if freshness is not None and freshness.model_status is FreshnessStatus.STALE:
        since = f"since the review at commit {str(freshness.reviewed_commit)[:12]}"
        lowered = [f"{change.describe()} {since}" for change in freshness.severity_lowered]
    unrated = [t.id for t in model.threats if t.severity is None]
    if unrated and not lowered:
        return DefenceInDepth(
            DepthOutcome.UNJUDGED,
            (f"threat(s) without severity, so defence in depth cannot be judged: {', '.join(unrated)}",),
        )
    checked, gaps = defence_in_depth_gaps(model)
    if lowered or gaps:
        return DefenceInDepth(DepthOutcome.GAPS, (*lowered, *(gap.describe() for gap in gaps)))
    if checked:
        return DefenceInDepth(
            DepthOutcome.MET,
            (f"all {len(checked)} high or critical threat(s) have two or more independent mitigations",),
        )
    review = latest_review(model)
    none_high = f"none of the {len(model.threats)} threat(s) is rated high or critical"
    if review is None or review.conclusion is not ReviewConclusion.NO_HIGH_THREATS:
        return DefenceInDepth(
            DepthOutcome.UNJUDGED,
            (f"{none_high}, and no review concludes so (the latest review needs `conclusion: no_high_threats`)",),
        )
    concluded = f"the review of {review.date.isoformat()} concluded no_high_threats"
    if freshness is None or freshness.model_status is FreshnessStatus.UNKNOWN:
        reason = freshness.reason if freshness is not None else "no freshness was assessed"
        return DefenceInDepth(
            DepthOutcome.UNJUDGED,
            (f"{none_high}; {concluded}, but whether the model changed since cannot be told: {reason}",),
        )
    if freshness.model_status is not FreshnessStatus.FRESH:
        changes = "; ".join(change.describe() for change in freshness.model_changes[:12]) or freshness.reason
        return DefenceInDepth(
            DepthOutcome.UNJUDGED, (f"{none_high}; {concluded}, but the model changed since: {changes}",)
        )
    return DefenceInDepth(
        DepthOutcome.MET,
        (f"{none_high}; {concluded} and the model is unchanged since commit {str(freshness.reviewed_commit)[:12]}",),
    )


def mitigations_by_requirement(model: ThreatModel) -> dict[str, list[str]]:
    """Map security requirement ids to the mitigations implementing them."""
    found: dict[str, list[str]] = defaultdict(list)
    for mitigation in model.mitigations:
        for requirement in mitigation.requirements:
            found[requirement].append(mitigation.id)
    return dict(found)


def characterisation_gaps(model: ThreatModel) -> list[str]:
    """Return what the boundary characterisation lacks (SD-1): zones, SL-T, components, zone membership, conduits.

    A model with no component or no boundary-crossing flow characterises nothing, which is a gap.
    """
    gaps: list[str] = []
    if not model.zones:
        gaps.append("no zones")
    if not model.components:
        gaps.append("no components, so no component is placed in a zone")
    elif not boundary_flows(model):
        gaps.append("no flow crosses a zone boundary, so no interface is characterised")
    names = element_names(model)
    gaps += [f"zone {named(z.id, names)} has no target security level (sl_t)" for z in model.zones if z.sl_t is None]
    for section, items in (("zone", model.zones), ("component", model.components)):
        for item in items:
            placeholder = find_placeholder(item.name, min_chars=NAME_MIN_CHARS)
            if placeholder is not None:
                gaps.append(f"{section} {item.id}'s name {placeholder.describe()}")
    gaps += [f"component {named(c.id, names)} is in no zone" for c in model.components if c.zone is None]
    zones = zone_of(model)
    for flow in model.flows:
        ends = (zones.get(flow.source), zones.get(flow.target))
        if None not in ends and ends[0] != ends[1] and flow.conduit is None:
            gaps.append(
                f"{describe_flow(flow, names)} crosses from zone {named(ends[0] or '', names)} to "
                f"{named(ends[1] or '', names)} through no conduit"
            )
    return gaps
