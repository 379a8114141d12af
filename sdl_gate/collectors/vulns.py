"""Known vulnerabilities of the project's dependencies: pip-audit (JSON) against OSV, online or offline, and
the components of the project's SBOM in every ecosystem against the offline OSV database.

pip-audit's Python modules are private, so it runs as a subprocess. Exit status 1 means "found"; anything
that does not leave a parsable JSON report behind makes the audit unavailable, never clean. An SBOM component
the offline audit cannot cover (no purl, no OSV ecosystem, none of its ecosystem's advisories in the database,
an online run) is listed as such, never as clean.
"""

from __future__ import annotations

import enum
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from sdl_gate._files import canonical_json, read_bytes_limited, resolve_inside
from sdl_gate._model import FrozenModel
from sdl_gate._tool import ToolUnavailable, python_module, run_tool
from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.dependencies import (
    InstalledEnvironment,
    ProjectDependencies,
    SourceRead,
    environment_dependencies,
    project_dependencies,
)
from sdl_gate.config import Project, SettingOrigin
from sdl_gate.cvss_score import score_or_none
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest, Subject, ToolInfo
from sdl_gate.sbom.sources import Component, PinConflict
from sdl_gate.vulndb.audit import ComponentResult, ComponentStatus, audit_components
from sdl_gate.vulndb.matching import PYPI
from sdl_gate.vulndb.server import BackgroundServer
from sdl_gate.vulndb.store import VulnDatabase, database_path, user_cache_dir

DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
AUDIT_TIMEOUT_SECONDS = 600.0
LOOKUP_TIMEOUT_SECONDS = 10.0
LOOKUP_WORKERS = 8
MAX_REPORT_BYTES = 64 * 1024 * 1024
MAX_DESCRIPTION = 500
#: pip-audit refuses two pins of one name in one run, so conflicting pins take one run each, up to this many.
MAX_AUDIT_RUNS = 8
#: The OSV severity types whose vectors are scored (CVSS 2 is not: its vectors name no version).
_SCORED_TYPES = frozenset({"CVSS_V3", "CVSS_V4"})


class AuditStatus(str, enum.Enum):
    """Whether the audit produced a trustworthy answer."""

    COMPLETED = "completed"
    UNAVAILABLE = "unavailable"


class DependencyStatus(str, enum.Enum):
    """What happened to one dependency in the audit."""

    AUDITED = "audited"
    SKIPPED = "skipped"
    NOT_REPORTED = "not_reported"  # sent to pip-audit, but its report does not account for it


class Severity(FrozenModel):
    """A severity statement of an advisory: the CVSS vector and, for v3 and v4, its base score and rating."""

    type: str
    vector: str
    score: float | None
    rating: str | None


class Vulnerability(FrozenModel):
    """One known vulnerability in one dependency (aliases merged under one id)."""

    id: str
    aliases: tuple[str, ...]
    package: str
    version: str
    fix_versions: tuple[str, ...]
    description: str
    published: str | None
    severity: tuple[Severity, ...]
    record_found: bool
    ecosystem: str = PYPI
    purl: str | None = None


class ComponentAudit(FrozenModel):
    """One SBOM component in the offline audit of every ecosystem: audited, unauditable, or could not tell."""

    name: str
    version: str | None
    purl: str | None
    ecosystem: str | None
    status: ComponentStatus
    reason: str | None
    vulnerabilities: tuple[str, ...]


class AuditedDependency(FrozenModel):
    """One dependency and whether it was audited."""

    name: str
    version: str | None
    status: DependencyStatus
    reason: str | None = None


class EcosystemRecords(FrozenModel):
    """The advisories of one ecosystem in the database: how many are in force and when the newest changed."""

    ecosystem: str
    records: int
    newest_modified: str | None


class VulnDatabaseInfo(FrozenModel):
    """The offline database an audit ran against: which file exactly, what it holds and who chose it.

    Its age is what its records say (``newest_modified`` per ecosystem), never when it was imported.
    """

    records: int
    imported_at: str | None
    newest_modified: str | None
    sha256: str
    ecosystems: tuple[EcosystemRecords, ...]
    chosen_by: SettingOrigin


class AuditPayload(FrozenModel):
    """The payload of ``vulnerability_audit`` evidence."""

    status: AuditStatus
    reason: str | None
    service: str
    url: str
    url_chosen_by: SettingOrigin
    offline: bool
    ecosystem: str
    database: VulnDatabaseInfo | None
    sources: tuple[SourceRead, ...]
    conflicts: tuple[PinConflict, ...]
    dependencies: tuple[AuditedDependency, ...]
    vulnerabilities: tuple[Vulnerability, ...]
    components: tuple[ComponentAudit, ...] = ()
    ecosystems_covered: tuple[str, ...] = ()


@dataclass(frozen=True)
class SbomPackage:
    """One component an SBOM lists, as the audit of every ecosystem reads it."""

    name: str
    version: str | None
    purl: str | None
    commit: str | None = None


def _sbom_entries(raw: Any) -> list[SbomPackage]:
    """The components of a CycloneDX ``components`` list, nested ones included."""
    found: list[SbomPackage] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        version, purl = item.get("version"), item.get("purl")
        found.append(
            SbomPackage(
                name=str(item.get("name") or item.get("bom-ref") or "?"),
                version=version if isinstance(version, str) and version else None,
                purl=purl if isinstance(purl, str) and purl else None,
            )
        )
        found += _sbom_entries(item.get("components"))
    return found


def sbom_components(context: CollectContext) -> tuple[list[SbomPackage], list[FileDigest]]:
    """The components of every SBOM the project names (``sbom`` and ``sboms`` in [tool.sdl-gate]), each once,
    and the digests of their files.

    This is the one place the vulnerability audit learns of components beyond the Python dependency sources.
    """
    from sdl_gate.collectors.dependencies import project_sboms
    from sdl_gate.sbom.quality import load_sbom

    found: dict[SbomPackage, None] = {}
    files: list[FileDigest] = []
    configured = context.project.config.sbom
    if configured is not None:
        source = context.project.config_source or context.root / "pyproject.toml"
        try:
            path = resolve_inside(context.root, configured, source=source, line=None, location="tool.sdl-gate.sbom")
        except InputError as exc:
            raise ConfigError(exc.message, path=exc.path, location=exc.location) from None
        if not path.is_file():
            raise ConfigError(f"SBOM {configured} not found", path=source, location="tool.sdl-gate.sbom")
        document = load_sbom(path, root=context.root)
        found.update(dict.fromkeys(_sbom_entries(document.get("components"))))
        files.append(context.digest(path))
    imported = project_sboms(context)
    for sbom in imported.documents:
        for component in sbom.inventory.components:
            found[SbomPackage(component.name, component.version, component.purl, component.commit)] = None
    files += imported.files
    return list(found), files


def _pip_audited(pinned: Sequence[Component]) -> frozenset[tuple[str, str]]:
    """The (ecosystem, ``name@version``) of the PyPI pins pip-audit audits, which the ecosystem audit leaves to it."""
    return frozenset((PYPI, f"{c.key}@{c.version}") for c in pinned)


def _component_vulnerabilities(result: ComponentResult) -> list[Vulnerability]:
    found: list[Vulnerability] = []
    for document, fixed in zip(result.advisories, result.fixed, strict=True):
        vuln_id = str(document["id"])
        description = str(document.get("summary") or document.get("details") or "")
        found.append(
            Vulnerability(
                id=vuln_id,
                aliases=tuple(sorted({str(a) for a in document.get("aliases") or []} - {vuln_id})),
                package=result.package or result.name,
                version=result.version or "",
                fix_versions=fixed,
                description=description[:MAX_DESCRIPTION],
                published=str(document["published"]) if document.get("published") else None,
                severity=_severities(document),
                record_found=True,
                ecosystem=result.ecosystem or "",
                purl=result.purl,
            )
        )
    return found


def _component_audit(result: ComponentResult) -> ComponentAudit:
    return ComponentAudit(
        name=result.name,
        version=result.version,
        purl=result.purl,
        ecosystem=result.ecosystem,
        status=result.status,
        reason=result.reason,
        vulnerabilities=tuple(str(d["id"]) for d in result.advisories),
    )


def _unusable(database: VulnDatabase) -> str | None:
    """Why the offline database cannot be audited against (missing, empty, an earlier schema), or None."""
    status = database.status()
    if status.records == 0:
        return (
            f"offline mode, but the vulnerability database at {status.path} is missing or empty; "
            "fix: `sdl-gate vulndb import SRC` with an OSV export, then pass its cache directory with "
            "--vulndb-dir or SDL_GATE_CACHE_DIR"
        )
    if not database.schema_current():
        return (
            f"the vulnerability database at {status.path} was written by an earlier sdl-gate; import it again "
            "with `sdl-gate vulndb import SRC`"
        )
    return None


def _ecosystem_audit(
    packages: Sequence[SbomPackage],
    database: VulnDatabase,
    skip: frozenset[tuple[str, str]],
    components: list[ComponentAudit],
    covered: list[str],
) -> list[Vulnerability]:
    """Audit the SBOM's components offline; add their results to ``components`` and ``covered``, return what
    was found."""
    audit = audit_components(packages, database, skip=skip)
    components += [_component_audit(result) for result in audit.components]
    covered += audit.ecosystems
    return [v for result in audit.components for v in _component_vulnerabilities(result)]


def _not_audited(unpinned: Sequence[Component], left_over: Sequence[Component]) -> list[AuditedDependency]:
    """The Python dependencies pip-audit is not given: unpinned, or past the runs of one name."""
    return [
        AuditedDependency(
            name=component.key,
            version=None,
            status=DependencyStatus.SKIPPED,
            reason="not pinned to an exact version; lock it (uv.lock, pylock.toml or name==version)",
        )
        for component in unpinned
    ] + [
        AuditedDependency(
            name=component.key,
            version=component.version,
            status=DependencyStatus.SKIPPED,
            reason=f"more than {MAX_AUDIT_RUNS} versions of {component.key} are pinned; not all were audited",
        )
        for component in left_over
    ]


def _online_only(packages: Sequence[SbomPackage], skip: frozenset[tuple[str, str]]) -> list[ComponentAudit]:
    """The SBOM's components in an online run: only the offline database covers ecosystems beyond PyPI."""
    return [
        ComponentAudit(
            name=p.name,
            version=p.version,
            purl=p.purl,
            ecosystem=None,
            status=ComponentStatus.UNAUDITABLE,
            reason="components beyond the Python dependency sources are audited against the offline database only: "
            "`sdl-gate vulndb import` an OSV export and check with --offline",
            vulnerabilities=(),
        )
        for p in packages
        if not (p.purl and p.purl.startswith("pkg:pypi/") and _pypi_key(p) in skip)
    ]


def _pypi_key(package: SbomPackage) -> tuple[str, str]:
    body = (package.purl or "").removeprefix("pkg:pypi/").split("?", 1)[0].split("#", 1)[0]
    name, _, version = body.partition("@")
    return PYPI, f"{canonicalize_name(urllib.parse.unquote(name))}@{version or package.version}"


def pip_audit_version() -> str:
    """Return the installed pip-audit version (from its distribution metadata, not its private modules)."""
    try:
        return metadata.version("pip-audit")
    except metadata.PackageNotFoundError:
        return "not installed"


def _severities(record: dict[str, Any]) -> tuple[Severity, ...]:
    found: list[Severity] = []
    entries = record.get("severity")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        vector = str(entry.get("score", ""))
        kind = str(entry.get("type"))
        # A vector that does not parse leaves the score unknown ("could not tell"), never a zero.
        scored = score_or_none(vector) if kind in _SCORED_TYPES else None
        found.append(
            Severity(
                type=kind,
                vector=vector,
                score=scored.score if scored is not None else None,
                rating=scored.rating if scored is not None else None,
            )
        )
    return tuple(found)


def _lookup(base: str, vuln_id: str) -> dict[str, Any] | None:
    """Fetch one advisory from ``{base}/v1/vulns/{id}`` for its publication date and severity."""
    url = f"{base}/v1/vulns/{urllib.parse.quote(vuln_id, safe='')}"
    if not url.startswith(("http://", "https://")):
        return None
    try:
        opened = urllib.request.urlopen(url, timeout=LOOKUP_TIMEOUT_SECONDS)  # noqa: S310  # nosec B310 -- http(s) only
        with opened as response:
            data = response.read(MAX_REPORT_BYTES)
    except (urllib.error.URLError, OSError, ValueError):
        return None
    try:
        record = json.loads(data)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def _api_base(query_url: str) -> str:
    return query_url.rsplit("/v1/", 1)[0] if "/v1/" in query_url else query_url.rstrip("/")


def _well_formed_vulns(vulns: Any) -> bool:
    """Whether a dependency's ``vulns`` is a list of objects with a string id and lists of aliases and fixes."""
    if not isinstance(vulns, list):
        return False
    for vuln in vulns:
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
            return False
        if not all(isinstance(vuln.get(key, []), list) for key in ("aliases", "fix_versions")):
            return False
    return True


def _same_version(reported: str, sent: str) -> bool:
    try:
        return Version(reported) == Version(sent)
    except InvalidVersion:
        return reported == sent


def parse_report(
    report: Any, sent: Sequence[Component], base: str
) -> tuple[list[AuditedDependency], list[Vulnerability]] | str:
    """Read pip-audit's JSON report of the pinned components ``sent`` to it; return the dependencies and
    vulnerabilities, or why the report is unusable.

    A component sent but not accounted for (neither audited at its version nor skipped with a reason) is
    ``not_reported``: an audit that lost a dependency is incomplete, never clean.
    """
    if not isinstance(report, dict) or not isinstance(report.get("dependencies"), list):
        return "pip-audit's JSON report has no dependencies list"
    for entry in report["dependencies"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            return "pip-audit's JSON report has a malformed dependency entry"
        if not _well_formed_vulns(entry.get("vulns", [])):
            return f"pip-audit's JSON report has a malformed vulnerability entry for {entry['name']!r}"
    dependencies: list[AuditedDependency] = []
    vulnerabilities: list[Vulnerability] = []
    wanted = sorted({str(vuln.get("id")) for entry in report["dependencies"] for vuln in entry.get("vulns", []) or []})
    # Advisory look-ups are independent round trips; a few at a time keeps an online audit quick.
    with ThreadPoolExecutor(max_workers=LOOKUP_WORKERS) as pool:
        lookups = dict(zip(wanted, pool.map(lambda vuln_id: _lookup(base, vuln_id), wanted), strict=True))
    accounted: dict[str, list[str | None]] = {}
    for entry in report["dependencies"]:
        name = entry["name"]
        if "skip_reason" in entry:
            accounted.setdefault(canonicalize_name(name), []).append(None)
            dependencies.append(
                AuditedDependency(
                    name=name, version=None, status=DependencyStatus.SKIPPED, reason=str(entry["skip_reason"])
                )
            )
            continue
        version = str(entry.get("version"))
        accounted.setdefault(canonicalize_name(name), []).append(version)
        dependencies.append(AuditedDependency(name=name, version=version, status=DependencyStatus.AUDITED))
        for vuln in entry.get("vulns", []):
            vuln_id = str(vuln["id"])
            record = lookups.get(vuln_id) or {}
            description = str(vuln.get("description") or record.get("summary") or "")
            vulnerabilities.append(
                Vulnerability(
                    id=vuln_id,
                    aliases=tuple(sorted({str(a) for a in vuln.get("aliases", [])} - {vuln_id})),
                    package=name,
                    version=version,
                    fix_versions=tuple(str(v) for v in vuln.get("fix_versions", [])),
                    description=description[:MAX_DESCRIPTION],
                    published=str(record["published"]) if record.get("published") else None,
                    severity=_severities(record),
                    record_found=bool(record),
                )
            )
    for component in sent:
        versions = accounted.get(component.key, [])
        if None in versions or any(_same_version(v, str(component.version)) for v in versions if v is not None):
            continue
        dependencies.append(
            AuditedDependency(
                name=component.key,
                version=component.version,
                status=DependencyStatus.NOT_REPORTED,
                reason="sent to pip-audit but missing from its report",
            )
        )
    return dependencies, vulnerabilities


def audit_runs(pinned: Sequence[Component]) -> tuple[list[list[Component]], list[Component]]:
    """Split the pinned components into pip-audit runs with one version of each name per run.

    Returns the runs and the components left over past :data:`MAX_AUDIT_RUNS` versions of one name.
    """
    runs: list[tuple[set[str], list[Component]]] = []
    left_over: list[Component] = []
    for component in pinned:
        for names, members in runs:
            if component.key not in names:
                names.add(component.key)
                members.append(component)
                break
        else:
            if len(runs) < MAX_AUDIT_RUNS:
                runs.append(({component.key}, [component]))
            else:
                left_over.append(component)
    return [members for _, members in runs], left_over


@dataclass(frozen=True)
class DatabaseChoice:
    """The cache directory of the offline database and who chose it, or why none may be used."""

    cache_dir: Path | None
    chosen_by: SettingOrigin
    refused: str | None = None


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path`` lies in ``root``, as written (``..`` collapsed) or once symbolic links are followed."""
    written = Path(os.path.normpath(path.absolute())).is_relative_to(os.path.normpath(root.absolute()))
    try:
        return written or path.resolve().is_relative_to(root.resolve())
    except (OSError, ValueError):
        return True  # what cannot be resolved cannot be shown to lie outside


def choose_database(project: Project) -> DatabaseChoice:
    """Choose the offline database: the operator's (option, environment), else the project's default, else the
    user cache; a database inside the repository under assessment is used only when the operator names it."""
    operator = project.operator
    if operator.vulndb_dir is not None:
        return DatabaseChoice(operator.vulndb_dir, operator.vulndb_dir_origin)
    configured = project.config.vulndb_dir
    if configured:
        path = project.root / configured
        if _inside(path, project.root):
            return DatabaseChoice(
                None,
                SettingOrigin.PROJECT,
                f"vulndb-dir = {configured!r} in [tool.sdl-gate] names a database inside the repository under "
                "assessment, which a pull request could supply; it is not used. The operator names the database: "
                "--vulndb-dir DIR, SDL_GATE_CACHE_DIR or the Action's offline-db input",
            )
        return DatabaseChoice(path, SettingOrigin.PROJECT)
    default = user_cache_dir()
    if _inside(default, project.root):
        return DatabaseChoice(
            None,
            SettingOrigin.DEFAULT,
            "the user cache directory lies inside the repository under assessment, which a pull request could "
            "fill; the operator names the database: --vulndb-dir DIR, SDL_GATE_CACHE_DIR or the Action's "
            "offline-db input",
        )
    return DatabaseChoice(default, SettingOrigin.DEFAULT)


def _database_info(database: VulnDatabase, chosen_by: SettingOrigin) -> VulnDatabaseInfo:
    status = database.status()
    return VulnDatabaseInfo(
        records=status.records,
        imported_at=status.imported_at,
        newest_modified=status.newest_modified,
        sha256=database.digest(),
        ecosystems=tuple(
            EcosystemRecords(ecosystem=e.ecosystem, records=e.records, newest_modified=e.newest_modified)
            for e in status.ecosystems
        ),
        chosen_by=chosen_by,
    )


@dataclass(frozen=True)
class _RunOutcome:
    """One pip-audit run: its raw report and what it said, or why it gave no usable answer."""

    data: bytes | None
    parsed: tuple[list[AuditedDependency], list[Vulnerability]] | None
    failure: str | None


class VulnerabilityCollector:
    """Audits the pinned dependencies with pip-audit against OSV (or the offline database on loopback).

    ``files``, when given, are the only dependency sources audited (the operator named them, as the
    ``sdl-deps`` hook does); otherwise every source of the project is.
    """

    kind = EvidenceKind.VULNERABILITY_AUDIT

    def __init__(self, files: Sequence[Path] | None = None, environment: InstalledEnvironment | None = None) -> None:
        self.files = tuple(files) if files is not None else None
        self.environment = environment

    def _sources(self, context: CollectContext) -> tuple[ProjectDependencies, list[SbomPackage], list[FileDigest]]:
        """What to audit: the named environment, the named files or the project's sources, and the SBOMs'
        components unless files or an environment were named (the sdl-deps hook, ``deps --environment``)."""
        if self.environment is not None:
            deps = environment_dependencies(self.environment)
        else:
            deps = project_dependencies(context.project, self.files)
        if self.files is not None or self.environment is not None:
            return deps, [], []
        packages, sbom_files = sbom_components(context)
        return deps, packages, sbom_files

    def collect(self, context: CollectContext) -> Evidence:
        """Find the dependency sources, run pip-audit, and describe every dependency and vulnerability."""
        project = context.project
        config = project.config
        deps, packages, sbom_files = self._sources(context)
        offline = config.offline
        url = project.operator.osv_url or DEFAULT_OSV_URL
        url_chosen_by = project.operator.osv_url_origin
        query_url, service = url, "osv"
        database_info: VulnDatabaseInfo | None = None
        raw: str | None = None
        # What the offline audit of the SBOM's components (every ecosystem) found, for the evidence.
        components, covered = list[ComponentAudit](), list[str]()

        def evidence(
            status: AuditStatus,
            reason: str | None,
            dependencies: list[AuditedDependency],
            vulnerabilities: list[Vulnerability],
        ) -> Evidence:
            payload = AuditPayload(
                status=status,
                reason=reason,
                service=service,
                url=url,
                url_chosen_by=url_chosen_by,
                offline=offline,
                ecosystem=PYPI,
                database=database_info,
                sources=deps.sources,
                conflicts=deps.conflicts,
                dependencies=tuple(sorted(dependencies, key=lambda d: (d.name, d.version or "", d.status.value))),
                vulnerabilities=tuple(sorted(vulnerabilities, key=lambda v: (v.package, v.version, v.id, v.ecosystem))),
                components=tuple(components),
                ecosystems_covered=tuple(covered),
            )
            return Evidence(
                kind=self.kind,
                tool=ToolInfo(name="pip-audit", version=pip_audit_version()),
                subject=Subject(commit=context.commit, files=(*deps.files, *sbom_files)),
                payload=payload.model_dump(mode="json"),
                raw=raw,
            )

        if deps.inventory is None and not packages:
            return evidence(
                AuditStatus.UNAVAILABLE,
                "no dependency source found (uv.lock, pylock.toml, requirements*.txt or [project].dependencies); "
                "name one with dependency-files in [tool.sdl-gate]",
                [],
                [],
            )
        if not offline and project.operator.osv_url is None and config.osv_url is not None:
            return evidence(
                AuditStatus.UNAVAILABLE,
                "osv-url in [tool.sdl-gate] is not honoured: the repository under assessment could point the audit "
                "at a service that answers 'no vulnerabilities'. The operator names another OSV service with "
                "--osv-url URL or SDL_GATE_OSV_URL; remove osv-url from [tool.sdl-gate]",
                [],
                [],
            )
        inventory = deps.inventory
        skip = _pip_audited(inventory.pinned if inventory is not None else ())
        with ExitStack() as stack:
            if offline:
                service = "osv-offline"
                choice = choose_database(project)
                if choice.cache_dir is None:
                    return evidence(AuditStatus.UNAVAILABLE, choice.refused, [], [])
                database = VulnDatabase(database_path(choice.cache_dir))
                unusable = _unusable(database)
                if unusable is not None:
                    return evidence(AuditStatus.UNAVAILABLE, unusable, [], [])
                database_info = _database_info(database, choice.chosen_by)
                found = _ecosystem_audit(packages, database, skip, components, covered)
                if inventory is None:
                    return evidence(AuditStatus.COMPLETED, None, [], found)
                server = stack.enter_context(BackgroundServer(database))
                query_url = server.base_url + "/v1/query"
                # The port changes every run; the recorded URL leaves it out so evidence ids stay stable.
                url = "http://127.0.0.1:<ephemeral>/v1/query"
                url_chosen_by = SettingOrigin.DEFAULT
            else:
                components += _online_only(packages, skip)
                found = []
                if inventory is None:
                    return evidence(AuditStatus.COMPLETED, None, [], [])
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sdl-gate-audit-")))
            runs, left_over = audit_runs(inventory.pinned)
            dependencies = _not_audited(inventory.unpinned, left_over)
            vulnerabilities: list[Vulnerability] = list(found)
            reports: list[bytes] = []
            for number, members in enumerate(runs):
                outcome = self._run(workdir / f"run-{number}", members, query_url, service, url, offline)
                reports += [outcome.data] if outcome.data is not None else []
                if outcome.failure is not None or outcome.parsed is None:
                    raw = context.put_raw(_joined(reports), "pip-audit.json") if reports else None
                    return evidence(AuditStatus.UNAVAILABLE, outcome.failure, [], [])
                dependencies += outcome.parsed[0]
                vulnerabilities += outcome.parsed[1]
            raw = context.put_raw(_joined(reports), "pip-audit.json") if reports else None
            return evidence(AuditStatus.COMPLETED, None, dependencies, vulnerabilities)
        raise AssertionError("unreachable")  # pragma: no cover - every path above returns

    def _run(
        self, workdir: Path, members: list[Component], query_url: str, service: str, url: str, offline: bool
    ) -> _RunOutcome:
        """Run pip-audit once over ``members`` (one version per name) and parse its report."""
        workdir.mkdir()
        requirements = workdir / "requirements.txt"
        requirements.write_text("".join(f"{c.key}=={c.version}\n" for c in members), encoding="utf-8")
        output = workdir / "report.json"
        argv = [
            *python_module("pip_audit"),
            "--requirement", str(requirements),
            "--no-deps", "--disable-pip",
            "--format", "json", "--output", str(output),
            "--vulnerability-service", "osv", "--osv-url", query_url,
            "--aliases", "on", "--desc", "on",
            "--progress-spinner", "off",
            "--timeout", "15",
            "--cache-dir", str(workdir / "cache"),
        ]  # fmt: skip
        try:
            run = run_tool(argv, cwd=workdir, timeout=AUDIT_TIMEOUT_SECONDS)
        except ToolUnavailable as exc:
            return _RunOutcome(None, None, f"pip-audit could not run: {exc.reason}")
        if run.returncode not in (0, 1) or not output.is_file():
            return _RunOutcome(None, None, _failure_reason(run.stderr, service, url, offline))
        try:
            data = read_bytes_limited(output, MAX_REPORT_BYTES)
            report = json.loads(data)
        except (InputError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            return _RunOutcome(None, None, f"pip-audit's JSON report is unreadable: {exc}")
        parsed = parse_report(report, members, _api_base(query_url))
        if isinstance(parsed, str):
            return _RunOutcome(data, None, parsed)
        return _RunOutcome(data, parsed, None)


def _joined(reports: list[bytes]) -> bytes:
    """One run's report as pip-audit wrote it; several runs' reports as a JSON array of them."""
    if len(reports) == 1:
        return reports[0]
    return canonical_json([json.loads(data) for data in reports]).encode("utf-8")


def _failure_reason(stderr: str, service: str, url: str, offline: bool) -> str:
    """Turn pip-audit's failure output into a diagnostic that names the service and the fix."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    connection = any(
        word in stderr for word in ("ConnectionError", "ConnectTimeout", "Could not connect", "Max retries")
    )
    if connection:
        fix = (
            "the loopback service stopped; rerun, or re-import the database"
            if offline
            else "restore network access to it, or audit offline: `sdl-gate vulndb import SRC` then "
            "`sdl-gate check --offline`"
        )
        return f"the vulnerability service {service} at {url} could not be reached ({last[:300]}); fix: {fix}"
    return f"pip-audit failed against {service} at {url}: {last[:300]}"
