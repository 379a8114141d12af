"""The Threat Dragon 2.x importer: real models from OWASP Threat Dragon, and hand-made diagrams for each rule."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.errors import InputError
from sdl_gate.threatmodel import analysis
from sdl_gate.threatmodel.importers import threat_dragon
from sdl_gate.threatmodel.loader import load_threat_model
from sdl_gate.threatmodel.model import DispositionStatus, ModelFormat, Stride, ThreatStatus
from tests.conftest import SHARED_FIXTURES

TD = SHARED_FIXTURES / "threat-dragon"
SOURCE = Path("model.json")
SHA = "0" * 64


def _fixture(name: str) -> Path:
    path = TD / name
    if not path.is_file():
        pytest.skip(f"shared fixture {name} is absent (../shared/fixtures/threat-dragon)")
    return path


def _node(cell_id: str, kind: str, name: str, x: float, y: float, **data: Any) -> dict[str, Any]:
    return {
        "id": cell_id,
        "shape": kind.removeprefix("tm.").lower(),
        "position": {"x": x - 20, "y": y - 20},
        "size": {"width": 40, "height": 40},
        "data": {"type": kind, "name": name, **data},
    }


def _flow(cell_id: str, source: str, target: str | None, name: str) -> dict[str, Any]:
    end: dict[str, Any] = {"cell": target} if target is not None else {"x": 5, "y": 5}
    return {
        "id": cell_id,
        "shape": "flow",
        "source": {"cell": source},
        "target": end,
        "data": {"type": "tm.Flow", "name": name, "protocol": "https", "threats": []},
    }


def _document() -> dict[str, Any]:
    """A plant box holding an operator and two stores, a server outside it, and a boundary curve at x = 95."""
    threats = [
        {
            "id": "t-1",
            "title": "Spoofed operator",
            "type": "Spoofing",
            "status": "Mitigated",
            "severity": "High",
            "mitigation": "Operators log in with a second factor",
            "modelType": "STRIDE",
        },
        {"title": "Recipe leak", "type": "Confidentiality", "status": "N/A", "severity": "TBA", "modelType": "CIA"},
        {"title": "Tampered screen", "type": "Tampering", "status": "Open", "severity": "Low", "modelType": "STRIDE"},
    ]
    cells = [
        {
            "id": "box",
            "shape": "trust-boundary-box",
            "position": {"x": 0, "y": 0},
            "size": {"width": 200, "height": 200},
            "data": {"type": "tm.Boundary", "name": "Plant"},
        },
        {
            "id": "curve",
            "shape": "trust-boundary-curve",
            "source": {"x": 95, "y": 0},
            "target": {"x": 95, "y": 300},
            "vertices": [],
            "data": {"type": "tm.Boundary", "name": ""},
        },
        _node("a", "tm.Actor", "Operator", 70, 70, threats=threats),
        _node("s", "tm.Store", "Recipes", 120, 140),
        _node("s2", "tm.Store", "Logs", 30, 150),
        _node("p", "tm.Process", "", 420, 70),
        _flow("f-out", "a", "p", "Login"),
        _flow("f-curve", "a", "s", "Read recipes"),
        _flow("f-inside", "a", "s2", "Write log"),
        _flow("f-loose", "a", None, "Dangling"),
    ]
    cells[-1]["data"]["threats"] = [{"title": "Lost", "type": "Tampering", "status": "Open"}]
    return {
        "version": "2.2.0",
        "summary": {"title": "Plant gateway", "description": "Reads PLC values.", "owner": "Ops"},
        "detail": {"reviewer": "Rita Reviewer", "diagrams": [{"title": "Main", "cells": cells}]},
    }


def _error(document: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        threat_dragon.convert(document, SOURCE, SHA)
    assert caught.value.path == str(SOURCE)
    return caught.value


# --- real models -----------------------------------------------------------------------------------------


def test_the_threat_dragon_demo_model_imports() -> None:
    loaded = load_threat_model(_fixture("v2-threat-model.json"))
    assert loaded.format is ModelFormat.THREAT_DRAGON
    model = loaded.model
    assert model.product is not None and model.product.name == "Demo Threat Model"
    assert (len(model.components), len(model.flows), len(model.threats)) == (7, 10, 14)
    assert {c.type for c in model.components} == {"actor", "process", "store"}
    by_name = {f.name: f for f in model.flows}
    # "Web Request" is drawn across the browser's trust boundary curve; reading a local config file is not.
    assert by_name["Web Request"].crosses_boundary is True
    assert by_name["Read web app config"].crosses_boundary is False
    assert {t.status for t in model.threats} == {ThreatStatus.MITIGATED, ThreatStatus.OPEN}
    mitigated = [d for d in model.dispositions if d.status is DispositionStatus.MITIGATED]
    assert len(mitigated) == sum(1 for t in model.threats if t.status is ThreatStatus.MITIGATED)
    assert all(d.mitigations for d in mitigated)
    assert model.imported_from is not None
    assert model.imported_from.source == "v2-threat-model.json"
    assert model.imported_from.sha256 == loaded.sha256
    assert any("Jane Smith" in item for item in model.imported_from.missing)
    assert model.reviews == []


def test_the_iot_model_keeps_unknown_severities_unknown() -> None:
    model = load_threat_model(_fixture("iot-device.json")).model
    assert len(model.components) == 11 and len(model.threats) == 4
    # "TBA" is not invented into a level.
    assert sum(1 for t in model.threats if t.severity is None) == 1
    assert {t.stride for t in model.threats} == {Stride.SPOOFING, Stride.TAMPERING, Stride.ELEVATION_OF_PRIVILEGE}


def test_the_malformed_model_is_refused_at_its_first_missing_key() -> None:
    path = _fixture("v2-malformed-new-model.json")
    with pytest.raises(InputError) as caught:
        load_threat_model(path, ModelFormat.THREAT_DRAGON)
    assert caught.value.path == str(path)
    assert caught.value.location == "summary.title"


def test_a_threat_dragon_1x_model_is_refused_with_a_hint_to_resave() -> None:
    path = _fixture("demo-threat-model.json")
    with pytest.raises(InputError) as caught:
        load_threat_model(path, ModelFormat.THREAT_DRAGON)
    assert caught.value.path == str(path)
    assert caught.value.location == "version"
    assert "2.x" in caught.value.message


def test_an_unknown_category_in_a_real_model_names_its_path(tmp_path: Path) -> None:
    document = json.loads(_fixture("v2-threat-model.json").read_text(encoding="utf-8"))
    document["detail"]["diagrams"][0]["cells"][0]["data"]["threats"][0]["type"] = "Phishing"
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_threat_model(path)
    assert caught.value.path == str(path)
    assert caught.value.location == "detail.diagrams[0].cells[0].data.threats[0].type"
    assert "'Phishing'" in caught.value.message


# --- each conversion rule on a hand-made diagram ---------------------------------------------------------


def test_boxes_become_zones_and_elements_sit_in_the_box_that_holds_their_centre() -> None:
    model = threat_dragon.convert(_document(), SOURCE, SHA)
    assert [(z.id, z.name, z.sl_t) for z in model.zones] == [("box", "Plant", None)]
    assert [(c.id, c.name, c.type, c.zone) for c in model.components] == [
        ("a", "Operator", "actor", "box"),
        ("s", "Recipes", "store", "box"),
        ("s2", "Logs", "store", "box"),
        ("p", "unnamed process", "process", None),
    ]
    assert model.product is not None and model.product.name == "Plant gateway"


def test_a_flow_crosses_a_boundary_by_box_or_by_curve() -> None:
    flows = {f.id: f for f in threat_dragon.convert(_document(), SOURCE, SHA).flows}
    assert flows["f-out"].crosses_boundary is True  # from inside the box to outside it
    assert flows["f-curve"].crosses_boundary is True  # both ends in the box, but the path cuts the curve
    assert flows["f-inside"].crosses_boundary is False
    assert (flows["f-out"].source, flows["f-out"].target, flows["f-out"].protocol) == ("a", "p", "https")


def test_a_flow_connected_at_one_end_is_left_out_and_reported() -> None:
    model = threat_dragon.convert(_document(), SOURCE, SHA)
    assert "f-loose" not in {f.id for f in model.flows}
    assert model.imported_from is not None
    missing = " | ".join(model.imported_from.missing)
    assert "flow f-loose in diagram 'Main' is not connected at both ends" in missing
    assert "threat 'Lost' sits on an element sdl-gate left out" in missing


def test_threat_statuses_become_dispositions_without_inventing_approvers() -> None:
    model = threat_dragon.convert(_document(), SOURCE, SHA)
    threats = {t.id: t for t in model.threats}
    assert list(threats) == ["t-1", "a-T2", "a-T3"]
    assert [threats[i].stride for i in threats] == [Stride.SPOOFING, Stride.INFORMATION_DISCLOSURE, Stride.TAMPERING]
    assert [threats[i].severity for i in threats] == ["high", None, "low"]
    assert [threats[i].status for i in threats] == [ThreatStatus.MITIGATED, ThreatStatus.ACCEPTED, ThreatStatus.OPEN]
    dispositions = {d.threat: d for d in model.dispositions}
    assert dispositions["t-1"].mitigations == ["M-t-1"]
    assert model.mitigations[0].description == "Operators log in with a second factor"
    assert dispositions["a-T2"].status is DispositionStatus.ACCEPTED and dispositions["a-T2"].approver is None
    assert "a-T3" not in dispositions


def test_the_reviewer_name_is_reported_but_no_review_is_invented() -> None:
    model = threat_dragon.convert(_document(), SOURCE, SHA)
    assert model.reviews == []
    assert model.imported_from is not None
    assert any("Rita Reviewer" in item for item in model.imported_from.missing)
    assert model.imported_from.sha256 == SHA and model.imported_from.source == SOURCE.name


def test_a_mitigated_threat_without_mitigation_text_has_an_empty_disposition() -> None:
    document = _document()
    document["detail"]["diagrams"][0]["cells"][2]["data"]["threats"][0]["mitigation"] = "  "
    model = threat_dragon.convert(document, SOURCE, SHA)
    assert model.mitigations == []
    assert {d.threat: d.mitigations for d in model.dispositions}["t-1"] == []


# --- bad input ---------------------------------------------------------------------------------------------


def test_a_document_that_is_not_an_object_is_refused() -> None:
    _error([_document()])


@pytest.mark.parametrize("version", ["1.6.1", "3.0.0"])
def test_other_major_versions_are_refused(version: str) -> None:
    document = _document()
    document["version"] = version
    assert _error(document).location == "version"


def test_an_unknown_category_is_refused_naming_the_threat() -> None:
    document = _document()
    document["detail"]["diagrams"][0]["cells"][2]["data"]["threats"][2]["type"] = "Mayhem"
    error = _error(document)
    assert error.location == "detail.diagrams[0].cells[2].data.threats[2].type"


def test_a_duplicate_threat_id_is_refused() -> None:
    document = _document()
    threats = document["detail"]["diagrams"][0]["cells"][2]["data"]["threats"]
    threats.append(copy.deepcopy(threats[0]))
    error = _error(document)
    assert error.location == "detail.diagrams[0].cells[2].data.threats[3].id"


@pytest.mark.parametrize(
    ("path", "value", "location"),
    [
        (("summary",), "Plant", "summary"),
        (("detail", "diagrams"), {"cells": []}, "detail.diagrams"),
        (("detail", "diagrams", 0, "cells", 3, "position", "x"), "left", "detail.diagrams[0].cells[3].position.x"),
        (("version",), 2, "version"),
    ],
)
def test_wrong_types_name_their_path(path: tuple[str | int, ...], value: object, location: str) -> None:
    document = _document()
    target: Any = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert _error(document).location == location


def test_an_element_id_the_native_format_cannot_hold_is_refused_after_conversion() -> None:
    document = _document()
    document["detail"]["diagrams"][0]["cells"][5]["id"] = "has spaces"
    document["detail"]["diagrams"][0]["cells"][6]["target"]["cell"] = "has spaces"
    error = _error(document)
    assert error.location is not None and error.location.startswith("components[3].id")


def test_findings_name_flows_and_their_ends_as_the_diagram_does() -> None:
    model = load_threat_model(_fixture("v2-threat-model.json")).model
    web = next(f for f in model.flows if f.name == "Web Request")
    assert len(web.id) > 12, "Threat Dragon cells are UUIDs"
    names = analysis.element_names(model)
    source, target = names[web.source], names[web.target]
    described = analysis.describe_flow(web, names)
    assert described == (
        f"flow 'Web Request' ({web.id[:8]}\u2026) from '{source}' ({web.source[:8]}\u2026) "
        f"to '{target}' ({web.target[:8]}\u2026)"
    )
    uncovered = [g for g in analysis.coverage_gaps(model) if "crosses a boundary" in g]
    assert uncovered, "the demo model leaves some boundary flow without a threat"
    assert all(g.startswith("flow '") and " from '" in g for g in uncovered)


def test_a_hand_made_flow_keeps_its_name() -> None:
    model = threat_dragon.convert(_document(), SOURCE, SHA)
    login = next(f for f in model.flows if f.id == "f-out")
    assert login.name == "Login"
    described = analysis.describe_flow(login, analysis.element_names(model))
    assert described == "flow 'Login' (f-out) from 'Operator' (a) to 'unnamed process' (p)"
