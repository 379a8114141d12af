"""The project's dependency inventory, shared by the SBOM and vulnerability collectors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sdl_gate.collectors.base import CollectContext
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import FileDigest
from sdl_gate.sbom.sources import Inventory, SourceKind, discover, load_source, merge


@dataclass(frozen=True)
class ProjectDependencies:
    """The merged inventory, the sources it came from and their digests (None when there is no source)."""

    inventory: Inventory | None
    sources: tuple[tuple[SourceKind, str], ...]
    files: tuple[FileDigest, ...]


def project_dependencies(context: CollectContext) -> ProjectDependencies:
    """Find and read the dependency sources of the project (configured, else discovered)."""
    root = context.root
    configured = context.project.config.dependency_files
    try:
        found = discover(root, configured)
    except InputError as exc:
        raise ConfigError(
            exc.message, path=context.project.config_source or exc.path, location="tool.sdl-gate.dependency-files"
        ) from None
    for _, path in found:
        if not path.resolve().is_relative_to(root.resolve()):
            raise ConfigError(
                f"dependency file {path} is outside the project",
                path=context.project.config_source,
                location="tool.sdl-gate.dependency-files",
            )
        if not path.is_file():
            raise ConfigError(
                f"dependency file {context.relative(path)} not found",
                path=context.project.config_source,
                location="tool.sdl-gate.dependency-files",
            )
    if not found:
        return ProjectDependencies(None, (), ())
    inventories = [load_source(kind, path, root=root) for kind, path in found]
    relative = tuple((kind, context.relative(path)) for kind, path in found)
    digests = tuple(context.digest(Path(path)) for _, path in found)
    merged = merge(inventories)
    return ProjectDependencies(merged, relative, digests)
