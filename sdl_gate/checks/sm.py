"""Checks for practice 1, security management (SM-1 to SM-13)."""

from __future__ import annotations

from sdl_gate.checks._base import Check
from sdl_gate.checks._criteria import any_of, approver_register, codeowners, record, waiver_register
from sdl_gate.checks._devenv import locked_down_workflows
from sdl_gate.checks._history import improving_metrics, verified_history
from sdl_gate.checks._signing import keyless_signing, no_committed_private_key, release_bundle, signed_release
from sdl_gate.checks._vulns import known_vulnerabilities, sbom_current, sbom_quality, vulnerability_dispositions

CHECKS: dict[str, Check] = {
    "SM-1": Check("SM-1", (record("process_document", purpose="the documented secure development process"),)),
    "SM-2": Check(
        "SM-2",
        (
            any_of(codeowners, record("process_document", purpose="the security roles and who holds them")),
            # Who may approve is a responsibility too: a change that edits the approver register fails here.
            approver_register,
        ),
    ),
    "SM-3": Check("SM-3", (record("process_document", purpose="which products and parts the process covers"),)),
    "SM-4": Check("SM-4", (record("training", purpose="the security training of the people involved"),)),
    "SM-5": Check("SM-5", (record("process_document", purpose="the process scoping of this project"),)),
    "SM-6": Check("SM-6", (signed_release, release_bundle)),
    "SM-7": Check(
        "SM-7",
        (
            record("process_document", purpose="how the development environment is protected"),
            locked_down_workflows,
        ),
    ),
    "SM-8": Check(
        "SM-8",
        (
            any_of(
                keyless_signing,
                record("key_custody", purpose="who holds signing keys and how they are protected"),
            ),
            no_committed_private_key,
        ),
    ),
    "SM-9": Check(
        "SM-9",
        (
            record("review", purpose="the risk decisions on externally provided components"),
            sbom_quality,
            sbom_current,
            known_vulnerabilities,
        ),
    ),
    "SM-10": Check("SM-10", (record("supplier_attestation", purpose="custom components built by suppliers"),)),
    "SM-11": Check(
        "SM-11",
        (
            waiver_register,
            vulnerability_dispositions,
        ),
    ),
    # SM-12 is also decided by the verdicts of the rest of the same assessment (assess.process_verification),
    # never by the bundle being made of it.
    "SM-12": Check(
        "SM-12",
        (
            record("review", purpose="the verification that every scoped process ran for this release"),
            verified_history(),
        ),
    ),
    "SM-13": Check(
        "SM-13",
        (record("periodic_review", purpose="the retrospective on the process"), improving_metrics()),
    ),
}
