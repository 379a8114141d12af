"""What a pull request must not be able to do to the dependency audit, tried as an attacker would.

Each test drives the real pip-audit against the loopback OSV API loaded with the shared OSV fixtures (or the
CLI as CI runs it): hiding a vulnerable pin behind another source, a decoy lock file, an audit of nothing,
includes that read the runner's files into an error, a database or service supplied by the repository, and a
database whose records are old whenever it was imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sdl_gate.evidence import EvidenceKind
from sdl_gate.github import run_action
from sdl_gate.run import CheckResult, assess_project
from sdl_gate.vulndb.importer import import_records
from sdl_gate.vulndb.server import BackgroundServer
from sdl_gate.vulndb.store import VulnDatabase, database_path
from tests.conftest import OSV_SNAPSHOT_PARAMS, SHARED_FIXTURES, ProjectFactory, RunCli, write

OSV = SHARED_FIXTURES / "osv"
pytestmark = pytest.mark.skipif(not OSV.is_dir(), reason=f"shared OSV fixtures not found at {OSV}")

MARKER = "sdl-gate-ci-secret-7d2a90"
VULNERABLE = "pyyaml==5.3\n"  # PYSEC-2021-142 and PYSEC-2020-96 in the shared fixtures
SAFE = "pyyaml==6.0.1\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _policy(params: str = OSV_SNAPSHOT_PARAMS) -> str:
    return f"""
version: 1
extends: iec62443-4-1-ml2
defaults: {{mode: disabled}}
requirements:
  SVV-3: {{mode: enforced, params: {params}}}
  SM-9: {{mode: enforced, params: {params}}}
"""


@pytest.fixture(scope="module")
def osv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The operator's cache directory: an offline database of the shared OSV fixtures, imported today."""
    cache = tmp_path_factory.mktemp("operator-cache")
    import_records(OSV, VulnDatabase(database_path(cache)), imported_at=f"{date.today().isoformat()}T00:00:00Z")
    return cache


@pytest.fixture
def gated(project: ProjectFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ProjectFactory:
    """A project gated on SVV-3 and SM-9 only, auditing offline; no database named and an empty user cache."""
    monkeypatch.delenv("SDL_GATE_CACHE_DIR", raising=False)
    monkeypatch.delenv("SDL_GATE_OSV_URL", raising=False)
    monkeypatch.delenv("SDL_GATE_OFFLINE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-user-cache"))
    project.pyproject('policy = "security/policy.yaml"\noffline = true\n')
    project.policy(_policy())
    return project


def _finding(result: CheckResult, requirement: str, criterion: str) -> Any:
    verdict = next(r for r in result.assessment.requirements if r.id == requirement)
    return next(f for f in verdict.findings if f.criterion == criterion)


def _payload(result: CheckResult, kind: EvidenceKind) -> dict[str, Any]:
    assert result.evidence is not None
    (evidence,) = result.evidence.of(kind)
    return evidence.payload


# --- Dependency sources: every pin in every source ----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "tool_section"),
    [
        # The safe pin sorts first ("requirements-dev" < "requirements."), and the first file used to win.
        ({"requirements.txt": VULNERABLE, "requirements-dev.txt": SAFE}, ""),
        # The declared pin in pyproject.toml beside a requirements file that pins another version.
        ({"requirements.txt": SAFE}, None),
        # dependency-files naming only the safe file used to replace discovery instead of adding to it.
        (
            {"requirements.txt": VULNERABLE, "deploy/requirements.txt": SAFE},
            'dependency-files = ["deploy/requirements.txt"]\n',
        ),
    ],
    ids=["second-requirements-file", "pyproject-pin", "configured-file"],
)
def test_a_second_source_pinning_a_safe_version_does_not_hide_the_vulnerable_pin(
    gated: ProjectFactory, osv_cache: Path, files: dict[str, str], tool_section: str | None
) -> None:
    for name, text in files.items():
        write(gated.root / name, text)
    if tool_section is None:
        (gated.root / "pyproject.toml").write_text(
            '[project]\nname = "widget"\nversion = "2.0.0"\ndependencies = ["pyyaml==5.3"]\n\n'
            '[tool.sdl-gate]\npolicy = "security/policy.yaml"\noffline = true\n',
            encoding="utf-8",
        )
    elif tool_section:
        gated.pyproject('policy = "security/policy.yaml"\noffline = true\n' + tool_section)
    result = assess_project(gated.root, store=False, vulndb_dir=osv_cache)
    audit = _finding(result, "SVV-3", "known_vulnerabilities")
    assert audit.outcome.value == "fail", audit.message
    assert "pyyaml 5.3: PYSEC-2021-142" in audit.message
    assert "conflicting pins, each audited: pyyaml 5.3 (" in audit.message and "6.0.1 (" in audit.message
    payload = _payload(result, EvidenceKind.VULNERABILITY_AUDIT)
    audited = {(d["name"], d["version"]) for d in payload["dependencies"] if d["status"] == "audited"}
    assert {("pyyaml", "5.3"), ("pyyaml", "6.0.1")} <= audited
    assert [(c["name"], [p["version"] for p in c["pins"]]) for c in payload["conflicts"]] == [
        ("pyyaml", ["5.3", "6.0.1"])
    ]
    sbom = _payload(result, EvidenceKind.SBOM)
    assert {"pkg:pypi/pyyaml@5.3", "pkg:pypi/pyyaml@6.0.1"} <= set(sbom["purls"])
    assert {(s["path"], s["reason"]) for s in payload["sources"]} >= {("requirements.txt", "discovered")}


DECOYS = {
    "empty-pylock": ("pylock.toml", ""),
    "pylock-without-packages": ("pylock.toml", 'lock-version = "1.0"\ncreated-by = "x"\npackages = []\n'),
    "empty-uv-lock": ("uv.lock", ""),
    "uv-lock-without-packages": ("uv.lock", "version = 1\nrequires-python = '>=3.11'\n"),
}


@pytest.mark.slow
@pytest.mark.parametrize("decoy", sorted(DECOYS))
def test_an_empty_decoy_lock_neither_hides_the_requirements_nor_counts_as_clean(
    gated: ProjectFactory, osv_cache: Path, decoy: str
) -> None:
    name, text = DECOYS[decoy]
    write(gated.root / name, text)
    write(gated.root / "requirements.txt", VULNERABLE)
    found = assess_project(gated.root, store=False, vulndb_dir=osv_cache)
    audit = _finding(found, "SVV-3", "known_vulnerabilities")
    assert audit.outcome.value == "fail" and "pyyaml 5.3: PYSEC-2021-142" in audit.message
    assert f"{name} lists no dependency while requirements.txt do" in audit.message
    sources = {s["path"]: s for s in _payload(found, EvidenceKind.VULNERABILITY_AUDIT)["sources"]}
    assert (sources[name]["entries"], sources["requirements.txt"]["pinned"]) == (0, 1)

    write(gated.root / "requirements.txt", SAFE)
    clean = assess_project(gated.root, store=False, vulndb_dir=osv_cache)
    audit = _finding(clean, "SVV-3", "known_vulnerabilities")
    assert audit.outcome.value == "not_available", audit.message
    assert name in audit.message
    assert not clean.assessment.decision.passed


@pytest.mark.parametrize(
    "files",
    [
        {"requirements.txt": "# no runtime dependencies\n"},
        {"uv.lock": 'version = 1\n[[package]]\nname = "widget"\nversion = "2.0.0"\nsource = { virtual = "." }\n'},
        {"pylock.toml": 'lock-version = "1.0"\npackages = []\n'},
        {},  # nothing but a pyproject.toml that declares no dependency
    ],
    ids=["comment-only-requirements", "uv-lock-of-the-project-alone", "pylock-without-packages", "no-source"],
)
def test_an_audit_of_zero_dependencies_is_not_available_never_clean(
    gated: ProjectFactory, osv_cache: Path, files: dict[str, str]
) -> None:
    for name, text in files.items():
        write(gated.root / name, text)
    result = assess_project(gated.root, store=False, vulndb_dir=osv_cache)
    for requirement in ("SVV-3", "SM-9"):
        audit = _finding(result, requirement, "known_vulnerabilities")
        assert audit.outcome.value == "not_available", (requirement, audit.message)
    assert _finding(result, "SM-9", "sbom").outcome.value == "not_available"
    assert not result.assessment.decision.passed


# --- Includes: never outside the project, never echoed ----------------------------------------------


def _link_out(root: Path, outside: Path) -> str:
    (root / "base.txt").symlink_to(outside)
    return "-r base.txt"


INCLUDES = {
    "proc-environ": lambda root, outside: "-r /proc/self/environ",
    "parent-directories": lambda root, outside: "-r ../../outside.txt",
    "constraint-etc-passwd": lambda root, outside: "-c /etc/passwd",
    "constraint-parent": lambda root, outside: "--constraint ../../outside.txt",
    "symlink-out": _link_out,
}


@pytest.mark.parametrize("command", ["check", "deps", "sbom"])
@pytest.mark.parametrize("include", sorted(INCLUDES))
def test_an_include_outside_the_project_is_refused_naming_file_and_line_never_the_target(
    run_cli: RunCli, tmp_path: Path, osv_cache: Path, include: str, command: str
) -> None:
    root = tmp_path / "runner" / "work" / "proj"
    root.mkdir(parents=True)
    write(root / "pyproject.toml", '[project]\nname = "widget"\nversion = "2.0.0"\n')
    outside = write(tmp_path / "runner" / "outside.txt", f"DEPLOY_TOKEN={MARKER}\n")
    line = INCLUDES[include](root, outside)
    write(root / "requirements.txt", f"idna==3.10\n{line}\n")
    args = {
        "check": ["check", root, "--offline"],
        "deps": ["deps", "--offline", "--path", root],
        "sbom": ["sbom", root],
    }
    env = {"SDL_GATE_CACHE_DIR": str(osv_cache), "CI_JOB_TOKEN": MARKER}
    result = run_cli(*args[command], env=env, cwd=root)
    assert result.code == 2, (result.stdout, result.stderr)
    assert "requirements.txt:2" in result.stderr
    assert MARKER not in result.stdout + result.stderr
    assert "DEPLOY_TOKEN" not in result.stdout + result.stderr


# --- The vulnerability database: the operator's, judged by its records --------------------------------


def _dummy_database(cache: Path, modified: str = "2999-01-01T00:00:00Z") -> VulnDatabase:
    """One dummy advisory about an unrelated package, imported "in 2999": what a pull request would commit."""
    source = write(
        cache / "export" / "PYSEC-0000-1.json",
        json.dumps(
            {
                "id": "PYSEC-0000-1",
                "modified": modified,
                "affected": [{"package": {"name": "left-pad", "ecosystem": "PyPI"}, "versions": ["0.0.1"]}],
            }
        ),
    ).parent
    database = VulnDatabase(database_path(cache))
    import_records(source, database, imported_at="2999-01-01T00:00:00Z")
    return database


@pytest.fixture
def committed_database(gated: ProjectFactory) -> ProjectFactory:
    """The pull request commits a database and points vulndb-dir at it."""
    _dummy_database(gated.root / "security" / "vulndb")
    gated.pyproject('policy = "security/policy.yaml"\noffline = true\nvulndb-dir = "security/vulndb"\n')
    write(gated.root / "requirements.txt", VULNERABLE)
    return gated


def test_a_database_committed_in_the_repository_is_refused(committed_database: ProjectFactory) -> None:
    result = assess_project(committed_database.root, store=False)
    audit = _finding(result, "SVV-3", "known_vulnerabilities")
    assert audit.outcome.value == "not_available"
    assert "vulndb-dir = 'security/vulndb'" in audit.message and "--vulndb-dir" in audit.message
    assert not result.assessment.decision.passed


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_operators_database_wins_over_the_repositorys(
    committed_database: ProjectFactory, osv_cache: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "environment":
        monkeypatch.setenv("SDL_GATE_CACHE_DIR", str(osv_cache))
        result = assess_project(committed_database.root, store=False)
    else:
        monkeypatch.setenv("SDL_GATE_CACHE_DIR", str(committed_database.root / "security" / "vulndb"))
        result = assess_project(committed_database.root, store=False, vulndb_dir=osv_cache)  # the option beats both
    audit = _finding(result, "SVV-3", "known_vulnerabilities")
    assert audit.outcome.value == "fail" and "pyyaml 5.3: PYSEC-2021-142" in audit.message
    database = _payload(result, EvidenceKind.VULNERABILITY_AUDIT)["database"]
    assert database["chosen_by"] == how
    assert database["sha256"] == hashlib.sha256(database_path(osv_cache).read_bytes()).hexdigest()


@pytest.mark.slow
def test_the_actions_offline_db_input_wins_over_the_repositorys_database(
    committed_database: ProjectFactory, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(committed_database.root, workspace / "proj")
    shutil.copytree(OSV, workspace / "osv-export")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {
        **os.environ,
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(temp),
        "INPUT_PATH": "proj",
        "INPUT_OFFLINE_DB": "osv-export",
        "INPUT_FAIL_ON": "never",
    }
    log: list[str] = []
    assert run_action(env, log.append) == 0, "\n".join(log)
    assessment = json.loads((temp / "sdl-gate" / "assessment.json").read_text(encoding="utf-8"))
    svv3 = next(r for r in assessment["requirements"] if r["id"] == "SVV-3")
    audit = next(f for f in svv3["findings"] if f["criterion"] == "known_vulnerabilities")
    assert audit["outcome"] == "fail" and "pyyaml 5.3: PYSEC-2021-142" in audit["message"]


@pytest.mark.parametrize(
    ("params", "expected", "named"),
    [
        # Imported today, but its newest PyPI advisory is from 2023: stale under the default 30 days.
        ("{vulndb_min_records: {PyPI: 25}}", "not_available", "modified 2023-10-25"),
        ("{vulndb_max_age_days: 365, vulndb_min_records: {PyPI: 25}}", "not_available", "more than 365 days"),
        # 25 PyPI advisories cannot have covered an audit under the built-in minimum.
        ("{vulndb_max_age_days: 36500}", "not_available", "fewer than the 1000"),
        (OSV_SNAPSHOT_PARAMS, "pass", "25 PyPI advisories"),
    ],
)
def test_the_database_is_as_current_as_its_records_and_must_cover_the_ecosystem(
    gated: ProjectFactory, osv_cache: Path, params: str, expected: str, named: str
) -> None:
    gated.policy(_policy(params))
    write(gated.root / "requirements.txt", SAFE)
    result = assess_project(gated.root, store=False, vulndb_dir=osv_cache)
    audit = _finding(result, "SVV-3", "known_vulnerabilities")
    assert (audit.outcome.value, named in audit.message) == (expected, True), audit.message


@pytest.mark.parametrize("modified", ["2999-01-01T00:00:00Z", f"{date.today().isoformat()}T00:00:00Z"])
def test_a_dummy_database_fails_the_record_minimum_and_future_dates_are_not_trusted(
    gated: ProjectFactory, tmp_path: Path, modified: str
) -> None:
    cache = tmp_path / "dummy-cache"
    _dummy_database(cache, modified)
    write(gated.root / "requirements.txt", VULNERABLE)
    gated.policy(_policy("{vulndb_max_age_days: 30}"))  # the built-in minimum of PyPI records applies
    result = assess_project(gated.root, store=False, vulndb_dir=cache)
    audit = _finding(result, "SVV-3", "known_vulnerabilities")
    assert audit.outcome.value == "not_available" and "holds 1 PyPI advisories" in audit.message
    # Only a policy that asks for a single record accepts it, and then only with believable dates.
    gated.policy(_policy("{vulndb_min_records: {PyPI: 1}}"))
    lowered = assess_project(gated.root, store=False, vulndb_dir=cache)
    audit = _finding(lowered, "SVV-3", "known_vulnerabilities")
    if modified.startswith("2999"):
        assert audit.outcome.value == "not_available" and "cannot be trusted" in audit.message
    else:
        assert audit.outcome.value == "pass", audit.message


@pytest.mark.slow
def test_the_evidence_names_the_database_by_digest_with_counts_per_ecosystem(
    gated: ProjectFactory, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    database = VulnDatabase(database_path(cache))
    export = tmp_path / "export"
    export.mkdir()
    for record in (SHARED_FIXTURES / "osv-ecosystems").glob("*.json"):
        shutil.copy(record, export / record.name)
    import_records(export, database, imported_at="2026-01-01T00:00:00Z")
    import_records(OSV, database, imported_at=datetime.now(tz=timezone.utc).isoformat())
    write(gated.root / "requirements.txt", SAFE)
    result = assess_project(gated.root, store=False, vulndb_dir=cache)
    payload = _payload(result, EvidenceKind.VULNERABILITY_AUDIT)
    info = payload["database"]
    assert info["sha256"] == hashlib.sha256(database.path.read_bytes()).hexdigest()
    counts = {e["ecosystem"]: e["records"] for e in info["ecosystems"]}
    assert (counts["PyPI"], counts["npm"], counts["Maven"], counts["Debian"]) == (26, 2, 1, 1)
    assert info["chosen_by"] == "option" and payload["ecosystem"] == "PyPI"
    assert [(s["path"], s["kind"], s["reason"], s["pinned"]) for s in payload["sources"]] == [
        ("requirements.txt", "requirements", "discovered", 1)
    ]


# --- The OSV service: the operator's, never the repository's -------------------------------------------


@pytest.fixture
def attacker_service(tmp_path: Path) -> Any:
    """An OSV-compatible service that knows nothing (one dummy advisory): it answers "no vulnerabilities"."""
    with BackgroundServer(_dummy_database(tmp_path / "attacker-cache", "2026-01-01T00:00:00Z")) as server:
        yield server


@pytest.fixture
def operator_service(osv_cache: Path) -> Any:
    """The operator's OSV service: the shared fixtures on loopback."""
    with BackgroundServer(VulnDatabase(database_path(osv_cache))) as server:
        yield server


def test_an_osv_url_in_the_repository_is_not_honoured(gated: ProjectFactory, attacker_service: Any) -> None:
    gated.pyproject(f'policy = "security/policy.yaml"\nosv-url = "{attacker_service.base_url}/v1/query"\n')
    write(gated.root / "requirements.txt", VULNERABLE)
    result = assess_project(gated.root, store=False)
    audit = _finding(result, "SVV-3", "known_vulnerabilities")
    assert audit.outcome.value == "not_available"
    assert "osv-url in [tool.sdl-gate] is not honoured" in audit.message and "SDL_GATE_OSV_URL" in audit.message


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_operators_osv_url_wins_over_the_repositorys(
    gated: ProjectFactory,
    attacker_service: Any,
    operator_service: Any,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    gated.pyproject(f'policy = "security/policy.yaml"\nosv-url = "{attacker_service.base_url}/v1/query"\n')
    write(gated.root / "requirements.txt", VULNERABLE)
    url = f"{operator_service.base_url}/v1/query"
    if how == "environment":
        monkeypatch.setenv("SDL_GATE_OSV_URL", url)
        result = assess_project(gated.root, store=False)
    else:
        result = assess_project(gated.root, store=False, osv_url=url)
    audit = _finding(result, "SVV-3", "known_vulnerabilities")
    assert audit.outcome.value == "fail" and "pyyaml 5.3: PYSEC-2021-142" in audit.message
    payload = _payload(result, EvidenceKind.VULNERABILITY_AUDIT)
    assert (payload["url"], payload["url_chosen_by"]) == (url, how)
