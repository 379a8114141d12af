"""The offline audit of components of every ecosystem by purl, against a database of real OSV records."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from sdl_gate.vulndb.audit import GIT, ComponentStatus, audit_components
from sdl_gate.vulndb.importer import import_records
from sdl_gate.vulndb.store import VulnDatabase
from tests.conftest import SHARED_FIXTURES

ECOSYSTEMS = SHARED_FIXTURES / "osv-ecosystems"


@dataclass(frozen=True)
class Part:
    """A component as an SBOM reader gives it."""

    name: str
    version: str | None
    purl: str | None
    commit: str | None = None


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> VulnDatabase:
    if not ECOSYSTEMS.is_dir():
        pytest.skip(f"shared OSV ecosystem fixtures not found at {ECOSYSTEMS}")
    work = tmp_path_factory.mktemp("osv")
    export = work / "all.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for record in sorted(ECOSYSTEMS.glob("*.json")):
            archive.write(record, record.name)
    db = VulnDatabase(work / "osv.sqlite3")
    import_records(export, db, imported_at="2026-01-01T00:00:00Z")
    return db


def test_vulnerable_npm_maven_and_debian_components_are_found_and_fixed_ones_are_not(database: VulnDatabase) -> None:
    parts = [
        Part("lodash", "4.17.11", "pkg:npm/lodash@4.17.11"),
        Part("log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
        Part("nginx", "1.2.1-2.2+wheezy2", "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-7"),
        Part("minimist", "1.2.6", "pkg:npm/minimist@1.2.6"),
        Part("text", "v0.3.8", "pkg:golang/golang.org/x/text@v0.3.8"),
    ]
    audit = audit_components(parts, database)
    found = {r.name: ([d["id"] for d in r.advisories], r.status, r.fixed) for r in audit.components}
    assert found["lodash"] == (["GHSA-jf85-cpcp-j695"], ComponentStatus.AUDITED, (("4.17.12",),))
    assert found["log4j-core"][0] == ["GHSA-jfh8-c2jp-5v3q"]
    assert found["nginx"][0] == ["DSA-3029-1"]
    assert found["minimist"] == ([], ComponentStatus.AUDITED, ())
    assert found["text"] == ([], ComponentStatus.AUDITED, ())
    assert audit.ecosystems == ("Debian:7", "Go", "Maven", "npm")


def test_components_the_database_cannot_cover_are_unauditable_with_the_reason(database: VulnDatabase) -> None:
    parts = [
        Part("vendored-zlib", "1.2.11", None),
        Part("rails", "7.0.0", "pkg:gem/rails@7.0.0"),  # no RubyGems advisories imported
        Part("curl", "7.88.1-10", "pkg:deb/debian/curl@7.88.1-10?distro=debian-12"),  # only Debian 7's
        Part("thing", "1.0", "pkg:generic/thing@1.0"),
    ]
    audit = audit_components(parts, database)
    results = {r.name: r for r in audit.components}
    assert all(r.status is ComponentStatus.UNAUDITABLE for r in results.values())
    assert "no package URL" in str(results["vendored-zlib"].reason)
    assert "RubyGems" in str(results["rails"].reason)
    assert "Debian:12" in str(results["curl"].reason)
    assert "generic" in str(results["thing"].reason)
    assert audit.ecosystems == ()


def test_an_unparseable_version_could_not_be_told_and_is_named(database: VulnDatabase) -> None:
    (result,) = audit_components([Part("lodash", "four", "pkg:npm/lodash@four")], database).components
    assert result.status is ComponentStatus.UNDETERMINED
    assert "GHSA-jf85-cpcp-j695" in str(result.reason) and "'four'" in str(result.reason)


def test_a_commit_is_matched_against_the_git_ranges_of_its_repository(database: VulnDatabase) -> None:
    bug = "17ee4cf670c363de8d2ea4a4897d7a699837873f"
    parts = [
        Part("file", None, f"pkg:github/file/file@{bug}"),
        Part("file-fixed", None, "pkg:github/file/file@19ccebafb7663c422c714e0c67fa4775abf91c43"),
        Part("file-other", None, "pkg:github/file/file", commit="a" * 40),
    ]
    results = {r.name: r for r in audit_components(parts, database).components}
    assert [d["id"] for d in results["file"].advisories] == ["OSV-2017-134"]
    assert results["file"].ecosystem == GIT
    assert (results["file-fixed"].status, results["file-fixed"].advisories) == (ComponentStatus.AUDITED, ())
    assert results["file-other"].status is ComponentStatus.UNDETERMINED


def test_pypi_pins_pip_audit_covers_are_left_to_it(database: VulnDatabase) -> None:
    parts = [Part("PyYAML", "5.3.1", "pkg:pypi/pyyaml@5.3.1"), Part("PyYAML", "5.3", "pkg:pypi/pyyaml@5.3")]
    audit = audit_components(parts, database, skip=frozenset({("PyPI", "pyyaml@5.3.1")}))
    assert [(r.version, [d["id"] for d in r.advisories]) for r in audit.components] == [
        ("5.3", ["GHSA-8q59-q68h-6hv4"])
    ]


def test_withdrawn_advisories_are_not_matched(tmp_path: Path) -> None:
    if not ECOSYSTEMS.is_dir():
        pytest.skip(f"shared OSV ecosystem fixtures not found at {ECOSYSTEMS}")
    record = json.loads((ECOSYSTEMS / "npm-lodash-GHSA-jf85-cpcp-j695.json").read_text(encoding="utf-8"))
    record["withdrawn"] = "2024-01-01T00:00:00Z"
    source = tmp_path / "records"
    source.mkdir()
    (source / "GHSA-jf85-cpcp-j695.json").write_text(json.dumps(record), encoding="utf-8")
    (source / "minimist.json").write_bytes((ECOSYSTEMS / "npm-minimist-GHSA-xvch-5gv4-984h.json").read_bytes())
    db = VulnDatabase(tmp_path / "db.sqlite3")
    import_records(source, db, imported_at="2026-01-01T00:00:00Z")
    (result,) = audit_components([Part("lodash", "4.17.11", "pkg:npm/lodash@4.17.11")], db).components
    assert (result.status, result.advisories) == (ComponentStatus.AUDITED, ())
