"""The CycloneDX 1.6 attestation (CDXA): IEC 62443-4-1 as a standard, each verdict as claims with evidence."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sdl_gate._files import canonical_json, sha256_bytes
from sdl_gate.assess import Assessment, RequirementResult
from sdl_gate.catalogue import Catalogue
from sdl_gate.checks import Outcome
from sdl_gate.evidence import StoredEvidence
from sdl_gate.policy.models import Mode, Policy

STANDARD_REF = "iec62443-4-1"
ASSESSOR_REF = "assessor-sdl-gate"
PRODUCT_REF = "product"


class AttestationInvalid(Exception):
    """The generated attestation does not validate against CycloneDX 1.6 (a bug, never user input)."""


def _requirement_ref(requirement_id: str) -> str:
    return f"{STANDARD_REF}:{requirement_id}"


def evidence_ref(evidence_id: str) -> str:
    """Return the bom-ref of an evidence object."""
    return "ev-" + evidence_id.removeprefix("sha256:")


def _confidence(result: RequirementResult) -> dict[str, Any]:
    counted = [f for f in result.findings if f.outcome is not Outcome.NOT_APPLICABLE]
    if not counted:
        return {"score": 1, "rationale": "Scoped out by the policy; nothing to measure."}
    known = sum(1 for f in counted if f.outcome in (Outcome.PASS, Outcome.FAIL))
    return {
        "score": round(known / len(counted), 4),
        "rationale": f"{known} of {len(counted)} criteria could be decided from the evidence; "
        "the rest had no usable evidence.",
    }


def build_attestation(
    *,
    assessment: Assessment,
    catalogue: Catalogue,
    policy: Policy,
    evidence: Sequence[StoredEvidence],
    evidence_paths: dict[str, str],
) -> dict[str, Any]:
    """Build the CDXA document; ``evidence_paths`` maps evidence ids to their entries in the bundle."""
    digest = sha256_bytes(canonical_json(assessment.model_dump(mode="json")).encode("utf-8"))
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"https://sdl-gate.dev/assessment/{digest}")
    timestamp = f"{assessment.assessed_on.isoformat()}T00:00:00Z"
    product = assessment.product
    component: dict[str, Any] = {"type": "application", "bom-ref": PRODUCT_REF, "name": product.name}
    if product.version:
        component["version"] = product.version
    enforced = [
        rid
        for rid, entry in policy.requirements.items()
        if entry.effective_mode(assessment.assessed_on) is Mode.ENFORCED
    ]
    standard = {
        "bom-ref": STANDARD_REF,
        "name": "IEC 62443-4-1",
        "version": catalogue.standard,
        "description": "Security for industrial automation and control systems - Part 4-1: "
        "Secure product development lifecycle requirements",
        "owner": "IEC",
        "requirements": [
            {"bom-ref": _requirement_ref(r.id), "identifier": r.id, "title": r.title, "text": r.summary}
            for r in catalogue.requirements
        ],
        "levels": [
            {
                "bom-ref": f"{STANDARD_REF}:policy",
                "identifier": policy.name,
                "title": f"Requirements enforced by policy {policy.name}",
                "requirements": [_requirement_ref(rid) for rid in catalogue.ids if rid in enforced],
            }
        ],
    }
    used = {item.id for item in evidence}
    evidence_entries = [
        {
            "bom-ref": evidence_ref(item.id),
            "propertyName": f"internal:sdl-gate:evidence:{item.evidence.kind.value}",
            "description": f"{item.evidence.kind.value} evidence from {item.evidence.tool.name} "
            f"{item.evidence.tool.version} at commit {item.evidence.subject.commit or 'none'}",
            "data": [{"name": evidence_paths[item.id], "contents": {"url": evidence_paths[item.id]}}],
            "created": item.collected_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for item in sorted(evidence, key=lambda s: s.id)
    ]
    claims: list[dict[str, Any]] = []
    mapping: list[dict[str, Any]] = []
    for result in assessment.requirements:
        claim_ref = f"claim-{result.id}"
        claim: dict[str, Any] = {
            "bom-ref": claim_ref,
            "target": PRODUCT_REF,
            "predicate": f"{result.id} ({result.title}) is {result.verdict.value.replace('_', ' ')} "
            f"under policy {policy.name}",
            "reasoning": result.rationale,
        }
        refs = [evidence_ref(e) for e in result.evidence if e in used]
        if refs:
            claim["evidence"] = refs
        claims.append(claim)
        mapping.append(
            {
                "requirement": _requirement_ref(result.id),
                "claims": [claim_ref],
                "conformance": {"score": result.score, "rationale": result.rationale},
                "confidence": _confidence(result),
            }
        )
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{serial}",
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": {
                "components": [
                    {"type": "application", "name": assessment.generator.name, "version": assessment.generator.version}
                ]
            },
            "component": component,
        },
        "definitions": {"standards": [standard]},
        "declarations": {
            "assessors": [{"bom-ref": ASSESSOR_REF, "thirdParty": False}],
            "attestations": [
                {"summary": assessment.decision.summary, "assessor": ASSESSOR_REF, "map": mapping},
            ],
            "claims": claims,
            "evidence": evidence_entries,
        },
    }


def validate_attestation(document_json: str) -> None:
    """Validate with cyclonedx-python-lib's strict JSON validator for CycloneDX 1.6."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(document_json)
    if error is not None:
        raise AttestationInvalid(f"CycloneDX 1.6 validation failed: {error.data.message}")
