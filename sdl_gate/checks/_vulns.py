"""Criteria on the SBOM and the known-vulnerability audit (SM-9, SM-11, SVV-3, DM-3, DM-4, SUM-5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Any

from sdl_gate._text import first_and_more
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criteria import _single
from sdl_gate.evidence import Evidence, EvidenceKind
from sdl_gate.policy.waivers import Waiver, WaiverRegister
from sdl_gate.vex import naming_waivers, not_a_disposition, open_statement, unapproved_waivers, vulnerability_waivers

DEFAULT_MAX_PATCH_DAYS = 30
DEFAULT_VULNDB_MAX_AGE_DAYS = 30
#: A complete OSV export of PyPI holds many thousands of advisories; a few dozen cannot have covered an audit.
DEFAULT_VULNDB_MIN_RECORDS = {"PyPI": 1000}
_LISTED = 8
_NO_DEPENDENCY = "the audit covered no dependency"


def _label(vuln: dict[str, Any]) -> str:
    return f"{vuln['package']} {vuln['version']}: {vuln['id']}"


def _date(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).date()
    except ValueError:
        return None


def unaudited_components(
    payload: dict[str, Any], waivers: WaiverRegister | None = None, today: date | None = None
) -> tuple[list[str], list[str]]:
    """The SBOM components the audit could not cover (no purl, no OSV ecosystem or none of its advisories, an
    advisory it could not evaluate), as labels: those no active waiver covers, and those one does."""
    open_items: list[str] = []
    waived: list[str] = []
    for component in payload.get("components") or []:
        if component.get("status") == "audited":
            continue
        label = (
            component.get("purl")
            or f"{component['name']}{' ' + component['version'] if component.get('version') else ''}"
        )
        waiver = (
            waivers.for_component(component["name"], component.get("version"), component.get("purl"), today)
            if waivers is not None and today is not None
            else None
        )
        if waiver is None:
            open_items.append(f"{label} ({component.get('status')}: {component.get('reason')})")
        else:
            waived.append(f"{label} waived by {waiver.id}")
    return open_items, waived


def audit_gaps(payload: dict[str, Any], waivers: WaiverRegister | None = None, today: date | None = None) -> list[str]:
    """Why a completed audit cannot show the project's dependencies clean; empty when it can.

    A dependency not audited (skipped, unpinned, missing from pip-audit's report), an SBOM component the audit
    could not cover that no waiver accepts, a lock or requirements file that lists nothing beside sources that
    do (a decoy, or a file left behind), and an audit of no dependency at all each leave the audit incomplete.
    """
    gaps: list[str] = []
    sources = [s for s in payload.get("sources") or [] if isinstance(s, dict)]
    empty = [str(s["path"]) for s in sources if s.get("entries") == 0 and s.get("kind") != "pyproject"]
    listing = [str(s["path"]) for s in sources if int(s.get("components") or 0) > 0]
    if empty and listing:
        gaps.append(
            f"{', '.join(empty)} list{'s' if len(empty) == 1 else ''} no dependency while {', '.join(listing)} "
            "do, so the sources cannot be shown to agree; fill or remove the empty file"
        )
    dependencies = payload.get("dependencies") or []
    not_audited = [
        f"{d['name']}{' ' + d['version'] if d.get('version') else ''} ({d.get('reason')})"
        for d in dependencies
        if d.get("status") != "audited"
    ]
    unaudited, _ = unaudited_components(payload, waivers, today)
    if unaudited:
        gaps.append(
            "the audit could not cover these components, so it cannot show they are clean (a waiver with "
            "scope {component: PURL or NAME} accepts one): " + first_and_more(unaudited, _LISTED, "; ")
        )
    if not_audited:
        gaps.append(
            "the audit left dependencies out, so it cannot show they are clean: "
            + first_and_more(not_audited, _LISTED, "; ")
        )
    elif not dependencies and not payload.get("components"):
        read = ", ".join(str(s["path"]) for s in sources) or "no dependency source"
        verb = "lists" if len(sources) == 1 else "list"
        gaps.append(
            f"no dependency was audited ({read} {verb} none): an audit of nothing is not clean; if the product has "
            "no third-party dependency, record that as the requirement's not_applicable justification in the policy"
        )
    return gaps


def database_problem(
    payload: dict[str, Any],
    today: date,
    max_age_days: int | None,
    min_records: dict[str, int] | None,
    requirement: str = "SVV-3",
) -> str | None:
    """Why the offline database an audit ran against cannot be trusted to be current and complete, or None.

    Its age is the newest ``modified`` date of its records for the audited ecosystem, whenever it was
    imported; it must hold at least the policy's minimum of records for that ecosystem. ``requirement`` is
    the one whose policy parameters set the limits (each requirement with this criterion reads its own),
    so the message names where to change them.
    """
    database = payload.get("database")
    if not payload.get("offline") or not isinstance(database, dict):
        return None
    audited = [str(payload.get("ecosystem") or "PyPI")] if payload.get("dependencies") else []
    # Each ecosystem the SBOM's components were audited in (Debian:12 counts as Debian); GIT ranges have no count.
    audited += [str(e).split(":", 1)[0] for e in payload.get("ecosystems_covered") or [] if e != "GIT"]
    for ecosystem in sorted(set(audited)) if audited else ["PyPI"]:
        problem = _ecosystem_problem(database, ecosystem, today, max_age_days, min_records, requirement)
        if problem is not None:
            return problem
    return None


def _ecosystem_problem(
    database: dict[str, Any],
    ecosystem: str,
    today: date,
    max_age_days: int | None,
    min_records: dict[str, int] | None,
    requirement: str,
) -> str | None:
    """Why the database's advisories of one ecosystem are too few or too old for an audit in it, or None."""
    minimum = (min_records or DEFAULT_VULNDB_MIN_RECORDS).get(ecosystem, DEFAULT_VULNDB_MIN_RECORDS.get(ecosystem, 1))
    limit = max_age_days or DEFAULT_VULNDB_MAX_AGE_DAYS
    counts = {str(e.get("ecosystem")): e for e in database.get("ecosystems") or [] if isinstance(e, dict)}
    if not counts:
        return (
            "the offline vulnerability database does not record its advisories per ecosystem (it was imported by "
            "an earlier sdl-gate), so it cannot be shown to cover the audit; import it again with "
            "`sdl-gate vulndb import`"
        )
    entry: dict[str, Any] = counts.get(ecosystem, {})
    records = int(entry.get("records") or 0)
    if records < minimum:
        return (
            f"the offline vulnerability database holds {records} {ecosystem} advisories, fewer than the {minimum} "
            f"the policy requires of {requirement} (its params.vulndb_min_records), so it cannot have covered the "
            "audit; import a complete "
            f"{ecosystem} export (osv.dev's {ecosystem}/all.zip) with `sdl-gate vulndb import`"
        )
    newest_text = str(entry.get("newest_modified") or "")
    newest = _date(newest_text)
    if newest is None:
        return f"the offline vulnerability database records no modification date for its {ecosystem} advisories"
    if (newest - today).days > 1:
        return (
            f"the newest {ecosystem} advisory in the offline vulnerability database was modified {newest.isoformat()}, "
            f"after {today.isoformat()}: its dates cannot be trusted"
        )
    if (today - newest).days > limit:
        return (
            f"the newest {ecosystem} advisory in the offline vulnerability database was modified {newest.isoformat()}, "
            f"more than {limit} days ({requirement}'s params.vulndb_max_age_days) before {today.isoformat()}: a "
            "database is as current as its records, whenever "
            "it was imported; import a current OSV export with `sdl-gate vulndb import`"
        )
    return None


def _completed(check_input: CheckInput, name: str) -> Evidence | Finding:
    """Return audit evidence that completed, or the finding that says why there is none."""
    evidence = _single(check_input, EvidenceKind.VULNERABILITY_AUDIT, name)
    if isinstance(evidence, Finding):
        return evidence
    if evidence.payload["status"] != "completed":
        return check_input.finding(name, Outcome.NOT_AVAILABLE, str(evidence.payload["reason"]), (evidence.id,))
    return evidence


def _audit(check_input: CheckInput, name: str) -> Evidence | Finding:
    """Return completed audit evidence in which every dependency was audited, or why it cannot be used."""
    evidence = _completed(check_input, name)
    if isinstance(evidence, Finding):
        return evidence
    gaps = audit_gaps(evidence.payload, check_input.waivers, check_input.today)
    if gaps:
        return check_input.finding(name, Outcome.NOT_AVAILABLE, "; ".join(gaps), (evidence.id,))
    return evidence


def _audited(evidence: Evidence) -> int:
    payload = evidence.payload
    components = sum(1 for c in payload.get("components") or [] if c.get("status") == "audited")
    return components + sum(1 for d in payload["dependencies"] if d["status"] == "audited")


def _components_note(check_input: CheckInput, payload: dict[str, Any]) -> str:
    """What the audit of the SBOM's components covered, and which components waivers accept unaudited."""
    audited = sum(1 for c in payload.get("components") or [] if c.get("status") == "audited")
    _, waived = unaudited_components(payload, check_input.waivers, check_input.today)
    note = f"; {audited} SBOM components in {', '.join(payload['ecosystems_covered'])}" if audited else ""
    return note + ("; unaudited, accepted: " + first_and_more(waived, _LISTED, "; ") if waived else "")


def _waiver(check_input: CheckInput, vuln: dict[str, Any]) -> Waiver | None:
    return vulnerability_waivers(check_input.waivers, vuln, check_input.today)[0]


def _open_reason(check_input: CheckInput, vuln: dict[str, Any]) -> str:
    """Why an undisposed vulnerability is open, when a waiver seemed to cover it (empty otherwise)."""
    statement = open_statement(check_input.waivers, vuln, check_input.today)
    if statement is not None:
        return f": {not_a_disposition(statement)}"
    unapproved = unapproved_waivers(check_input.waivers, vuln, check_input.today)
    return f": {'; '.join(unapproved)}" if unapproved else ""


def _expired_waiver(check_input: CheckInput, vuln: dict[str, Any]) -> Waiver | None:
    return vulnerability_waivers(check_input.waivers, vuln, check_input.today)[1]


def _with_waivers(evaluate: Callable[[CheckInput], Finding]) -> Callable[[CheckInput], Finding]:
    """Name on a vulnerability criterion's finding every waiver of a vulnerability its audit lists, in force or
    not: the finding judged each of them, and reports show those waivers beside it."""

    def evaluate_with_waivers(check_input: CheckInput) -> Finding:
        finding = evaluate(check_input)
        named = {
            waiver.id
            for evidence in check_input.evidence.of(EvidenceKind.VULNERABILITY_AUDIT)
            if evidence.id in finding.evidence
            for vuln in evidence.payload.get("vulnerabilities") or []
            for waiver in naming_waivers(check_input.waivers, vuln)
        }
        return replace(finding, waivers=tuple(sorted(named))) if named else finding

    return evaluate_with_waivers


def _service(payload: dict[str, Any]) -> str:
    database = payload.get("database")
    if payload["offline"] and database:
        ecosystem = str(payload.get("ecosystem") or "PyPI")
        entry: dict[str, Any] = next(
            (e for e in database.get("ecosystems") or [] if e.get("ecosystem") == ecosystem), {}
        )
        return (
            f"the offline OSV database ({entry.get('records', 0)} {ecosystem} advisories of {database['records']}, "
            f"newest modified {str(entry.get('newest_modified') or '-')[:10]})"
        )
    return f"{payload['service']} at {payload['url']}"


def _conflicts(payload: dict[str, Any]) -> str:
    """The names the sources pin to different versions (all of them are audited or listed)."""
    shown = [
        f"{c['name']} " + ", ".join(f"{p['version']} ({', '.join(p['sources'])})" for p in c["pins"])
        for c in payload.get("conflicts") or []
    ]
    return "; conflicting pins, each audited: " + first_and_more(shown, _LISTED, "; ") if shown else ""


def _imported_note(payload: dict[str, Any]) -> str:
    """The SBOMs of other generators read beside sdl-gate's own, and their components without a package URL."""
    imported = payload.get("imported") or []
    if not imported:
        return ""
    files = [f"{s['path']} ({s['format']} {s['spec_version']}, {s['components']} components)" for s in imported]
    text = "; imported " + first_and_more(files, _LISTED, "; ")
    unauditable = payload.get("unauditable") or []
    if unauditable:
        shown = [f"{u['name']} {u['version'] or '(no version)'} ({u['origin']})" for u in unauditable]
        text += f"; {len(unauditable)} without a package URL, which no audit can look up: " + first_and_more(
            shown, _LISTED, "; "
        )
    return text


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
        imported = payload.get("imported") or []
        if payload["components"] + sum(int(sbom["components"]) for sbom in imported) == 0:
            read = ", ".join([*payload["cross_checked_against"], *(sbom["path"] for sbom in imported)])
            read = read or "no dependency source"
            return check_input.finding(
                name,
                Outcome.NOT_AVAILABLE,
                f"the SBOM lists no component ({read}): an empty inventory shows nothing about the product's "
                "third-party components",
                (evidence.id,),
                payload["path"],
            )
        problems: list[str] = []
        blocking = [g for g in payload["gaps"] if g["element"] != "supplier"]
        problems += [f"{g['component'] or 'document'} lacks {g['element'].replace('_', ' ')}" for g in blocking]
        if payload["origin"] == "generated" and any(
            g["component"] is None and g["element"] == "author" for g in blocking
        ):
            # The SBOM sdl-gate writes takes its author from the project, so that is where to add one.
            problems.append("list the product's authors under [project] in pyproject.toml (`authors = [{name = ...}]`)")
        problems += [
            f"{sbom['path']}: {g['component'] or 'document'} lacks {g['element'].replace('_', ' ')}"
            for sbom in imported
            for g in sbom["gaps"]
            if g["element"] != "supplier"
        ]
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
        where = payload["path"] or (imported[0]["path"] if imported else None)
        if problems:
            return check_input.finding(
                name, Outcome.FAIL, f"SBOM {where}: " + first_and_more(problems, _LISTED, "; "), (evidence.id,), where
            )
        gaps = [*payload["gaps"], *(g for sbom in imported for g in sbom["gaps"])]
        suppliers = sum(1 for g in gaps if g["element"] == "supplier")
        note = f"; supplier unknown for {suppliers} (the source does not record it)" if suppliers else ""
        against = ", ".join(payload["cross_checked_against"]) or "no dependency source"
        own = (
            f"{payload['origin']} CycloneDX {payload['spec_version']} SBOM with {payload['components']} components, "
            f"NTIA minimum elements present, matches {against}"
        )
        return check_input.finding(
            name,
            Outcome.PASS,
            f"{own}{_imported_note(payload)}{note}{_conflicts(payload)}",
            (evidence.id,),
            where,
            examined=payload["components"] + sum(int(sbom["components"]) for sbom in imported),
        )

    return Criterion(
        name,
        "an SBOM of the externally provided components (NTIA minimum elements, matching the lock file)",
        (EvidenceKind.SBOM,),
        evaluate,
        fix="Generate the SBOM from the lock file (`sdl-gate sbom`) so that every component has a name, version, "
        "supplier and purl, and commit it",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means="the SBOM lists no component",
    )


def known_vulnerabilities() -> Criterion:
    """A complete audit against a recent database in which every known vulnerability is fixed or waived."""
    name = "known_vulnerabilities"

    def evaluate(check_input: CheckInput) -> Finding:
        evidence = _completed(check_input, name)
        if isinstance(evidence, Finding):
            return evidence
        payload = evidence.payload
        open_items: list[str] = []
        waived: list[str] = []
        for vuln in payload["vulnerabilities"]:
            waiver = _waiver(check_input, vuln)
            if waiver is None:
                fix = f" (fixed in {', '.join(vuln['fix_versions'])})" if vuln["fix_versions"] else " (no fix yet)"
                open_items.append(_label(vuln) + fix + _open_reason(check_input, vuln))
            else:
                waived.append(f"{_label(vuln)} waived by {waiver.id}")
        gaps = audit_gaps(payload, check_input.waivers, check_input.today)
        policy = check_input.policy
        stale = database_problem(
            payload, check_input.today, policy.vulndb_max_age_days, policy.vulndb_min_records, check_input.requirement
        )
        if open_items:
            # What was found fails whatever else is wrong; what is wrong is said too.
            caveat = "; ".join([*gaps, *([stale] if stale else [])])
            return check_input.finding(
                name,
                Outcome.FAIL,
                f"{len(open_items)} known vulnerabilit{'y' if len(open_items) == 1 else 'ies'} without a waiver: "
                + first_and_more(open_items, _LISTED, "; ")
                + (f"; and the audit is incomplete: {caveat}" if caveat else "")
                + _conflicts(payload),
                (evidence.id,),
            )
        if gaps:
            return check_input.finding(name, Outcome.NOT_AVAILABLE, "; ".join(gaps), (evidence.id,))
        if stale:
            return check_input.finding(name, Outcome.NOT_AVAILABLE, stale, (evidence.id,))
        audited = sum(1 for d in payload["dependencies"] if d["status"] == "audited")
        summary = (
            f"{audited} dependencies audited against {_service(payload)}{_components_note(check_input, payload)}: "
            "no open known vulnerability"
        )
        if waived:
            summary += "; waived: " + first_and_more(waived, _LISTED, "; ")
        return check_input.finding(
            name, Outcome.PASS, summary + _conflicts(payload), (evidence.id,), examined=_audited(evidence)
        )

    return Criterion(
        name,
        "a complete known-vulnerability audit against a recent database, every finding fixed or waived",
        (EvidenceKind.VULNERABILITY_AUDIT,),
        _with_waivers(evaluate),
        fix="Upgrade each vulnerable dependency to a fixed version, or record an approved vulnerability waiver with "
        "a VEX analysis in security/waivers.yaml; audit every dependency against a current database",
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
            unapproved = unapproved_waivers(check_input.waivers, vuln, check_input.today)
            if statement is not None:
                missing.append(f"{_label(vuln)}: {not_a_disposition(statement)}")
            elif unapproved:
                missing.append(f"{_label(vuln)}: {'; '.join(unapproved)}")
            elif expired is not None:
                missing.append(f"{_label(vuln)}: waiver {expired.id} expired {expired.expires.date().isoformat()}")
            else:
                missing.append(f"{_label(vuln)}: no disposition (upgrade, or record a waiver with a VEX state)")
        if missing:
            shown = first_and_more(missing, _LISTED, "; ") + (
                " | dispositions: " + first_and_more(disposed, _LISTED, "; ") if disposed else ""
            )
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
            name,
            Outcome.PASS,
            "dispositions: " + first_and_more(disposed, _LISTED, "; "),
            (evidence.id,),
            examined=_audited(evidence),
        )

    return Criterion(
        name,
        "every known vulnerability matched to a current disposition (fix or approved VEX waiver)",
        (EvidenceKind.VULNERABILITY_AUDIT,),
        _with_waivers(evaluate),
        fix="Upgrade the package, or record an approved vulnerability waiver with a VEX state that closes it "
        "(not_affected, false_positive, resolved) in security/waivers.yaml",
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
            waiver = _waiver(check_input, vuln)
            if scores:
                best = max(scores, key=lambda s: float(s["score"]))
                rated.append((float(best["score"]), f"{_label(vuln)} CVSS {best['score']} {best['rating']}"))
            elif vectors:
                rated.append((-1.0, f"{_label(vuln)} {vectors[0]['type']} {vectors[0]['vector']}"))
            elif waiver is not None and waiver.vex is not None:
                # No advisory rates it, but an approved VEX analysis of its impact on this product does.
                state = waiver.vex.state.value
                rated.append((-2.0, f"{_label(vuln)} impact assessed in waiver {waiver.id} ({state})"))
            else:
                reason = "its advisory has no CVSS" if vuln["record_found"] else "its advisory could not be fetched"
                unrated.append(f"{_label(vuln)} ({reason})")
        if unrated:
            return check_input.finding(
                name,
                Outcome.NOT_AVAILABLE,
                "severity unknown: " + first_and_more(unrated, _LISTED, "; "),
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
            "severities: " + first_and_more([text for _, text in rated], _LISTED, "; "),
            (evidence.id,),
            examined=_audited(evidence),
        )

    return Criterion(
        name,
        "the severity (CVSS vector and score) of every known vulnerability",
        (EvidenceKind.VULNERABILITY_AUDIT,),
        _with_waivers(evaluate),
        fix="Fetch the advisory's severity (audit online, or import a current OSV database with `sdl-gate vulndb "
        "import`), or record your impact assessment as an approved vulnerability waiver with a VEX analysis in "
        "security/waivers.yaml",
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
                name,
                Outcome.FAIL,
                f"unpatched past the {limit}-day limit: " + first_and_more(late, _LISTED, "; "),
                (evidence.id,),
            )
        if unknown:
            return check_input.finding(
                name, Outcome.NOT_AVAILABLE, first_and_more(unknown, _LISTED, "; "), (evidence.id,)
            )
        if within:
            return check_input.finding(
                name,
                Outcome.PASS,
                f"within the {limit}-day limit: " + first_and_more(within, _LISTED, "; "),
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
        _with_waivers(evaluate),
        fix="Upgrade each dependency whose fix has been published for longer than the policy's max_patch_days, or "
        "dispose of the vulnerability with an approved VEX waiver",
        when_empty=Outcome.NOT_AVAILABLE,
        empty_means=_NO_DEPENDENCY,
    )
