"""A user-supplied CycloneDX SBOM: schema-checked loading, the NTIA minimum elements, and the cross-check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.errors import InputError
from sdl_gate.sbom.quality import MAX_SBOM_BYTES, Element, MismatchKind, assess_sbom, cross_check, load_sbom
from sdl_gate.sbom.sources import Component, Inventory, SourceKind


def _bom(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": "2026-11-01T00:00:00Z",
            "authors": [{"name": "Ann"}],
            "component": {"type": "application", "name": "widget", "bom-ref": "widget"},
        },
        "components": [
            {
                "type": "library",
                "name": "requests",
                "version": "2.19.0",
                "purl": "pkg:pypi/requests@2.19.0",
                "bom-ref": "requests",
                "supplier": {"name": "PSF"},
            },
            {"type": "library", "name": "idna", "version": "3.7", "bom-ref": "idna"},
            {"type": "library", "name": "loose"},
        ],
        "dependencies": [{"ref": "widget", "dependsOn": ["requests"]}, {"ref": "requests", "dependsOn": []}],
    }
    document.update(changes)
    return document


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "bom.cdx.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_sbom(path)
    assert caught.value.path == str(path)
    return caught.value


def test_a_valid_sbom_loads_and_its_gaps_are_listed_per_component(tmp_path: Path) -> None:
    report = assess_sbom(load_sbom(_write(tmp_path, _bom())))
    assert report.spec_version == "1.6"
    assert [(c.name, c.version) for c in report.components] == [
        ("idna", "3.7"),
        ("loose", None),
        ("requests", "2.19.0"),
    ]
    gaps = {(g.component, g.element) for g in report.gaps}
    assert ("requests@2.19.0", Element.SUPPLIER) not in gaps
    assert {
        ("idna@3.7", Element.SUPPLIER),
        ("idna@3.7", Element.UNIQUE_IDENTIFIER),
        ("idna@3.7", Element.DEPENDENCY_RELATIONSHIPS),
        ("loose", Element.VERSION),
        ("loose", Element.DEPENDENCY_RELATIONSHIPS),
    } <= gaps
    assert not any(g.component is None for g in report.gaps)
    assert not any(g.component == "requests@2.19.0" for g in report.gaps)


def test_document_level_author_and_timestamp_are_required() -> None:
    report = assess_sbom(_bom(metadata={}))
    assert {(g.component, g.element) for g in report.gaps if g.component is None} == {
        (None, Element.AUTHOR),
        (None, Element.TIMESTAMP),
    }


def test_cross_check_against_a_lock() -> None:
    report = assess_sbom(_bom())
    lock = Inventory(
        kind=SourceKind.UV_LOCK,
        path="uv.lock",
        components=(
            Component(name="requests", version="2.20.0"),
            Component(name="IDNA", version="3.7"),
            Component(name="certifi", version="2024.2.2"),
            Component(name="loose", version=None),
        ),
        graph=True,
    )
    assert [(m.name, m.kind, m.sbom_version, m.source_version) for m in cross_check(report, lock)] == [
        ("certifi", MismatchKind.MISSING_FROM_SBOM, None, "2024.2.2"),
        ("requests", MismatchKind.VERSION_MISMATCH, "2.19.0", "2.20.0"),
    ]
    empty = Inventory(kind=SourceKind.PYPROJECT, path=None, components=(), graph=False)
    assert {m.kind for m in cross_check(report, empty)} == {MismatchKind.NOT_IN_SOURCE}


def test_malformed_json_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bom.cdx.json"
    path.write_text('{\n  "bomFormat": "CycloneDX",\n  "specVersion": \n}\n', encoding="utf-8")
    assert _error(path).line == 4


@pytest.mark.parametrize("document", [[_bom()], {"bomFormat": "SPDX"}, {"spdxVersion": "SPDX-2.3"}])
def test_a_document_that_is_not_cyclonedx_is_refused(tmp_path: Path, document: object) -> None:
    _error(_write(tmp_path, document))


@pytest.mark.parametrize("spec", ["1.2", "2.0", None, 1.6])
def test_an_unsupported_spec_version_names_the_field(tmp_path: Path, spec: object) -> None:
    assert _error(_write(tmp_path, _bom(specVersion=spec))).location == "specVersion"


@pytest.mark.parametrize(
    "change",
    [
        {"components": [{"type": "not-a-type", "name": "x"}]},
        {"components": {"name": "x"}},
        {"version": "one"},
        {"serialNumber": "not-a-urn"},
    ],
)
def test_a_document_the_cyclonedx_schema_refuses_is_refused(tmp_path: Path, change: dict[str, Any]) -> None:
    _error(_write(tmp_path, _bom(**change)))


def test_an_sbom_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bom.cdx.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_SBOM_BYTES + 1)
    assert str(MAX_SBOM_BYTES) in _error(path).message
