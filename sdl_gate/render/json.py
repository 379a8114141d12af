"""The assessment as JSON: sorted keys, stable order, byte-identical for identical inputs."""

from __future__ import annotations

from sdl_gate._files import pretty_json
from sdl_gate.assess import Assessment


def render_json(assessment: Assessment) -> str:
    """Return the assessment JSON (validates against ``sdl_gate/schemas/assessment.schema.json``)."""
    return pretty_json(assessment.model_dump(mode="json"))
