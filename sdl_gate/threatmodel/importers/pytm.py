"""pytm's JSON output (``python model.py --json FILE``).

pytm names elements rather than identifying them, and its findings carry a threat-library id but no
STRIDE category: sdl-gate assigns ids in document order and classifies each threat family (the letters
of the id, INP, AC, CR, ...) by the STRIDE category that best describes the family. Boundaries become zones
without security levels. A finding's ``response`` is pytm's only record of a decision.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field

from sdl_gate._model import LenientFrozenModel
from sdl_gate.errors import InputError
from sdl_gate.threatmodel.importers import build_model, parse_foreign
from sdl_gate.threatmodel.model import ModelFormat, Stride, ThreatModel
from sdl_gate.threatmodel.severity import severity_level

FORMAT = ModelFormat.PYTM

#: pytm threat-library families and the STRIDE category that best describes each.
FAMILY_STRIDE = {
    "AA": Stride.SPOOFING,  # authentication abuse, principal spoofing
    "AC": Stride.ELEVATION_OF_PRIVILEGE,  # access control, privilege abuse
    "API": Stride.ELEVATION_OF_PRIVILEGE,  # exploitable test and script APIs
    "CR": Stride.INFORMATION_DISCLOSURE,  # cryptography and session secrecy
    "DE": Stride.INFORMATION_DISCLOSURE,  # data exposure, interception, sniffing
    "DO": Stride.DENIAL_OF_SERVICE,  # flooding, resource exhaustion
    "DR": Stride.INFORMATION_DISCLOSURE,  # unprotected sensitive data
    "DS": Stride.INFORMATION_DISCLOSURE,  # excavation, footprinting, data leaks
    "HA": Stride.INFORMATION_DISCLOSURE,  # path traversal, reverse engineering, fingerprinting
    "INP": Stride.TAMPERING,  # input manipulation and injection
    "LB": Stride.TAMPERING,  # API manipulation
    "LLM": Stride.TAMPERING,  # prompt injection, poisoning
    "SC": Stride.TAMPERING,  # script injection, hijacking
}
_SEVERITY = {"very high": "critical", "high": "high", "medium": "medium", "low": "low", "very low": "low"}
_FAMILY = re.compile(r"^([A-Z]+)\d*$")


class _Aliased(LenientFrozenModel):
    model_config = ConfigDict(populate_by_name=True)


class _Element(_Aliased):
    name: str
    kind: str | None = Field(default=None, alias="__class__")
    inBoundary: str | None = None
    description: str | None = None


class _Flow(_Aliased):
    name: str
    source: str
    sink: str
    protocol: str | None = None
    description: str | None = None


class _Finding(_Aliased):
    id: str | None = None
    threat_id: str
    description: str
    details: str | None = None
    severity: str | None = None
    target: str
    response: str | None = None
    cvss: str | None = None


class _Document(_Aliased):
    name: str
    description: str | None = None
    elements: list[_Element] = Field(default_factory=list)
    boundaries: list[_Element] = Field(default_factory=list)
    flows: list[_Flow] = Field(default_factory=list)
    findings: list[_Finding] = Field(default_factory=list)
    assumptions: list[Any] = Field(default_factory=list)


def _assumption(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        text = " ".join(str(value.get(k) or "") for k in ("name", "description")).strip()
        return text or None
    return None


def _severity(finding: _Finding) -> str | None:
    if finding.cvss and finding.cvss.startswith("CVSS:"):
        try:
            severity_level(finding.cvss)
        except ValueError:
            return _SEVERITY.get((finding.severity or "").strip().lower())
        return finding.cvss
    return _SEVERITY.get((finding.severity or "").strip().lower())


def convert(data: Any, source: Path, sha256: str) -> ThreatModel:  # noqa: PLR0915 - one pass per section
    """Convert pytm's JSON report."""
    document: _Document = parse_foreign(_Document, data, source, "pytm report")
    zone_ids: dict[str, str] = {}
    zones: list[dict[str, Any]] = []
    for index, boundary in enumerate(document.boundaries):
        if boundary.name in zone_ids:
            raise InputError(
                f"two boundaries are named {boundary.name!r}", path=source, location=f"boundaries[{index}]"
            )
        zone_ids[boundary.name] = f"Z-{index + 1}"
    for boundary in document.boundaries:
        zones.append(
            {
                "id": zone_ids[boundary.name],
                "name": boundary.name,
                "parent": zone_ids.get(boundary.inBoundary or ""),
                "description": boundary.description or None,
            }
        )
    component_ids: dict[str, str] = {}
    components: list[dict[str, Any]] = []
    for index, element in enumerate(document.elements):
        if element.name in component_ids:
            raise InputError(f"two elements are named {element.name!r}", path=source, location=f"elements[{index}]")
        component_ids[element.name] = f"C-{index + 1}"
        zone = None
        if element.inBoundary:
            zone = zone_ids.get(element.inBoundary)
            if zone is None:
                raise InputError(
                    f"element {element.name!r} sits in unknown boundary {element.inBoundary!r}",
                    path=source,
                    location=f"elements[{index}].inBoundary",
                )
        components.append(
            {
                "id": component_ids[element.name],
                "name": element.name,
                "type": (element.kind or "").lower() or None,
                "zone": zone,
                "description": element.description or None,
            }
        )
    flow_ids: dict[str, str] = {}
    flows: list[dict[str, Any]] = []
    for index, flow in enumerate(document.flows):
        ends = []
        for key, name in (("source", flow.source), ("sink", flow.sink)):
            if name not in component_ids:
                raise InputError(
                    f"flow {flow.name!r} names unknown element {name!r}", path=source, location=f"flows[{index}].{key}"
                )
            ends.append(component_ids[name])
        flow_id = f"F-{index + 1}"
        flow_ids.setdefault(flow.name, flow_id)
        flows.append(
            {"id": flow_id, "from": ends[0], "to": ends[1], "protocol": flow.protocol or None, "data": flow.name}
        )
    targets = {**zone_ids, **component_ids, **flow_ids}
    threats: list[dict[str, Any]] = []
    mitigations: list[dict[str, Any]] = []
    dispositions: list[dict[str, Any]] = []
    for index, finding in enumerate(document.findings):
        where = f"findings[{index}]"
        match = _FAMILY.match(finding.threat_id)
        stride = FAMILY_STRIDE.get(match.group(1)) if match else None
        if stride is None:
            raise InputError(
                f"unknown STRIDE category for pytm threat {finding.threat_id!r}: its family is not one sdl-gate "
                f"classifies ({', '.join(sorted(FAMILY_STRIDE))})",
                path=source,
                location=f"{where}.threat_id",
            )
        target = targets.get(finding.target)
        if target is None:
            raise InputError(
                f"finding targets unknown element {finding.target!r}", path=source, location=f"{where}.target"
            )
        threat_id = f"T-{index + 1}-{finding.threat_id}"
        response = (finding.response or "").strip()
        lowered = response.lower()
        entry: dict[str, Any] = {
            "id": threat_id,
            "title": finding.description.strip() or finding.threat_id,
            "description": finding.details or None,
            "stride": stride.value,
            "affects": [target],
            "severity": _severity(finding),
            "status": "open",
        }
        if "mitigat" in lowered:
            entry["status"] = "mitigated"
            mitigations.append({"id": f"M-{index + 1}", "description": response})
            dispositions.append({"threat": threat_id, "status": "mitigated", "mitigations": [f"M-{index + 1}"]})
        elif "accept" in lowered:
            entry["status"] = "accepted"
            dispositions.append({"threat": threat_id, "status": "accepted", "rationale": response})
        elif "transfer" in lowered:
            entry["status"] = "transferred"
            dispositions.append({"threat": threat_id, "status": "transferred", "rationale": response})
        threats.append(entry)
    assumptions = [a for a in (_assumption(v) for v in document.assumptions) if a]
    native = {
        "version": 1,
        "product": {"name": document.name, "description": document.description or None, "assumptions": assumptions},
        "zones": zones,
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
                "reviews: pytm records none",
                "intended environment (SR-1)",
                "target security levels (SL-T) of boundaries, and conduits",
                "approvers of accepted risks",
                "links from mitigations to security requirements and tests",
            ],
        },
    }
    return build_model(native, source, "pytm report")
