"""Criteria on the SBOM and the known-vulnerability audit (SM-9, SM-11, SVV-3, DM-3, DM-4, SUM-5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

from sdl_gate._text import first_and_more
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._criterion import Evaluation, criterion
from sdl_gate.collectors.sbom import SbomOrigin, SbomPayload
from sdl_gate.collectors.vulns import (
    AuditedDependency,
    AuditPayload,
    AuditStatus,
    DependencyStatus,
    VulnDatabaseInfo,
    Vulnerability,
)
from sdl_gate.payloads import Unusable, typed
from sdl_gate.policy.waivers import Waiver, WaiverRegister
from sdl_gate.sbom.quality import Element, Mismatch, MismatchKind
from sdl_gate.sbom.sources import SourceKind
from sdl_gate.vex import naming_waivers, not_a_disposition, open_statement, unapproved_waivers, vulnerability_waivers
from sdl_gate.vulndb.audit import ComponentStatus

DEFAULT_MAX_PATCH_DAYS = 30
DEFAULT_VULNDB_MAX_AGE_DAYS = 30
#: A complete OSV export of PyPI holds many thousands of advisories; a few dozen cannot have covered an audit.
DEFAULT_VULNDB_MIN_RECORDS = {"PyPI": 1000}
_LISTED = 8
_NO_DEPENDENCY = "the audit covered no dependency"


def _label(vuln: Vulnerability) -> str:
    return f"{vuln.package} {vuln.version}: {vuln.id}"


def _date(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).date()
    except ValueError:
        return None


def _versioned(name: str, version: str | None) -> str:
    return f"{name}{' ' + version if version else ''}"


def unaudited_components(
    payload: AuditPayload, waivers: WaiverRegister | None = None, today: date | None = None
) -> tuple[list[str], list[str]]:
    """The SBOM components the audit could not cover (no purl, no OSV ecosystem or none of its advisories, an
    advisory it could not evaluate), as labels: those no active waiver covers, and those one does."""
    open_items: list[str] = []
    waived: list[str] = []
    for component in payload.components:
        if component.status is ComponentStatus.AUDITED:
            continue
        label = component.purl or _versioned(component.name, component.version)
        waiver = (
            waivers.for_component(component.name, component.version, component.purl, today)
            if waivers is not None and today is not None
            else None
        )
        if waiver is None:
            open_items.append(f"{label} ({component.status.value}: {component.reason})")
        else:
            waived.append(f"{label} waived by {waiver.id}")
    return open_items, waived


def audit_gaps(payload: AuditPayload, waivers: WaiverRegister | None = None, today: date | None = None) -> list[str]:
    """Why a completed audit cannot show the project's dependencies clean; empty when it can.

    A dependency not audited (skipped, unpinned, missing from pip-audit's report), an SBOM component the audit
    could not cover that no waiver accepts, a lock or requirements file that lists nothing beside sources that
    do (a decoy, or a file left behind), and an audit of no dependency at all each leave the audit incomplete.
    """
    gaps: list[str] = []
    sources = payload.sources
    empty = [s.path for s in sources if s.entries == 0 and s.kind is not SourceKind.PYPROJECT]
    listing = [s.path for s in sources if s.components > 0]
    if empty and listing:
        gaps.append(
            f"{', '.join(empty)} list{'s' if len(empty) == 1 else ''} no dependency while {', '.join(listing)} "
            "do, so the sources cannot be shown to agree; fill or remove the empty file"
        )
    dependencies = payload.dependencies
    not_audited = [
        f"{_versioned(d.name, d.version)} ({d.reason})"
        for d in dependencies
        if d.status is not DependencyStatus.AUDITED
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
    elif not dependencies and not payload.components:
        read = ", ".join(s.path for s in sources) or "no dependency source"
        verb = "lists" if len(sources) == 1 else "list"
        gaps.append(
            f"no dependency was audited ({read} {verb} none): an audit of nothing is not clean; if the product has "
            "no third-party dependency, record that as the requirement's not_applicable justification in the policy"
        )
    return gaps


def database_problem(
    payload: AuditPayload,
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
    database = payload.database
    if not payload.offline or database is None:
        return None
    audited = [payload.ecosystem or "PyPI"] if payload.dependencies else []
    # Each ecosystem the SBOM's components were audited in (Debian:12 counts as Debian); GIT ranges have no count.
    audited += [e.split(":", 1)[0] for e in payload.ecosystems_covered if e != "GIT"]
    for ecosystem in sorted(set(audited)) if audited else ["PyPI"]:
        problem = _ecosystem_problem(database, ecosystem, today, max_age_days, min_records, requirement)
        if problem is not None:
            return problem
    return None


def _ecosystem_problem(
    database: VulnDatabaseInfo,
    ecosystem: str,
    today: date,
    max_age_days: int | None,
    min_records: dict[str, int] | None,
    requirement: str,
) -> str | None:
    """Why the database's advisories of one ecosystem are too few or too old for an audit in it, or None."""
    minimum = (min_records or DEFAULT_VULNDB_MIN_RECORDS).get(ecosystem, DEFAULT_VULNDB_MIN_RECORDS.get(ecosystem, 1))
    limit = max_age_days or DEFAULT_VULNDB_MAX_AGE_DAYS
    counts = {e.ecosystem: e for e in database.ecosystems}
    if not counts:
        return (
            "the offline vulnerability database does not record its advisories per ecosystem (it was imported by "
            "an earlier sdl-gate), so it cannot be shown to cover the audit; import it again with "
            "`sdl-gate vulndb import`"
        )
    entry = counts.get(ecosystem)
    records = entry.records if entry is not None else 0
    if records < minimum:
        return (
            f"the offline vulnerability database holds {records} {ecosystem} advisories, fewer than the {minimum} "
            f"the policy requires of {requirement} (its params.vulndb_min_records), so it cannot have covered the "
            "audit; import a complete "
            f"{ecosystem} export (osv.dev's {ecosystem}/all.zip) with `sdl-gate vulndb import`"
        )
    newest_text = (entry.newest_modified if entry is not None else None) or ""
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


def completed(evaluation: Evaluation, payload: AuditPayload) -> AuditPayload | Finding:
    """The audit when it completed, or the finding that says why there is none."""
    if payload.status is not AuditStatus.COMPLETED:
        return evaluation.finding(Outcome.NOT_AVAILABLE, str(payload.reason))
    return payload


def complete(evaluation: Evaluation, payload: AuditPayload) -> AuditPayload | Finding:
    """The audit when it completed and every dependency was audited, or why it cannot be used."""
    done = completed(evaluation, payload)
    if isinstance(done, Finding):
        return done
    gaps = audit_gaps(payload, evaluation.waivers, evaluation.today)
    if gaps:
        return evaluation.finding(Outcome.NOT_AVAILABLE, "; ".join(gaps))
    return payload


def _audited(payload: AuditPayload) -> int:
    components = sum(1 for c in payload.components if c.status is ComponentStatus.AUDITED)
    return components + _audited_dependencies(payload.dependencies)


def _audited_dependencies(dependencies: tuple[AuditedDependency, ...]) -> int:
    return sum(1 for d in dependencies if d.status is DependencyStatus.AUDITED)


def _components_note(evaluation: Evaluation, payload: AuditPayload) -> str:
    """What the audit of the SBOM's components covered, and which components waivers accept unaudited."""
    audited = sum(1 for c in payload.components if c.status is ComponentStatus.AUDITED)
    _, waived = unaudited_components(payload, evaluation.waivers, evaluation.today)
    note = f"; {audited} SBOM components in {', '.join(payload.ecosystems_covered)}" if audited else ""
    return note + ("; unaudited, accepted: " + first_and_more(waived, _LISTED, "; ") if waived else "")


def _waiver(evaluation: Evaluation, vuln: Vulnerability) -> Waiver | None:
    return vulnerability_waivers(evaluation.waivers, vuln, evaluation.today)[0]


def _open_reason(evaluation: Evaluation, vuln: Vulnerability) -> str:
    """Why an undisposed vulnerability is open, when a waiver seemed to cover it (empty otherwise)."""
    statement = open_statement(evaluation.waivers, vuln, evaluation.today)
    if statement is not None:
        return f": {not_a_disposition(statement)}"
    unapproved = unapproved_waivers(evaluation.waivers, vuln, evaluation.today)
    return f": {'; '.join(unapproved)}" if unapproved else ""


def _naming_waivers(judged: Criterion) -> Criterion:
    """Name on a vulnerability criterion's finding every waiver of a vulnerability its audit lists, in force or
    not: the finding judged each of them, and reports show those waivers beside it."""
    evaluate = judged.evaluate

    def evaluate_naming_waivers(check_input: CheckInput) -> Finding:
        finding = evaluate(check_input)
        audit = typed(check_input.evidence, AuditPayload)
        if isinstance(audit, Unusable) or audit.id not in finding.evidence:
            return finding
        named = {
            waiver.id for vuln in audit.payload.vulnerabilities for waiver in naming_waivers(check_input.waivers, vuln)
        }
        return replace(finding, waivers=tuple(sorted(named))) if named else finding

    return replace(judged, evaluate=evaluate_naming_waivers)


def _service(payload: AuditPayload) -> str:
    database = payload.database
    if payload.offline and database:
        ecosystem = payload.ecosystem or "PyPI"
        entry = next((e for e in database.ecosystems if e.ecosystem == ecosystem), None)
        records = entry.records if entry is not None else 0
        newest = (entry.newest_modified if entry is not None else None) or "-"
        return (
            f"the offline OSV database ({records} {ecosystem} advisories of {database.records}, "
            f"newest modified {newest[:10]})"
        )
    return f"{payload.service} at {payload.url}"


def _conflicts(payload: AuditPayload | SbomPayload) -> str:
    """The names the sources pin to different versions (all of them are audited or listed)."""
    shown = [
        f"{c.name} " + ", ".join(f"{p.version} ({', '.join(p.sources)})" for p in c.pins) for c in payload.conflicts
    ]
    return "; conflicting pins, each audited: " + first_and_more(shown, _LISTED, "; ") if shown else ""


def _imported_note(payload: SbomPayload) -> str:
    """The SBOMs of other generators read beside sdl-gate's own, and their components without a package URL."""
    if not payload.imported:
        return ""
    files = [f"{s.path} ({s.format.value} {s.spec_version}, {s.components} components)" for s in payload.imported]
    text = "; imported " + first_and_more(files, _LISTED, "; ")
    unauditable = payload.unauditable
    if unauditable:
        shown = [f"{u.name} {u.version or '(no version)'} ({u.origin})" for u in unauditable]
        text += f"; {len(unauditable)} without a package URL, which no audit can look up: " + first_and_more(
            shown, _LISTED, "; "
        )
    return text


def _lacks(element: Element) -> str:
    return element.value.replace("_", " ")


def _own_sbom(evaluation: Evaluation, payload: SbomPayload) -> SbomPayload | Finding:
    """Return the payload when there is an SBOM of the project's own; otherwise why it could not be made."""
    if payload.origin is SbomOrigin.UNAVAILABLE:
        return evaluation.finding(Outcome.NOT_AVAILABLE, str(payload.reason))
    return payload


@criterion(
    SbomPayload,
    view=_own_sbom,
    name="sbom",
    description="an SBOM of the externally provided components with the NTIA minimum elements",
    fix="Generate the SBOM from the lock file (`sdl-gate sbom`) so that every component has a name, version, "
    "supplier and purl, and commit it",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means="the SBOM lists no component",
)
def sbom_quality(evaluation: Evaluation, payload: SbomPayload) -> Finding:
    """An SBOM of the dependencies with the NTIA minimum elements (whether it is current is ``sbom_current``)."""
    imported = payload.imported
    components = payload.components + sum(sbom.components for sbom in imported)
    if components == 0:
        read = ", ".join([*payload.cross_checked_against, *(sbom.path for sbom in imported)])
        read = read or "no dependency source"
        return evaluation.finding(
            Outcome.NOT_AVAILABLE,
            f"the SBOM lists no component ({read}): an empty inventory shows nothing about the product's "
            "third-party components",
            payload.path,
        )
    problems: list[str] = []
    blocking = [g for g in payload.gaps if g.element is not Element.SUPPLIER]
    problems += [f"{g.component or 'document'} lacks {_lacks(g.element)}" for g in blocking]
    if payload.origin is SbomOrigin.GENERATED and any(
        g.component is None and g.element is Element.AUTHOR for g in blocking
    ):
        # The SBOM sdl-gate writes takes its author from the project, so that is where to add one.
        problems.append("list the product's authors under [project] in pyproject.toml (`authors = [{name = ...}]`)")
    problems += [
        f"{sbom.path}: {g.component or 'document'} lacks {_lacks(g.element)}"
        for sbom in imported
        for g in sbom.gaps
        if g.element is not Element.SUPPLIER
    ]
    where = payload.path or (imported[0].path if imported else None)
    if problems:
        return evaluation.finding(Outcome.FAIL, f"SBOM {where}: " + first_and_more(problems, _LISTED, "; "), where)
    gaps = [*payload.gaps, *(g for sbom in imported for g in sbom.gaps)]
    suppliers = sum(1 for g in gaps if g.element is Element.SUPPLIER)
    note = f"; supplier unknown for {suppliers} (the source does not record it)" if suppliers else ""
    own = (
        f"{payload.origin.value} CycloneDX {payload.spec_version} SBOM with {payload.components} components, "
        "NTIA minimum elements present"
    )
    return evaluation.finding(
        Outcome.PASS,
        f"{own}{_imported_note(payload)}{note}{_conflicts(payload)}",
        where,
        examined=components,
    )


def _mismatch_text(mismatch: Mismatch) -> str:
    """One difference between the SBOM and the dependency sources, as a lab or a developer reads it."""
    match mismatch.kind:
        case MismatchKind.MISSING_FROM_SBOM:
            return f"{mismatch.name} {mismatch.source_version} is missing from the SBOM"
        case MismatchKind.NOT_IN_SOURCE:
            return f"{mismatch.name} is in the SBOM but not in the dependency sources"
        case _:
            return (
                f"{mismatch.name} is {mismatch.sbom_version} in the SBOM but "
                f"{mismatch.source_version} in the dependency sources"
            )


@criterion(
    SbomPayload,
    view=_own_sbom,
    name="sbom_current",
    description="the SBOM lists exactly what the dependency sources pin",
    fix="Regenerate the SBOM from the dependency sources (`sdl-gate sbom --output FILE`) and commit it",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means="no dependency source to check the SBOM against",
)
def sbom_current(evaluation: Evaluation, payload: SbomPayload) -> Finding:
    """The project's SBOM lists what its dependency sources pin, at the pinned versions (the sdl-sbom hook)."""
    if not payload.cross_checked_against:
        return evaluation.finding(
            Outcome.NOT_AVAILABLE,
            f"no dependency source to check SBOM {payload.path} against: whether it is current cannot be told",
            payload.path,
        )
    against = ", ".join(payload.cross_checked_against)
    if payload.mismatches:
        listed = first_and_more([_mismatch_text(m) for m in payload.mismatches], _LISTED, "; ")
        return evaluation.finding(
            Outcome.FAIL, f"SBOM {payload.path} is out of date with {against}: {listed}", payload.path
        )
    how = "generated from" if payload.origin is SbomOrigin.GENERATED else "matches"
    return evaluation.finding(
        Outcome.PASS,
        f"SBOM {payload.path} ({payload.components} components) {how} {against}",
        payload.path,
        examined=len(payload.cross_checked_against),
    )


@_naming_waivers
@criterion(
    AuditPayload,
    view=completed,
    name="known_vulnerabilities",
    description="a complete known-vulnerability audit against a recent database, every finding fixed or waived",
    fix="Upgrade each vulnerable dependency to a fixed version, or record an approved vulnerability waiver with "
    "a VEX analysis in security/waivers.yaml; audit every dependency against a current database",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_DEPENDENCY,
)
def known_vulnerabilities(evaluation: Evaluation, payload: AuditPayload) -> Finding:
    """A complete audit against a recent database in which every known vulnerability is fixed or waived."""
    open_items: list[str] = []
    waived: list[str] = []
    for vuln in payload.vulnerabilities:
        waiver = _waiver(evaluation, vuln)
        if waiver is None:
            fix = f" (fixed in {', '.join(vuln.fix_versions)})" if vuln.fix_versions else " (no fix yet)"
            open_items.append(_label(vuln) + fix + _open_reason(evaluation, vuln))
        else:
            waived.append(f"{_label(vuln)} waived by {waiver.id}")
    gaps = audit_gaps(payload, evaluation.waivers, evaluation.today)
    policy = evaluation.policy
    stale = database_problem(
        payload, evaluation.today, policy.vulndb_max_age_days, policy.vulndb_min_records, evaluation.requirement
    )
    if open_items:
        # What was found fails whatever else is wrong; what is wrong is said too.
        caveat = "; ".join([*gaps, *([stale] if stale else [])])
        return evaluation.finding(
            Outcome.FAIL,
            f"{len(open_items)} known vulnerabilit{'y' if len(open_items) == 1 else 'ies'} without a waiver: "
            + first_and_more(open_items, _LISTED, "; ")
            + (f"; and the audit is incomplete: {caveat}" if caveat else "")
            + _conflicts(payload),
        )
    if gaps:
        return evaluation.finding(Outcome.NOT_AVAILABLE, "; ".join(gaps))
    if stale:
        return evaluation.finding(Outcome.NOT_AVAILABLE, stale)
    summary = (
        f"{_audited_dependencies(payload.dependencies)} dependencies audited against {_service(payload)}"
        f"{_components_note(evaluation, payload)}: no open known vulnerability"
    )
    if waived:
        summary += "; waived: " + first_and_more(waived, _LISTED, "; ")
    return evaluation.finding(Outcome.PASS, summary + _conflicts(payload), examined=_audited(payload))


@_naming_waivers
@criterion(
    AuditPayload,
    view=complete,
    name="vulnerability_dispositions",
    description="every known vulnerability matched to a current disposition (fix or approved VEX waiver)",
    fix="Upgrade the package, or record an approved vulnerability waiver with a VEX state that closes it "
    "(not_affected, false_positive, resolved) in security/waivers.yaml",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_DEPENDENCY,
)
def vulnerability_dispositions(evaluation: Evaluation, payload: AuditPayload) -> Finding:
    """Every known vulnerability in the dependencies has a current disposition (an active waiver with VEX)."""
    missing: list[str] = []
    disposed: list[str] = []
    for vuln in payload.vulnerabilities:
        active, expired = vulnerability_waivers(evaluation.waivers, vuln, evaluation.today)
        if active is not None:
            state = active.vex.state.value if active.vex else "waived"
            disposed.append(f"{_label(vuln)} {state} ({active.id}, approved by {active.approver})")
            continue
        statement = open_statement(evaluation.waivers, vuln, evaluation.today)
        unapproved = unapproved_waivers(evaluation.waivers, vuln, evaluation.today)
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
        return evaluation.finding(Outcome.FAIL, shown)
    if not disposed:
        return evaluation.finding(
            Outcome.PASS, "no open known vulnerability needs a disposition", examined=_audited(payload)
        )
    return evaluation.finding(
        Outcome.PASS, "dispositions: " + first_and_more(disposed, _LISTED, "; "), examined=_audited(payload)
    )


@_naming_waivers
@criterion(
    AuditPayload,
    view=complete,
    name="vulnerability_severity",
    description="the severity (CVSS vector and score) of every known vulnerability",
    fix="Fetch the advisory's severity (audit online, or import a current OSV database with `sdl-gate vulndb "
    "import`), or record your impact assessment as an approved vulnerability waiver with a VEX analysis in "
    "security/waivers.yaml",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_DEPENDENCY,
)
def vulnerability_severity(evaluation: Evaluation, payload: AuditPayload) -> Finding:
    """Every known vulnerability carries a severity (CVSS vector and score) from its advisory."""
    rated: list[tuple[float, str]] = []
    unrated: list[str] = []
    for vuln in payload.vulnerabilities:
        scores = [(s.score, s) for s in vuln.severity if s.score is not None]
        vectors = [s for s in vuln.severity if s.vector]
        waiver = _waiver(evaluation, vuln)
        if scores:
            score, best = max(scores, key=lambda item: item[0])
            rated.append((score, f"{_label(vuln)} CVSS {score} {best.rating}"))
        elif vectors:
            rated.append((-1.0, f"{_label(vuln)} {vectors[0].type} {vectors[0].vector}"))
        elif waiver is not None and waiver.vex is not None:
            # No advisory rates it, but an approved VEX analysis of its impact on this product does.
            rated.append((-2.0, f"{_label(vuln)} impact assessed in waiver {waiver.id} ({waiver.vex.state.value})"))
        else:
            reason = "its advisory has no CVSS" if vuln.record_found else "its advisory could not be fetched"
            unrated.append(f"{_label(vuln)} ({reason})")
    if unrated:
        return evaluation.finding(Outcome.NOT_AVAILABLE, "severity unknown: " + first_and_more(unrated, _LISTED, "; "))
    if not rated:
        return evaluation.finding(Outcome.PASS, "no known vulnerability to rate", examined=_audited(payload))
    rated.sort(key=lambda item: -item[0])
    return evaluation.finding(
        Outcome.PASS,
        "severities: " + first_and_more([text for _, text in rated], _LISTED, "; "),
        examined=_audited(payload),
    )


@_naming_waivers
@criterion(
    AuditPayload,
    view=complete,
    name="patch_timeliness",
    description="days from a published fix to its release, within the policy's max_patch_days",
    fix="Upgrade each dependency whose fix has been published for longer than the policy's max_patch_days, or "
    "dispose of the vulnerability with an approved VEX waiver",
    when_empty=Outcome.NOT_AVAILABLE,
    empty_means=_NO_DEPENDENCY,
)
def patch_timeliness(evaluation: Evaluation, payload: AuditPayload) -> Finding:
    """No vulnerability with an available fix has stayed unpatched longer than the policy allows."""
    limit = evaluation.policy.max_patch_days or DEFAULT_MAX_PATCH_DAYS
    late: list[str] = []
    unknown: list[str] = []
    within: list[str] = []
    for vuln in payload.vulnerabilities:
        if not vuln.fix_versions or _waiver(evaluation, vuln) is not None:
            continue  # nothing to patch to yet, or an approved disposition says it need not be
        published = _date(vuln.published or "")
        if published is None:
            unknown.append(f"{_label(vuln)} (publication date unknown)")
            continue
        days = (evaluation.today - published).days
        text = f"{_label(vuln)} fixed in {vuln.fix_versions[0]}, published {published.isoformat()}, {days} days"
        (late if days > limit else within).append(text)
    if late:
        return evaluation.finding(
            Outcome.FAIL, f"unpatched past the {limit}-day limit: " + first_and_more(late, _LISTED, "; ")
        )
    if unknown:
        return evaluation.finding(Outcome.NOT_AVAILABLE, first_and_more(unknown, _LISTED, "; "))
    if within:
        return evaluation.finding(
            Outcome.PASS,
            f"within the {limit}-day limit: " + first_and_more(within, _LISTED, "; "),
            examined=_audited(payload),
        )
    return evaluation.finding(
        Outcome.PASS,
        "no known vulnerability with an available fix is waiting for a patch",
        examined=_audited(payload),
    )
