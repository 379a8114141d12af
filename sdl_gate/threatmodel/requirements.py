"""The product security requirements file (``security/requirements.yaml``, ``version: 1``; SR-3/SR-4)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field

from sdl_gate._model import FrozenModel
from sdl_gate._yaml import LineMap, load_yaml, validate
from sdl_gate.errors import InputError
from sdl_gate.threatmodel.model import ElementId, Text


class Verification(str, enum.Enum):
    """How a requirement is shown to be met."""

    TEST = "test"
    REVIEW = "review"
    ANALYSIS = "analysis"
    INSPECTION = "inspection"


class SecurityRequirement(FrozenModel):
    """One product security requirement."""

    id: ElementId
    statement: Text = Field(description="One verifiable 'shall' sentence.")
    category: Text | None = Field(default=None, description="e.g. an IEC 62443-4-2 foundational requirement area.")
    scope: list[ElementId] = Field(default_factory=list, description="Threat-model component or flow ids.")
    sl_c: int | None = Field(default=None, ge=1, le=4, description="Target security capability level SL-C.")
    threats: list[ElementId] = Field(default_factory=list, description="Threat ids this requirement answers.")
    source: str | None = Field(
        default=None, description="Where a requirement that answers no modelled threat comes from (a regulation...)."
    )
    verification: Verification | None = None


class RequirementsFile(FrozenModel):
    """The requirements file (``version: 1``)."""

    model_config = ConfigDict(title="sdl-gate security requirements")

    version: Literal[1]
    requirements: list[SecurityRequirement] = Field(default_factory=list)


def load_requirements(path: Path, *, root: Path | None = None) -> tuple[RequirementsFile, LineMap]:
    """Load and validate a requirements file; duplicate ids are refused with their line."""
    data, lines = load_yaml(path, root=root)
    loaded = validate(RequirementsFile, data, path, lines, "security requirements")
    seen: dict[str, int] = {}
    for index, requirement in enumerate(loaded.requirements):
        if requirement.id in seen:
            raise InputError(
                f"duplicate requirement id {requirement.id!r} (also requirements[{seen[requirement.id]}])",
                path=path,
                line=lines.line_for(("requirements", index, "id")),
                location=f"requirements[{index}].id",
            )
        seen[requirement.id] = index
    return loaded, lines
