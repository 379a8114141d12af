"""Importers: each converts one foreign threat-model format into the native model, inventing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sdl_gate._yaml import validation_error
from sdl_gate.errors import InputError
from sdl_gate.threatmodel.model import ModelFormat, Stride, ThreatModel

_STRIDE_NAMES = {
    "spoofing": Stride.SPOOFING,
    "tampering": Stride.TAMPERING,
    "repudiation": Stride.REPUDIATION,
    "information_disclosure": Stride.INFORMATION_DISCLOSURE,
    "disclosure_of_information": Stride.INFORMATION_DISCLOSURE,
    "denial_of_service": Stride.DENIAL_OF_SERVICE,
    "elevation_of_privilege": Stride.ELEVATION_OF_PRIVILEGE,
    "elevation_of_privileges": Stride.ELEVATION_OF_PRIVILEGE,
}


def stride_from_name(text: str) -> Stride | None:
    """Return the STRIDE category a free-text name spells ("Information disclosure"), or None."""
    key = "_".join(text.strip().lower().replace("-", " ").split())
    return _STRIDE_NAMES.get(key)


def parse_foreign(model: type[BaseModel], data: Any, source: Path, what: str) -> Any:
    """Validate a foreign document against the minimal model an importer needs, naming the path on error."""
    if not isinstance(data, dict):
        raise InputError(f"invalid {what}: expected a JSON object at the top level", path=source)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, source, None, what) from None


def build_model(document: dict[str, Any], source: Path, what: str) -> ThreatModel:
    """Validate the converted document as a native model; a failure here is the foreign file's fault."""
    try:
        return ThreatModel.model_validate(document)
    except ValidationError as exc:
        raise validation_error(exc, source, None, f"{what} (after conversion)") from None


def convert(fmt: ModelFormat, data: Any, source: Path, sha256: str) -> ThreatModel:
    """Convert a parsed foreign document into the native model."""
    from sdl_gate.threatmodel.importers import otm, pytm, threat_dragon

    match fmt:
        case ModelFormat.THREAT_DRAGON:
            return threat_dragon.convert(data, source, sha256)
        case ModelFormat.PYTM:
            return pytm.convert(data, source, sha256)
        case ModelFormat.OTM:
            return otm.convert(data, source, sha256)
        case ModelFormat.NATIVE:
            raise ValueError("the native format needs no conversion")
