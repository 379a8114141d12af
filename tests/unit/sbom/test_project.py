"""Choosing where an SBOM's components come from (``sbom.project``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdl_gate.config import load_project
from sdl_gate.errors import InputError
from sdl_gate.sbom.build import SpecVersion
from sdl_gate.sbom.project import InventorySource, choose_inventory, project_sbom
from tests.conftest import write


def _project(root: Path) -> Path:
    write(root / "pyproject.toml", '[project]\nname = "widget"\nversion = "2.0.0"\n')
    return root


def _names(text: str) -> list[str]:
    return sorted(component["name"] for component in json.loads(text)["components"])


def test_the_project_sbom_lists_what_its_sources_pin(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    write(root / "requirements.txt", "requests==2.32.3\nidna==3.10\n")
    built = project_sbom(root, InventorySource.PROJECT, spec=SpecVersion.V1_5)
    document = json.loads(built.text)
    assert (document["specVersion"], built.components) == ("1.5", 2)
    assert _names(built.text) == ["idna", "requests"]
    assert document["metadata"]["component"]["name"] == "widget"


def test_a_project_without_a_dependency_source_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    with pytest.raises(InputError) as raised:
        project_sbom(root, InventorySource.PROJECT)
    assert raised.value.path == str(root)


def test_a_named_file_is_read_instead_of_the_projects_sources(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    write(root / "requirements.txt", "requests==2.32.3\n")
    named = write(root / "deploy" / "requirements.txt", "urllib3==2.2.3\n")
    built = project_sbom(root, InventorySource.REQUIREMENTS, named)
    assert _names(built.text) == ["urllib3"]


def test_a_named_file_outside_the_project_includes_only_files_beside_it(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    write(root / "secret.txt", "internal-only==1.0\n")
    outside = write(tmp_path / "elsewhere" / "requirements.txt", "-r ../proj/secret.txt\nurllib3==2.2.3\n")
    with pytest.raises(InputError) as raised:
        choose_inventory(load_project(root), InventorySource.REQUIREMENTS, outside)
    assert (raised.value.path, raised.value.line) == (str(outside), 1)


@pytest.mark.parametrize("source", [InventorySource.REQUIREMENTS, InventorySource.LOCK])
def test_a_file_source_needs_its_file(tmp_path: Path, source: InventorySource) -> None:
    with pytest.raises(InputError):
        choose_inventory(load_project(_project(tmp_path / "proj")), source)


def test_the_environment_source_lists_installed_distributions(tmp_path: Path) -> None:
    inventory = choose_inventory(load_project(_project(tmp_path / "proj")), InventorySource.ENVIRONMENT)
    assert "click" in {component.name for component in inventory.components}
