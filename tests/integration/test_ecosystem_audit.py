"""The offline audit of an SBOM's components in every ecosystem, through the CLI, on real OSV records."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from sdl_gate.vulndb.importer import import_records
from sdl_gate.vulndb.store import VulnDatabase, database_path
from tests.conftest import SHARED_FIXTURES, ProjectFactory, RunCli, approve_project_exceptions, current_waiver_window

ECOSYSTEMS = SHARED_FIXTURES / "osv-ecosystems"
pytestmark = pytest.mark.skipif(
    not ECOSYSTEMS.is_dir(), reason=f"shared OSV ecosystem fixtures not found at {ECOSYSTEMS}"
)

# The real records are years old and few: SVV-3's database parameters are set to accept them.
POLICY = """
version: 1
extends: iec62443-4-1-ml2
defaults: {mode: disabled}
requirements:
  SVV-3: {mode: enforced, params: {vulndb_max_age_days: 36500}}
  DM-4: {mode: enforced}
"""

VULNERABLE = {
    "lodash": PackageURL("npm", None, "lodash", "4.17.11"),
    "log4j-core": PackageURL("maven", "org.apache.logging.log4j", "log4j-core", "2.14.1"),
    "nginx": PackageURL("deb", "debian", "nginx", "1.2.1-2.2+wheezy2", {"distro": "debian-7"}),
}
FOUND = (
    "lodash 4.17.11: GHSA-jf85-cpcp-j695",
    "org.apache.logging.log4j:log4j-core 2.14.1: GHSA-jfh8-c2jp-5v3q",
    "nginx 1.2.1-2.2+wheezy2: DSA-3029-1",
)


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


@pytest.fixture(scope="module")
def ecosystem_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory whose offline database holds the real records of eight ecosystems (one zip export)."""
    work = tmp_path_factory.mktemp("osv")
    export = work / "all.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for record in sorted(ECOSYSTEMS.glob("*.json")):
            archive.write(record, record.name)
    cache = work / "cache"
    import_records(export, VulnDatabase(database_path(cache)), imported_at=date.today().isoformat() + "T00:00:00Z")
    return cache


def _sbom(path: Path) -> Path:
    bom = Bom()
    bom.metadata.component = Component(name="gateway", version="2.0.0", type=ComponentType.APPLICATION)
    for name, purl in VULNERABLE.items():
        bom.components.add(Component(name=name, version=purl.version, purl=purl, bom_ref=purl.to_string()))
    bom.components.add(Component(name="vendored-zlib", version="1.2.11", bom_ref="vendored-zlib"))
    bom.register_dependency(bom.metadata.component, list(bom.components))
    path.write_text(JsonV1Dot6(bom).output_as_string(indent=2), encoding="utf-8")
    return path


def _finding(document: dict[str, Any], requirement: str, criterion: str) -> dict[str, Any]:
    found = next(r for r in document["requirements"] if r["id"] == requirement)
    return next(f for f in found["findings"] if f["criterion"] == criterion)


def _waiver(waiver_id: str, scope: str) -> str:
    created, expires = current_waiver_window()
    return f"""
  - id: {waiver_id}
    scope: {scope}
    justification: The affected code path is not shipped in the gateway image; tracked for removal.
    requester: Max Mustermann <max.mustermann@example.com>
    approver: Erika Lind <erika.lind@example.com>
    created: {created}
    expires: {expires}"""


@pytest.mark.slow
def test_sbom_components_of_npm_maven_and_debian_are_audited_offline_and_purlless_ones_are_unauditable(
    project: ProjectFactory, run_cli: RunCli, ecosystem_cache: Path
) -> None:
    project.pyproject('policy = "security/policy.yaml"\nsbom = "sbom.cdx.json"\n')
    project.policy(POLICY)
    project.record("TR-1", "test_report", ["SVV-3"])
    _sbom(project.root / "sbom.cdx.json")
    env = {"SDL_GATE_CACHE_DIR": str(ecosystem_cache)}

    found = run_cli("check", project.root, "--offline", "--format", "json", env=env)
    assert found.code == 1, found.stderr
    document = json.loads(found.stdout)
    known = _finding(document, "SVV-3", "known_vulnerabilities")
    assert known["outcome"] == "fail"
    for expected in FOUND:
        assert expected in known["message"]
    assert "vendored-zlib" in known["message"]  # the audit is incomplete, and says which component it missed

    vulnerability_waivers = "".join(
        _waiver(f"W-{n}", f"{{vulnerability: {label.rsplit(': ', 1)[1]}, package: '{label.split(' ')[0]}'}}")
        for n, label in enumerate(FOUND, start=1)
    )
    project.waivers("version: 1\nwaivers:" + vulnerability_waivers + "\n")
    approve_project_exceptions(project)
    unaudited = run_cli("check", project.root, "--offline", "--format", "json", env=env)
    assert unaudited.code == 1, unaudited.stderr
    document = json.loads(unaudited.stdout)
    for requirement, criterion in (("SVV-3", "known_vulnerabilities"), ("DM-4", "vulnerability_dispositions")):
        finding = _finding(document, requirement, criterion)
        assert finding["outcome"] == "not_available", finding
        assert "vendored-zlib 1.2.11 (unauditable" in finding["message"]

    project.waivers(
        "version: 1\nwaivers:" + vulnerability_waivers + _waiver("W-9", "{component: vendored-zlib}") + "\n"
    )
    approve_project_exceptions(project)
    accepted = run_cli("check", project.root, "--offline", "--format", "json", env=env)
    assert accepted.code == 0, accepted.stdout
    known = _finding(json.loads(accepted.stdout), "SVV-3", "known_vulnerabilities")
    assert known["outcome"] == "pass"
    assert "3 SBOM components in Debian:7, Maven, npm" in known["message"]
    assert "vendored-zlib 1.2.11 waived by W-9" in known["message"]


@pytest.mark.slow
def test_an_online_run_lists_sbom_components_as_unauditable_never_clean(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    project.pyproject('policy = "security/policy.yaml"\nsbom = "sbom.cdx.json"\n')
    project.policy(POLICY)
    project.record("TR-1", "test_report", ["SVV-3"])
    _sbom(project.root / "sbom.cdx.json")
    result = run_cli("check", project.root, "--format", "json", env={"SDL_GATE_OSV_URL": "http://127.0.0.1:9/v1/query"})
    assert result.code == 1, result.stderr
    known = _finding(json.loads(result.stdout), "SVV-3", "known_vulnerabilities")
    assert known["outcome"] == "not_available"
    assert "pkg:npm/lodash@4.17.11 (unauditable" in known["message"]


def test_vulndb_import_prints_counts_per_ecosystem_and_refuses_a_hostile_zip(run_cli: RunCli, tmp_path: Path) -> None:
    export = tmp_path / "npm" / "all.zip"
    export.parent.mkdir()
    with zipfile.ZipFile(export, "w") as archive:
        for record in sorted(ECOSYSTEMS.glob("npm-*.json")):
            archive.write(record, record.name)
    cache = tmp_path / "cache"
    imported = run_cli("vulndb", "import", export, "--cache-dir", cache)
    assert imported.code == 0, imported.stderr
    assert "npm          2 advisories imported" in imported.stdout
    status = run_cli("vulndb", "status", "--cache-dir", cache)
    assert "npm          2 advisories" in status.stdout

    hostile = tmp_path / "whole.zip"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("Maven/all.zip", _zip_bytes(tmp_path / "inner.zip", {"../../escape.json": b"{}"}))
    refused = run_cli("vulndb", "import", hostile, "--cache-dir", cache)
    assert refused.code == 2
    assert "Maven/all.zip" in refused.stderr
    assert "npm          2 advisories" in run_cli("vulndb", "status", "--cache-dir", cache).stdout


def _zip_bytes(path: Path, members: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path.read_bytes()
