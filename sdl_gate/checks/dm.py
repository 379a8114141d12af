"""Checks for practice 6, management of security-related issues (DM-1 to DM-6)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import record, security_contact, waiver_register
from sdl_gate.checks._vulns import vulnerability_dispositions, vulnerability_severity

CHECKS: dict[str, Check] = {
    "DM-1": Check("DM-1", (security_contact,)),
    "DM-2": Check("DM-2", (record("triage", purpose="how reported issues are reviewed"),)),
    "DM-3": Check(
        "DM-3",
        (
            record("triage", purpose="the impact and severity analysis of reported issues"),
            vulnerability_severity,
        ),
    ),
    "DM-4": Check(
        "DM-4",
        (
            waiver_register,
            vulnerability_dispositions,
        ),
    ),
    "DM-5": Check("DM-5", (record("process_document", purpose="the disclosure policy for security issues"),)),
    "DM-6": Check("DM-6", (record("periodic_review", purpose="the periodic review of defect management"),)),
}
