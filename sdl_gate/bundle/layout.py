"""Entry names inside a bundle and the inputs record a verifier re-assesses from."""

from __future__ import annotations

from datetime import date

from sdl_gate._model import FrozenModel
from sdl_gate.assess import ProductRef
from sdl_gate.evidence import EvidenceKind

MANIFEST = "manifest.json"
ASSESSMENT = "assessment.json"
ATTESTATION = "attestation.cdx.json"
ASSESSMENT_STATEMENT = "assessment.intoto.json"
SBOM_STATEMENT = "sbom.intoto.json"
INPUTS = "inputs.json"
POLICY = "policy.json"
REPORT = "report.html"
EVIDENCE_OBJECTS = "evidence/objects/"
EVIDENCE_RAW = "evidence/"
FILES = "files/"
BUNDLE_FORMAT = 1


def object_entry(evidence_id: str) -> str:
    """Return the entry name of an evidence object."""
    return f"{EVIDENCE_OBJECTS}{evidence_id.removeprefix('sha256:')}.json"


def raw_entry(raw: str) -> str:
    """Return the entry name of an original tool output (``raw/<sha256>.<suffix>``)."""
    return EVIDENCE_RAW + raw


def file_entry(relative: str) -> str:
    """Return the entry name of a project file as assessed."""
    return FILES + relative


class RejectionRecord(FrozenModel):
    """Evidence that was not usable, in the order the assessment saw it, and the command that refreshes it."""

    kind: EvidenceKind
    reason: str
    refresh: str | None = None


class Inputs(FrozenModel):
    """Everything besides evidence objects and policy that ``assess`` was called with."""

    format: int
    assessed_on: date
    product: ProductRef
    commit: str | None
    evidence: tuple[str, ...]
    rejections: tuple[RejectionRecord, ...]
    waivers: str | None
    generator_version: str
