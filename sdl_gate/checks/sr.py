"""Checks for practice 2, specification of security requirements (SR-1 to SR-5)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import awaiting, record
from sdl_gate.evidence import EvidenceKind

CHECKS: dict[str, Check] = {
    "SR-1": Check("SR-1", (awaiting(EvidenceKind.THREAT_MODEL, "a product security context with zones and conduits"),)),
    "SR-2": Check(
        "SR-2",
        (
            awaiting(EvidenceKind.THREAT_MODEL, "a threat model covering every boundary-crossing flow"),
            record("review", purpose="the review of the threat model"),
        ),
    ),
    "SR-3": Check("SR-3", (awaiting(EvidenceKind.SECURITY_REQUIREMENTS, "the product security requirements"),)),
    "SR-4": Check(
        "SR-4",
        (awaiting(EvidenceKind.SECURITY_REQUIREMENTS, "requirements stating scope and target capability level"),),
    ),
    "SR-5": Check("SR-5", (record("review", purpose="the review of the security requirements"),)),
}
