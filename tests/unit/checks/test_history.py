"""Criteria over earlier verified releases (checks/_history.py): SM-12 release history, SM-13 improvement."""

from __future__ import annotations

import pytest

from sdl_gate.checks import Criterion, Outcome
from sdl_gate.checks._history import improving_scores, verified_history
from sdl_gate.evidence import EvidenceKind
from tests.unit.checks._build import check_input, evidence, history, rejection, release, run

BOTH = [pytest.param(verified_history(), id="verified_history"), pytest.param(improving_scores(), id="improving")]


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
def test_a_malformed_history_is_an_error(criterion: Criterion) -> None:
    broken = evidence(EvidenceKind.HISTORY, {"releases": [{"bundle": "x.zip"}], "refused": []})
    assert run(criterion, check_input("SM-12", broken)).outcome is Outcome.ERROR


# --- improving_scores ---------------------------------------------------------------------------------------------


def test_held_or_rising_scores_pass() -> None:
    rising = run(improving_scores(), check_input("SM-13", history(release(90, 0.5), release(30, 0.8, version="2.0"))))
    held = run(improving_scores(), check_input("SM-13", history(release(90, 0.7), release(30, 0.7))))
    assert rising.outcome is Outcome.PASS
    assert "2.0: 0.80" in rising.message
    assert held.outcome is Outcome.PASS


def test_falling_scores_fail() -> None:
    finding = run(improving_scores(), check_input("SM-13", history(release(90, 0.8), release(30, 0.5))))
    assert finding.outcome is Outcome.FAIL
    assert "fell" in finding.message


def test_the_trend_is_judged_over_the_last_three_releases_only() -> None:
    # A high score four releases ago is outside the window; the last three rise.
    releases = (release(400, 1.0), release(300, 0.4), release(200, 0.5), release(100, 0.6))
    assert run(improving_scores(), check_input("SM-13", history(*releases))).outcome is Outcome.PASS
    falling = (release(300, 0.4), release(200, 0.9), release(100, 0.3))
    assert run(improving_scores(), check_input("SM-13", history(*falling))).outcome is Outcome.FAIL


def test_a_trend_needs_two_earlier_releases() -> None:
    finding = run(improving_scores(), check_input("SM-13", history(release(30, 0.8), release(0, 0.1))))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "two earlier" in finding.message


def test_releases_without_practice_scores_are_not_a_pass() -> None:
    empty = history(release(90, 0.5, practices=0), release(30, 0.5, practices=0))
    finding = run(improving_scores(), check_input("SM-13", empty))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "widget-90.zip" in finding.message and "widget-30.zip" in finding.message


def test_a_release_without_practice_scores_is_left_out_of_the_trend_not_scored_zero() -> None:
    # Scored 0, it would make a fall from 0.8 to 0.6 look like a rise from nothing; it is named and left out.
    releases = history(release(90, 0.5, practices=0), release(60, 0.8), release(30, 0.6))
    finding = run(improving_scores(), check_input("SM-13", releases))
    assert finding.outcome is Outcome.FAIL
    assert "widget-90.zip" in finding.message
