"""Zones and conduits as a data-flow diagram in inline SVG, drawn from a small, validated model.

The assessment does not carry the threat model's structure; a :class:`ZoneDiagram` is built from the
threat model that was assessed (for example the one inside a release-evidence bundle) and passed to
the HTML renderer beside the assessment.
"""

from __future__ import annotations

from html import escape

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ZONE_WIDTH = 230
_ZONE_GAP = 120
_BOX_HEIGHT = 44
_BOX_GAP = 22
_HEADER = 48
_MARGIN = 20


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Zone(_Frozen):
    """A security zone and its target security level."""

    id: str = Field(min_length=1)
    name: str
    security_level: int | None = Field(default=None, ge=0, le=4)


class Component(_Frozen):
    """A component placed in one zone."""

    id: str = Field(min_length=1)
    name: str
    zone: str


class Flow(_Frozen):
    """A data flow between two components, through a conduit when it crosses zones."""

    source: str
    target: str
    conduit: str | None = None
    protocol: str | None = None


class ZoneDiagram(_Frozen):
    """Zones, the components in them and the flows between components."""

    zones: list[Zone]
    components: list[Component]
    flows: list[Flow] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> ZoneDiagram:
        zones = {z.id for z in self.zones}
        components = {c.id for c in self.components}
        for component in self.components:
            if component.zone not in zones:
                raise ValueError(f"component {component.id!r} is in unknown zone {component.zone!r}")
        for flow in self.flows:
            for end in (flow.source, flow.target):
                if end not in components:
                    raise ValueError(f"flow {flow.source!r} -> {flow.target!r} names unknown component {end!r}")
        return self


def _box_centre(zone_index: int, row: int) -> tuple[float, float]:
    x = _MARGIN + zone_index * (_ZONE_WIDTH + _ZONE_GAP) + _ZONE_WIDTH / 2
    y = _MARGIN + _HEADER + row * (_BOX_HEIGHT + _BOX_GAP) + _BOX_HEIGHT / 2
    return x, y


def render_diagram_svg(diagram: ZoneDiagram, *, title: str = "Zones and conduits") -> str:
    """Return the diagram as an accessible inline SVG element: zones as columns, flows as labelled arrows."""
    zone_index = {zone.id: index for index, zone in enumerate(diagram.zones)}
    rows: dict[str, int] = {}
    per_zone: dict[str, int] = dict.fromkeys(zone_index, 0)
    for component in diagram.components:
        rows[component.id] = per_zone[component.zone]
        per_zone[component.zone] += 1
    tallest = max(per_zone.values(), default=0)
    width = 2 * _MARGIN + max(1, len(diagram.zones)) * (_ZONE_WIDTH + _ZONE_GAP) - _ZONE_GAP
    height = 2 * _MARGIN + _HEADER + max(1, tallest) * (_BOX_HEIGHT + _BOX_GAP)
    parts = [
        f'<svg class="diagram" role="img" aria-labelledby="diagram-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="diagram-title">{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
    ]
    for zone in diagram.zones:
        x = _MARGIN + zone_index[zone.id] * (_ZONE_WIDTH + _ZONE_GAP)
        level = f" (SL-T {zone.security_level})" if zone.security_level is not None else ""
        parts.append(
            f'<g class="zone"><rect x="{x}" y="{_MARGIN}" width="{_ZONE_WIDTH}" height="{height - 2 * _MARGIN}" '
            f'rx="8" fill="#f4f6fa" stroke="#4a5a78" stroke-dasharray="6 4"/>'
            f'<text x="{x + 10}" y="{_MARGIN + 22}" font-weight="bold">{escape(zone.name)}{escape(level)}</text></g>'
        )
    for component in diagram.components:
        cx, cy = _box_centre(zone_index[component.zone], rows[component.id])
        parts.append(
            f'<g class="component"><rect x="{cx - _ZONE_WIDTH / 2 + 14}" y="{cy - _BOX_HEIGHT / 2}" '
            f'width="{_ZONE_WIDTH - 28}" height="{_BOX_HEIGHT}" rx="4" fill="#fff" stroke="#222"/>'
            f'<text x="{cx}" y="{cy + 5}" text-anchor="middle">{escape(component.name)}</text></g>'
        )
    zone_of = {c.id: c.zone for c in diagram.components}
    for flow in diagram.flows:
        sx, sy = _box_centre(zone_index[zone_of[flow.source]], rows[flow.source])
        tx, ty = _box_centre(zone_index[zone_of[flow.target]], rows[flow.target])
        half = _ZONE_WIDTH / 2 - 14
        # Leave and enter boxes at their sides so arrows stay readable; flows inside one zone use the top/bottom.
        if sx != tx:
            direction = 1 if tx > sx else -1
            sx, tx = sx + direction * half, tx - direction * half
        else:
            direction = 1 if ty > sy else -1
            sy, ty = sy + direction * _BOX_HEIGHT / 2, ty - direction * _BOX_HEIGHT / 2
        label = " / ".join(part for part in (flow.conduit, flow.protocol) if part)
        if sx != tx:
            label_x, label_y, anchor = (sx + tx) / 2, (sy + ty) / 2 - 6, "middle"
        else:
            label_x, label_y, anchor = sx + 6, (sy + ty) / 2 + 4, "start"
        crossing = "crossing" if zone_of[flow.source] != zone_of[flow.target] else "internal"
        parts.append(
            f'<g class="flow {crossing}"><line x1="{sx:.1f}" y1="{sy:.1f}" x2="{tx:.1f}" y2="{ty:.1f}" '
            f'stroke="#333" stroke-width="1.5" marker-end="url(#arrow)"/>'
            f'<text x="{label_x:.1f}" y="{label_y:.1f}" text-anchor="{anchor}" font-size="11" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
