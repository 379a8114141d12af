"""Criteria over earlier verified releases (checks/_history.py): SM-12 release history, SM-13 improvement."""

from __future__ import annotations

import pytest

from sdl_gate.checks import Criterion, Outcome
from sdl_gate.checks._history import improving_metrics, verified_history
from sdl_gate.evidence import EvidenceKind
from sdl_gate.history_payload import ReleaseSnapshot
from tests.unit.checks._build import (
    check_input,
    evidence,
    facts,
    history,
    rejection,
    release,
    run,
    seen_vulnerability,
)

BOTH = [pytest.param(verified_history(), id="verified_history"), pytest.param(improving_metrics(), id="improving")]


# --- verified_history ---------------------------------------------------------------------------------------------


def test_verified_history_passes_on_earlier_verified_releases() -> None:
    given = check_input("SM-12", history(release(120, 0.6), release(60, 0.8)))
    finding = run(verified_history(), given)
    assert finding.outcome is Outcome.PASS
    assert "2 earlier release bundle(s)" in finding.message
    assert finding.evidence == given.evidence.ids()


def test_verified_history_fails_on_a_refused_bundle_and_names_it() -> None:
    refused = {"widget-1.0.zip": "its manifest signature does not verify"}
    finding = run(verified_history(), check_input("SM-12", history(release(60, 0.8), refused=refused)))
    assert finding.outcome is Outcome.FAIL
    assert "widget-1.0.zip: its manifest signature does not verify" in finding.message


def test_verified_history_fails_when_it_holds_no_earlier_release() -> None:
    # A release assessed today (or later) is the current one, not history.
    finding = run(verified_history(), check_input("SM-12", history(release(0, 0.8), release(-5, 0.9))))
    assert finding.outcome is Outcome.FAIL
    assert run(verified_history(), check_input("SM-12", history())).outcome is Outcome.FAIL


@pytest.mark.parametrize("criterion", BOTH)
def test_without_history_the_criteria_do_not_apply(criterion: Criterion) -> None:
    finding = run(criterion, check_input("SM-12"))
    assert finding.outcome is Outcome.NOT_APPLICABLE
    assert "--history" in finding.message


@pytest.mark.parametrize("criterion", BOTH)
def test_rejected_history_is_not_available_and_says_why(criterion: Criterion) -> None:
    reason = rejection(EvidenceKind.HISTORY, "history evidence was taken at commit 1234, not the assessed commit")
    finding = run(criterion, check_input("SM-12", rejected=[reason]))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert reason.reason in finding.message


@pytest.mark.parametrize("criterion", BOTH)
def test_rejected_history_is_never_a_pass(criterion: Criterion) -> None:
    finding = run(criterion, check_input("SM-12", rejected=[rejection(EvidenceKind.HISTORY)]))
    assert finding.outcome is not Outcome.PASS


@pytest.mark.parametrize("criterion", BOTH)
def test_a_malformed_history_is_not_available_naming_it(criterion: Criterion) -> None:
    broken = evidence(EvidenceKind.HISTORY, {"releases": [{"bundle": "x.zip"}], "refused": []})
    finding = run(criterion, check_input("SM-12", broken))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert finding.evidence == (broken.id,)
    assert "payload.releases.0" in finding.message


# --- improving_metrics --------------------------------------------------------------------------------------------


def _sast(days_before: int, version: str | None, findings: int | None) -> ReleaseSnapshot:
    return release(days_before, 1.0, version=version, facts=facts(sast_findings=findings))


def test_a_metric_that_fell_passes_and_shows_its_numbers() -> None:
    given = history(_sast(90, "1.0", 5), _sast(60, "1.1", 4), _sast(30, "1.2", 2))
    finding = run(improving_metrics(), check_input("SM-13", given))
    assert finding.outcome is Outcome.PASS
    assert "sast_findings 1.0: 5 -> 1.1: 4 -> 1.2: 2 (improved)" in finding.message
    assert finding.evidence == (given.id,)


def test_a_flat_metric_is_not_improvement() -> None:
    # Every release equally good (or equally bad) shows no improvement, however high its practice scores.
    flat = history(_sast(90, "1.0", 2), _sast(60, "1.1", 2), _sast(30, "1.2", 2))
    finding = run(improving_metrics(), check_input("SM-13", flat))
    assert finding.outcome is Outcome.FAIL
    assert "sast_findings 1.0: 2 -> 1.1: 2 -> 1.2: 2 (flat)" in finding.message


def test_a_metric_that_rose_fails() -> None:
    finding = run(improving_metrics(), check_input("SM-13", history(_sast(90, "1.0", 1), _sast(30, "1.1", 3))))
    assert finding.outcome is Outcome.FAIL
    assert "(worsened)" in finding.message


def test_one_improved_metric_is_enough_and_every_measured_one_is_shown() -> None:
    vulnerable = facts(sast_findings=2, vulnerabilities=[seen_vulnerability()])
    fixed = facts(sast_findings=2, vulnerabilities=[])
    given = history(release(90, 1.0, version="1.0", facts=vulnerable), release(30, 1.0, version="1.1", facts=fixed))
    finding = run(improving_metrics(), check_input("SM-13", given))
    assert finding.outcome is Outcome.PASS
    assert "open_vulnerabilities 1.0: 1 -> 1.1: 0 (improved)" in finding.message
    assert "sast_findings 1.0: 2 -> 1.1: 2 (flat)" in finding.message


def test_bundles_of_one_version_made_minutes_apart_are_one_release() -> None:
    same = history(_sast(3, "1.0", 5), _sast(3, "1.0", 1))
    finding = run(improving_metrics(), check_input("SM-13", same))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "two distinct versions" in finding.message


def test_releases_without_a_version_cannot_show_a_trend() -> None:
    unnamed = history(_sast(90, None, 5), _sast(30, None, 1))
    assert run(improving_metrics(), check_input("SM-13", unnamed)).outcome is Outcome.NOT_AVAILABLE


def test_the_trend_is_judged_over_the_last_three_versions_only() -> None:
    # A high count four versions ago is outside the window; the last three do not improve.
    releases = (_sast(400, "1.0", 9), _sast(300, "1.1", 2), _sast(200, "1.2", 2), _sast(100, "1.3", 2))
    finding = run(improving_metrics(), check_input("SM-13", history(*releases)))
    assert finding.outcome is Outcome.FAIL
    assert "1.0" not in finding.message


def test_a_metric_measured_in_one_release_only_cannot_tell() -> None:
    given = history(_sast(90, "1.0", None), _sast(30, "1.1", 3))
    finding = run(improving_metrics(), check_input("SM-13", given))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "sast_findings 1.0: n/a -> 1.1: 3 (not measured)" in finding.message


def test_a_release_assessed_today_is_not_history() -> None:
    finding = run(improving_metrics(), check_input("SM-13", history(_sast(30, "1.0", 5), _sast(0, "1.1", 1))))
    assert finding.outcome is Outcome.NOT_AVAILABLE


def test_releases_without_practice_scores_or_facts_are_not_a_pass() -> None:
    empty = history(release(90, 0.5, version="1.0", practices=0), release(30, 0.5, version="1.1", practices=0))
    assert run(improving_metrics(), check_input("SM-13", empty)).outcome is Outcome.NOT_AVAILABLE
