"""The gate's flow: load inputs, run collectors, admit evidence, assess."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

from sdl_gate._tool import git_commit
from sdl_gate.assess import Assessment, ProductRef, assess
from sdl_gate.catalogue import load_catalogue
from sdl_gate.collectors import COLLECTORS
from sdl_gate.collectors.base import CollectContext, Collector
from sdl_gate.config import Project, load_project
from sdl_gate.errors import InputError, SdlGateError, ToolError
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceSet, EvidenceStore, Rejection, StoredEvidence, admit
from sdl_gate.policy.loader import resolve_policy
from sdl_gate.policy.models import Policy
from sdl_gate.policy.waivers import WaiverRegister, load_waivers


def current_time() -> datetime:
    """Return now in UTC, or ``SOURCE_DATE_EPOCH`` when it is set (for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise InputError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp") from None
    return datetime.now(tz=timezone.utc)


@dataclass(frozen=True)
class Inputs:
    """The user-written inputs of one run, loaded and validated."""

    project: Project
    policy: Policy
    waivers: WaiverRegister


def load_inputs(root: Path, policy_spec: str | None = None, *, offline: bool = False) -> Inputs:
    """Load the project configuration, resolve the policy and load the waiver register."""
    project = load_project(root)
    if offline and not project.config.offline:
        project = replace(project, config=project.config.model_copy(update={"offline": True}))
    spec = policy_spec or project.config.policy
    policy = resolve_policy(spec, relative_to=root if policy_spec is None else Path.cwd())
    waivers = load_waivers(project.security_dir / "waivers.yaml", max_days=policy.waiver_max_days)
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
    context = CollectContext(project=inputs.project, commit=commit, now=now, waivers=inputs.waivers, store=store)
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
) -> CheckResult:
    """Collect evidence for the project at ``root`` and assess it as of ``today``; the whole gate in one call."""
    inputs = load_inputs(root, policy_spec, offline=offline)
    now = now or current_time()
    commit = git_commit(root)
    evidence_store = EvidenceStore(root) if store else None
    stored, failures = collect(inputs, commit=commit, now=now, store=evidence_store)
    if evidence_store is not None:
        # Only kinds no collector of this run produces are taken from the store: when a collector of this run
        # failed, its failure stands; older evidence of the same kind must not quietly take its place.
        attempted = {collector.kind for collector in COLLECTORS.values()}
        others, rejections = _stored_from_other_steps(evidence_store, attempted)
        stored += others
        failures += rejections
    assessed_on = today or now.date()
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
