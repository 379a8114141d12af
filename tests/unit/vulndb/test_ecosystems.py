"""OSV matching in every ecosystem on real advisories: purls to ecosystems, each ecosystem's order, GIT ranges."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sdl_gate.vulndb.ecosystems import (
    PURL_ECOSYSTEMS,
    Answer,
    TargetError,
    parse_entries,
    record_answer,
    target_of,
)
from sdl_gate.vulndb.matching import MatchError
from tests.conftest import SHARED_FIXTURES

ECOSYSTEMS = SHARED_FIXTURES / "osv-ecosystems"
FILE_FIX = "19ccebafb7663c422c714e0c67fa4775abf91c43"
FILE_BUG = "17ee4cf670c363de8d2ea4a4897d7a699837873f"


def _record(name: str) -> dict[str, Any]:
    path = ECOSYSTEMS / name
    if not path.is_file():
        pytest.skip(f"shared fixture {name} is absent (../shared/fixtures/osv-ecosystems)")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _answer(fixture: str, purl: str, commit: str | None = None) -> tuple[Answer, str | None]:
    verdict, _ = record_answer(parse_entries(_record(fixture)), target_of(purl, commit=commit))
    return verdict.answer, verdict.reason


@pytest.mark.parametrize(
    ("fixture", "purl", "expected"),
    [
        ("npm-lodash-GHSA-jf85-cpcp-j695.json", "pkg:npm/lodash@4.17.11", Answer.AFFECTED),
        ("npm-lodash-GHSA-jf85-cpcp-j695.json", "pkg:npm/lodash@4.17.12", Answer.NOT_AFFECTED),
        ("npm-lodash-GHSA-jf85-cpcp-j695.json", "pkg:npm/lodash-es@4.17.13", Answer.AFFECTED),
        ("npm-minimist-GHSA-xvch-5gv4-984h.json", "pkg:npm/minimist@0.0.8", Answer.AFFECTED),
        # Between the two ranges: 0.2.4 fixes the old line, 1.0.0 reintroduces the bug.
        ("npm-minimist-GHSA-xvch-5gv4-984h.json", "pkg:npm/minimist@0.2.4", Answer.NOT_AFFECTED),
        ("npm-minimist-GHSA-xvch-5gv4-984h.json", "pkg:npm/minimist@1.2.5", Answer.AFFECTED),
        ("maven-log4j-core-GHSA-jfh8-c2jp-5v3q.json", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
         Answer.AFFECTED),
        # Maven order, not text order: 2.12.2 and 2.3.1 are fixes of their own lines.
        ("maven-log4j-core-GHSA-jfh8-c2jp-5v3q.json", "pkg:maven/org.apache.logging.log4j/log4j-core@2.12.2",
         Answer.NOT_AFFECTED),
        ("maven-log4j-core-GHSA-jfh8-c2jp-5v3q.json", "pkg:maven/org.apache.logging.log4j/log4j-core@2.3.1",
         Answer.NOT_AFFECTED),
        ("maven-log4j-core-GHSA-jfh8-c2jp-5v3q.json", "pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0",
         Answer.NOT_AFFECTED),
        ("debian-nginx-DSA-3029-1.json", "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-7",
         Answer.AFFECTED),
        ("debian-nginx-DSA-3029-1.json", "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy3?distro=debian-7",
         Answer.NOT_AFFECTED),
        # A binary package matches its source package's advisory through the upstream qualifier, by code name.
        ("debian-nginx-DSA-3029-1.json", "pkg:deb/debian/nginx-full@1.2.1-2.2%2Bwheezy2?distro=wheezy&upstream=nginx",
         Answer.AFFECTED),
        # The advisory is about Debian 7; Debian 8's nginx is another package line.
        ("debian-nginx-DSA-3029-1.json", "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-8",
         Answer.NOT_AFFECTED),
        ("go-golang.org-x-text-GHSA-69ch-w2m2-3vjp.json", "pkg:golang/golang.org/x/text@v0.3.7", Answer.AFFECTED),
        ("go-golang.org-x-text-GHSA-69ch-w2m2-3vjp.json", "pkg:golang/golang.org/x/text@v0.3.8", Answer.NOT_AFFECTED),
        ("cratesio-time-GHSA-wcg3-cvx6-7396.json", "pkg:cargo/time@0.1.44", Answer.AFFECTED),
        ("cratesio-time-GHSA-wcg3-cvx6-7396.json", "pkg:cargo/time@0.2.23", Answer.NOT_AFFECTED),
        ("nuget-newtonsoft.json-GHSA-5crp-9r3c-p9vr.json", "pkg:nuget/newtonsoft.json@12.0.3", Answer.AFFECTED),
        ("nuget-newtonsoft.json-GHSA-5crp-9r3c-p9vr.json", "pkg:nuget/Newtonsoft.Json@13.0.1", Answer.NOT_AFFECTED),
    ],
)  # fmt: skip
def test_each_ecosystem_is_matched_in_its_own_version_order(fixture: str, purl: str, expected: Answer) -> None:
    assert _answer(fixture, purl)[0] is expected


def test_git_range_matches_its_own_commits_and_cannot_place_any_other() -> None:
    fixture = "git-ossfuzz-file-OSV-2017-134.json"
    assert _answer(fixture, f"pkg:github/file/file@{FILE_BUG}")[0] is Answer.AFFECTED
    assert _answer(fixture, f"pkg:github/file/file@{FILE_FIX}")[0] is Answer.NOT_AFFECTED
    answer, reason = _answer(fixture, "pkg:github/file/file@" + "0" * 40)
    assert answer is Answer.UNKNOWN
    assert reason is not None and "000000000000" in reason
    # A commit given beside the purl (vcs_url names the repository); a tag the record enumerates decides.
    tagged = "pkg:generic/file@FILE5_30?vcs_url=git%2Bhttps://github.com/file/file.git"
    assert _answer(fixture, tagged, commit="1" * 40)[0] is Answer.AFFECTED
    later = "pkg:generic/file@FILE5_31?vcs_url=git%2Bhttps://github.com/file/file.git"
    assert _answer(fixture, later, commit="1" * 40)[0] is Answer.NOT_AFFECTED


@pytest.mark.parametrize(
    ("fixture", "purl", "named"),
    [
        ("debian-nginx-DSA-3029-1.json", "pkg:deb/debian/nginx@not%20a%20version?distro=debian-7", "not a version"),
        ("go-golang.org-x-text-GHSA-69ch-w2m2-3vjp.json", "pkg:golang/golang.org/x/text@latest!", "latest!"),
        ("nuget-newtonsoft.json-GHSA-5crp-9r3c-p9vr.json", "pkg:nuget/newtonsoft.json@twelve", "twelve"),
    ],
)
def test_unparseable_version_could_not_be_told_and_is_named(fixture: str, purl: str, named: str) -> None:
    answer, reason = _answer(fixture, purl)
    assert answer is Answer.UNKNOWN
    assert reason is not None and named in reason


def test_unparseable_bound_in_the_advisory_could_not_be_told() -> None:
    record = _record("npm-lodash-GHSA-jf85-cpcp-j695.json")
    record["affected"][0]["ranges"][0]["events"][-1] = {"fixed": "four.seventeen"}
    verdict, _ = record_answer(parse_entries(record), target_of("pkg:npm/lodash@4.17.11"))
    assert verdict.answer is Answer.UNKNOWN
    assert verdict.reason is not None and "four.seventeen" in verdict.reason


def test_last_affected_is_inclusive_and_limit_caps_the_range() -> None:
    record = {
        "id": "X-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "demo"},
                "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.4.0"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "2.0.0"}, {"limit": "2.5.0"}]},
                ],
            }
        ],
    }
    entries = parse_entries(record)
    for version, expected in [
        ("0.9.0", Answer.NOT_AFFECTED),
        ("1.4.0", Answer.AFFECTED),
        ("1.4.1", Answer.NOT_AFFECTED),
        ("2.4.9", Answer.AFFECTED),
        ("2.5.0", Answer.NOT_AFFECTED),
    ]:
        assert record_answer(entries, target_of(f"pkg:npm/demo@{version}"))[0].answer is expected, version


def test_listed_versions_match_exactly() -> None:
    record = {
        "id": "X-2",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "RubyGems", "name": "demo"}, "versions": ["1.2.3"]}],
    }
    entries = parse_entries(record)
    assert record_answer(entries, target_of("pkg:gem/demo@1.2.3"))[0].answer is Answer.AFFECTED
    assert record_answer(entries, target_of("pkg:gem/demo@1.2.4"))[0].answer is Answer.NOT_AFFECTED


@pytest.mark.parametrize(
    "purl",
    [
        "pkg:deb/debian/nginx@1.2.1-2.2",  # no distro: the release, hence the advisories, unknown
        "pkg:deb/ubuntu/nginx@1.2.1?distro=ubuntu-22.04",
        "pkg:apk/alpine/openssl@3.0.8-r0",
        "pkg:generic/thing@1.0",
        "pkg:maven/log4j-core@2.14.1",  # no group id
        "pkg:npm/lodash@" + "1." * 600 + "0",  # longer than any version: not handed to a parser
        "not a purl",
    ],
)
def test_purls_that_cannot_be_placed_in_an_ecosystem_are_refused_with_a_reason(purl: str) -> None:
    with pytest.raises(TargetError) as caught:
        target_of(purl)
    assert str(caught.value)


def test_purl_types_map_to_osv_ecosystems() -> None:
    expected = {
        "npm": "npm", "maven": "Maven", "golang": "Go", "cargo": "crates.io", "nuget": "NuGet", "gem": "RubyGems",
        "composer": "Packagist", "deb": "Debian", "apk": "Alpine", "pypi": "PyPI",
    }  # fmt: skip
    assert {k: PURL_ECOSYSTEMS[k] for k in expected} == expected
    assert target_of("pkg:apk/alpine/openssl@3.0.8-r0?distro=3.17.2").ecosystem == "Alpine:v3.17"
    assert target_of("pkg:deb/debian/curl@7.88.1-10?distro=debian-12.4").ecosystem == "Debian:12"
    assert target_of("pkg:npm/%40babel/core@7.0.0").package == "@babel/core"
    assert target_of("pkg:composer/Laravel/Framework@9.0.0").package == "laravel/framework"


def test_malformed_entries_are_refused_with_their_place() -> None:
    record = {
        "id": "X-3",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "demo"}, "ranges": [{"type": "GIT", "events": []}]}],
    }
    with pytest.raises(MatchError) as caught:
        parse_entries(record)
    assert caught.value.where == "affected[0].ranges[0].events"
