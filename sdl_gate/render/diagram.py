"""Zones and conduits as a data-flow diagram in inline SVG, drawn from a small, validated model.

The assessment does not carry the threat model's structure; a :class:`ZoneDiagram` is built from the
threat model that was assessed (for example the one inside a release-evidence bundle) and passed to
the HTML renderer beside the assessment.
"""

from __future__ import annotations

import textwrap
from html import escape

from pydantic import Field, model_validator

from sdl_gate._model import FrozenModel

_ZONE_WIDTH = 230
_ZONE_GAP = 120
_BOX_HEIGHT = 44
_BOX_GAP = 22
_HEADER_PAD = 22
_MARGIN = 20
_LINE = 15
_CHAR_WIDTH = 6.6
_LANE_GAP = 16
_PARALLEL_GAP = 12


class Zone(FrozenModel):
    """A security zone and its target security level."""

    id: str = Field(min_length=1)
    name: str
    security_level: int | None = Field(default=None, ge=0, le=4)


class Component(FrozenModel):
    """A component placed in one zone."""

    id: str = Field(min_length=1)
    name: str
    zone: str


class Flow(FrozenModel):
    """A data flow between two components, through a conduit when it crosses zones."""

    source: str
    target: str
    conduit: str | None = None
    protocol: str | None = None


class ZoneDiagram(FrozenModel):
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


def _wrap(text: str, width: float, max_lines: int) -> list[str]:
    """Break ``text`` into lines that fit ``width``; what does not fit ends in an ellipsis (the title has it all)."""
    # SVG text does not wrap; an average glyph advance is close enough to keep names inside their boxes.
    limit = max(4, int(width / _CHAR_WIDTH))
    lines = textwrap.wrap(text, limit, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: limit - 1].rstrip() + "\u2026"
    return lines


def _text_lines(lines: list[str], x: float, first_y: float, anchor: str, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first_y + index * _LINE:.1f}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text text-anchor="{anchor}"{weight}>{spans}</text>'


class _Layout:
    """Where zones, components and lanes sit: zones as columns, components stacked in their zone's column."""

    def __init__(self, diagram: ZoneDiagram) -> None:
        self.zone_index = {zone.id: index for index, zone in enumerate(diagram.zones)}
        self.zone_of = {c.id: c.zone for c in diagram.components}
        self.rows: dict[str, int] = {}
        per_zone: dict[str, int] = dict.fromkeys(self.zone_index, 0)
        for component in diagram.components:
            self.rows[component.id] = per_zone[component.zone]
            per_zone[component.zone] += 1
        self.headers = {
            zone.id: _wrap(zone.name, _ZONE_WIDTH - 20, 3)
            + ([f"SL-T {zone.security_level}"] if zone.security_level is not None else [])
            for zone in diagram.zones
        }
        self.header = _HEADER_PAD + _LINE * max((len(lines) for lines in self.headers.values()), default=1)
        tallest = max(per_zone.values(), default=0)
        self.zones_bottom = _MARGIN + self.header + max(1, tallest) * (_BOX_HEIGHT + _BOX_GAP)
        # Flows between zones that are not neighbours are routed below the zones, one lane each, so they
        # never cross the components of the zones in between.
        self.lanes = [i for i, f in enumerate(diagram.flows) if abs(self.column(f.source) - self.column(f.target)) > 1]
        self.width = 2 * _MARGIN + max(1, len(diagram.zones)) * (_ZONE_WIDTH + _ZONE_GAP) - _ZONE_GAP
        self.height = self.zones_bottom + _MARGIN + (_LANE_GAP * (len(self.lanes) + 1) if self.lanes else 0)
        # Flows between the same two components are drawn side by side, so each arrow and label stays visible.
        self.pairs: dict[frozenset[str], list[int]] = {}
        for index, flow in enumerate(diagram.flows):
            if index not in self.lanes:
                self.pairs.setdefault(frozenset((flow.source, flow.target)), []).append(index)

    def column(self, component: str) -> int:
        """Return the column of the component's zone."""
        return self.zone_index[self.zone_of[component]]

    def centre(self, component: str) -> tuple[float, float]:
        """Return the centre of the component's box."""
        x = _MARGIN + self.column(component) * (_ZONE_WIDTH + _ZONE_GAP) + _ZONE_WIDTH / 2
        y = _MARGIN + self.header + self.rows[component] * (_BOX_HEIGHT + _BOX_GAP) + _BOX_HEIGHT / 2
        return x, y


def _flow_svg(layout: _Layout, index: int, flow: Flow) -> str:
    sx, sy = layout.centre(flow.source)
    tx, ty = layout.centre(flow.target)
    half = _ZONE_WIDTH / 2 - 14
    if index in layout.lanes:
        lane = layout.lanes.index(index)
        count = len(layout.lanes)
        direction = 1 if tx > sx else -1
        spread = (lane - (count - 1) / 2) * min(8.0, (_ZONE_GAP - 20) / count)
        sx, tx = sx + direction * half, tx - direction * half
        gap_out = sx + direction * (14 + _ZONE_GAP / 2) + spread
        gap_in = tx - direction * (14 + _ZONE_GAP / 2) + spread
        lane_y = layout.zones_bottom + _LANE_GAP * (lane + 1)
        # Routed flows leave and enter boxes below their middle, apart from the direct flows above it.
        sy, ty = sy + 10 + spread / 2, ty + 10 + spread / 2
        points = [(sx, sy), (gap_out, sy), (gap_out, lane_y), (gap_in, lane_y), (gap_in, ty), (tx, ty)]
        label_x, label_y, anchor = (gap_out + gap_in) / 2, lane_y - 4.0, "middle"
    else:
        siblings = layout.pairs[frozenset((flow.source, flow.target))]
        position = siblings.index(index) - (len(siblings) - 1) / 2
        offset = position * _PARALLEL_GAP
        # Leave and enter boxes at their sides so arrows stay readable; flows inside one zone use the top/bottom.
        if sx != tx:
            direction = 1 if tx > sx else -1
            sx, tx = sx + direction * half, tx - direction * half
            sy, ty = sy + offset - 5, ty + offset - 5
            # The lower of two parallel arrows is labelled below it, so the labels never cover an arrow.
            label_x, label_y, anchor = (sx + tx) / 2, (sy + ty) / 2 + (12 if position > 0 else -4), "middle"
        else:
            direction = 1 if ty > sy else -1
            sy, ty = sy + direction * _BOX_HEIGHT / 2, ty - direction * _BOX_HEIGHT / 2
            sx, tx = sx + offset, tx + offset
            label_x, label_y, anchor = sx + 6, (sy + ty) / 2 + 4, "start"
        points = [(sx, sy), (tx, ty)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
    label = " / ".join(part for part in (flow.conduit, flow.protocol) if part)
    crossing = "crossing" if layout.zone_of[flow.source] != layout.zone_of[flow.target] else "internal"
    return (
        f'<g class="flow {crossing}"><path d="{path}" fill="none" stroke="#333" stroke-width="1.5" '
        f'marker-end="url(#arrow)"/><text x="{label_x:.1f}" y="{label_y:.1f}" text-anchor="{anchor}" '
        f'font-size="11" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(label)}</text></g>'
    )


def render_diagram_svg(diagram: ZoneDiagram, *, title: str = "Zones and conduits") -> str:
    """Return the diagram as an accessible inline SVG element: zones as columns, flows as labelled arrows."""
    layout = _Layout(diagram)
    width, height = layout.width, layout.height
    parts = [
        f'<svg class="diagram" role="img" aria-labelledby="diagram-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="diagram-title">{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>',
    ]
    for zone in diagram.zones:
        x = _MARGIN + layout.zone_index[zone.id] * (_ZONE_WIDTH + _ZONE_GAP)
        level = f" (SL-T {zone.security_level})" if zone.security_level is not None else ""
        parts.append(
            f'<g class="zone"><title>{escape(zone.name)}{escape(level)}</title>'
            f'<rect x="{x}" y="{_MARGIN}" width="{_ZONE_WIDTH}" height="{layout.zones_bottom - _MARGIN}" '
            f'rx="8" fill="#f4f6fa" stroke="#4a5a78" stroke-dasharray="6 4"/>'
            f"{_text_lines(layout.headers[zone.id], x + 10, _MARGIN + 20, 'start', bold=True)}</g>"
        )
    for component in diagram.components:
        cx, cy = layout.centre(component.id)
        lines = _wrap(component.name, _ZONE_WIDTH - 40, 2)
        parts.append(
            f'<g class="component"><title>{escape(component.name)}</title>'
            f'<rect x="{cx - _ZONE_WIDTH / 2 + 14}" y="{cy - _BOX_HEIGHT / 2}" '
            f'width="{_ZONE_WIDTH - 28}" height="{_BOX_HEIGHT}" rx="4" fill="#fff" stroke="#222"/>'
            f"{_text_lines(lines, cx, cy + 4 - (len(lines) - 1) * _LINE / 2, 'middle')}</g>"
        )
    parts += [_flow_svg(layout, index, flow) for index, flow in enumerate(diagram.flows)]
    parts.append("</svg>")
    return "".join(parts)
