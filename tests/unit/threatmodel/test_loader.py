"""Threat model loading: format detection, the native format, and refusal of dangling or contradictory references."""

from __future__ import annotations

import contextlib
import gc
import json
from pathlib import Path

import pytest
import yaml

from sdl_gate._files import MAX_INPUT_BYTES, sha256_file
from sdl_gate.errors import InputError
from sdl_gate.threatmodel.loader import check_requirement_links, detect_format, load_threat_model, model_from_text
from sdl_gate.threatmodel.model import DispositionStatus, ModelFormat, Stride, ThreatStatus
from tests.conftest import write

# Line numbers matter: errors are asserted at the line each element starts on.
MODEL = """\
version: 1
product:
  name: widget
  intended_environment: A plant network.
zones:
  - {id: Z-1, name: inside, sl_t: 2}
  - {id: Z-2, name: outside, sl_t: 3}
conduits:
  - {id: CD-1, between: [Z-1, Z-2], protocol: https}
assets:
  - {id: A-1, name: recipes}
components:
  - {id: C-1, name: service, zone: Z-1}
  - {id: C-2, name: client, zone: Z-2}
flows:
  - {id: F-1, from: C-2, to: C-1, conduit: CD-1, protocol: https}
threats:
  - {id: T-1, title: Spoofed client, stride: spoofing, affects: [F-1], severity: high, status: mitigated}
  - id: T-2
    title: Flooding
    stride: denial_of_service
    affects: [C-1]
    severity: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    status: accepted
  - {id: T-3, title: Recipe theft, stride: information_disclosure, affects: [A-1], status: open}
mitigations:
  - {id: M-1, description: Client certificates, requirements: [SR-1], tests: ["tests/test_x.py::test_cert"]}
  - {id: M-2, description: Allow list of clients, depends_on: [M-1]}
dispositions:
  - {threat: T-1, status: mitigated, mitigations: [M-1, M-2]}
  - {threat: T-2, status: accepted, approver: A <a@example.com>, date: 2026-01-05, rationale: Rate limited.}
reviews:
  - {date: 2026-10-01, reviewers: [A <a@example.com>], commit: abcdef1, scope: [src]}
"""


def _line(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if marker in line)


def _error(tmp_path: Path, text: str, name: str = "threat-model.yaml") -> tuple[InputError, Path]:
    path = write(tmp_path / name, text)
    with pytest.raises(InputError) as caught:
        load_threat_model(path)
    assert caught.value.path == str(path)
    return caught.value, path


# --- format detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"version": 1}, ModelFormat.NATIVE),
        ({"otmVersion": "0.2.0", "project": {}}, ModelFormat.OTM),
        ({"findings": [], "elements": [], "boundaries": []}, ModelFormat.PYTM),
        ({"findings": [], "flows": [], "boundaries": []}, ModelFormat.PYTM),
        ({"summary": {}, "detail": {}}, ModelFormat.THREAT_DRAGON),
        ({"summary": {}, "details": {}}, ModelFormat.THREAT_DRAGON),
        ({"version": 2}, None),
        ({"version": "1"}, None),
        ({"findings": [], "elements": []}, None),
        ([{"version": 1}], None),
        ("version: 1", None),
    ],
)
def test_detect_format(document: object, expected: ModelFormat | None) -> None:
    assert detect_format(document) is expected


# --- the native format ----------------------------------------------------------------------------------


def test_native_yaml_loads_into_the_model_with_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "threat-model.yaml", MODEL)
    loaded = load_threat_model(path)
    assert loaded.format is ModelFormat.NATIVE
    assert loaded.path == path
    assert loaded.sha256 == sha256_file(path)
    model = loaded.model
    assert model.product is not None and model.product.name == "widget"
    assert [z.sl_t for z in model.zones] == [2, 3]
    assert model.conduits[0].between == ("Z-1", "Z-2")
    assert (model.flows[0].source, model.flows[0].target, model.flows[0].conduit) == ("C-2", "C-1", "CD-1")
    assert [t.stride for t in model.threats] == [
        Stride.SPOOFING,
        Stride.DENIAL_OF_SERVICE,
        Stride.INFORMATION_DISCLOSURE,
    ]
    assert model.threats[1].severity is not None and model.threats[1].severity.startswith("CVSS:3.1/")
    assert [t.status for t in model.threats] == [ThreatStatus.MITIGATED, ThreatStatus.ACCEPTED, ThreatStatus.OPEN]
    assert [d.status for d in model.dispositions] == [DispositionStatus.MITIGATED, DispositionStatus.ACCEPTED]
    assert model.mitigations[1].depends_on == ["M-1"]
    assert model.reviews[0].commit == "abcdef1"
    assert model.imported_from is None
    assert loaded.lines is not None and loaded.lines.line_for(("flows", 0, "to")) == _line(MODEL, "id: F-1")


def test_native_json_loads_without_lines(tmp_path: Path) -> None:
    document = yaml.safe_load(MODEL)
    path = write(tmp_path / "threat-model.json", json.dumps(document, default=str))
    loaded = load_threat_model(path)
    assert loaded.format is ModelFormat.NATIVE
    assert loaded.lines is None
    assert loaded.model == load_threat_model(write(tmp_path / "same.yaml", MODEL)).model


def test_to_json_writes_from_and_to_as_the_file_does(tmp_path: Path) -> None:
    model = load_threat_model(write(tmp_path / "threat-model.yaml", MODEL)).model
    flow = model.to_json()["flows"]
    assert isinstance(flow, list)
    assert flow[0]["from"] == "C-2" and flow[0]["to"] == "C-1"


def test_an_unknown_document_is_refused_naming_the_file(tmp_path: Path) -> None:
    error, _ = _error(tmp_path, "title: my model\nthreats: []\n")
    assert error.line == 1
    json_error, _ = _error(tmp_path, '{"title": "my model"}', "model.json")
    assert json_error.line is None


def test_an_explicit_format_overrides_detection(tmp_path: Path) -> None:
    path = write(tmp_path / "threat-model.yaml", MODEL)
    with pytest.raises(InputError) as caught:
        load_threat_model(path, ModelFormat.OTM)
    assert caught.value.path == str(path)


# --- bad input: syntax, schema, size ---------------------------------------------------------------------


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    error, _ = _error(tmp_path, MODEL.replace("  - {id: C-2, name: client, zone: Z-2}", "  - {id: C-2, name: client"))
    assert error.line is not None and error.line >= _line(MODEL, "id: C-2")


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    error, _ = _error(tmp_path, '{\n  "version": 1,\n  "zones": [\n}\n', "model.json")
    assert error.line == 4


@pytest.mark.parametrize(
    ("change", "marker", "location"),
    [
        (("stride: spoofing", "stride: phishing"), "id: T-1", "threats[0].stride"),
        (("severity: high", "severity: severe"), "id: T-1", "threats[0].severity"),
        (("severity: high", 'severity: "CVSS:3.1/AV:N"'), "id: T-1", "threats[0].severity"),
        (("sl_t: 2", "sl_t: 5"), "id: Z-1", "zones[0].sl_t"),
        (("{id: C-1, name: service", "{id: 'C 1', name: service"), "id: 'C 1'", "components[0].id"),
        (("protocol: https}\nassets", "protocol: https, colour: red}\nassets"), "id: CD-1", "conduits[0].colour"),
        (("commit: abcdef1", "commit: HEAD"), "commit: HEAD", "reviews[0].commit"),
        (("affects: [A-1]", "affects: []"), "id: T-3", "threats[2].affects"),
    ],
)
def test_schema_errors_name_line_and_place(tmp_path: Path, change: tuple[str, str], marker: str, location: str) -> None:
    text = MODEL.replace(*change)
    assert text != MODEL
    error, _ = _error(tmp_path, text)
    assert error.location == location
    assert error.line == _line(text, marker)


def test_version_2_is_not_a_native_model(tmp_path: Path) -> None:
    error, _ = _error(tmp_path, MODEL.replace("version: 1", "version: 2", 1))
    assert error.line == 1


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "threat-model.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_INPUT_BYTES + 1)
    with pytest.raises(InputError) as caught:
        load_threat_model(path)
    assert caught.value.path == str(path)
    assert str(MAX_INPUT_BYTES) in caught.value.message


def test_yaml_tags_that_construct_objects_are_refused(tmp_path: Path) -> None:
    # The loader goes through the bounded, tag-refusing YAML builder (alias bombs are tested there).
    text = MODEL.replace("  name: widget\n", "  name: !!python/object/apply:os.system [true]\n")
    error, _ = _error(tmp_path, text)
    assert (error.location, error.line) == ("product.name", 3)


# --- references ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "marker", "location"),
    [
        # A flow names a component that does not exist.
        (("to: C-1, conduit", "to: C-9, conduit"), "id: F-1", "flows[0].to"),
        # An id used twice, across sections.
        (("{id: A-1, name: recipes}", "{id: C-1, name: recipes}"), "{id: C-1, name: service", "components[0].id"),
        # A flow endpoint that is a zone, not a component.
        (("from: C-2, to", "from: Z-2, to"), "id: F-1", "flows[0].from"),
        # A component in an unknown zone.
        (("name: client, zone: Z-2", "name: client, zone: Z-7"), "id: C-2", "components[1].zone"),
        # A conduit that joins a zone to itself.
        (("between: [Z-1, Z-2]", "between: [Z-1, Z-1]"), "id: CD-1", "conduits[0].between"),
        # A threat that affects nothing the model defines.
        (("affects: [A-1]", "affects: [A-9]"), "id: T-3", "threats[2].affects[0]"),
        # A mitigation that depends on an unknown mitigation.
        (("depends_on: [M-1]", "depends_on: [M-7]"), "id: M-2", "mitigations[1].depends_on[0]"),
        # A disposition for a threat that does not exist.
        (("{threat: T-2, status: accepted", "{threat: T-8, status: accepted"), "threat: T-8", "dispositions[1].threat"),
        # A disposition naming a component as its mitigation.
        (("mitigations: [M-1, M-2]", "mitigations: [M-1, C-2]"), "threat: T-1", "dispositions[0].mitigations[1]"),
        # Two dispositions for one threat.
        (
            ("{threat: T-2, status: accepted", "{threat: T-1, status: accepted"),
            "threat: T-1, status: accepted",
            "dispositions[1].threat",
        ),
        # The threat and its disposition disagree.
        (("status: mitigated}", "status: accepted}"), "{threat: T-1", "dispositions[0].status"),
        # A decided threat without a disposition.
        (("affects: [A-1], status: open", "affects: [A-1], status: transferred"), "id: T-3", "threats[2].status"),
        # A threat re-opened while its acceptance stays on record.
        (("    status: accepted\n", "    status: open\n"), "{threat: T-2", "dispositions[1].status"),
    ],
)
def test_reference_errors_name_line_and_place(
    tmp_path: Path, change: tuple[str, str], marker: str, location: str
) -> None:
    text = MODEL.replace(*change)
    assert text != MODEL
    error, _ = _error(tmp_path, text)
    assert error.location == location
    assert error.line == _line(text, marker)


@pytest.mark.parametrize(
    ("changes", "location"),
    [
        (
            [
                (
                    "depends_on: [M-1]}",
                    "depends_on: [M-1]}\n  - {id: M-3, description: x, depends_on: [M-4]}\n"
                    "  - {id: M-4, description: y, depends_on: [M-3]}",
                )
            ],
            "mitigations[3].depends_on",
        ),
        (
            [
                ("name: inside, sl_t: 2}", "name: inside, sl_t: 2, parent: Z-2}"),
                ("name: outside, sl_t: 3}", "name: outside, sl_t: 3, parent: Z-1}"),
            ],
            "zones[1].parent",
        ),
        (
            [("name: client, zone: Z-2}", "name: client, zone: Z-2}\n  - {id: C-3, name: x, parent: C-3}")],
            "components[2].parent",
        ),
    ],
)
def test_cycles_are_refused(tmp_path: Path, changes: list[tuple[str, str]], location: str) -> None:
    text = MODEL
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    error, _ = _error(tmp_path, text)
    assert error.location == location
    assert "cycle" in error.message
    assert error.line is not None


def test_a_flow_through_a_conduit_that_joins_other_zones_is_refused(tmp_path: Path) -> None:
    text = MODEL.replace(
        "  - {id: C-2, name: client, zone: Z-2}",
        "  - {id: C-2, name: client, zone: Z-2}\n  - {id: C-3, name: peer, zone: Z-1}",
    ).replace("from: C-2, to: C-1", "from: C-3, to: C-1")
    error, _ = _error(tmp_path, text)
    assert error.location == "flows[0].conduit"
    assert error.line == _line(text, "id: F-1")


def test_mitigations_may_only_name_defined_security_requirements(tmp_path: Path) -> None:
    loaded = load_threat_model(write(tmp_path / "threat-model.yaml", MODEL))
    check_requirement_links(loaded.model, {"SR-1"}, loaded.path, loaded.lines, "requirements.yaml")
    with pytest.raises(InputError) as caught:
        check_requirement_links(loaded.model, {"SR-2"}, loaded.path, loaded.lines, "requirements.yaml")
    assert caught.value.path == str(loaded.path)
    assert caught.value.location == "mitigations[0].requirements[0]"
    assert caught.value.line == _line(MODEL, "id: M-1")
    assert "requirements.yaml" in caught.value.message


@pytest.mark.parametrize("text", ["version: 1\nproduct: [\n", "version: 1\nzones: 3\n", MODEL])
def test_loading_a_model_leaves_the_garbage_collector_running(text: str) -> None:
    # Loading pauses the collector (it only slows loading down); a bad model must not leave it paused.
    assert gc.isenabled()
    with contextlib.suppress(InputError):
        model_from_text(text, Path("threat-model.yaml"))
    assert gc.isenabled()
