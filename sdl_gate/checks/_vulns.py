"""Criteria on the SBOM and the known-vulnerability audit (SM-9, SM-11, SVV-3, DM-3, DM-4, SUM-5)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criteria import _single
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.policy.waivers import Waiver
from sdl_gate.vex import not_a_disposition, open_statement, vulnerability_waivers

DEFAULT_MAX_PATCH_DAYS = 30
DEFAULT_VULNDB_MAX_AGE_DAYS = 30
_LISTED = 8
_NO_DEPENDENCY = "the audit covered no dependency"


def _listing(items: list[str]) -> str:
    shown = "; ".join(items[:_LISTED])
    return shown + (f"; and {len(items) - _LISTED} more" if len(items) > _LISTED else "")


def _label(vuln: dict[str, Any]) -> str:
    return f"{vuln['package']} {vuln['version']}: {vuln['id']}"


def _date(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).date()
    except ValueError:
        return None


def _audit(check_input: CheckInput, name: str) -> Evidence | Finding:
    """Return completed audit evidence in which every dependency was audited, or why it cannot be used."""
    evidence = _single(check_input, EvidenceKind.VULNERABILITY_AUDIT, name)
    if isinstance(evidence, Finding):
        return evidence
    payload = evidence.payload
    if payload["status"] != "completed":
        return check_input.finding(name, Outcome.NOT_AVAILABLE, str(payload["reason"]), (evidence.id,))
    skipped = [f"{d['name']} ({d['reason']})" for d in payload["dependencies"] if d["status"] == "skipped"]
    if skipped:
        return check_input.finding(
            name,
            Outcome.NOT_AVAILABLE,
            "the audit skipped dependencies, so it cannot show they are clean: " + _listing(skipped),
            (evidence.id,),
        )
    return evidence


def _audited(evidence: Evidence) -> int:
    return sum(1 for d in evidence.payload["dependencies"] if d["status"] == "audited")


def _waiver(check_input: CheckInput, vuln: dict[str, Any]) -> Waiver | None:
    return vulnerability_waivers(check_input.waivers, vuln, check_input.today)[0]


def _open_reason(check_input: CheckInput, vuln: dict[str, Any]) -> str:
    """Why an undisposed vulnerability is open, when a waiver seemed to cover it (empty otherwise)."""
    statement = open_statement(check_input.waivers, vuln, check_input.today)
    return f": {not_a_disposition(statement)}" if statement is not None else ""


def _expired_waiver(check_input: CheckInput, vuln: dict[str, Any]) -> Waiver | None:
    return vulnerability_waivers(check_input.waivers, vuln, check_input.today)[1]


def _service(payload: dict[str, Any]) -> str:
    database = payload.get("database")
    if payload["offline"] and database:
        return f"the offline OSV database ({database['records']} advisories, imported {database['imported_at']})"
    return f"{payload['service']} at {payload['url']}"


def sbom_quality() -> Criterion:
    """An SBOM of the dependencies with the NTIA minimum elements, matching the dependency sources."""
    name = "sbom"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _single(check_input, EvidenceKind.SBOM, name)
        if isinstance(evidence, Finding):
            return evidence
        payload = evidence.payload
        if payload["origin"] == "unavailable":
            return check_input.finding(name, Outcome.NOT_AVAILABLE, str(payload["reason"]), (evidence.id,))
        problems: list[str] = []
        blocking = [g for g in payload["gaps"] if g["element"] != "supplier"]
        problems += [f"{g['component'] or 'document'} lacks {g['element'].replace('_', ' ')}" for g in blocking]
        for mismatch in payload["mismatches"]:
            match mismatch["kind"]:
                case "missing_from_sbom":
                    problems.append(f"{mismatch['name']} {mismatch['source_version']} is missing from the SBOM")
                case "not_in_source":
                    problems.append(f"{mismatch['name']} is in the SBOM but not in the dependency sources")
                case _:
                    problems.append(
                        f"{mismatch['name']} is {mismatch['sbom_version']} in the SBOM but "
                        f"{mismatch['source_version']} in the dependency sources"
                    )
        where = payload["path"]
        if problems:
            return check_input.finding(
                name, Outcome.FAIL, f"SBOM {where}: " + _listing(problems), (evidence.id,), where
            )
        suppliers = sum(1 for g in payload["gaps"] if g["element"] == "supplier")
        note = f"; supplier unknown for {suppliers} (the source does not record it)" if suppliers else ""
        against = ", ".join(payload["cross_checked_against"]) or "no dependency source"
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{payload['origin']} CycloneDX {payload['spec_version']} SBOM with {payload['components']} components, "
            f"NTIA minimum elements present, matches {against}{note}",
            (evidence.id,),
            where,
            examined=payload["components"],
        )

    return Criterion(
        name,
        "an SBOM of the externally provided components (NTIA minimum elements, matching the lock file)",
        (EvidenceKind.SBOM,),
        evaluate,
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means="the SBOM lists no component",
    )


def known_vulnerabilities() -> Criterion:
    """A complete audit against a recent database in which every known vulnerability is fixed or waived."""
    name = "known_vulnerabilities"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _audit(check_input, name)
        if isinstance(evidence, Finding):
            return evidence
        payload = evidence.payload
        database = payload.get("database")
        if payload["offline"] and database:
            limit = check_input.policy.vulndb_max_age_days or DEFAULT_VULNDB_MAX_AGE_DAYS
            imported = _date(str(database.get("imported_at") or ""))
            if imported is None or (check_input.today - imported).days > limit:
                return check_input.finding(
                    name,
                    Outcome.NOT_AVAILABLE,
                    f"the offline vulnerability database was imported {database.get('imported_at')}, more than "
                    f"{limit} days ago; re-import a current OSV export with `sdl-gate vulndb import`",
                    (evidence.id,),
                )
        open_items: list[str] = []
        waived: list[str] = []
        for vuln in payload["vulnerabilities"]:
            waiver = _waiver(check_input, vuln)
            if waiver is None:
                fix = f" (fixed in {', '.join(vuln['fix_versions'])})" if vuln["fix_versions"] else " (no fix yet)"
                open_items.append(_label(vuln) + fix + _open_reason(check_input, vuln))
            else:
                waived.append(f"{_label(vuln)} waived by {waiver.id}")
        audited = _audited(evidence)
        if open_items:
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{len(open_items)} known vulnerabilit{'y' if len(open_items) == 1 else 'ies'} without a waiver: "
                + _listing(open_items),
                (evidence.id,),
            )
        summary = f"{audited} dependencies audited against {_service(payload)}: no open known vulnerability"
        if waived:
            summary += "; waived: " + _listing(waived)
        return check_input.finding(name, Outcome.PASS, summary, (evidence.id,), examined=audited)

    return Criterion(
        name,
        "a complete known-vulnerability audit against a recent database, every finding fixed or waived",
        (EvidenceKind.VULNERABILITY_AUDIT,),
        evaluate,
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_DEPENDENCY,
    )


def vulnerability_dispositions() -> Criterion:
    """Every known vulnerability in the dependencies has a current disposition (an active waiver with VEX)."""
    name = "vulnerability_dispositions"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _audit(check_input, name)
        if isinstance(evidence, Finding):
            return evidence
        missing: list[str] = []
        disposed: list[str] = []
        for vuln in evidence.payload["vulnerabilities"]:
            waiver = _waiver(check_input, vuln)
            if waiver is not None:
                state = waiver.vex.state.value if waiver.vex else "waived"
                disposed.append(f"{_label(vuln)} {state} ({waiver.id}, approved by {waiver.approver})")
                continue
            expired = _expired_waiver(check_input, vuln)
            statement = open_statement(check_input.waivers, vuln, check_input.today)
            if statement is not None:
                missing.append(f"{_label(vuln)}: {not_a_disposition(statement)}")
            elif expired is not None:
                missing.append(f"{_label(vuln)}: waiver {expired.id} expired {expired.expires.date().isoformat()}")
            else:
                missing.append(f"{_label(vuln)}: no disposition (upgrade, or record a waiver with a VEX state)")
        if missing:
            shown = _listing(missing) + (" | dispositions: " + _listing(disposed) if disposed else "")
            return check_input.finding(name, Outcome.FAIL, shown, (evidence.id,))
        if not disposed:
            return check_input.finding(
                name,
                Outcome.PASS,
                "no open known vulnerability needs a disposition",
                (evidence.id,),
                examined=_audited(evidence),
            )
        return check_input.finding(
            name, Outcome.PASS, "dispositions: " + _listing(disposed), (evidence.id,), examined=_audited(evidence)
        )

    return Criterion(
        name,
        "every known vulnerability matched to a current disposition (fix or approved VEX waiver)",
        (EvidenceKind.VULNERABILITY_AUDIT,),
        evaluate,
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_DEPENDENCY,
    )


def vulnerability_severity() -> Criterion:
    """Every known vulnerability carries a severity (CVSS vector and score) from its advisory."""
    name = "vulnerability_severity"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _audit(check_input, name)
        if isinstance(evidence, Finding):
            return evidence
        rated: list[tuple[float, str]] = []
        unrated: list[str] = []
        for vuln in evidence.payload["vulnerabilities"]:
            scores = [s for s in vuln["severity"] if s["score"] is not None]
            vectors = [s for s in vuln["severity"] if s["vector"]]
            if scores:
                best = max(scores, key=lambda s: float(s["score"]))
                rated.append((float(best["score"]), f"{_label(vuln)} CVSS {best['score']} {best['rating']}"))
            elif vectors:
                rated.append((-1.0, f"{_label(vuln)} {vectors[0]['type']} {vectors[0]['vector']}"))
            else:
                reason = "its advisory has no CVSS" if vuln["record_found"] else "its advisory could not be fetched"
                unrated.append(f"{_label(vuln)} ({reason})")
        if unrated:
            return check_input.finding(
                name,
                Outcome.NOT_AVAILABLE,
                "severity unknown, assess it in a triage record or waiver: " + _listing(unrated),
                (evidence.id,),
            )
        if not rated:
            return check_input.finding(
                name, Outcome.PASS, "no known vulnerability to rate", (evidence.id,), examined=_audited(evidence)
            )
        rated.sort(key=lambda item: -item[0])
        return check_input.finding(
            name,
            Outcome.PASS,
            "severities: " + _listing([text for _, text in rated]),
            (evidence.id,),
            examined=_audited(evidence),
        )

    return Criterion(
        name,
        "the severity (CVSS vector and score) of every known vulnerability",
        (EvidenceKind.VULNERABILITY_AUDIT,),
        evaluate,
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_DEPENDENCY,
    )


def patch_timeliness() -> Criterion:
    """No vulnerability with an available fix has stayed unpatched longer than the policy allows."""
    name = "patch_timeliness"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _audit(check_input, name)
        if isinstance(evidence, Finding):
            return evidence
        limit = check_input.policy.max_patch_days or DEFAULT_MAX_PATCH_DAYS
        late: list[str] = []
        unknown: list[str] = []
        within: list[str] = []
        for vuln in evidence.payload["vulnerabilities"]:
            if not vuln["fix_versions"] or _waiver(check_input, vuln) is not None:
                continue  # nothing to patch to yet, or an approved disposition says it need not be
            published = _date(str(vuln["published"] or ""))
            if published is None:
                unknown.append(f"{_label(vuln)} (publication date unknown)")
                continue
            days = (check_input.today - published).days
            text = f"{_label(vuln)} fixed in {vuln['fix_versions'][0]}, published {published.isoformat()}, {days} days"
            (late if days > limit else within).append(text)
        if late:
            return check_input.finding(
                name, Outcome.FAIL, f"unpatched past the {limit}-day limit: " + _listing(late), (evidence.id,)
            )
        if unknown:
            return check_input.finding(name, Outcome.NOT_AVAILABLE, _listing(unknown), (evidence.id,))
        if within:
            return check_input.finding(
                name,
                Outcome.PASS,
                f"within the {limit}-day limit: " + _listing(within),
                (evidence.id,),
                examined=_audited(evidence),
            )
        return check_input.finding(
            name,
            Outcome.PASS,
            "no known vulnerability with an available fix is waiting for a patch",
            (evidence.id,),
            examined=_audited(evidence),
        )

    return Criterion(
        name,
        "days from a published fix to its release, within the policy's max_patch_days",
        (EvidenceKind.VULNERABILITY_AUDIT,),
        evaluate,
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_DEPENDENCY,
    )
