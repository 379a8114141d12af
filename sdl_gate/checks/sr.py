"""Checks for practice 2, specification of security requirements (SR-1 to SR-5)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import record
from sdl_gate.checks._threats import (
    requirements_content,
    requirements_defined,
    reviewed_file,
    security_context,
    threat_coverage,
    threat_model_review,
)
from sdl_gate.evidence import EvidenceKind

CHECKS: dict[str, Check] = {
    "SR-1": Check("SR-1", (security_context,)),
    "SR-2": Check(
        "SR-2",
        (
            threat_coverage,
            threat_model_review,
            record("review", purpose="the review of the threat model"),
        ),
    ),
    "SR-3": Check("SR-3", (requirements_defined,)),
    "SR-4": Check("SR-4", (requirements_content,)),
    "SR-5": Check(
        "SR-5",
        (
            record("review", purpose="the review of the security requirements"),
            reviewed_file(EvidenceKind.SECURITY_REQUIREMENTS, "security requirements"),
        ),
    ),
}
