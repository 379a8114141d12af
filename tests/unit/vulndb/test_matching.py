"""OSV affected-version matching for PyPI, on real advisories and on hand-made ranges for each OSV event."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from sdl_gate.vulndb.importer import read_source
from sdl_gate.vulndb.matching import (
    Affected,
    MatchError,
    canonical_version,
    in_range,
    is_affected,
    parse_affected,
    parse_record_affected,
    record_affects,
)
from tests.conftest import SHARED_FIXTURES

OSV = SHARED_FIXTURES / "osv"
ECOSYSTEMS = SHARED_FIXTURES / "osv-ecosystems"


@cache
def _records(directory: Path) -> Mapping[str, dict[str, Any]]:
    if not directory.is_dir():
        pytest.skip(f"shared OSV fixtures not found at ../shared/fixtures/{directory.name}")
    return read_source(directory)[0]


def _affected(*ranges: list[dict[str, str]], versions: list[str] | None = None, kind: str = "ECOSYSTEM") -> Affected:
    raw = {
        "package": {"name": "Demo_Pkg", "ecosystem": "PyPI"},
        "ranges": [{"type": kind, "events": events} for events in ranges],
        "versions": versions or [],
    }
    parsed = parse_affected(raw, "affected[0]")
    assert parsed is not None
    return parsed


# --- real advisories (the facts the fixture README states) ------------------------------------------------


@pytest.mark.parametrize(
    ("advisory", "package", "affected", "not_affected"),
    [
        ("PYSEC-2021-142", "PyYAML", ["5.3", "5.3.1", "5.4b1", "5.4b2", "3.10"], ["5.4", "5.4.1", "6.0"]),
        ("PYSEC-2018-28", "requests", ["2.19.0", "2.19.1", "1.0"], ["2.20.0", "2.31.0"]),
        ("PYSEC-2019-217", "Jinja2", ["2.10"], ["2.10.1", "3.0.0"]),
        ("PYSEC-2021-66", "jinja2", ["2.10", "2.11.2"], ["2.11.3"]),
        ("PYSEC-2019-220", "jinja2", ["2.8"], ["2.8.1", "2.10"]),
    ],
)
def test_pypi_advisory_database_records(
    advisory: str, package: str, affected: list[str], not_affected: list[str]
) -> None:
    entries = parse_record_affected(_records(OSV)[advisory])
    assert entries
    for version in affected:
        assert record_affects(entries, package, version), version
    for version in not_affected:
        assert not record_affects(entries, package, version), version


def test_the_github_twin_of_a_pysec_record_matches_the_same_versions() -> None:
    records = _records(ECOSYSTEMS)
    ghsa = parse_record_affected(records["GHSA-8q59-q68h-6hv4"])
    pysec = parse_record_affected(records["PYSEC-2021-142"])
    for version in ("5.1", "5.3.1", "5.4", "5.4b2", "6.0.1"):
        assert record_affects(ghsa, "pyyaml", version) == record_affects(pysec, "PyYAML", version), version
    assert ghsa[0].fixed == ("5.4",)


@pytest.mark.parametrize(
    "advisory",
    [
        "GHSA-jf85-cpcp-j695",  # npm
        "GHSA-jfh8-c2jp-5v3q",  # Maven
        "GHSA-69ch-w2m2-3vjp",  # Go
        "GHSA-wcg3-cvx6-7396",  # crates.io
        "GHSA-5crp-9r3c-p9vr",  # NuGet
        "DSA-3029-1",  # Debian
        "OSV-2017-134",  # OSS-Fuzz with a GIT range
    ],
)
def test_other_ecosystems_parse_and_never_match_a_pypi_package(advisory: str) -> None:
    record = _records(ECOSYSTEMS)[advisory]
    assert parse_record_affected(record) == []
    name = record["affected"][0]["package"]["name"]
    assert not record_affects(parse_record_affected(record), name, "0.0.1")


# --- OSV events ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.9", False), ("1.0", True), ("1.5", True), ("2.0", False), ("2.5", True), ("3.0.1", True), ("3.1", False)],
)
def test_introduced_fixed_and_last_affected(version: str, expected: bool) -> None:
    affected = _affected(
        [{"introduced": "1.0"}, {"fixed": "2.0"}],
        [{"last_affected": "3.0.1"}, {"introduced": "2.5"}],  # out of order on purpose
    )
    assert is_affected(version, affected) is expected


def test_introduced_zero_is_the_start_of_time_and_limit_star_is_no_limit() -> None:
    affected = _affected([{"introduced": "0"}, {"fixed": "1.2"}, {"limit": "*"}])
    assert is_affected("0.0.1.dev0", affected)
    assert not is_affected("1.2", affected)
    assert affected.ranges[0].limits == ()


def test_a_limit_caps_a_range() -> None:
    affected = _affected([{"introduced": "1.0"}, {"limit": "1.5"}])
    assert in_range(Version("1.4"), affected.ranges[0])
    assert not in_range(Version("1.5"), affected.ranges[0])


def test_an_unfixed_range_affects_every_later_version() -> None:
    affected = _affected([{"introduced": "4.0"}])
    assert is_affected("4.0", affected) and is_affected("99", affected) and not is_affected("3.9", affected)


def test_listed_versions_match_by_pep440_equality_or_as_text() -> None:
    affected = _affected(versions=["0.5", "1.0.0", "weird-1"])
    assert is_affected("0.5.0", affected)
    assert is_affected("1", affected)
    assert is_affected("weird-1", affected)  # not PEP 440, but listed exactly
    assert not is_affected("weird-2", affected)
    assert not is_affected("0.6", affected)


def test_git_ranges_describe_commits_not_versions() -> None:
    affected = _affected([{"introduced": "17ee4cf6"}, {"fixed": "19ccebaf"}], kind="GIT")
    assert affected.ranges == ()
    assert not is_affected("5.30", affected)


def test_semver_ranges_are_ordered_like_ecosystem_ranges() -> None:
    affected = _affected([{"introduced": "1.0.0"}, {"fixed": "1.2.0"}], kind="SEMVER")
    assert is_affected("1.1.9", affected) and not is_affected("1.2.0", affected)


def test_package_names_are_compared_normalised() -> None:
    entries = [_affected([{"introduced": "0"}])]
    assert entries[0].package == "demo-pkg"
    assert record_affects(entries, "demo.pkg", "1.0")
    assert record_affects(entries, "DEMO_PKG", "1.0")
    assert not record_affects(entries, "demo-pkg2", "1.0")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0.5.0", "0.5"),
        ("1.0.0", "1"),
        ("01.020", "1.20"),
        ("0", "0"),
        ("1.0rc1", "1rc1"),
        ("2!1.0", "2!1"),
        ("x.y", None),
    ],
)
def test_canonical_version(text: str, canonical: str | None) -> None:
    assert canonical_version(text) == canonical


# --- refused records name the field ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ({"package": {"ecosystem": "PyPI"}}, "affected[0].package.name"),
        ({"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": {}}, "affected[0].ranges"),
        ({"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": ["ECOSYSTEM"]}, "affected[0].ranges[0]"),
        (
            {"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": [{"type": "DATE", "events": []}]},
            "affected[0].ranges[0].type",
        ),
        (
            {"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": []}]},
            "affected[0].ranges[0].events",
        ),
        (
            {"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": ["0"]}]},
            "affected[0].ranges[0].events[0]",
        ),
        (
            {
                "package": {"ecosystem": "PyPI", "name": "x"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}],
            },
            "affected[0].ranges[0].events[0]",
        ),
        (
            {
                "package": {"ecosystem": "PyPI", "name": "x"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"broken": "1"}]}],
            },
            "affected[0].ranges[0].events[0]",
        ),
        (
            {
                "package": {"ecosystem": "PyPI", "name": "x"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": 1.2}]}],
            },
            "affected[0].ranges[0].events[0]",
        ),
        (
            {
                "package": {"ecosystem": "PyPI", "name": "x"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "one"}]}],
            },
            "affected[0].ranges[0].events[1].fixed",
        ),
        ({"package": {"ecosystem": "PyPI", "name": "x"}, "versions": "1.0"}, "affected[0].versions"),
        ({"package": {"ecosystem": "PyPI", "name": "x"}, "versions": [1.0]}, "affected[0].versions"),
    ],
)
def test_unusable_entries_are_refused_naming_the_field(raw: dict[str, Any], where: str) -> None:
    with pytest.raises(MatchError) as caught:
        parse_record_affected({"affected": [raw]})
    assert caught.value.where == where


@pytest.mark.parametrize(("record", "where"), [({"affected": "all"}, "affected"), ({"affected": [3]}, "affected[0]")])
def test_an_affected_list_of_the_wrong_shape_is_refused(record: dict[str, Any], where: str) -> None:
    with pytest.raises(MatchError) as caught:
        parse_record_affected(record)
    assert caught.value.where == where


def test_entries_of_other_ecosystems_are_not_validated() -> None:
    # A malformed npm entry is not ours to judge; it never matches a PyPI package either.
    assert parse_record_affected({"affected": [{"package": {"ecosystem": "npm"}, "ranges": "junk"}]}) == []
