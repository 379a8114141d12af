"""The assessment as JSON from the fixed sample: valid against the published schema, stable, and lossless."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from sdl_gate.render.json import render_json
from sdl_gate.render.source import parse_assessment
from sdl_gate.schemas import load_schema
from tests.report_data import sample_assessment


def test_json_validates_against_the_published_assessment_schema() -> None:
    validator = jsonschema.Draft202012Validator(load_schema("assessment"))
    document = json.loads(render_json(sample_assessment()))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert errors == []


def test_the_schema_catches_a_document_that_is_not_an_assessment() -> None:
    # The validator above is not vacuous: a verdict outside the closed set fails it.
    validator = jsonschema.Draft202012Validator(load_schema("assessment"))
    document = json.loads(render_json(sample_assessment()))
    document["requirements"][0]["verdict"] = "probably_fine"
    assert not validator.is_valid(document)


def test_json_has_sorted_keys_and_one_trailing_newline() -> None:
    text = render_json(sample_assessment())
    assert text.endswith("}\n") and not text.endswith("\n\n")

    def keys_sorted(value: object) -> bool:
        if isinstance(value, dict):
            return list(value) == sorted(value) and all(keys_sorted(v) for v in value.values())
        if isinstance(value, list):
            return all(keys_sorted(v) for v in value)
        return True

    assert keys_sorted(json.loads(text))


def test_json_carries_the_whole_assessment() -> None:
    document = json.loads(render_json(sample_assessment()))
    assert document["schema_version"] == 1
    assert document["assessed_on"] == "2026-11-20"
    assert len(document["requirements"]) == 47
    assert document["decision"]["blocking"] == sample_assessment().decision.blocking
    assert [w["id"] for w in document["waivers"]] == ["W-001", "W-002", "W-003"]


def test_json_round_trips_byte_for_byte() -> None:
    text = render_json(sample_assessment())
    again = parse_assessment(text.encode("utf-8"), Path("assessment.json"))
    assert again == sample_assessment()
    assert render_json(again) == text
