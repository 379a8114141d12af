"""The pytm importer, on documents shaped like ``python model.py --json`` output (a real run is an integration test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.errors import InputError
from sdl_gate.threatmodel.importers import pytm
from sdl_gate.threatmodel.loader import load_threat_model
from sdl_gate.threatmodel.model import DispositionStatus, ModelFormat, Stride, ThreatStatus
from tests.conftest import write

SOURCE = Path("pytm.json")
SHA = "1" * 64
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def _finding(threat_id: str, target: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(extra.pop("number", 1)),
        "threat_id": threat_id,
        "description": f"{threat_id} against {target}",
        "details": "What an attacker does.",
        "severity": extra.pop("severity", "High"),
        "target": target,
        "response": extra.pop("response", ""),
        "cvss": extra.pop("cvss", ""),
        "condition": "target.controls.sanitizesInput is False",
        **extra,
    }


def _document() -> dict[str, Any]:
    """Gateway: an operator in the office, a server and a historian in the plant; pytm's extra keys included."""
    return {
        "name": "Gateway",
        "description": "A gateway between a plant and the office.",
        "assumptions": ["Operators are trained", {"name": "VPN", "description": "Remote access uses the VPN"}, 3],
        "boundaries": [
            {"name": "Office", "inBoundary": None, "description": "", "controls": {}},
            {"name": "Plant", "inBoundary": None, "description": "Cell zone"},
            {"name": "Cell", "inBoundary": "Plant"},
        ],
        "elements": [
            {"__class__": "Actor", "name": "Operator", "inBoundary": "Office", "controls": {}, "port": -1},
            {"__class__": "Server", "name": "Gateway", "inBoundary": "Plant"},
            {"__class__": "Datastore", "name": "Historian", "inBoundary": "Cell"},
            {"__class__": "Lambda", "name": "Exporter"},
        ],
        "flows": [
            {"name": "Login", "source": "Operator", "sink": "Gateway", "protocol": "HTTPS", "dstPort": 443},
            {"name": "Write values", "source": "Gateway", "sink": "Historian", "protocol": ""},
        ],
        "findings": [
            _finding("INP03", "Gateway", number=1),
            _finding("AA01", "Login", number=2, severity="Very High", response="Mitigated by client certificates"),
            _finding("DO01", "Historian", number=3, severity="Low", response="Accepted: the plant network is closed"),
            _finding("DE01", "Plant", number=4, severity="Medium", response="Transferred to the site operator"),
            _finding("CR01", "Login", number=5, cvss=VECTOR),
            _finding("AC01", "Gateway", number=6, severity="Very Low", cvss="CVSS:3.1/AV:X"),
        ],
        "threatsExcluded": [],
        "onDuplicates": "Action.NO_ACTION",
    }


def _error(document: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        pytm.convert(document, SOURCE, SHA)
    assert caught.value.path == str(SOURCE)
    return caught.value


def test_a_pytm_report_is_detected_and_loaded_from_a_file(tmp_path: Path) -> None:
    path = write(tmp_path / "pytm.json", json.dumps(_document()))
    loaded = load_threat_model(path)
    assert loaded.format is ModelFormat.PYTM
    assert loaded.model.imported_from is not None and loaded.model.imported_from.source == "pytm.json"


def test_boundaries_become_nested_zones_and_elements_components() -> None:
    model = pytm.convert(_document(), SOURCE, SHA)
    assert [(z.id, z.name, z.parent) for z in model.zones] == [
        ("Z-1", "Office", None),
        ("Z-2", "Plant", None),
        ("Z-3", "Cell", "Z-2"),
    ]
    assert [(c.id, c.name, c.type, c.zone) for c in model.components] == [
        ("C-1", "Operator", "actor", "Z-1"),
        ("C-2", "Gateway", "server", "Z-2"),
        ("C-3", "Historian", "datastore", "Z-3"),
        ("C-4", "Exporter", "lambda", None),
    ]
    assert [(f.id, f.source, f.target, f.protocol, f.data) for f in model.flows] == [
        ("F-1", "C-1", "C-2", "HTTPS", "Login"),
        ("F-2", "C-2", "C-3", None, "Write values"),
    ]


def test_findings_become_threats_classified_by_family() -> None:
    model = pytm.convert(_document(), SOURCE, SHA)
    assert [t.id for t in model.threats] == ["T-1-INP03", "T-2-AA01", "T-3-DO01", "T-4-DE01", "T-5-CR01", "T-6-AC01"]
    assert [t.stride for t in model.threats] == [
        Stride.TAMPERING,
        Stride.SPOOFING,
        Stride.DENIAL_OF_SERVICE,
        Stride.INFORMATION_DISCLOSURE,
        Stride.INFORMATION_DISCLOSURE,
        Stride.ELEVATION_OF_PRIVILEGE,
    ]
    assert [t.affects for t in model.threats] == [["C-2"], ["F-1"], ["C-3"], ["Z-2"], ["F-1"], ["C-2"]]
    # Levels map onto sdl-gate's; a valid CVSS vector is kept, an invalid one falls back to the level.
    assert [t.severity for t in model.threats] == ["high", "critical", "low", "medium", VECTOR, "low"]


def test_responses_are_pytms_only_record_of_a_decision() -> None:
    model = pytm.convert(_document(), SOURCE, SHA)
    statuses = [t.status for t in model.threats]
    assert statuses == [
        ThreatStatus.OPEN,
        ThreatStatus.MITIGATED,
        ThreatStatus.ACCEPTED,
        ThreatStatus.TRANSFERRED,
        ThreatStatus.OPEN,
        ThreatStatus.OPEN,
    ]
    dispositions = {d.threat: d for d in model.dispositions}
    assert dispositions["T-2-AA01"].mitigations == ["M-2"]
    assert model.mitigations[0].description == "Mitigated by client certificates"
    assert dispositions["T-3-DO01"].status is DispositionStatus.ACCEPTED
    assert dispositions["T-3-DO01"].approver is None  # pytm records no approver; none is invented
    assert dispositions["T-4-DE01"].status is DispositionStatus.TRANSFERRED


def test_product_assumptions_and_what_pytm_cannot_say() -> None:
    model = pytm.convert(_document(), SOURCE, SHA)
    assert model.product is not None
    assert model.product.name == "Gateway"
    assert model.product.assumptions == ["Operators are trained", "VPN Remote access uses the VPN"]
    assert model.reviews == []
    assert model.imported_from is not None
    assert model.imported_from.format is ModelFormat.PYTM
    assert "reviews: pytm records none" in model.imported_from.missing


def test_an_empty_model_converts_to_an_empty_native_model() -> None:
    model = pytm.convert({"name": "Nothing"}, SOURCE, SHA)
    assert (model.zones, model.components, model.flows, model.threats) == ([], [], [], [])


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "index", "change", "location"),
    [
        ("boundaries", 2, {"name": "Plant"}, "boundaries[2]"),
        ("elements", 1, {"name": "Operator"}, "elements[1]"),
        ("elements", 0, {"inBoundary": "Moon"}, "elements[0].inBoundary"),
        ("flows", 0, {"sink": "Nobody"}, "flows[0].sink"),
        ("flows", 1, {"source": "Nobody"}, "flows[1].source"),
        ("findings", 0, {"threat_id": "ZZ01"}, "findings[0].threat_id"),
        ("findings", 2, {"threat_id": "lowercase01"}, "findings[2].threat_id"),
        ("findings", 3, {"target": "Nowhere"}, "findings[3].target"),
    ],
)
def test_dangling_names_and_unknown_families_name_their_place(
    section: str, index: int, change: dict[str, str], location: str
) -> None:
    document = _document()
    document[section][index].update(change)
    assert _error(document).location == location


@pytest.mark.parametrize(
    ("document", "location"),
    [
        ({"description": "no name"}, "name"),
        ({"name": "x", "elements": {"Operator": {}}}, "elements"),
        ({"name": "x", "findings": [{"threat_id": "INP01", "target": "x"}]}, "findings[0].description"),
        ({"name": "x", "flows": [{"name": "f", "source": 1, "sink": "y"}]}, "flows[0].source"),
    ],
)
def test_wrong_shapes_name_their_path(document: dict[str, Any], location: str) -> None:
    assert _error(document).location == location


def test_a_document_that_is_not_an_object_is_refused() -> None:
    _error(["Gateway"])
