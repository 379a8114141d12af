"""The gate's flow: load inputs, run collectors, admit evidence, assess."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sdl_gate.collectors as collector_registry
from sdl_gate._clock import assessment_date, file_timestamp
from sdl_gate._git import git_commit
from sdl_gate.approvals.register import RegisterChoice
from sdl_gate.assess import (
    EXPIRED_WAIVER_CRITERION,
    Assessment,
    ProductRef,
    RequirementResult,
    assess,
    assess_requirement,
)
from sdl_gate.catalogue import load_catalogue
from sdl_gate.checks import CHECKS
from sdl_gate.collectors.base import CollectContext, Collector
from sdl_gate.errors import SdlGateError, ToolError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceSet, EvidenceStore, Rejection, StoredEvidence, admit
from sdl_gate.inputs import Inputs, load_inputs
from sdl_gate.policy.models import Mode

if TYPE_CHECKING:
    from sdl_gate.sast.engine import ProgressSink


def _collect_one(collector: Collector, context: CollectContext) -> Evidence | Rejection:
    from sdl_gate.sast.shards import ShardError

    try:
        return collector.collect(context)
    except ShardError as exc:
        # Partial runs that do not add up to one are evidence nobody can use: not available, naming the shard.
        return Rejection(collector.kind, f"the SAST shards cannot be merged: {exc.diagnostics()}")
    except SdlGateError:
        raise
    except Exception as exc:
        return Rejection(collector.kind, f"the {collector.kind.value} collector failed: {type(exc).__name__}: {exc}")


def collect(
    inputs: Inputs,
    *,
    commit: str | None,
    now: datetime,
    store: EvidenceStore | None,
    kinds: frozenset[EvidenceKind] | None = None,
    sast_shards: Path | None = None,
    progress: ProgressSink | None = None,
) -> tuple[list[StoredEvidence], list[Rejection]]:
    """Run every collector (or those of ``kinds``) concurrently; store their evidence; return it with failures.

    ``sast_shards`` names partial SAST runs to merge instead of scanning; ``progress`` hears the scan's progress.
    """
    context = CollectContext(
        project=inputs.project,
        commit=commit,
        now=now,
        waivers=inputs.waivers,
        store=store,
        approvers=inputs.approvers,
        sast_shards=sast_shards,
        progress=progress,
    )
    collectors = [c for c in collector_registry.COLLECTORS.values() if kinds is None or c.kind in kinds]
    if not collectors:
        return [], []
    with ThreadPoolExecutor(max_workers=min(8, len(collectors))) as pool:
        outcomes = list(pool.map(lambda c: _collect_one(c, context), collectors))
    stored: list[StoredEvidence] = []
    failures: list[Rejection] = []
    for outcome in outcomes:
        if isinstance(outcome, Rejection):
            failures.append(outcome)
            continue
        if store is None:
            stored.append(StoredEvidence(id=outcome.id, collected_at=now, evidence=outcome))
            continue
        try:
            stored.append(store.put(outcome, now))
        except OSError as exc:
            raise ToolError(f"cannot write evidence to {store.directory}: {exc.strerror}") from None
    return stored, failures


def _stored_from_other_steps(
    store: EvidenceStore, collected: set[EvidenceKind]
) -> tuple[list[StoredEvidence], list[Rejection]]:
    found: list[StoredEvidence] = []
    rejections: list[Rejection] = []
    for kind in EvidenceKind:
        if kind in collected:
            continue
        latest = store.latest(kind)
        if isinstance(latest, StoredEvidence):
            found.append(latest)
        elif isinstance(latest, Rejection):
            rejections.append(latest)
    return found, rejections


@dataclass(frozen=True)
class CheckResult:
    """An assessment and the inputs it was made from."""

    inputs: Inputs
    assessment: Assessment
    evidence: EvidenceSet | None = None


def assess_project(
    root: Path,
    *,
    policy_spec: str | None = None,
    today: date | None = None,
    now: datetime | None = None,
    store: bool = True,
    offline: bool = False,
    declared: tuple[Evidence, ...] = (),
    unavailable: tuple[Rejection, ...] = (),
    vulndb_dir: Path | None = None,
    osv_url: str | None = None,
    register: RegisterChoice | None = None,
    sast_shards: Path | None = None,
    progress: ProgressSink | None = None,
) -> CheckResult:
    """Collect evidence for the project at ``root`` and assess it as of ``today``; the whole gate in one call.

    ``today`` defaults to the real date (never ``SOURCE_DATE_EPOCH``); ``now`` is the collection time written
    into the evidence, ``SOURCE_DATE_EPOCH`` when that is set. ``declared`` is evidence the calling command
    makes for this run only (``bundle create`` declares the bundle it is making); it is admitted like the rest,
    never stored, and its kinds are never taken from the store. ``unavailable`` names kinds the calling command
    tried to produce for this run and could not (``check --run-tests`` whose test run recorded nothing): they
    are not available, and never taken from the store either. ``register`` names the trusted approver
    register; by default the environment does (or nothing does). ``sast_shards`` names partial SAST runs
    to merge instead of scanning (a missing or foreign shard makes SAST evidence not available).
    """
    inputs = load_inputs(root, policy_spec, offline=offline, vulndb_dir=vulndb_dir, osv_url=osv_url).with_approvers(
        register
    )
    now = now or file_timestamp()
    commit = git_commit(root)
    evidence_store = EvidenceStore(root) if store else None
    stored, failures = collect(
        inputs, commit=commit, now=now, store=evidence_store, sast_shards=sast_shards, progress=progress
    )
    failures += unavailable
    stored += [StoredEvidence(id=item.id, collected_at=now, evidence=item) for item in declared]
    if evidence_store is not None:
        # Only kinds no collector of this run produces are taken from the store: when a collector of this run
        # failed, its failure stands; older evidence of the same kind must not quietly take its place. A bundle
        # is declared only by the run that makes it, so a stored one (left by an earlier version) is not read.
        attempted = {collector.kind for collector in collector_registry.COLLECTORS.values()} | {EvidenceKind.BUNDLE}
        attempted |= {item.kind for item in declared} | {item.kind for item in unavailable}
        others, rejections = _stored_from_other_steps(evidence_store, attempted)
        stored += others
        failures += rejections
    assessed_on = assessment_date(today)
    evidence_set = admit(
        stored,
        commit=commit,
        today=assessed_on,
        max_age_days=inputs.policy.evidence_max_age_days,
        failures=failures,
    )
    project = inputs.project
    assessment = assess(
        catalogue=load_catalogue(),
        evidence=evidence_set,
        policy=inputs.policy,
        waivers=inputs.waivers,
        today=assessed_on,
        product=ProductRef(name=project.name, version=project.version, commit=commit),
    )
    return CheckResult(inputs=inputs, assessment=assessment, evidence=evidence_set)


@dataclass(frozen=True)
class Scope:
    """A slice of the gate: the criteria, by requirement, that a hook or sub-command decides on.

    The evidence kinds to collect follow from the criteria; nothing else is collected or assessed.
    """

    criteria: Mapping[str, frozenset[str]]

    def __post_init__(self) -> None:
        for requirement_id, names in self.criteria.items():
            known = {c.name for c in CHECKS[requirement_id].criteria} | {EXPIRED_WAIVER_CRITERION}
            if unknown := names - known:
                raise ValueError(f"{requirement_id} has no criterion {', '.join(sorted(unknown))}")

    @property
    def kinds(self) -> frozenset[EvidenceKind]:
        """The evidence kinds the scoped criteria read."""
        return frozenset(
            kind
            for requirement_id, names in self.criteria.items()
            for criterion in CHECKS[requirement_id].criteria
            if criterion.name in names
            for kind in criterion.kinds
        )


@dataclass(frozen=True)
class SliceResult:
    """The verdicts of a slice of the gate: its requirements, judged on their scoped criteria alone."""

    inputs: Inputs
    assessed_on: date
    requirements: tuple[RequirementResult, ...]
    evidence: EvidenceSet

    @property
    def blocking(self) -> tuple[str, ...]:
        """The requirements whose scoped criteria block, as the gate's decision would."""
        return tuple(r.id for r in self.requirements if r.blocking)

    @property
    def passed(self) -> bool:
        """Whether nothing in the slice blocks."""
        return not self.blocking


def assess_slice(
    inputs: Inputs,
    scope: Scope,
    *,
    today: date | None = None,
    now: datetime | None = None,
    collectors: Sequence[Collector] | None = None,
    declared: tuple[Evidence, ...] = (),
) -> SliceResult:
    """Collect the scope's evidence in memory and assess its criteria as ``assess_project`` would, with the same code.

    ``collectors`` replaces the registry's collectors of the scope's kinds (a hook audits only the files it was
    given); ``declared`` is evidence the command already made (``sast`` scans with its own options). Nothing is
    read from or written to the evidence store: a hook judges the working tree as it is.
    """
    now = now or file_timestamp()
    commit = git_commit(inputs.project.root)
    assessed_on = assessment_date(today)
    made = {item.kind for item in declared}
    kinds = scope.kinds
    if any(inputs.policy.requirements[r].effective_mode(assessed_on) is Mode.NOT_APPLICABLE for r in scope.criteria):
        # The gate reads a requirement scoped out from its approved scoping record: without the records the slice
        # would find the scoping unproven and block where `check` does not.
        kinds |= {EvidenceKind.RECORDS}
    # The registry imports every collector module: a slice given its collectors or its evidence does without it.
    wanted = kinds - made if collectors is None else frozenset()
    registry = collector_registry.COLLECTORS.values() if wanted else ()
    chosen = [*(collectors or ()), *(c for c in registry if c.kind in wanted)]
    if collectors is not None and EvidenceKind.RECORDS in kinds - scope.kinds:
        from sdl_gate.collectors.records import RecordsCollector

        chosen.append(RecordsCollector())
    context = CollectContext(
        project=inputs.project, commit=commit, now=now, waivers=inputs.waivers, approvers=inputs.approvers
    )
    stored = [StoredEvidence(id=item.id, collected_at=now, evidence=item) for item in declared]
    failures: list[Rejection] = []
    for collector in chosen:
        outcome = _collect_one(collector, context)
        if isinstance(outcome, Rejection):
            failures.append(outcome)
        else:
            stored.append(StoredEvidence(id=outcome.id, collected_at=now, evidence=outcome))
    evidence_set = admit(
        stored, commit=commit, today=assessed_on, max_age_days=inputs.policy.evidence_max_age_days, failures=failures
    )
    catalogue = {r.id: r for r in load_catalogue().requirements}
    results = tuple(
        assess_requirement(
            catalogue[requirement_id], evidence_set, inputs.policy, inputs.waivers, assessed_on, only=names
        )
        for requirement_id, names in scope.criteria.items()
    )
    return SliceResult(inputs=inputs, assessed_on=assessed_on, requirements=results, evidence=evidence_set)
