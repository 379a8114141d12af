"""The Open Threat Model importer: the OTM project's own example, and edits of it for each rule."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.errors import InputError
from sdl_gate.threatmodel.importers import otm
from sdl_gate.threatmodel.loader import load_threat_model
from sdl_gate.threatmodel.model import DispositionStatus, ModelFormat, Stride, ThreatStatus
from tests.conftest import SHARED_FIXTURES

EXAMPLE = SHARED_FIXTURES / "threat-dragon" / "example-open-threat-model.json"
SOURCE = Path("model.otm.json")
SHA = "2" * 64
THREAT = "22724267-be7e-44c0-8b1f-d7d33e9a34ec"
INTERNET = "f0ba7722-39b6-4c81-8290-a30a248bb8d9"
PRIVATE = "2ab4effa-40b7-4cd2-ba81-8247d29a6f2d"


@cache
def _example_text() -> str:
    if not EXAMPLE.is_file():
        pytest.skip("shared fixture example-open-threat-model.json is absent (../shared/fixtures/threat-dragon)")
    return EXAMPLE.read_text(encoding="utf-8")


def _example() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_example_text())
    return document


def _component(document: dict[str, Any], component_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in document["components"] if c["id"] == component_id)
    return found


def _error(document: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        otm.convert(document, SOURCE, SHA)
    assert caught.value.path == str(SOURCE)
    return caught.value


def test_the_otm_example_imports() -> None:
    _example_text()
    loaded = load_threat_model(EXAMPLE)
    assert loaded.format is ModelFormat.OTM
    model = loaded.model
    assert model.product is not None and model.product.name == "Test project"
    assert [(z.id, z.name, z.sl_t) for z in model.zones] == [(INTERNET, "Internet", None), (PRIVATE, "Private", None)]
    assert {a.id for a in model.assets} == {"cc-data", "public-info"}
    zone = {c.id: c.zone for c in model.components}
    assert zone == {
        "web-client": INTERNET,
        "web-service": PRIVATE,
        "customer-database": PRIVATE,
        "class-customerdatabase": PRIVATE,
    }
    assert [(f.id, f.source, f.target) for f in model.flows] == [
        ("webclient-to-webservice", "web-client", "web-service"),
        ("cc-store-in-db", "web-service", "customer-database"),
    ]


def test_each_threat_instance_becomes_one_threat_on_its_element() -> None:
    model = otm.convert(_example(), SOURCE, SHA)
    assert [(t.id, t.affects) for t in model.threats] == [
        (f"{THREAT}@web-service", ["web-service"]),
        (f"{THREAT}@cc-store-in-db", ["cc-store-in-db"]),
    ]
    # The first category STRIDE knows wins; OTM has no severity level, so none is invented.
    assert all(t.stride is Stride.SPOOFING and t.severity is None for t in model.threats)
    # "exposed" is not a decision.
    assert all(t.status is ThreatStatus.OPEN for t in model.threats)
    assert model.dispositions == []
    first = model.mitigations[0]
    assert first.description == "This is the name of mitigation 1 - Description for mitigation 1"
    assert model.imported_from is not None
    assert any(item.startswith("threat severities") for item in model.imported_from.missing)


@pytest.mark.parametrize(
    ("state", "status", "disposition"),
    [
        ("mitigated", ThreatStatus.MITIGATED, DispositionStatus.MITIGATED),
        ("Accepted", ThreatStatus.ACCEPTED, DispositionStatus.ACCEPTED),
        ("not-applicable", ThreatStatus.ACCEPTED, DispositionStatus.ACCEPTED),
        ("NOT_APPLICABLE", ThreatStatus.ACCEPTED, DispositionStatus.ACCEPTED),
        ("transferred", ThreatStatus.TRANSFERRED, DispositionStatus.TRANSFERRED),
    ],
)
def test_threat_states_become_dispositions(state: str, status: ThreatStatus, disposition: DispositionStatus) -> None:
    document = _example()
    _component(document, "web-service")["threats"][0]["state"] = state
    model = otm.convert(document, SOURCE, SHA)
    threat = next(t for t in model.threats if t.id.endswith("@web-service"))
    assert threat.status is status
    (decision,) = model.dispositions
    assert (decision.threat, decision.status, decision.approver) == (threat.id, disposition, None)


def test_only_implemented_mitigations_count_for_a_mitigated_threat() -> None:
    document = _example()
    instance = _component(document, "web-service")["threats"][0]
    instance["state"] = "mitigated"
    instance["mitigations"].append({"mitigation": "3b837730-e300-11eb-ba80-0242ac130ab4", "state": "required"})
    instance["mitigations"].append(None)
    model = otm.convert(document, SOURCE, SHA)
    assert model.dispositions[0].mitigations == ["fd6136f4-e2ff-11eb-ba80-0242ac130004"]


def test_a_component_inside_a_component_takes_its_zone() -> None:
    document = _example()
    _component(document, "class-customerdatabase")["parent"] = {"component": "customer-database"}
    model = otm.convert(document, SOURCE, SHA)
    nested = next(c for c in model.components if c.id == "class-customerdatabase")
    assert (nested.parent, nested.zone) == ("customer-database", PRIVATE)


def test_a_parent_cycle_between_components_is_refused_by_the_reference_check(tmp_path: Path) -> None:
    document = _example()
    _component(document, "class-customerdatabase")["parent"] = {"component": "customer-database"}
    _component(document, "customer-database")["parent"] = {"component": "class-customerdatabase"}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_threat_model(path)
    assert caught.value.path == str(path)
    assert caught.value.location is not None and caught.value.location.endswith(".parent")


# --- bad input ---------------------------------------------------------------------------------------------


def test_an_instance_of_an_undefined_threat_is_refused() -> None:
    document = _example()
    document["dataflows"][1]["threats"][0]["threat"] = "no-such-threat"
    assert _error(document).location == "dataflows[1].threats[0].threat"


def test_a_threat_without_a_stride_category_is_refused() -> None:
    document = _example()
    document["threats"][0]["categories"] = ["Injection", None]
    assert _error(document).location == "threats[0].categories"


def test_a_flow_to_an_unknown_component_is_refused_by_the_reference_check(tmp_path: Path) -> None:
    document = _example()
    document["dataflows"][0]["destination"] = "nowhere"
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_threat_model(path)
    assert caught.value.location == "flows[0].to"


@pytest.mark.parametrize(
    ("edit", "location"),
    [
        (lambda d: d.pop("project"), "project"),
        (lambda d: d["project"].pop("name"), "project.name"),
        (lambda d: d["components"][0].pop("parent"), "components[0].parent"),
        (lambda d: d["dataflows"][0].update(source=7), "dataflows[0].source"),
        (lambda d: d["trustZones"][1].update(name=None), "trustZones[1].name"),
        (lambda d: d.update(threats={"id": THREAT}), "threats"),
    ],
)
def test_wrong_shapes_name_their_path(edit: Any, location: str) -> None:
    document = copy.deepcopy(_example())
    edit(document)
    assert _error(document).location == location


def test_a_document_that_is_not_an_object_is_refused() -> None:
    _error("otmVersion: 0.2.0")
