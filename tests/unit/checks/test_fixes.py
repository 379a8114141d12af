"""Every failing or unavailable answer carries its criterion's own fix, and the fix names what changes it."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sdl_gate.catalogue import load_catalogue
from sdl_gate.checks import CHECKS, Outcome
from sdl_gate.checks._vulns import vulnerability_severity
from sdl_gate.policy.waivers import VexState
from tests.unit.checks._build import audit, check_input, run_criterion, vuln, waiver
from tests.unit.checks._scenarios import SCENARIOS, Case, cases


def _not_passing(case: Case) -> bool:
    return case.expected is not Outcome.PASS


_CASES = [p for p in cases(CHECKS) if _not_passing(p.values[0])]


@pytest.mark.parametrize("case", _CASES)
def test_a_failing_or_unavailable_criterion_says_what_would_change_it(case: Case) -> None:
    finding = run_criterion(case.requirement, case.index, case.build(case.requirement))
    assert finding.outcome is case.expected
    assert finding.fix, f"{case.requirement} {case.criterion} answers {finding.outcome.value} with no fix"
    assert "{requirement}" not in finding.fix
    remediation = load_catalogue().requirement(case.requirement).remediation
    assert finding.fix != remediation, "the fix is the requirement's text, not the criterion's"


def test_the_criteria_of_a_requirement_each_have_their_own_fix() -> None:
    by_requirement: dict[str, set[str]] = defaultdict(set)
    counted: dict[str, int] = defaultdict(int)
    for requirement_id, check in CHECKS.items():
        for criterion in check.criteria:
            if SCENARIOS[criterion.name].failing is None and SCENARIOS[criterion.name].unavailable is None:
                continue
            by_requirement[requirement_id].add(criterion.fix)
            counted[requirement_id] += 1
    assert {r: len(f) for r, f in by_requirement.items()} == dict(counted)


def test_an_unrated_vulnerability_counts_as_assessed_by_an_approved_vex_waiver() -> None:
    unrated = audit(vuln(severity=(), record_found=True))
    finding = vulnerability_severity.answer(check_input("DM-3", unrated))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert "waiver" in finding.fix and "triage" not in finding.fix
    assessed = waiver("W-vex", vulnerability="GHSA-aaaa-bbbb-cccc", package="requests", vex=VexState.NOT_AFFECTED)
    followed = vulnerability_severity.answer(check_input("DM-3", unrated, waivers=(assessed,)))
    assert followed.outcome is Outcome.PASS, followed.message
    assert "W-vex" in followed.message
    assert followed.fix == ""
