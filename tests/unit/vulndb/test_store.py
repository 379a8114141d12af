"""What the offline database says about itself: advisories per ecosystem, the newest change, its digest."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from sdl_gate.vulndb.importer import import_records, read_source
from sdl_gate.vulndb.store import VulnDatabase, database_path, record_ecosystems
from tests.conftest import SHARED_FIXTURES, write

ECOSYSTEMS = SHARED_FIXTURES / "osv-ecosystems"
OSV = SHARED_FIXTURES / "osv"
needs_fixtures = pytest.mark.skipif(
    not (ECOSYSTEMS.is_dir() and OSV.is_dir()), reason=f"shared OSV fixtures not found at {SHARED_FIXTURES}"
)


def _export(tmp_path: Path) -> Path:
    """The real records of several ecosystems (the top-level JSON files, as osv.dev serves them)."""
    export = tmp_path / "export"
    export.mkdir(parents=True)
    for record in ECOSYSTEMS.glob("*.json"):
        shutil.copy(record, export / record.name)
    return export


@needs_fixtures
def test_advisories_are_counted_per_ecosystem_with_their_newest_change(tmp_path: Path) -> None:
    database = VulnDatabase(database_path(tmp_path / "cache"))
    import_records(_export(tmp_path), database, imported_at="2999-01-01T00:00:00Z")
    import_records(OSV, database, imported_at="2999-01-01T00:00:00Z")
    status = database.status()
    counts = {e.ecosystem: e.records for e in status.ecosystems}
    # Debian:7 counts as Debian; the PyPI GHSA twin of PYSEC-2021-142 is a record of its own.
    assert counts == {
        "Debian": 1,
        "Go": 1,
        "Maven": 1,
        "NuGet": 1,
        "OSS-Fuzz": 1,
        "PyPI": 26,
        "crates.io": 1,
        "npm": 2,
    }
    # Each ecosystem's newest change is that of its own records, not the newest of the whole database.
    newest: dict[str, str] = {}
    for records in (read_source(_export(tmp_path / "again"))[0], read_source(OSV)[0]):
        for record in records.values():
            for ecosystem in record_ecosystems(record):
                newest[ecosystem] = max(newest.get(ecosystem, ""), str(record["modified"]))
    assert {e.ecosystem: e.newest_modified for e in status.ecosystems} == newest
    assert newest["npm"] != newest["PyPI"]
    assert status.imported_at == "2999-01-01T00:00:00Z"  # recorded, but never what the age is judged by


def test_withdrawn_advisories_do_not_count(tmp_path: Path) -> None:
    source = tmp_path / "records"
    for index, withdrawn in enumerate((None, "2026-01-02T00:00:00Z")):
        record = {
            "id": f"PYSEC-2026-{index}",
            "modified": "2026-01-02T00:00:00Z",
            "affected": [{"package": {"name": "idna", "ecosystem": "PyPI"}, "versions": ["3.10"]}],
        }
        if withdrawn:
            record["withdrawn"] = withdrawn
        write(source / f"PYSEC-2026-{index}.json", json.dumps(record))
    database = VulnDatabase(database_path(tmp_path / "cache"))
    import_records(source, database, imported_at="2026-01-03T00:00:00Z")
    assert [(e.ecosystem, e.records) for e in database.status().ecosystems] == [("PyPI", 1)]


@needs_fixtures
def test_the_digest_is_the_database_file_and_changes_with_its_content(tmp_path: Path) -> None:
    database = VulnDatabase(database_path(tmp_path / "cache"))
    import_records(OSV / "pyyaml", database, imported_at="2026-01-01T00:00:00Z")
    first = database.digest()
    assert first == hashlib.sha256(database.path.read_bytes()).hexdigest()
    import_records(OSV / "jinja2", database, imported_at="2026-01-01T00:00:00Z")
    assert database.digest() != first


@needs_fixtures
def test_a_database_written_before_ecosystems_were_recorded_is_filled_in_on_import(tmp_path: Path) -> None:
    database = VulnDatabase(database_path(tmp_path / "cache"))
    import_records(OSV / "pyyaml", database, imported_at="2026-01-01T00:00:00Z")
    with sqlite3.connect(database.path) as db:  # as the first schema left it
        db.execute("DROP TABLE ecosystems")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    assert database.status().ecosystems == ()  # unknown counts: the policy minimum then fails closed
    import_records(OSV / "jinja2", database, imported_at="2026-01-02T00:00:00Z")
    assert [(e.ecosystem, e.records) for e in database.status().ecosystems] == [("PyPI", 9)]


@needs_fixtures
def test_a_database_indexed_by_pypi_name_only_is_reindexed_by_ecosystem_on_import(tmp_path: Path) -> None:
    database = VulnDatabase(database_path(tmp_path / "cache"))
    import_records(OSV / "pyyaml", database, imported_at="2026-01-01T00:00:00Z")
    found = [v["id"] for v in database.query("PyYAML", "5.3")]
    with sqlite3.connect(database.path) as db:  # as the second schema left it
        db.execute("DROP TABLE packages")
        db.execute("DROP TABLE repositories")
        db.execute("CREATE TABLE affected (vuln_id TEXT NOT NULL, package TEXT NOT NULL)")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    assert not database.schema_current()
    import_records(OSV / "jinja2", database, imported_at="2026-01-02T00:00:00Z")
    assert database.schema_current()
    assert found and [v["id"] for v in database.query("PyYAML", "5.3")] == found


def test_ecosystems_are_read_from_every_affected_entry() -> None:
    record = {
        "affected": [
            {"package": {"ecosystem": "Debian:11", "name": "x"}},
            {"package": {"ecosystem": "PyPI", "name": "x"}},
            {"package": {"ecosystem": 3}},
            "not a mapping",
        ]
    }
    assert record_ecosystems(record) == {"Debian", "PyPI"}
    assert record_ecosystems({"affected": "nonsense"}) == set()


def test_the_database_opened_is_the_one_named_else_the_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sdl_gate.vulndb.store import open_database

    assert open_database(tmp_path / "named").path == database_path(tmp_path / "named")
    monkeypatch.setenv("SDL_GATE_CACHE_DIR", str(tmp_path / "env"))
    assert open_database(None).path == database_path(tmp_path / "env")


@needs_fixtures
def test_an_import_now_is_stamped_with_the_real_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timedelta, timezone

    from sdl_gate.vulndb.importer import import_now

    # SOURCE_DATE_EPOCH dates reproducible files; when the records were imported is a fact, never pinned.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    database = VulnDatabase(tmp_path / "db.sqlite3")
    before = datetime.now(tz=timezone.utc).replace(microsecond=0)
    result = import_now(_export(tmp_path), database)
    stamp = database.status().imported_at
    assert result.records > 0 and stamp is not None and stamp.endswith("Z")
    assert (
        before
        <= datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        <= datetime.now(tz=timezone.utc) + timedelta(seconds=1)
    )
