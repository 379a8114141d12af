"""The offline OSV database: version matching, import (one transaction, bad input refused) and the loopback API."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from packaging.version import Version

from sdl_gate.errors import InputError
from sdl_gate.vulndb.importer import import_records
from sdl_gate.vulndb.matching import is_affected, parse_affected
from sdl_gate.vulndb.server import MAX_REQUEST_BYTES, BackgroundServer
from sdl_gate.vulndb.store import VulnDatabase
from tests.conftest import SHARED_FIXTURES, RunCli

OSV_FIXTURES = SHARED_FIXTURES / "osv"
needs_osv = pytest.mark.skipif(not OSV_FIXTURES.is_dir(), reason=f"shared OSV fixtures not found at {OSV_FIXTURES}")


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _affected(*ranges: list[dict[str, str]], versions: list[str] | None = None, kind: str = "ECOSYSTEM") -> Any:
    raw = {
        "package": {"name": "Demo_Pkg", "ecosystem": "PyPI"},
        "ranges": [{"type": kind, "events": events} for events in ranges],
        "versions": versions or [],
    }
    parsed = parse_affected(raw, "affected[0]")
    assert parsed is not None
    return parsed


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.9", False),  # before introduced
        ("1.0", True),  # introduced is inclusive
        ("1.5.post1", True),
        ("2.0rc1", True),  # a pre-release of the fix still has the bug (PEP 440: 2.0rc1 < 2.0)
        ("2.0", False),  # fixed is exclusive
        ("2.0.1", False),
        ("3.0", True),  # second range: last_affected is inclusive
        ("3.1", True),
        ("3.1.1", False),
        ("10.0", False),
    ],
)
def test_ecosystem_ranges_follow_pep440_and_osv_events(version: str, expected: bool) -> None:
    affected = _affected(
        [{"introduced": "1.0"}, {"fixed": "2.0"}],
        [{"introduced": "3.0"}, {"last_affected": "3.1"}],
    )
    assert is_affected(version, affected) is expected


def test_limit_caps_a_range_and_versions_list_matches_exactly() -> None:
    limited = _affected([{"introduced": "0"}, {"limit": "1.5"}])
    assert is_affected("1.4", limited)
    assert not is_affected("1.5", limited)
    listed = _affected(versions=["0.5.0", "legacy-1"])
    assert is_affected("0.5", listed)  # PEP 440 equality: 0.5 == 0.5.0
    assert is_affected("legacy-1", listed)
    assert not is_affected("0.6", listed)


def test_git_ranges_are_not_used_for_versions() -> None:
    git_only = _affected([{"introduced": "0"}, {"fixed": "9b53045c34e61013dc8f09b7e52a555fa16bed16"}], kind="GIT")
    assert not is_affected("1.0", git_only)
    assert git_only.fixed == ()


def test_bad_version_in_a_range_is_refused_with_its_place() -> None:
    with pytest.raises(Exception, match=r"ranges\[0\]\.events\[1\]\.fixed.*not a PEP 440 version"):
        _affected([{"introduced": "0"}, {"fixed": "not a version!"}])


def _record(vuln_id: str, *, fixed: str = "2.0", aliases: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": vuln_id,
        "modified": extra.pop("modified", "2024-01-01T00:00:00Z"),
        "published": "2023-06-01T00:00:00Z",
        "aliases": aliases or [],
        "affected": [
            {
                "package": {"name": "demo-pkg", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }
        ],
        **extra,
    }


def _write(directory: Path, *records: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for record in records:
        (directory / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    return directory


def test_aliases_merge_withdrawn_are_excluded_and_reimport_updates(tmp_path: Path) -> None:
    database = VulnDatabase(tmp_path / "db.sqlite3")
    source = _write(
        tmp_path / "v1",
        _record("PYSEC-1", aliases=["CVE-1", "GHSA-1"]),
        _record("GHSA-1", aliases=["CVE-1"]),
        _record("PYSEC-2", withdrawn="2024-02-01T00:00:00Z"),
    )
    import_records(source, database, imported_at="2026-01-01T00:00:00Z")
    found = database.query("Demo.Pkg", "1.0")
    assert [v["id"] for v in found] == ["PYSEC-1"]
    assert found[0]["aliases"] == ["CVE-1", "GHSA-1"]
    assert database.get("CVE-1") is not None  # looked up by alias
    # A newer edition of PYSEC-1 moves the fix earlier; re-import replaces it in place.
    _write(tmp_path / "v2", _record("PYSEC-1", fixed="0.5", aliases=["CVE-1"], modified="2025-01-01T00:00:00Z"))
    import_records(tmp_path / "v2", database, imported_at="2026-01-02T00:00:00Z")
    assert [v["id"] for v in database.query("demo-pkg", "1.0")] == ["GHSA-1"]
    assert database.status().records == 3


def test_a_bad_record_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    database = VulnDatabase(tmp_path / "db.sqlite3")
    import_records(_write(tmp_path / "good", _record("PYSEC-1")), database, imported_at="2026-01-01T00:00:00Z")
    bad = _write(tmp_path / "bad", _record("PYSEC-9"), _record("PYSEC-8", fixed="2.0 final"))
    with pytest.raises(InputError) as caught:
        import_records(bad, database, imported_at="2026-01-02T00:00:00Z")
    assert "PYSEC-8.json" in str(caught.value.path)
    assert caught.value.location == "affected[0].ranges[0].events[1].fixed"
    status = database.status()
    assert (status.records, status.imported_at) == (1, "2026-01-01T00:00:00Z")


def test_zip_exports_import_and_escaping_paths_are_refused(tmp_path: Path) -> None:
    database = VulnDatabase(tmp_path / "db.sqlite3")
    good = tmp_path / "PyPI.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("PYSEC-1.json", json.dumps(_record("PYSEC-1")))
    assert import_records(good, database, imported_at="2026-01-01T00:00:00Z").records == 1
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escape.json", json.dumps(_record("PYSEC-2")))
    with pytest.raises(InputError, match="escaping the archive root"):
        import_records(evil, database, imported_at="2026-01-02T00:00:00Z")
    assert database.status().records == 1


def _request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


@needs_osv
def test_loopback_api_answers_like_osv(tmp_path: Path) -> None:
    database = VulnDatabase(tmp_path / "db.sqlite3")
    import_records(OSV_FIXTURES, database, imported_at="2026-01-01T00:00:00Z")
    with BackgroundServer(database) as server:
        assert server.server_address[0] == "127.0.0.1"
        query = json.dumps({"package": {"name": "PyYAML", "ecosystem": "PyPI"}, "version": "5.3"}).encode()
        status, body = _request(server.port, "POST", "/v1/query", query)
        assert status == 200
        assert "PYSEC-2021-142" in {v["id"] for v in body["vulns"]}
        status, body = _request(server.port, "POST", "/v1/query", b'{"package": {"purl": "pkg:pypi/pyyaml@6.0.1"}}')
        assert (status, body) == (200, {})
        batch = {
            "queries": [
                {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.19.0"},
                {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.32.3"},
            ]
        }
        status, body = _request(server.port, "POST", "/v1/querybatch", json.dumps(batch).encode())
        assert status == 200
        assert "PYSEC-2018-28" in {v["id"] for v in body["results"][0]["vulns"]}
        assert body["results"][1]["vulns"] == []
        status, body = _request(server.port, "GET", "/v1/vulns/CVE-2020-14343")
        assert (status, body["id"]) == (200, "PYSEC-2021-142")
        assert _request(server.port, "GET", "/v1/vulns/PYSEC-0000-0")[0] == 404
        npm = json.dumps({"package": {"name": "left-pad", "ecosystem": "npm"}, "version": "1.0.0"}).encode()
        assert _request(server.port, "POST", "/v1/query", npm)[0] == 400
        # An oversized body is refused from its Content-Length, before any of it is read.
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.putrequest("POST", "/v1/query")
        connection.putheader("Content-Length", str(MAX_REQUEST_BYTES + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
        connection.close()


_versions = st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12)).map(lambda t: ".".join(map(str, t)))


@given(low=_versions, high=_versions, probe=_versions)
def test_an_introduced_fixed_range_is_the_half_open_pep440_interval(low: str, high: str, probe: str) -> None:
    assume(Version(low) <= Version(high))  # OSV reads an inverted range as "affected from introduced on"
    affected = _affected([{"introduced": low}, {"fixed": high}])
    assert is_affected(probe, affected) is (Version(low) <= Version(probe) < Version(high))


@pytest.mark.slow
def test_cli_import_status_and_serve(run_cli: RunCli, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = _write(tmp_path / "good", _record("PYSEC-1", aliases=["CVE-1"]))
    imported = run_cli("vulndb", "import", good, "--cache-dir", cache)
    assert imported.code == 0, imported.stderr
    bad = _write(tmp_path / "bad", _record("PYSEC-2", fixed="two"))
    refused = run_cli("vulndb", "import", bad, "--cache-dir", cache)
    assert refused.code == 2
    assert "PYSEC-2.json at affected[0].ranges[0].events[1].fixed: 'two' is not a PEP 440 version" in refused.stderr
    status = run_cli("vulndb", "status", "--cache-dir", cache)
    assert "advisories 1 (0 withdrawn)" in status.stdout

    server = subprocess.Popen(
        [sys.executable, "-m", "sdl_gate", "vulndb", "serve", "--port", "0", "--cache-dir", str(cache)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        port = int(banner.split("http://127.0.0.1:", 1)[1].split()[0])
        query = json.dumps({"package": {"name": "demo_pkg", "ecosystem": "PyPI"}, "version": "1.0"}).encode()
        status_code, body = _request(port, "POST", "/v1/query", query)
        assert (status_code, [v["id"] for v in body["vulns"]]) == (200, ["PYSEC-1"])
    finally:
        server.terminate()
        server.wait(timeout=10)
