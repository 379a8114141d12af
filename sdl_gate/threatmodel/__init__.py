"""Threat models and security requirements: the native format, importers, and how a project points at them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sdl_gate._files import resolve_inside
from sdl_gate._yaml import LineMap
from sdl_gate.config import Project
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.threatmodel.loader import LoadedModel, check_requirement_links, load_threat_model
from sdl_gate.threatmodel.model import ModelFormat, ThreatModel
from sdl_gate.threatmodel.requirements import RequirementsFile, load_requirements
from sdl_gate.threatmodel.test_map import TestMapFile, check_test_map, load_test_map


class CollectContextLike(Protocol):
    """The part of a collector's context these helpers need."""

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the project root."""


THREAT_MODEL_FILE = "threat-model.yaml"
REQUIREMENTS_FILE = "requirements.yaml"
TEST_MAP_FILE = "test-map.yaml"


def _configured(project: Project, value: str | None, default: str, key: str) -> Path:
    if value is None:
        return project.security_dir / default
    source = project.config_source or (project.root / "pyproject.toml")
    try:
        return resolve_inside(project.root, value, source=source, line=None, location=f"tool.sdl-gate.{key}")
    except InputError as exc:
        raise ConfigError(exc.message, path=exc.path, location=exc.location) from None


def threat_model_path(project: Project) -> Path:
    """Where the project's threat model is."""
    return _configured(project, project.config.threat_model, THREAT_MODEL_FILE, "threat-model")


def requirements_path(project: Project) -> Path:
    """Where the project's security requirements are."""
    return _configured(project, project.config.security_requirements, REQUIREMENTS_FILE, "security-requirements")


def test_map_path(project: Project) -> Path:
    """Where the project's test-to-requirement map is (it need not exist)."""
    return _configured(project, project.config.test_requirements, TEST_MAP_FILE, "test-requirements")


def project_relative(context: CollectContextLike, path: Path) -> str:
    """Return ``path`` relative to the project root (forward slashes), or its name if it lies elsewhere."""
    try:
        return context.relative(path)
    except ValueError:
        return path.name


def configured_format(project: Project) -> ModelFormat | None:
    """The configured threat-model format, None for auto-detection."""
    value = project.config.threat_model_format
    return None if value == "auto" else ModelFormat(value)


@dataclass(frozen=True)
class SecurityInputs:
    """A project's threat model and requirements, each None when the file does not exist, cross-checked."""

    model: LoadedModel | None
    requirements: RequirementsFile | None
    model_path: Path
    requirements_path: Path
    test_map: TestMapFile | None = None
    test_map_path: Path | None = None


def check_requirements_against_model(
    requirements: RequirementsFile, lines: LineMap, path: Path, model: ThreatModel
) -> None:
    """Refuse a requirement whose scope or source threats name ids the threat model does not have."""
    elements = {
        *(c.id for c in model.components),
        *(f.id for f in model.flows),
        *(z.id for z in model.zones),
        *(c.id for c in model.conduits),
        *(a.id for a in model.assets),
    }
    threats = {t.id for t in model.threats}
    for index, requirement in enumerate(requirements.requirements):
        for field, known, what in (("scope", elements, "threat-model element"), ("threats", threats, "threat")):
            for position, value in enumerate(getattr(requirement, field)):
                if value not in known:
                    raise InputError(
                        f"requirement {requirement.id} names {what} {value!r}, which the threat model does not define",
                        path=path,
                        line=lines.line_for(("requirements", index, field, position)),
                        location=f"requirements[{index}].{field}[{position}]",
                    )


def load_security_inputs(
    project: Project, model_path: Path | None = None, fmt: ModelFormat | None = None
) -> SecurityInputs:
    """Load the threat model and the requirements that exist, and refuse references between them that dangle."""
    model_file = model_path or threat_model_path(project)
    requirements_file = requirements_path(project)
    # A model named on the command line is the operator's file; the configured one is the project's.
    model_root = project.root if model_path is None else None
    loaded = None
    if model_file.exists():
        loaded = load_threat_model(model_file, fmt or configured_format(project), root=model_root)
    requirements: RequirementsFile | None = None
    lines: LineMap | None = None
    if requirements_file.exists():
        requirements, lines = load_requirements(requirements_file, root=project.root)
    if loaded is not None:
        ids = {r.id for r in requirements.requirements} if requirements is not None else set()
        shown = requirements_file.name if requirements is not None else f"{requirements_file.name} (absent)"
        check_requirement_links(loaded.model, ids, loaded.path, loaded.lines, shown)
        if requirements is not None and lines is not None:
            check_requirements_against_model(requirements, lines, requirements_file, loaded.model)
    map_file = test_map_path(project)
    test_map: TestMapFile | None = None
    if map_file.exists():
        test_map, map_lines = load_test_map(map_file, root=project.root)
        ids = {r.id for r in requirements.requirements} if requirements is not None else set()
        shown = requirements_file.name if requirements is not None else f"{requirements_file.name} (absent)"
        check_test_map(test_map, map_lines, map_file, ids, shown)
    return SecurityInputs(loaded, requirements, model_file, requirements_file, test_map, map_file)
