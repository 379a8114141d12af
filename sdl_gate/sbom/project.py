"""The SBOM of a project, from the dependency source the operator chose (`sdl-gate sbom`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from sdl_gate._clock import file_timestamp
from sdl_gate.collectors.dependencies import project_dependencies
from sdl_gate.config import Project, load_project
from sdl_gate.errors import InputError
from sdl_gate.sbom.build import SpecVersion, build_sbom, product_from_pyproject
from sdl_gate.sbom.sources import Inventory, SourceKind, from_environment, interpreter_paths, load_source, lock_kind


class InventorySource(str, enum.Enum):
    """Where the components come from: the project's sources, the installed environment, or one named file."""

    PROJECT = "project"
    ENVIRONMENT = "environment"
    REQUIREMENTS = "requirements"
    LOCK = "lock"

    @property
    def needs_file(self) -> bool:
        """Whether this source is a file the operator names."""
        return self in (InventorySource.REQUIREMENTS, InventorySource.LOCK)


@dataclass(frozen=True)
class ProjectSbom:
    """A CycloneDX JSON document and how many components it lists."""

    text: str
    components: int


def choose_inventory(
    project: Project, source: InventorySource, source_file: Path | None = None, python: str | None = None
) -> Inventory:
    """Read the components of ``project`` from ``source`` (``source_file`` for a named file)."""
    path = project.root
    if source is InventorySource.ENVIRONMENT:
        return from_environment(interpreter_paths(python) if python else None)
    if source.needs_file:
        if source_file is None:
            raise InputError(f"--from {source.value} needs --file FILE")
        # Includes stay inside the project, or inside the file's own directory when it lies elsewhere.
        inside = source_file.resolve().is_relative_to(path.resolve())
        kind = SourceKind.REQUIREMENTS if source is InventorySource.REQUIREMENTS else lock_kind(source_file)
        return load_source(kind, source_file, path if inside else source_file.parent)
    found = project_dependencies(project).inventory
    if found is None:
        raise InputError(
            "no dependency source found (uv.lock, pylock.toml, requirements*.txt, pyproject.toml)", path=path
        )
    return found


def project_sbom(
    path: Path,
    source: InventorySource,
    source_file: Path | None = None,
    python: str | None = None,
    spec: SpecVersion = SpecVersion.V1_6,
) -> ProjectSbom:
    """Build the deterministic SBOM of the project at ``path`` (SOURCE_DATE_EPOCH honoured)."""
    project = load_project(path)
    inventory = choose_inventory(project, source, source_file, python)
    product = product_from_pyproject(path, project.name, project.version)
    text = build_sbom(inventory, product, spec=spec, timestamp=file_timestamp())
    return ProjectSbom(text, len(inventory.components))
