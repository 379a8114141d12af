"""Reading OSV records into the offline database: real advisories, directories, zip exports, and bad records."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.vulndb.importer import import_records, parse_record, read_source
from sdl_gate.vulndb.store import VulnDatabase
from tests.conftest import SHARED_FIXTURES, write

OSV = SHARED_FIXTURES / "osv"
ECOSYSTEMS = SHARED_FIXTURES / "osv-ecosystems"
GHSA_PYYAML = ECOSYSTEMS / "pypi-pyyaml-GHSA-8q59-q68h-6hv4.json"
PYSEC_PYYAML = ECOSYSTEMS / "yaml" / "pypi-pyyaml-PYSEC-2021-142.yaml"

RECORD = {
    "id": "PYSEC-0000-1",
    "modified": "2024-01-02T03:04:05Z",
    "aliases": ["CVE-0000-1"],
    "affected": [
        {
            "package": {"name": "demo", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}],
        }
    ],
}


def _needs(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared fixture {path.name} is absent (../shared/fixtures)")
    return path


def _json(**changes: object) -> bytes:
    return json.dumps({**RECORD, **changes}).encode("utf-8")


def _error(data: bytes, name: str = "record.json") -> InputError:
    with pytest.raises(InputError) as caught:
        parse_record(data, name, f"db/{name}")
    assert caught.value.path == f"db/{name}"
    return caught.value


# --- one record ---------------------------------------------------------------------------------------------


def test_a_real_yaml_record_keeps_its_fields_and_times_become_rfc3339_utc() -> None:
    record = parse_record(_needs(PYSEC_PYYAML).read_bytes(), PYSEC_PYYAML.name, str(PYSEC_PYYAML))
    assert record["id"] == "PYSEC-2021-142"
    assert record["aliases"] == ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"]
    assert record["modified"] == "2021-08-27T03:22:18.913334Z"
    assert record["published"] == "2021-02-09T21:15:00Z"
    package = record["affected"][0]["package"]
    assert (package["ecosystem"], package["name"]) == ("PyPI", "pyyaml")


def test_a_real_json_record_is_read_as_published() -> None:
    data = _needs(GHSA_PYYAML).read_bytes()
    record = parse_record(data, GHSA_PYYAML.name, str(GHSA_PYYAML))
    assert record["id"] == "GHSA-8q59-q68h-6hv4"
    assert record["modified"] == "2021-09-28T19:04:49Z"
    assert record["affected"] == json.loads(data)["affected"]


def test_the_yaml_original_and_its_json_conversion_give_the_same_record() -> None:
    derived = _needs(ECOSYSTEMS / "derived" / "PYSEC-2021-142.from-yaml.json")
    from_json = parse_record(derived.read_bytes(), derived.name, str(derived))
    from_yaml = parse_record(_needs(PYSEC_PYYAML).read_bytes(), PYSEC_PYYAML.name, str(PYSEC_PYYAML))
    assert from_json == from_yaml


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2021-06-09T14:15:00+02:00", "2021-06-09T12:15:00Z"),
        ("2021-06-09T14:15:00z", "2021-06-09T14:15:00Z"),
        ("2021-06-09T14:15:00", "2021-06-09T14:15:00Z"),
        ("2021-06-09T14:15:00.250Z", "2021-06-09T14:15:00.250000Z"),
    ],
)
def test_times_are_normalised_to_utc_with_z(written: str, stored: str) -> None:
    assert parse_record(_json(modified=written), "r.json", "r.json")["modified"] == stored


def test_yaml_timestamps_are_normalised_like_json_strings() -> None:
    text = "id: PYSEC-0000-2\nmodified: 2021-06-09 14:15:00+02:00\npublished: 2021-06-01\n"
    record = parse_record(text.encode("utf-8"), "r.yaml", "r.yaml")
    assert record["modified"] == "2021-06-09T12:15:00Z"
    assert record["published"] == "2021-06-01T00:00:00Z"


# --- bad records ---------------------------------------------------------------------------------------------


def test_not_utf8_is_refused() -> None:
    _error(b'{"id": "caf\xe9"}')


def test_malformed_json_names_its_line() -> None:
    assert _error(b'{\n  "id": "X",\n  "modified": \n}').line == 4


def test_malformed_yaml_names_its_line() -> None:
    assert _error(b"id: X\nmodified: [2024\naliases: []\n", "record.yaml").line is not None


@pytest.mark.parametrize(
    ("data", "location"),
    [
        (_json(id=""), "id"),
        (_json(id=7), "id"),
        (json.dumps({k: v for k, v in RECORD.items() if k != "id"}).encode(), "id"),
        (json.dumps({k: v for k, v in RECORD.items() if k != "modified"}).encode(), "modified"),
        (_json(modified="yesterday"), "modified"),
        (_json(published="2024-13-01T00:00:00Z"), "published"),
        (_json(aliases="CVE-0000-1"), "aliases"),
        (_json(aliases=[1]), "aliases"),
        (_json(affected={"package": "demo"}), "affected"),
        (
            _json(
                affected=[{"package": {"name": "demo", "ecosystem": "PyPI"}, "ranges": [{"type": "X", "events": []}]}]
            ),
            "affected[0].ranges[0].type",
        ),
    ],
)
def test_invalid_fields_are_refused_naming_the_field(data: bytes, location: str) -> None:
    assert _error(data).location == location


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"[1, 2]", "record.json"),
        (b"- id: X\n", "record.yaml"),
        (b"id: X\nmodified: 2024-13-01\n", "record.yaml"),  # a date PyYAML cannot construct
        (b"!!python/object/apply:os.system ['true']\n", "record.yaml"),
        (b"[" * 100_000, "record.json"),
        (b"a: " + b"[" * 100 + b"]" * 100 + b"\n", "record.yaml"),
    ],
)
def test_documents_that_are_not_records_are_refused(data: bytes, name: str) -> None:
    _error(data, name)


# --- sources: directories, single files, zip exports --------------------------------------------------------


def test_the_pypi_advisory_fixtures_read_as_one_record_per_file() -> None:
    records, files = read_source(_needs(OSV))
    assert files == len(records) == 25
    assert {"PYSEC-2021-142", "PYSEC-2018-28", "PYSEC-2019-217", "PYSEC-2021-66", "PYSEC-2019-220"} <= set(records)


def test_a_record_read_twice_keeps_its_newest_modification() -> None:
    records, files = read_source(_needs(ECOSYSTEMS))
    assert files == 12
    assert len(records) == 10
    # The OSS-Fuzz importer's JSON carries a synthetic 2021-01-01; the YAML original is newer and wins.
    assert records["OSV-2017-134"]["modified"] == "2022-04-13T03:04:30.826487Z"


def test_a_checkout_reads_only_its_vulns_folder_and_skips_hidden_trees_and_links(tmp_path: Path) -> None:
    checkout = tmp_path / "advisory-database"
    write(checkout / "vulns" / "demo" / "PYSEC-0000-1.json", _json().decode())
    write(checkout / "vulns" / ".git" / "x.json", "not json")
    write(checkout / "vulns" / "demo" / "notes.txt", "not a record")
    write(checkout / "tools" / "broken.json", "not json")
    (checkout / "vulns" / "demo" / "link.json").symlink_to(checkout / "tools" / "broken.json")
    records, files = read_source(checkout)
    assert (list(records), files) == (["PYSEC-0000-1"], 1)


def test_one_record_file_is_a_source(tmp_path: Path) -> None:
    path = write(tmp_path / "PYSEC-0000-1.json", _json().decode())
    assert list(read_source(path)[0]) == ["PYSEC-0000-1"]


def test_a_zip_export_is_read_member_by_member(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("PyPI/PYSEC-0000-1.json", _json())
        handle.writestr("PyPI/PYSEC-0000-2.json", _json(id="PYSEC-0000-2"))
        handle.writestr("README", "not a record")
        handle.writestr("PyPI/", "")
    records, files = read_source(archive)
    assert (sorted(records), files) == (["PYSEC-0000-1", "PYSEC-0000-2"], 2)


def test_a_bad_member_is_named_with_its_archive(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("PyPI/PYSEC-0000-1.json", _json(modified="soon"))
    with pytest.raises(InputError) as caught:
        read_source(archive)
    assert caught.value.path == f"{archive}!PyPI/PYSEC-0000-1.json"
    assert caught.value.location == "modified"


@pytest.mark.parametrize("member", ["../escape.json", "/abs.json", "a/../../b.json", "C:/x.json", "\\\\host\\x.json"])
def test_zip_members_escaping_the_archive_root_are_refused(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(zipfile.ZipInfo(member), _json())
    with pytest.raises(InputError) as caught:
        read_source(archive)
    assert caught.value.path == str(archive)


@pytest.mark.parametrize(("name", "content"), [("all.zip", b"PK\x03\x04 truncated"), ("notes.txt", b"text")])
def test_files_that_are_neither_records_nor_archives_are_refused(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_source(path)
    assert caught.value.path == str(path)


def test_a_missing_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_source(tmp_path / "absent")
    assert caught.value.path == str(tmp_path / "absent")


# --- into the database ------------------------------------------------------------------------------------------


def test_import_writes_every_record_and_counts_withdrawn_ones(tmp_path: Path) -> None:
    source = tmp_path / "records"
    write(source / "a.json", _json().decode())
    write(source / "b.json", _json(id="PYSEC-0000-2", withdrawn="2024-02-01T00:00:00Z").decode())
    database = VulnDatabase(tmp_path / "osv.sqlite3")
    result = import_records(source, database, imported_at="2024-03-01T00:00:00Z")
    assert (result.records, result.withdrawn, result.files) == (2, 1, 2)
    assert database.get("PYSEC-0000-1") is not None
    assert [r["id"] for r in database.query("demo", "0.5")] == ["PYSEC-0000-1"]
    assert database.query("demo", "1.0") == []


def test_an_empty_source_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    database = VulnDatabase(tmp_path / "osv.sqlite3")
    with pytest.raises(InputError) as caught:
        import_records(tmp_path / "empty", database, imported_at="2024-03-01T00:00:00Z")
    assert caught.value.path == str(tmp_path / "empty")
    assert not database.exists()


def test_one_bad_record_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    database = VulnDatabase(tmp_path / "osv.sqlite3")
    good = tmp_path / "good"
    write(good / "a.json", _json().decode())
    import_records(good, database, imported_at="2024-03-01T00:00:00Z")
    bad = tmp_path / "bad"
    write(bad / "a.json", _json(id="PYSEC-0000-9").decode())
    write(bad / "b.json", _json(id="PYSEC-0000-8", modified="never").decode())
    with pytest.raises(InputError) as caught:
        import_records(bad, database, imported_at="2024-03-02T00:00:00Z")
    assert caught.value.path == str(bad / "b.json")
    assert database.get("PYSEC-0000-1") is not None
    assert database.get("PYSEC-0000-9") is None


def _ecosystem_fixtures() -> list[Path]:
    if not ECOSYSTEMS.is_dir():
        pytest.skip(f"shared OSV ecosystem fixtures not found at {ECOSYSTEMS}")
    return sorted(ECOSYSTEMS.glob("*.json"))


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_per_ecosystem_exports_and_the_whole_set_import_with_counts(tmp_path: Path) -> None:
    by_ecosystem: dict[str, dict[str, bytes]] = {}
    for path in _ecosystem_fixtures():
        ecosystem = json.loads(path.read_bytes())["affected"][0]["package"]["ecosystem"].split(":")[0]
        by_ecosystem.setdefault(ecosystem, {})[path.name] = path.read_bytes()
    npm = _zip(tmp_path / "npm" / "all.zip", by_ecosystem["npm"])
    result = import_records(npm, VulnDatabase(tmp_path / "npm.sqlite3"), imported_at="2026-01-01T00:00:00Z")
    assert (result.records, result.ecosystems) == (2, (("npm", 2),))
    # The whole set: one all.zip per ecosystem, in a directory or in one zip.
    layout = tmp_path / "osv"
    for ecosystem, members in by_ecosystem.items():
        _zip(layout / ecosystem / "all.zip", members)
    outer = _zip(tmp_path / "whole.zip", {f"{e}/all.zip": (layout / e / "all.zip").read_bytes() for e in by_ecosystem})
    expected = {"Debian": 1, "Go": 1, "Maven": 1, "NuGet": 1, "OSS-Fuzz": 1, "PyPI": 1, "crates.io": 1, "npm": 2}
    for source in (layout, outer):
        database = VulnDatabase(tmp_path / f"{source.name}.sqlite3")
        result = import_records(source, database, imported_at="2026-01-01T00:00:00Z")
        assert dict(result.ecosystems) == expected
        assert {e.ecosystem: e.records for e in database.status().ecosystems} == expected


@pytest.mark.parametrize(
    "inner",
    [
        {"../escape.json": b"{}"},  # a member path escaping the root, inside the nested zip
        {"deeper.zip": b"PK\x05\x06" + b"\x00" * 18},  # a third level of archives
    ],
)
def test_hostile_nested_zips_are_refused_naming_the_member(tmp_path: Path, inner: dict[str, bytes]) -> None:
    nested = _zip(tmp_path / "inner.zip", inner)
    outer = _zip(tmp_path / "whole.zip", {"npm/all.zip": nested.read_bytes()})
    database = VulnDatabase(tmp_path / "db.sqlite3")
    with pytest.raises(InputError) as caught:
        import_records(outer, database, imported_at="2026-01-01T00:00:00Z")
    assert "npm/all.zip" in str(caught.value.path)
    assert not database.exists()
