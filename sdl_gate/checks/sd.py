"""Checks for practice 3, secure by design (SD-1 to SD-4)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import awaiting, record
from sdl_gate.evidence import EvidenceKind

CHECKS: dict[str, Check] = {
    "SD-1": Check(
        "SD-1",
        (
            record("process_document", purpose="the design document characterising interfaces and boundaries"),
            awaiting(EvidenceKind.THREAT_MODEL, "the threat model's trust-boundary characterisation"),
        ),
    ),
    "SD-2": Check(
        "SD-2",
        (awaiting(EvidenceKind.THREAT_MODEL, "two independent mitigations for every high or critical threat"),),
    ),
    "SD-3": Check(
        "SD-3",
        (
            record("review", purpose="the security design review"),
            awaiting(EvidenceKind.THREAT_MODEL, "the threat model the design review covered"),
        ),
    ),
    "SD-4": Check("SD-4", (record("process_document", purpose="the secure design practices the team follows"),)),
}
