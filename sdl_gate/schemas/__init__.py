"""The published JSON Schemas of every file sdl-gate reads or writes, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

SCHEMA_DIR = Path(__file__).parent
SCHEMA_NAMES = (
    "approvals",
    "approvers",
    "assessment",
    "config",
    "exception-approvals",
    "policy",
    "record",
    "requirements",
    "test-map",
    "threat-model",
    "waivers",
)


def schema_path(name: str) -> Path:
    """Return where the shipped schema ``name`` lives."""
    return SCHEMA_DIR / f"{name}.schema.json"


def load_schema(name: str) -> dict[str, Any]:
    """Return the shipped schema ``name`` (one of :data:`SCHEMA_NAMES`)."""
    if name not in SCHEMA_NAMES:
        raise KeyError(name)
    loaded: dict[str, Any] = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return loaded


def generate_schema(name: str) -> dict[str, Any]:
    """Generate schema ``name`` from its model (what the shipped file must equal)."""
    from pydantic import BaseModel

    from sdl_gate.approvals.register import ApproverRegister
    from sdl_gate.approvals.sidecar import ApprovalsFile, ExceptionApprovalsFile
    from sdl_gate.assess import Assessment
    from sdl_gate.collectors.records import Record
    from sdl_gate.config import ToolConfig
    from sdl_gate.policy.models import PolicyFile
    from sdl_gate.policy.waivers import WaiverFile
    from sdl_gate.threatmodel.model import ThreatModel
    from sdl_gate.threatmodel.requirements import RequirementsFile
    from sdl_gate.threatmodel.test_map import TestMapFile

    models: dict[str, type[BaseModel]] = {
        "approvals": ApprovalsFile,
        "approvers": ApproverRegister,
        "assessment": Assessment,
        "config": ToolConfig,
        "exception-approvals": ExceptionApprovalsFile,
        "policy": PolicyFile,
        "record": Record,
        "requirements": RequirementsFile,
        "test-map": TestMapFile,
        "threat-model": ThreatModel,
        "waivers": WaiverFile,
    }
    mode: Literal["validation", "serialization"] = "serialization" if name == "assessment" else "validation"
    schema = models[name].model_json_schema(mode=mode)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:sdl-gate:schema:{name}:1",
        **schema,
    }


def write_schemas() -> list[Path]:
    """Regenerate every shipped schema file; return the files written."""
    from sdl_gate._files import pretty_json, write_atomic

    written = []
    for name in SCHEMA_NAMES:
        path = schema_path(name)
        write_atomic(path, pretty_json(generate_schema(name)))
        written.append(path)
    return written
