"""The check registry (checks/__init__.py) as a whole: one check per requirement, and emptiness is never a pass."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from sdl_gate.assess import Verdict, assess_requirement
from sdl_gate.catalogue import load_catalogue
from sdl_gate.checks import CHECKS, Criterion, Outcome
from sdl_gate.checks._base import EMPTY_OUTCOMES
from sdl_gate.collectors.records import RecordKind
from sdl_gate.evidence import EvidenceKind
from sdl_gate.policy.loader import resolve_policy
from sdl_gate.policy.models import Policy
from sdl_gate.policy.waivers import WaiverRegister
from tests.unit.checks._build import (
    check_input,
    evidence,
    record_entry,
    records,
    rejection,
    run_criterion,
)
from tests.unit.checks._scenarios import RECORD_KINDS, SCENARIOS, Case, cases, criteria_of

REQUIREMENTS = load_catalogue().ids
CRITERIA = [pytest.param(r, i, n, id=f"{r}[{i}]-{n}") for r, i, n in criteria_of(CHECKS)]


def _declares_empty(criterion: Criterion) -> bool:
    return bool(criterion.empty_means.strip())


@cache
def _policy() -> Policy:
    return resolve_policy("iec62443-4-1-ml2")


def test_every_catalogue_requirement_has_exactly_one_check() -> None:
    assert len(REQUIREMENTS) == 47
    assert sorted(CHECKS) == sorted(REQUIREMENTS)
    for requirement_id, check in CHECKS.items():
        assert check.requirement == requirement_id
        assert check.criteria, f"{requirement_id} has no criterion"


@pytest.mark.parametrize(("requirement_id", "index", "name"), CRITERIA)
def test_every_criterion_says_what_it_reads(requirement_id: str, index: int, name: str) -> None:
    criterion = CHECKS[requirement_id].criteria[index]
    assert criterion.kinds, f"{name} declares no evidence kind"
    assert criterion.description.strip()


def test_every_criterion_of_the_tables_has_scenarios_and_every_gap_is_explained() -> None:
    in_tables = {name for _, _, name in criteria_of(CHECKS)}
    assert in_tables == set(SCENARIOS), "SCENARIOS must cover exactly the criteria of the practice tables"
    for name, scenarios in SCENARIOS.items():
        if scenarios.failing is None or scenarios.unavailable is None:
            assert scenarios.why_not, f"{name} lacks a fail or not_available scenario without saying why"
        if scenarios.empty is None:
            assert scenarios.no_empty, f"{name} lacks an empty-evidence scenario without saying why"
    # Every (requirement, criterion) pair gets at least its pass case.
    assert len([c for c in cases(CHECKS) if c.values[0].expected is Outcome.PASS]) == len(CRITERIA)


@pytest.mark.parametrize(("requirement_id", "index", "name"), CRITERIA)
def test_every_criterion_declares_what_nothing_to_examine_means(requirement_id: str, index: int, name: str) -> None:
    criterion = CHECKS[requirement_id].criteria[index]
    assert criterion.when_empty in EMPTY_OUTCOMES
    assert _declares_empty(criterion), f"{name} does not say what nothing to examine means for it"


@pytest.mark.parametrize(
    ("requirement_id", "index", "name"),
    [pytest.param(r, i, n, id=f"{r}[{i}]-{n}") for r, i, n in criteria_of(CHECKS) if SCENARIOS[n].empty is not None],
)
def test_empty_but_valid_evidence_is_never_a_pass(requirement_id: str, index: int, name: str) -> None:
    build = SCENARIOS[name].empty
    assert build is not None
    given = build(requirement_id)
    criterion = CHECKS[requirement_id].criteria[index]
    finding = run_criterion(requirement_id, index, given)
    assert finding.outcome not in (Outcome.PASS, Outcome.ERROR), finding.message
    # What it answers on nothing is what it declares, so `sdl-gate explain` tells the truth.
    assert finding.outcome is criterion.when_empty, finding.message
    assert finding.evidence, "the answer names the empty evidence it read"
    assert set(finding.evidence) <= set(given.evidence.ids())


@pytest.mark.parametrize("case", [c for c in cases(CHECKS) if c.values[0].expected is Outcome.PASS])
def test_every_pass_says_how_many_items_it_examined(case: Case) -> None:
    finding = run_criterion(case.requirement, case.index, case.build(case.requirement))
    assert finding.outcome is Outcome.PASS
    assert finding.examined is not None and finding.examined >= 1


@pytest.mark.parametrize("requirement_id", REQUIREMENTS)
def test_emptiness_alone_never_makes_a_requirement_not_applicable(requirement_id: str) -> None:
    # A requirement is not_applicable only by policy: some criterion of every check blocks on empty evidence.
    assert any(c.when_empty is not Outcome.NOT_APPLICABLE for c in CHECKS[requirement_id].criteria)


@pytest.mark.parametrize("requirement_id", REQUIREMENTS)
def test_with_no_evidence_at_all_no_requirement_passes(requirement_id: str) -> None:
    findings = CHECKS[requirement_id].run(check_input(requirement_id))
    assert findings
    assert all(f.outcome is not Outcome.PASS for f in findings), [f.message for f in findings]
    assert any(f.outcome is Outcome.NOT_AVAILABLE for f in findings)
    # And the assessment under the built-in policy calls it not assessed, never satisfied.
    given = check_input(requirement_id)
    requirement = load_catalogue().requirement(requirement_id)
    result = assess_requirement(requirement, given.evidence, _policy(), WaiverRegister(), given.today)
    assert result.verdict is Verdict.NOT_ASSESSED


@pytest.mark.parametrize("requirement_id", REQUIREMENTS)
def test_with_every_kind_rejected_no_requirement_passes(requirement_id: str) -> None:
    given = check_input(requirement_id, rejected=[rejection(kind) for kind in EvidenceKind])
    findings = CHECKS[requirement_id].run(given)
    assert all(f.outcome is not Outcome.PASS for f in findings), [f.message for f in findings]


@pytest.mark.parametrize(("requirement_id", "index", "name"), CRITERIA)
def test_absent_evidence_is_not_available(requirement_id: str, index: int, name: str) -> None:
    finding = run_criterion(requirement_id, index, check_input(requirement_id))
    assert finding.outcome is SCENARIOS[name].absent
    assert finding.evidence == ()
    assert finding.message.strip()


@pytest.mark.parametrize(("requirement_id", "index", "name"), CRITERIA)
def test_rejected_evidence_is_not_available_and_says_why(requirement_id: str, index: int, name: str) -> None:
    kinds = CHECKS[requirement_id].criteria[index].kinds
    reasons = [rejection(kind, f"{kind.value} evidence rejected: digest mismatch") for kind in kinds]
    finding = run_criterion(requirement_id, index, check_input(requirement_id, rejected=reasons))
    assert finding.outcome is Outcome.NOT_AVAILABLE
    assert any(r.reason in finding.message for r in reasons), finding.message


@pytest.mark.parametrize("case", [c for c in cases(CHECKS) if c.values[0].expected is Outcome.PASS])
def test_a_passing_input_missing_any_one_kind_no_longer_passes(case: Case) -> None:
    given = case.build(case.requirement)
    removed = 0
    for kind in CHECKS[case.requirement].criteria[case.index].kinds:
        if not given.evidence.of(kind):
            continue  # the passing input does not use this alternative of an any_of
        items = tuple(i for i in given.evidence.items if i.evidence.kind is not kind)
        without = replace(given, evidence=replace(given.evidence, items=items))
        finding = run_criterion(case.requirement, case.index, without)
        assert finding.outcome is not Outcome.PASS, f"{case.criterion} passed without {kind.value} evidence"
        removed += 1
    assert removed


@pytest.mark.parametrize("requirement_id", REQUIREMENTS)
def test_malformed_payloads_give_errors_never_passes(requirement_id: str) -> None:
    # Every kind present at the assessed commit, but with an empty payload no collector writes.
    given = check_input(requirement_id, *(evidence(kind, {}) for kind in EvidenceKind))
    check = CHECKS[requirement_id]
    for criterion, finding in zip(check.criteria, check.run(given), strict=True):
        if criterion.name == "waiver_register":
            continue  # it reads the operator-loaded register, not the payload (see test_criteria)
        assert finding.outcome in (Outcome.ERROR, Outcome.NOT_AVAILABLE), (criterion.name, finding.message)
        assert finding.criterion == criterion.name or finding.outcome is Outcome.NOT_AVAILABLE


def _record_criterion(requirement_id: str) -> int:
    names = [c.name for c in CHECKS[requirement_id].criteria]
    return next(i for i, n in enumerate(names) if n == "record" or n.endswith(" or record"))


def test_record_kinds_table_lists_every_requirement_with_a_record_criterion() -> None:
    with_record = {r for r, _, n in criteria_of(CHECKS) if n == "record" or n.endswith(" or record")}
    assert set(RECORD_KINDS) == with_record


@pytest.mark.parametrize("requirement_id", sorted(RECORD_KINDS))
@pytest.mark.parametrize("kind", [k.value for k in RecordKind])
def test_a_record_counts_only_for_the_kinds_its_requirement_accepts(requirement_id: str, kind: str) -> None:
    given = check_input(requirement_id, records(record_entry("R-1", kind, [requirement_id])))
    finding = run_criterion(requirement_id, _record_criterion(requirement_id), given)
    expected = Outcome.PASS if kind in RECORD_KINDS[requirement_id] else Outcome.FAIL
    assert finding.outcome is expected, finding.message
