"""Reading what ``sdl-gate report`` renders: an assessment JSON file, parsed strictly, errors naming file and place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.render.json import render_json
from sdl_gate.render.source import load_report_input, parse_assessment
from sdl_gate.render.view import SourceKind
from tests.report_data import sample_assessment

SOURCE = Path("assessment.json")


def _document() -> dict[str, object]:
    document: dict[str, object] = json.loads(render_json(sample_assessment()))
    return document


def _error(data: bytes) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_assessment(data, SOURCE)
    assert caught.value.path == str(SOURCE)
    return caught.value


def test_a_rendered_assessment_parses_back_to_the_same_model() -> None:
    assert parse_assessment(render_json(sample_assessment()).encode("utf-8"), SOURCE) == sample_assessment()


def test_load_report_input_names_the_file_and_its_digest(tmp_path: Path) -> None:
    path = tmp_path / "assessment.json"
    path.write_text(render_json(sample_assessment()), encoding="utf-8")
    loaded = load_report_input(path)
    assert loaded.source is SourceKind.ASSESSMENT_FILE
    assert loaded.origin.startswith("assessment.json (sha256:")
    assert loaded.assessment == sample_assessment()


def test_truncated_json_names_its_line() -> None:
    text = render_json(sample_assessment())
    error = _error(text[: len(text) // 2].encode("utf-8"))
    assert error.line is not None and error.line > 1


def test_not_utf8_names_the_line() -> None:
    error = _error(b'{\n"schema_version": 1,\n"standard": "caf\xe9"\n}')
    assert error.line == 3


@pytest.mark.parametrize("data", [b"", b"  \n\t"])
def test_empty_file_is_refused(data: bytes) -> None:
    assert _error(data).line == 1


@pytest.mark.parametrize("data", [b"[1, 2]", b'"text"', b"3"])
def test_a_document_that_is_not_an_object_is_refused(data: bytes) -> None:
    assert _error(data).line == 1


@pytest.mark.parametrize("version", [None, "1", True, 1.0])
def test_schema_version_missing_or_not_an_integer_is_refused(version: object) -> None:
    document = _document()
    if version is None:
        del document["schema_version"]
    else:
        document["schema_version"] = version
    error = _error(json.dumps(document).encode("utf-8"))
    assert error.location == "schema_version"
    assert error.hint is not None


def test_a_newer_schema_version_is_refused_with_a_hint_to_upgrade() -> None:
    document = _document()
    document["schema_version"] = 2
    error = _error(json.dumps(document).encode("utf-8"))
    assert error.location == "schema_version"
    assert error.hint is not None and "upgrade" in error.hint


def test_a_wrong_type_deep_inside_names_its_path() -> None:
    document = _document()
    requirements = document["requirements"]
    assert isinstance(requirements, list)
    requirements[3]["score"] = "high"
    error = _error(json.dumps(document).encode("utf-8"))
    assert error.location == "requirements[3].score"


def test_a_missing_key_names_it() -> None:
    document = _document()
    del document["decision"]
    error = _error(json.dumps(document).encode("utf-8"))
    assert error.location == "decision"


def test_duplicate_keys_are_refused() -> None:
    text = render_json(sample_assessment()).replace('"schema_version": 1', '"schema_version": 1, "schema_version": 1')
    _error(text.encode("utf-8"))


def test_a_directory_or_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as missing:
        load_report_input(tmp_path / "absent.json")
    assert missing.value.path == str(tmp_path / "absent.json")
    with pytest.raises(InputError) as directory:
        load_report_input(tmp_path)
    assert directory.value.path == str(tmp_path)


def test_a_zip_without_a_verifier_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "release.zip"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(InputError) as caught:
        load_report_input(path)
    assert caught.value.path == str(path)
    assert caught.value.hint is not None and "--key" in caught.value.hint
