"""Load a threat model in any supported format and refuse dangling references, duplicates and cycles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdl_gate._files import read_text_limited, sha256_bytes
from sdl_gate._yaml import (
    LineMap,
    PathKey,
    collector_paused,
    format_location,
    parse_json_text,
    parse_yaml_text,
    validate,
)
from sdl_gate.errors import InputError
from sdl_gate.threatmodel.model import ModelFormat, ThreatModel, ThreatStatus


@dataclass(frozen=True)
class LoadedModel:
    """A validated threat model, where it came from, and the line of every value (native YAML only)."""

    model: ThreatModel
    path: Path
    format: ModelFormat
    sha256: str
    lines: LineMap | None


def detect_format(data: Any) -> ModelFormat | None:
    """Guess the format of a parsed document from its top-level keys."""
    if not isinstance(data, Mapping):
        return None
    if "otmVersion" in data:
        return ModelFormat.OTM
    if "findings" in data and ("elements" in data or "flows" in data) and "boundaries" in data:
        return ModelFormat.PYTM
    if "summary" in data and ("detail" in data or "details" in data):
        return ModelFormat.THREAT_DRAGON
    if data.get("version") == 1:
        return ModelFormat.NATIVE
    return None


class _Refs:
    """Raises an InputError naming the file, line and document path of a bad reference."""

    def __init__(self, source: Path, lines: LineMap | None) -> None:
        self.source = source
        self.lines = lines

    def error(self, message: str, path: PathKey) -> InputError:
        line = self.lines.line_for(path) if self.lines is not None else None
        return InputError(message, path=self.source, line=line, location=format_location(path))


def _kinds(model: ThreatModel, refs: _Refs) -> dict[str, str]:
    """Map every element id to its kind, refusing an id used twice anywhere in the model."""
    kinds: dict[str, str] = {}
    where: dict[str, PathKey] = {}
    sections: list[tuple[str, Iterable[Any]]] = [
        ("zones", model.zones),
        ("conduits", model.conduits),
        ("assets", model.assets),
        ("components", model.components),
        ("flows", model.flows),
        ("threats", model.threats),
        ("mitigations", model.mitigations),
    ]
    for section, items in sections:
        for index, item in enumerate(items):
            path: PathKey = (section, index, "id")
            if item.id in kinds:
                raise refs.error(f"duplicate id {item.id!r} (also at {format_location(where[item.id])})", path)
            kinds[item.id] = section
            where[item.id] = path
    return kinds


def _expect(kinds: dict[str, str], value: str, wanted: tuple[str, ...], path: PathKey, refs: _Refs) -> None:
    found = kinds.get(value)
    if found in wanted:
        return
    names = " or ".join(w.rstrip("s") for w in wanted)
    if found is None:
        raise refs.error(f"unknown {names} {value!r}", path)
    if found not in wanted:
        raise refs.error(f"{value!r} is a {found.rstrip('s')}, expected a {names}", path)


def _no_cycles(parents: dict[str, list[str]], section: str, index_of: dict[str, int], field: str, refs: _Refs) -> None:
    """Refuse a cycle in a parent or dependency relation (depth-first, iterative)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in parents:
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        trail: list[str] = []
        while stack:
            node, position = stack.pop()
            if position == 0:
                state[node] = 1
                trail.append(node)
            children = parents.get(node, [])
            if position < len(children):
                stack.append((node, position + 1))
                child = children[position]
                if state.get(child) == 1:
                    cycle = [*trail[trail.index(child) :], child]
                    raise refs.error(f"cycle in {field}: {' -> '.join(cycle)}", (section, index_of[node], field))
                if not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                trail.pop()


def check_references(model: ThreatModel, source: Path, lines: LineMap | None) -> None:
    """Refuse duplicate ids, dangling references, parent and dependency cycles, and contradictory statuses."""
    refs = _Refs(source, lines)
    kinds = _kinds(model, refs)
    for index, zone in enumerate(model.zones):
        if zone.parent is not None:
            _expect(kinds, zone.parent, ("zones",), ("zones", index, "parent"), refs)
    for index, conduit in enumerate(model.conduits):
        for end, zone_id in enumerate(conduit.between):
            _expect(kinds, zone_id, ("zones",), ("conduits", index, "between", end), refs)
        if conduit.between[0] == conduit.between[1]:
            raise refs.error("a conduit joins two different zones", ("conduits", index, "between"))
    zone_of: dict[str, str | None] = {}
    for index, component in enumerate(model.components):
        if component.zone is not None:
            _expect(kinds, component.zone, ("zones",), ("components", index, "zone"), refs)
        if component.parent is not None:
            _expect(kinds, component.parent, ("components",), ("components", index, "parent"), refs)
        zone_of[component.id] = component.zone
    conduits = {c.id: c for c in model.conduits}
    for index, flow in enumerate(model.flows):
        _expect(kinds, flow.source, ("components",), ("flows", index, "from"), refs)
        _expect(kinds, flow.target, ("components",), ("flows", index, "to"), refs)
        if flow.conduit is not None:
            _expect(kinds, flow.conduit, ("conduits",), ("flows", index, "conduit"), refs)
            ends = {zone_of[flow.source], zone_of[flow.target]}
            joined = set(conduits[flow.conduit].between)
            if None not in ends and ends != joined:
                raise refs.error(
                    f"flow {flow.id} runs between zones {', '.join(sorted(z for z in ends if z))} but conduit "
                    f"{flow.conduit} joins {', '.join(sorted(joined))}",
                    ("flows", index, "conduit"),
                )
    everything = ("zones", "conduits", "assets", "components", "flows")
    for index, threat in enumerate(model.threats):
        for position, element in enumerate(threat.affects):
            _expect(kinds, element, everything, ("threats", index, "affects", position), refs)
    for index, mitigation in enumerate(model.mitigations):
        for position, other in enumerate(mitigation.depends_on):
            _expect(kinds, other, ("mitigations",), ("mitigations", index, "depends_on", position), refs)
    disposed: dict[str, int] = {}
    threats = {t.id: t for t in model.threats}
    for index, disposition in enumerate(model.dispositions):
        _expect(kinds, disposition.threat, ("threats",), ("dispositions", index, "threat"), refs)
        if disposition.threat in disposed:
            raise refs.error(
                f"threat {disposition.threat} has a second disposition "
                f"(first at dispositions[{disposed[disposition.threat]}])",
                ("dispositions", index, "threat"),
            )
        disposed[disposition.threat] = index
        for position, mitigation_id in enumerate(disposition.mitigations):
            _expect(kinds, mitigation_id, ("mitigations",), ("dispositions", index, "mitigations", position), refs)
        status = threats[disposition.threat].status
        if status is not None and status.value != disposition.status.value:
            raise refs.error(
                f"threat {disposition.threat} says status {status.value} but its disposition says "
                f"{disposition.status.value}",
                ("dispositions", index, "status"),
            )
    for index, threat in enumerate(model.threats):
        if threat.status not in (None, ThreatStatus.OPEN) and threat.id not in disposed:
            raise refs.error(
                f"threat {threat.id} is {threat.status.value if threat.status else ''} but has no disposition",
                ("threats", index, "status"),
            )
        if threat.status is ThreatStatus.OPEN and threat.id in disposed:
            raise refs.error(f"threat {threat.id} is open but has a disposition", ("threats", index, "status"))
    _no_cycles(
        {z.id: [z.parent] for z in model.zones if z.parent},
        "zones",
        {z.id: i for i, z in enumerate(model.zones)},
        "parent",
        refs,
    )
    _no_cycles(
        {c.id: [c.parent] for c in model.components if c.parent},
        "components",
        {c.id: i for i, c in enumerate(model.components)},
        "parent",
        refs,
    )
    _no_cycles(
        {m.id: list(m.depends_on) for m in model.mitigations if m.depends_on},
        "mitigations",
        {m.id: i for i, m in enumerate(model.mitigations)},
        "depends_on",
        refs,
    )


def check_requirement_links(
    model: ThreatModel, requirement_ids: set[str], source: Path, lines: LineMap | None, requirements_file: str
) -> None:
    """Refuse a mitigation that names a security requirement the requirements file does not define."""
    refs = _Refs(source, lines)
    for index, mitigation in enumerate(model.mitigations):
        for position, requirement in enumerate(mitigation.requirements):
            if requirement not in requirement_ids:
                raise refs.error(
                    f"mitigation {mitigation.id} names requirement {requirement!r}, which {requirements_file} "
                    "does not define",
                    ("mitigations", index, "requirements", position),
                )


def model_from_text(text: str, path: Path, fmt: ModelFormat | None = None) -> LoadedModel:
    """Parse ``text`` (the content of ``path``) in format ``fmt`` (detected when None) into the native model.

    References are not checked here: :func:`load_threat_model` does that for the model being assessed.
    """
    with collector_paused():
        return _model_from_text(text, path, fmt)


def _model_from_text(text: str, path: Path, fmt: ModelFormat | None) -> LoadedModel:
    from sdl_gate.threatmodel import importers

    digest = sha256_bytes(text.encode("utf-8"))
    if path.suffix.lower() == ".json":
        data: Any = parse_json_text(text, path)
        lines: LineMap | None = None
    else:
        data, lines = parse_yaml_text(text, path)
    detected = fmt or detect_format(data)
    if detected is None:
        raise InputError(
            "not a threat model sdl-gate knows: expected the native format (version: 1), Threat Dragon 2.x, "
            "pytm --json output or Open Threat Model (otmVersion)",
            path=path,
            line=1 if lines is not None else None,
        )
    if detected is ModelFormat.NATIVE:
        model = validate(ThreatModel, data, path, lines, "threat model")
    else:
        model = importers.convert(detected, data, path, digest)
        lines = None
    return LoadedModel(model=model, path=path, format=detected, sha256=digest, lines=lines)


def load_threat_model(path: Path, fmt: ModelFormat | None = None, *, root: Path | None = None) -> LoadedModel:
    """Load ``path`` in format ``fmt`` (detected when None), convert it to the native model and check it.

    With ``root``, the model is the project's: a regular file inside it.
    """
    loaded = model_from_text(read_text_limited(path, root=root), path, fmt)
    check_references(loaded.model, path, loaded.lines)
    return loaded
