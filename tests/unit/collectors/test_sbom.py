"""The sbom collector with the SBOMs of other generators the project lists in ``sboms``: merged with their origin,
every file's digest recorded, components without a purl listed as unauditable, sdl-gate's own inventory kept."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion

from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.dependencies import project_dependencies, project_sboms
from sdl_gate.collectors.sbom import SbomCollector, SbomOrigin
from sdl_gate.config import load_project
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.policy.waivers import WaiverRegister
from tests.conftest import ProjectFactory, sha256_of, write
from tests.unit.sbom._documents import ANGULAR_PURL, firmware_bom, spdx_document

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
SBOMS = 'sboms = ["firmware/*.cdx.xml", "web/sbom.spdx.json"]\n'


def _collect(root: Path) -> tuple[dict[str, Any], list[str]]:
    context = CollectContext(project=load_project(root), commit=None, now=NOW, waivers=WaiverRegister())
    evidence = SbomCollector().collect(context)
    return evidence.payload, [f.path for f in evidence.subject.files]


def _firmware(project: ProjectFactory) -> Path:
    text = make_outputter(firmware_bom(), OutputFormat.XML, SchemaVersion.V1_5).output_as_string(indent=2)
    return write(project.root / "firmware" / "image.cdx.xml", text)


@pytest.fixture
def firmware_project(project: ProjectFactory) -> ProjectFactory:
    project.pyproject(SBOMS)
    write(project.root / "requirements.txt", "idna==3.10\n")
    _firmware(project)
    write(project.root / "web" / "sbom.spdx.json", json.dumps(spdx_document()))
    return project


def test_imported_sboms_are_merged_with_their_origin_and_digests(firmware_project: ProjectFactory) -> None:
    root = firmware_project.root
    payload, files = _collect(root)
    assert payload["origin"] == SbomOrigin.GENERATED.value
    assert payload["purls"] == ["pkg:pypi/idna@3.10"]  # sdl-gate's own inventory is still there
    imported = {sbom["path"]: sbom for sbom in payload["imported"]}
    assert set(imported) == {"firmware/image.cdx.xml", "web/sbom.spdx.json"}
    for path, sbom in imported.items():
        assert sbom["sha256"] == sha256_of(root / path)
        assert path in files
    assert (imported["firmware/image.cdx.xml"]["format"], imported["firmware/image.cdx.xml"]["spec_version"]) == (
        "cyclonedx-xml",
        "1.5",
    )
    assert imported["web/sbom.spdx.json"]["components"] == 3
    inventory = {(c["name"], c["origin"]): c for c in payload["inventory"]}
    angular = inventory[("@angular/core", "firmware/image.cdx.xml")]
    assert (angular["purl"], angular["version"]) == (ANGULAR_PURL, "16.2.0")
    assert inventory[("lodash", "web/sbom.spdx.json")]["commit"] == "a" * 40
    assert {(u["name"], u["origin"], u["reason"]) for u in payload["unauditable"]} == {
        ("busybox", "firmware/image.cdx.xml", "no_purl"),
        ("wifi-blob", "firmware/image.cdx.xml", "no_purl"),
        ("vendored-chart-lib", "web/sbom.spdx.json", "no_purl"),
    }
    gaps = {(g["component"], g["element"]) for g in imported["firmware/image.cdx.xml"]["gaps"]}
    assert ("wifi-blob", "version") in gaps


def test_an_imported_sbom_never_removes_or_changes_the_python_inventory(project: ProjectFactory) -> None:
    project.pyproject('sboms = ["python.cdx.json"]\n')
    write(project.root / "requirements.txt", "idna==3.10\npyyaml==5.3\n")
    decoy = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [{"type": "library", "name": "idna", "version": "99.0", "purl": "pkg:pypi/idna@99.0"}],
    }
    write(project.root / "python.cdx.json", json.dumps(decoy))
    payload, _ = _collect(project.root)
    assert payload["purls"] == ["pkg:pypi/idna@3.10", "pkg:pypi/pyyaml@5.3"]
    assert [(c["purl"], c["origin"]) for c in payload["inventory"]] == [("pkg:pypi/idna@99.0", "python.cdx.json")]


def test_a_project_without_python_dependencies_still_reports_its_imported_sboms(project: ProjectFactory) -> None:
    project.pyproject('sboms = ["firmware/*.xml"]\n')  # a firmware project: pyproject.toml only configures sdl-gate
    _firmware(project)
    payload, _ = _collect(project.root)
    assert (payload["origin"], payload["components"]) == (SbomOrigin.GENERATED.value, 0)
    assert [(sbom["path"], sbom["components"]) for sbom in payload["imported"]] == [("firmware/image.cdx.xml", 3)]


@pytest.mark.parametrize(
    "pattern",
    ["missing/*.json", "../outside.json", "/etc/passwd", "firmware/../../x.json", "**/firmware/**/*.xml"],
)
def test_a_glob_that_matches_nothing_or_leaves_the_project_is_a_config_error(
    firmware_project: ProjectFactory, pattern: str
) -> None:
    firmware_project.pyproject(f'sboms = ["firmware/*.cdx.xml", {json.dumps(pattern)}]\n')
    write(firmware_project.root.parent / "outside.json", json.dumps(spdx_document()))
    with pytest.raises(ConfigError) as caught:
        _collect(firmware_project.root)
    assert caught.value.location == "tool.sdl-gate.sboms[1]"
    assert caught.value.path == str(firmware_project.root / "pyproject.toml")


def test_an_sbom_linked_out_of_the_project_is_refused(firmware_project: ProjectFactory, tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.spdx.json", json.dumps(spdx_document()))
    (firmware_project.root / "firmware" / "link.cdx.xml").symlink_to(secret)
    with pytest.raises(InputError) as caught:
        _collect(firmware_project.root)
    assert caught.value.path is not None and caught.value.path.endswith("link.cdx.xml")


def test_a_malformed_imported_sbom_names_its_file_and_place(firmware_project: ProjectFactory) -> None:
    write(firmware_project.root / "web" / "sbom.spdx.json", json.dumps(spdx_document(packages=[{"name": ["x"]}])))
    with pytest.raises(InputError) as caught:
        _collect(firmware_project.root)
    path = firmware_project.root / "web" / "sbom.spdx.json"
    assert (caught.value.path, caught.value.location) == (str(path), "packages[0].name")


def test_the_full_inventory_holds_the_python_components_and_each_sboms_with_origin(
    firmware_project: ProjectFactory,
) -> None:
    context = CollectContext(
        project=load_project(firmware_project.root), commit=None, now=NOW, waivers=WaiverRegister()
    )
    inventories = [project_dependencies(context.project).inventory, project_sboms(context).inventory]
    by_purl = {(c.purl, c.origin) for inventory in inventories if inventory is not None for c in inventory.components}
    assert ("pkg:pypi/idna@3.10", None) in by_purl
    assert (ANGULAR_PURL, "firmware/image.cdx.xml") in by_purl
    assert ("pkg:npm/lodash@4.17.20", "web/sbom.spdx.json") in by_purl
    assert sum(len(i.components) for i in inventories if i is not None) == 1 + 3 + 3
