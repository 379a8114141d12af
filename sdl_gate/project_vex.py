"""VEX of a project's latest stored vulnerability audit, for `sdl-gate vex`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sdl_gate._clock import file_timestamp
from sdl_gate.approvals.register import RegisterChoice
from sdl_gate.collectors.vulns import AuditPayload, AuditStatus
from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
from sdl_gate.inputs import load_inputs
from sdl_gate.payloads import Unusable, typed_stored
from sdl_gate.sbom.build import product_from_pyproject
from sdl_gate.vex import build_vex


@dataclass(frozen=True)
class ProjectVex:
    """The VEX document of a project's latest vulnerability audit and how many vulnerabilities it states."""

    text: str
    vulnerabilities: int


def project_vex(path: Path, register: RegisterChoice, today: date) -> ProjectVex:
    """Build VEX for the latest vulnerability audit stored for the project at ``path``.

    A missing, rejected or incomplete audit is an InputError: VEX of an audit that did not run would state
    that nothing is known. A waiver disposes of a vulnerability only when signed by an approver of ``register``.
    """
    inputs = load_inputs(path).with_approvers(register)
    latest = EvidenceStore(path).latest(EvidenceKind.VULNERABILITY_AUDIT)
    if not isinstance(latest, StoredEvidence):
        reason = latest.reason if latest is not None else "no vulnerability audit in the evidence store"
        raise InputError(f"{reason}; run `sdl-gate collect` or `sdl-gate check` first", path=path)
    audit = typed_stored(latest, AuditPayload)
    if isinstance(audit, Unusable):
        raise InputError(f"{audit.reason}; run `sdl-gate collect` or `sdl-gate check` first", path=path)
    payload = audit.payload
    if payload.status is not AuditStatus.COMPLETED:
        raise InputError(f"the latest vulnerability audit did not complete: {payload.reason}", path=path)
    product = product_from_pyproject(path, inputs.project.name, inputs.project.version)
    text = build_vex(payload, inputs.waivers, today=today, product=product, timestamp=file_timestamp())
    return ProjectVex(text, len(payload.vulnerabilities))
