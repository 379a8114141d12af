"""Known vulnerabilities of the project's dependencies: pip-audit (JSON) against OSV, online or offline.

pip-audit's Python modules are private, so it runs as a subprocess. Exit status 1 means "found"; anything
that does not leave a parsable JSON report behind makes the audit unavailable, never clean.
"""

from __future__ import annotations

import enum
import json
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from sdl_gate._files import read_bytes_limited
from sdl_gate._tool import ToolUnavailable, run_tool
from sdl_gate.collectors._deps import project_dependencies
from sdl_gate.collectors.base import CollectContext
from sdl_gate.errors import InputError
from sdl_gate.evidence import Evidence, EvidenceKind, Subject, ToolInfo
from sdl_gate.sbom.sources import Inventory
from sdl_gate.vulndb.cvss import cvss3_base_score, rating
from sdl_gate.vulndb.server import BackgroundServer
from sdl_gate.vulndb.store import VulnDatabase, database_path, default_cache_dir

DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
AUDIT_TIMEOUT_SECONDS = 600.0
LOOKUP_TIMEOUT_SECONDS = 10.0
LOOKUP_WORKERS = 8
MAX_REPORT_BYTES = 64 * 1024 * 1024
MAX_DESCRIPTION = 500


class AuditStatus(str, enum.Enum):
    """Whether the audit produced a trustworthy answer."""

    COMPLETED = "completed"
    UNAVAILABLE = "unavailable"


class DependencyStatus(str, enum.Enum):
    """What happened to one dependency in the audit."""

    AUDITED = "audited"
    SKIPPED = "skipped"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Severity(_Frozen):
    """A severity statement of an advisory: the CVSS vector and, for v3, its base score and rating."""

    type: str
    vector: str
    score: float | None
    rating: str | None


class Vulnerability(_Frozen):
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


class AuditedDependency(_Frozen):
    """One dependency and whether it was audited."""

    name: str
    version: str | None
    status: DependencyStatus
    reason: str | None = None


class VulnDatabaseInfo(_Frozen):
    """The offline database an audit ran against."""

    records: int
    imported_at: str | None
    newest_modified: str | None


class AuditPayload(_Frozen):
    """The payload of ``vulnerability_audit`` evidence."""

    status: AuditStatus
    reason: str | None
    service: str
    url: str
    offline: bool
    database: VulnDatabaseInfo | None
    sources: tuple[dict[str, str], ...]
    dependencies: tuple[AuditedDependency, ...]
    vulnerabilities: tuple[Vulnerability, ...]


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
        score = cvss3_base_score(vector) if str(entry.get("type")) == "CVSS_V3" else None
        found.append(
            Severity(
                type=str(entry.get("type")),
                vector=vector,
                score=score,
                rating=rating(score) if score is not None else None,
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


def parse_report(
    report: Any, inventory: Inventory, base: str
) -> tuple[list[AuditedDependency], list[Vulnerability]] | str:
    """Read pip-audit's JSON report; return the dependencies and vulnerabilities, or why it is unusable."""
    if not isinstance(report, dict) or not isinstance(report.get("dependencies"), list):
        return "pip-audit's JSON report has no dependencies list"
    for entry in report["dependencies"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            return "pip-audit's JSON report has a malformed dependency entry"
        if not _well_formed_vulns(entry.get("vulns", [])):
            return f"pip-audit's JSON report has a malformed vulnerability entry for {entry['name']!r}"
    dependencies: list[AuditedDependency] = []
    vulnerabilities: list[Vulnerability] = []
    wanted = sorted(
        {
            str(vuln.get("id"))
            for entry in report["dependencies"]
            if isinstance(entry, dict)
            for vuln in entry.get("vulns", []) or []
            if isinstance(vuln, dict)
        }
    )
    # Advisory look-ups are independent round trips; a few at a time keeps an online audit quick.
    with ThreadPoolExecutor(max_workers=LOOKUP_WORKERS) as pool:
        lookups = dict(zip(wanted, pool.map(lambda vuln_id: _lookup(base, vuln_id), wanted), strict=True))
    for entry in report["dependencies"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            return "pip-audit's JSON report has a malformed dependency entry"
        name = entry["name"]
        if "skip_reason" in entry:
            dependencies.append(
                AuditedDependency(
                    name=name, version=None, status=DependencyStatus.SKIPPED, reason=str(entry["skip_reason"])
                )
            )
            continue
        version = str(entry.get("version"))
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
    audited = {d.name for d in dependencies}
    for component in inventory.unpinned:
        if component.key not in audited:
            dependencies.append(
                AuditedDependency(
                    name=component.key,
                    version=None,
                    status=DependencyStatus.SKIPPED,
                    reason="not pinned to an exact version; lock it (uv.lock, pylock.toml or name==version)",
                )
            )
    dependencies.sort(key=lambda d: (d.name, d.version or ""))
    vulnerabilities.sort(key=lambda v: (v.package, v.id))
    return dependencies, vulnerabilities


def _cache_dir(context: CollectContext) -> Path:
    configured = context.project.config.vulndb_dir
    return context.root / configured if configured else default_cache_dir()


class VulnerabilityCollector:
    """Audits the pinned dependencies with pip-audit against OSV (or the offline database on loopback)."""

    kind = EvidenceKind.VULNERABILITY_AUDIT

    def collect(self, context: CollectContext) -> Evidence:
        """Find the dependency sources, run pip-audit, and describe every dependency and vulnerability."""
        config = context.project.config
        deps = project_dependencies(context)
        offline = config.offline
        url = config.osv_url or DEFAULT_OSV_URL
        query_url = url
        service = "osv"
        database_info: VulnDatabaseInfo | None = None
        raw: str | None = None

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
                offline=offline,
                database=database_info,
                sources=tuple({"kind": kind.value, "path": path} for kind, path in deps.sources),
                dependencies=tuple(dependencies),
                vulnerabilities=tuple(vulnerabilities),
            )
            return Evidence(
                kind=self.kind,
                tool=ToolInfo(name="pip-audit", version=pip_audit_version()),
                subject=Subject(commit=context.commit, files=deps.files),
                payload=payload.model_dump(mode="json"),
                raw=raw,
            )

        if deps.inventory is None:
            return evidence(
                AuditStatus.UNAVAILABLE,
                "no dependency source found (uv.lock, pylock.toml, requirements*.txt or [project].dependencies); "
                "name one with dependency-files in [tool.sdl-gate]",
                [],
                [],
            )
        inventory = deps.inventory
        with ExitStack() as stack:
            if offline:
                database = VulnDatabase(database_path(_cache_dir(context)))
                status = database.status()
                service = "osv-offline"
                if status.records == 0:
                    return evidence(
                        AuditStatus.UNAVAILABLE,
                        f"offline mode, but the vulnerability database at {status.path} is missing or empty; "
                        "fix: `sdl-gate vulndb import SRC` with an OSV export (or set vulndb-dir)",
                        [],
                        [],
                    )
                database_info = VulnDatabaseInfo(
                    records=status.records, imported_at=status.imported_at, newest_modified=status.newest_modified
                )
                server = stack.enter_context(BackgroundServer(database))
                query_url = server.base_url + "/v1/query"
                # The port changes every run; the recorded URL leaves it out so evidence ids stay stable.
                url = "http://127.0.0.1:<ephemeral>/v1/query"
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sdl-gate-audit-")))
            pinned = inventory.pinned
            if not pinned:
                report: Any = {"dependencies": []}
            else:
                requirements = workdir / "requirements.txt"
                requirements.write_text("".join(f"{c.key}=={c.version}\n" for c in pinned), encoding="utf-8")
                output = workdir / "report.json"
                argv = [
                    sys.executable, "-m", "pip_audit",
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
                    return evidence(AuditStatus.UNAVAILABLE, f"pip-audit could not run: {exc.reason}", [], [])
                if run.returncode not in (0, 1) or not output.is_file():
                    return evidence(AuditStatus.UNAVAILABLE, _failure_reason(run.stderr, service, url, offline), [], [])
                try:
                    data = read_bytes_limited(output, MAX_REPORT_BYTES)
                    report = json.loads(data)
                except (InputError, json.JSONDecodeError, UnicodeDecodeError) as exc:
                    return evidence(AuditStatus.UNAVAILABLE, f"pip-audit's JSON report is unreadable: {exc}", [], [])
                raw = context.put_raw(data, "pip-audit.json")
            parsed = parse_report(report, inventory, _api_base(query_url))
            if isinstance(parsed, str):
                return evidence(AuditStatus.UNAVAILABLE, parsed, [], [])
            dependencies, vulnerabilities = parsed
            return evidence(AuditStatus.COMPLETED, None, dependencies, vulnerabilities)
        raise AssertionError("unreachable")  # pragma: no cover - every path above returns


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
