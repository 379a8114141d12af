"""Process metrics over the release history (history_metrics.py): released versions, values per release, trends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sdl_gate.history_metrics import Metric, Trend, measure, released_versions, trend
from sdl_gate.history_payload import HistoryPayload, ReleaseSnapshot
from tests.unit.checks._build import TODAY, facts, release, seen_record, seen_vulnerability


def _payload(*releases: ReleaseSnapshot) -> HistoryPayload:
    return HistoryPayload(releases=releases, refused=())


# --- released_versions --------------------------------------------------------------------------------------------


def test_bundles_of_one_version_count_once_as_its_latest_bundle() -> None:
    first = release(40, 1.0, version="1.0")
    again = release(39, 0.5, version="1.0")  # the same version bundled again the next day
    other = release(10, 1.0, version="1.1")
    series = released_versions([_payload(again, other, first)], TODAY)
    assert [(r.version, r.assessed_on) for r in series] == [("1.0", again.assessed_on), ("1.1", other.assessed_on)]


def test_bundles_of_one_version_on_one_day_keep_one_of_them_whatever_their_order() -> None:
    a = release(5, 1.0, version="1.0").model_copy(update={"bundle": "a.zip"})
    b = release(5, 0.5, version="1.0").model_copy(update={"bundle": "b.zip"})
    assert released_versions([_payload(a, b)], TODAY) == released_versions([_payload(b, a)], TODAY) == [b]


def test_releases_without_a_version_from_today_on_or_of_another_product_are_left_out() -> None:
    unnamed = release(30, 1.0)
    today = release(0, 1.0, version="2.0")
    foreign = release(20, 1.0, version="1.5").model_copy(update={"product": "gadget"})
    kept = release(10, 1.0, version="1.9")
    series = released_versions([_payload(unnamed, today, foreign, kept)], TODAY, "widget")
    assert [r.version for r in series] == ["1.9"]
    assert [r.version for r in released_versions([_payload(foreign, kept)], TODAY)] == ["1.5", "1.9"]


def test_releases_from_several_history_payloads_are_merged_in_date_order() -> None:
    series = released_versions(
        [_payload(release(10, 1.0, version="1.2")), _payload(release(50, 1.0, version="1.0"))], TODAY
    )
    assert [r.version for r in series] == ["1.0", "1.2"]


# --- trend --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([5.0, 3.0], Trend.IMPROVED),
        ([5.0, 9.0, 4.0], Trend.IMPROVED),  # last against first: a bad release between is shown, not decisive
        ([2.0, 2.0, 2.0], Trend.FLAT),
        ([0.0, 0.0], Trend.FLAT),  # nothing found, twice, is not improvement
        ([1.0, 3.0], Trend.WORSENED),
        ([None, 4.0, None, 2.0], Trend.IMPROVED),
        ([3.0, None], Trend.NOT_MEASURED),
        ([], Trend.NOT_MEASURED),
    ],
)
def test_trend_compares_the_last_measured_value_with_the_first(values: list[float | None], expected: Trend) -> None:
    assert trend(values) is expected


# --- metric values ------------------------------------------------------------------------------------------------


def test_open_vulnerabilities_and_sast_findings_are_counts_and_unknown_is_not_zero() -> None:
    series = [
        release(90, 1.0, version="1.0", facts=facts(vulnerabilities=[seen_vulnerability()], sast_findings=4)),
        release(60, 1.0, version="1.1", facts=facts()),  # neither was measured
        release(30, 1.0, version="1.2", facts=facts(vulnerabilities=[], sast_findings=0)),
        release(20, 1.0, version="1.3"),  # history recorded before facts were read
    ]
    vulns = measure(Metric.OPEN_VULNERABILITIES, series, 0)
    sast = measure(Metric.SAST_FINDINGS, series, 0)
    assert vulns.values == (1.0, None, 0.0, None)
    assert sast.values == (4.0, None, 0.0, None)
    assert vulns.trend is sast.trend is Trend.IMPROVED
    assert sast.describe() == "sast_findings 1.0: 4 -> 1.1: n/a -> 1.2: 0 -> 1.3: n/a (improved)"


def test_fix_days_run_from_publication_to_the_release_that_no_longer_has_it() -> None:
    published = TODAY - timedelta(days=100)
    old = seen_vulnerability("GHSA-old", published=published)
    other = seen_vulnerability("GHSA-new", published=TODAY - timedelta(days=45), package="lxml")
    series = [
        release(90, 1.0, version="1.0", facts=facts(vulnerabilities=[old])),
        release(60, 1.0, version="1.1", facts=facts(vulnerabilities=[other])),  # fixes GHSA-old 40 days on
        release(30, 1.0, version="1.2", facts=facts(vulnerabilities=[])),  # fixes GHSA-new 15 days on
    ]
    measured = measure(Metric.VULNERABILITY_FIX_DAYS, series, 0)
    assert measured.values == (None, 40.0, 15.0)
    assert measured.trend is Trend.IMPROVED
    # The first release of a window takes its fixes from the release before it.
    assert measure(Metric.VULNERABILITY_FIX_DAYS, series, 1).values == (40.0, 15.0)


def test_a_vulnerability_reported_under_an_alias_is_not_fixed() -> None:
    before = seen_vulnerability("GHSA-aaaa", aliases=("CVE-2026-1",))
    after = seen_vulnerability("PYSEC-2026-9", aliases=("CVE-2026-1",))
    series = [
        release(60, 1.0, version="1.0", facts=facts(vulnerabilities=[before])),
        release(30, 1.0, version="1.1", facts=facts(vulnerabilities=[after])),
    ]
    assert measure(Metric.VULNERABILITY_FIX_DAYS, series, 0).values == (None, None)


def test_fix_days_need_both_audits_and_a_publication_date() -> None:
    undated = seen_vulnerability(published=None)
    series = [
        release(90, 1.0, version="1.0", facts=facts(vulnerabilities=[undated])),
        release(60, 1.0, version="1.1", facts=facts(vulnerabilities=[])),
        release(30, 1.0, version="1.2", facts=facts()),
    ]
    assert measure(Metric.VULNERABILITY_FIX_DAYS, series, 0).values == (None, None, None)


def test_record_approval_days_are_the_median_over_the_practice_records() -> None:
    day = TODAY - timedelta(days=200)
    records = [
        seen_record("design", ["SD-1"], created=day, approved_after_days=10),
        seen_record("threats", ["SD-2", "SR-2"], created=day, approved_after_days=4),
        seen_record("roles", ["SM-2"], created=day, approved_after_days=30),
        seen_record("draft", ["SD-3"], created=day, approved_after_days=None),
    ]
    series = [release(30, 1.0, version="1.0", facts=facts(records=records))]
    assert measure(Metric.RECORD_APPROVAL_DAYS, series, 0).values == (10.0,)
    assert measure(Metric.RECORD_APPROVAL_DAYS, series, 0, frozenset({"SD-1", "SD-2", "SD-3"})).values == (7.0,)
    assert measure(Metric.RECORD_APPROVAL_DAYS, series, 0, frozenset({"SG-7"})).values == (None,)
