"""The gate's flow: load inputs, run collectors, admit evidence, assess."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sdl_gate._clock import assessment_date, file_timestamp
from sdl_gate._git import git_commit
from sdl_gate.approvals.register import RegisterChoice, TrustedRegister
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
from sdl_gate.collectors import COLLECTORS
from sdl_gate.collectors.base import CollectContext, Collector
from sdl_gate.config import Project, load_project, operator_settings
from sdl_gate.errors import SdlGateError, ToolError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceSet, EvidenceStore, Rejection, StoredEvidence, admit
from sdl_gate.policy.loader import resolve_policy
from sdl_gate.policy.models import Policy
from sdl_gate.policy.waivers import WaiverRegister, load_waivers


@dataclass(frozen=True)
class Inputs:
    """The user-written inputs of one run, loaded and validated."""

    project: Project
    policy: Policy
    waivers: WaiverRegister
    approvers: TrustedRegister | None = None

    def with_approvers(self, choice: RegisterChoice | None = None) -> Inputs:
        """Load the trusted approver register the operator named (options, else environment), if any."""
        chosen = choice if choice is not None else RegisterChoice.from_operator(None, None)
        return replace(self, approvers=chosen.load(self.project.root))


def load_inputs(
    root: Path,
    policy_spec: str | None = None,
    *,
    offline: bool = False,
    vulndb_dir: Path | None = None,
    osv_url: str | None = None,
) -> Inputs:
    """Load the project configuration, resolve the policy and load the waiver register.

    ``offline``, ``vulndb_dir`` and ``osv_url`` are the operator's command-line choices; they win over the
    environment, which wins over the repository's settings.
    """
    project = load_project(root)
    if offline and not project.config.offline:
        project = replace(project, config=project.config.model_copy(update={"offline": True}))
    if vulndb_dir is not None or osv_url is not None:
        project = replace(project, operator=operator_settings(vulndb_dir=vulndb_dir, osv_url=osv_url))
    spec = policy_spec or project.config.policy
    # A policy named on the command line is the operator's; one named by the project is a project file.
    if policy_spec is None:
        policy = resolve_policy(spec, relative_to=root, root=root)
    else:
        policy = resolve_policy(spec, relative_to=Path.cwd())
    waivers = load_waivers(project.security_dir / "waivers.yaml", root=root, max_days=policy.waiver_max_days)
    return Inputs(project=project, policy=policy, waivers=waivers)


def _collect_one(collector: Collector, context: CollectContext) -> Evidence | Rejection:
    try:
        return collector.collect(context)
    except SdlGateError:
        raise
    except Exception as exc:
        return Rejection(collector.kind, f"the {collector.kind.value} collector failed: {type(exc).__name__}: {exc}")


def collect(
    inputs: Inputs, *, commit: str | None, now: datetime, store: EvidenceStore | None
) -> tuple[list[StoredEvidence], list[Rejection]]:
    """Run every collector concurrently; store their evidence; return it with any failures."""
    context = CollectContext(
        project=inputs.project,
        commit=commit,
        now=now,
        waivers=inputs.waivers,
        store=store,
        approvers=inputs.approvers,
    )
    collectors = list(COLLECTORS.values())
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


def check(
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
) -> CheckResult:
    """Collect evidence for the project at ``root`` and assess it as of ``today``; the whole gate in one call.

    ``today`` defaults to the real date (never ``SOURCE_DATE_EPOCH``); ``now`` is the collection time written
    into the evidence, ``SOURCE_DATE_EPOCH`` when that is set. ``declared`` is evidence the calling command
    makes for this run only (``bundle create`` declares the bundle it is making); it is admitted like the rest,
    never stored, and its kinds are never taken from the store. ``unavailable`` names kinds the calling command
    tried to produce for this run and could not (``check --run-tests`` whose test run recorded nothing): they
    are not available, and never taken from the store either. ``register`` names the trusted approver
    register; by default the environment does (or nothing does).
    """
    inputs = load_inputs(root, policy_spec, offline=offline, vulndb_dir=vulndb_dir, osv_url=osv_url).with_approvers(
        register
    )
    now = now or file_timestamp()
    commit = git_commit(root)
    evidence_store = EvidenceStore(root) if store else None
    stored, failures = collect(inputs, commit=commit, now=now, store=evidence_store)
    failures += unavailable
    stored += [StoredEvidence(id=item.id, collected_at=now, evidence=item) for item in declared]
    if evidence_store is not None:
        # Only kinds no collector of this run produces are taken from the store: when a collector of this run
        # failed, its failure stands; older evidence of the same kind must not quietly take its place. A bundle
        # is declared only by the run that makes it, so a stored one (left by an earlier version) is not read.
        attempted = {collector.kind for collector in COLLECTORS.values()} | {EvidenceKind.BUNDLE}
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


def check_slice(
    inputs: Inputs,
    scope: Scope,
    *,
    today: date | None = None,
    now: datetime | None = None,
    collectors: Sequence[Collector] | None = None,
    declared: tuple[Evidence, ...] = (),
) -> SliceResult:
    """Collect the scope's evidence in memory and assess its criteria as ``check`` would, with the same code.

    ``collectors`` replaces the registry's collectors of the scope's kinds (a hook audits only the files it was
    given); ``declared`` is evidence the command already made (``sast`` scans with its own options). Nothing is
    read from or written to the evidence store: a hook judges the working tree as it is.
    """
    now = now or file_timestamp()
    commit = git_commit(inputs.project.root)
    made = {item.kind for item in declared}
    chosen = (
        list(collectors)
        if collectors is not None
        else [c for c in COLLECTORS.values() if c.kind in scope.kinds and c.kind not in made]
    )
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
    assessed_on = assessment_date(today)
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
