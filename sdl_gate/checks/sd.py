"""Checks for practice 3, secure by design (SD-1 to SD-4)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import record
from sdl_gate.checks._threats import boundary_characterisation, defence_in_depth, reviewed_file
from sdl_gate.evidence import EvidenceKind

CHECKS: dict[str, Check] = {
    "SD-1": Check(
        "SD-1",
        (
            record("process_document", purpose="the design document characterising interfaces and boundaries"),
            boundary_characterisation,
        ),
    ),
    "SD-2": Check(
        "SD-2",
        (defence_in_depth,),
    ),
    "SD-3": Check(
        "SD-3",
        (
            record("review", purpose="the security design review"),
            reviewed_file(EvidenceKind.THREAT_MODEL, "threat model"),
        ),
    ),
    "SD-4": Check("SD-4", (record("process_document", purpose="the secure design practices the team follows"),)),
}
