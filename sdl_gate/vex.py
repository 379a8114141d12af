"""CycloneDX VEX (``vex.cdx.json``): each known vulnerability with the disposition the waiver register gives it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from sdl_gate import __version__
from sdl_gate._files import canonical_json, pretty_json
from sdl_gate.errors import ToolError
from sdl_gate.policy.waivers import Waiver, WaiverRegister, WaiverState
from sdl_gate.sbom.build import Product, SpecVersion, schema_problem
from sdl_gate.sbom.sources import pypi_purl

if TYPE_CHECKING:
    from sdl_gate.collectors.vulns import AuditPayload, Vulnerability

_RATING_METHODS = {"CVSS:3.1": "CVSSv31", "CVSS:3.0": "CVSSv3", "CVSS:4.0": "CVSSv4"}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def vulnerability_waivers(
    register: WaiverRegister, vuln: Vulnerability, today: date
) -> tuple[Waiver | None, Waiver | None]:
    """Return the active waiver for an audited vulnerability (any alias) and, failing that, an expired one."""
    ids = {vuln.id, *vuln.aliases}
    package = canonicalize_name(vuln.package)
    active = register.for_vulnerability(ids, package, today)
    if active is not None:
        return active, None
    for waiver in register.waivers:
        scope = waiver.scope
        if (
            scope.vulnerability in ids
            and scope.package is not None
            and canonicalize_name(scope.package) == package
            and register.state(waiver, today) is WaiverState.EXPIRED
        ):
            return None, waiver
    return None, None


def naming_waivers(register: WaiverRegister, vuln: Vulnerability) -> tuple[Waiver, ...]:
    """Every waiver of an audited vulnerability (any alias), in force or not."""
    ids = {vuln.id, *vuln.aliases}
    return register.matching_vulnerability(ids, canonicalize_name(vuln.package))


def unapproved_waivers(register: WaiverRegister, vuln: Vulnerability, today: date) -> list[str]:
    """Which waivers of an audited vulnerability are in their dates but not approved, and why."""
    ids = {vuln.id, *vuln.aliases}
    return register.not_counting(register.matching_vulnerability(ids, canonicalize_name(vuln.package)), today)


def open_statement(register: WaiverRegister, vuln: Vulnerability, today: date) -> Waiver | None:
    """Return an active waiver whose VEX state (``exploitable``, ``in_triage``) leaves the vulnerability open."""
    ids = {vuln.id, *vuln.aliases}
    return register.open_statement(ids, canonicalize_name(vuln.package), today)


def not_a_disposition(waiver: Waiver) -> str:
    """Say why a waiver with an open VEX state does not dispose of its vulnerability."""
    state = waiver.vex.state.value if waiver.vex else "none"
    return f"waiver {waiver.id} states VEX {state}, which is not a disposition: the vulnerability stays open"


def _analysis(
    active: Waiver | None, expired: Waiver | None, statement: Waiver | None = None
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    if active is not None:
        analysis: dict[str, Any] = {
            "state": active.vex.state.value if active.vex else "in_triage",
            "detail": f"{active.justification} (waiver {active.id}, approved by {active.approver}, "
            f"expires {_iso(active.expires)})",
            "firstIssued": _iso(active.created),
        }
        if active.vex is not None and active.vex.justification is not None:
            analysis["justification"] = active.vex.justification.value
        properties = [
            {"name": "sdl-gate:waiver", "value": active.id},
            {"name": "sdl-gate:approver", "value": active.approver},
            {"name": "sdl-gate:expires", "value": _iso(active.expires)},
        ]
        return analysis, properties
    if statement is not None and statement.vex is not None:
        # The analysis is reported as stated, yet the waiver is no exception: nothing here closes the vulnerability.
        return {
            "state": statement.vex.state.value,
            "detail": f"{statement.justification} ({not_a_disposition(statement)})",
            "firstIssued": _iso(statement.created),
        }, [{"name": "sdl-gate:open-statement", "value": statement.id}]
    if expired is not None:
        return {
            "state": "in_triage",
            "detail": f"waiver {expired.id} expired {_iso(expired.expires)}; the vulnerability is open again",
        }, [{"name": "sdl-gate:expired-waiver", "value": expired.id}]
    return {"state": "in_triage", "detail": "no disposition recorded in the waiver register"}, []


def build_vex(
    audit: AuditPayload, register: WaiverRegister, *, today: date, product: Product, timestamp: datetime
) -> str:
    """Return a validated CycloneDX 1.6 VEX document for the vulnerabilities of an audit payload."""
    components: dict[str, dict[str, Any]] = {}
    vulnerabilities: list[dict[str, Any]] = []
    for vuln in audit.vulnerabilities:
        # pip-audit's findings are PyPI's; the SBOM's components carry their own purl.
        purl = vuln.purl or pypi_purl(vuln.package, vuln.version)
        components[purl] = {
            "bom-ref": purl,
            "name": vuln.package,
            "purl": purl,
            "type": "library",
            "version": vuln.version,
        }
        active, expired = vulnerability_waivers(register, vuln, today)
        statement = open_statement(register, vuln, today) if active is None else None
        analysis, properties = _analysis(active, expired, statement)
        entry: dict[str, Any] = {
            "bom-ref": f"{vuln.id}@{purl}",
            "id": vuln.id,
            "source": {"name": "OSV", "url": f"https://osv.dev/vulnerability/{vuln.id}"},
            "affects": [{"ref": purl}],
            "analysis": analysis,
        }
        if vuln.aliases:
            entry["references"] = [
                {"id": alias, "source": {"name": "OSV", "url": f"https://osv.dev/vulnerability/{alias}"}}
                for alias in vuln.aliases
            ]
        if vuln.description:
            entry["description"] = vuln.description
        if vuln.published:
            entry["published"] = vuln.published
        ratings = []
        for severity in vuln.severity:
            method = next((m for p, m in _RATING_METHODS.items() if severity.vector.startswith(p)), "other")
            rating: dict[str, Any] = {"method": method, "vector": severity.vector}
            if severity.score is not None:
                rating["score"] = severity.score
                rating["severity"] = severity.rating
            ratings.append(rating)
        if ratings:
            entry["ratings"] = ratings
        if vuln.fix_versions:
            entry["recommendation"] = f"upgrade {vuln.package} to {vuln.fix_versions[0]} or later"
        if properties:
            entry["properties"] = properties
        vulnerabilities.append(entry)
    root_ref = f"pkg:pypi/{product.name}@{product.version}" if product.version else f"pkg:pypi/{product.name}"
    body: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SpecVersion.V1_6.value,
        "version": 1,
        "metadata": {
            "timestamp": _iso(timestamp),
            "tools": {"components": [{"type": "application", "name": "sdl-gate", "version": __version__}]},
            "component": {"bom-ref": root_ref, "type": "application", "name": product.name}
            | ({"version": product.version} if product.version else {}),
        },
        "components": [components[key] for key in sorted(components)],
        "vulnerabilities": sorted(vulnerabilities, key=lambda v: str(v["bom-ref"])),
    }
    digest = hashlib.sha256(canonical_json(body).encode("utf-8")).digest()[:16]
    body["serialNumber"] = uuid.UUID(bytes=digest, version=5).urn
    body["$schema"] = "http://cyclonedx.org/schema/bom-1.6.schema.json"
    text = pretty_json(body)
    problem = schema_problem(text, SpecVersion.V1_6)
    if problem is not None:
        raise ToolError(f"the VEX document does not validate against CycloneDX 1.6: {problem}")
    return text
