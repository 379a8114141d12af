"""`sdl-gate threat-model check`: a threat model judged on the gate's own criteria, through a slice of the gate."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sdl_gate.collectors.threat_model import ThreatModelCollector
from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceKind
from sdl_gate.inputs import load_inputs
from sdl_gate.payloads import ThreatModelPayload, Unusable, typed
from sdl_gate.run import Scope, SliceResult, assess_slice
from sdl_gate.threatmodel import configured_format, threat_model_path
from sdl_gate.threatmodel.model import ModelFormat
from sdl_gate.threatmodel.model_check import THREAT_MODEL_SCOPE, ModelReport, Problem


@dataclass(frozen=True)
class ThreatModelCheck:
    """The model's report and the slice of the gate that judged it (passed exactly when `check` would pass it)."""

    report: ModelReport
    result: SliceResult

    @property
    def passed(self) -> bool:
        """Whether every threat-model criterion passed."""
        return self.result.passed


def model_report(payload: ThreatModelPayload, problems: tuple[Problem, ...], passed: bool) -> ModelReport | None:
    """The report of a threat-model evidence payload and the gate's answer on it; None when it holds no model."""
    if payload.format is None or payload.model is None or payload.freshness is None:
        return None
    return ModelReport(
        file=payload.path,
        format=ModelFormat(payload.format),
        model=payload.model,
        freshness=payload.freshness,
        problems=problems,
        passed=passed,
    )


def check_threat_model(
    project_path: Path,
    model_file: Path | None = None,
    model_format: ModelFormat | None = None,
    *,
    max_age_days: int | None = None,
    policy_spec: str | None = None,
    today: date | None = None,
) -> ThreatModelCheck:
    """Judge ``model_file`` (default: the project's model) on SR-2, SD-1 and SD-2 as the gate does.

    ``model_format`` None means the project's setting for its own model, else detected. ``max_age_days``
    replaces the policy's review age limit for this run. A model that cannot be read is an InputError.
    """
    inputs = load_inputs(project_path, policy_spec)
    path = model_file or threat_model_path(inputs.project)
    if not path.exists():
        raise InputError("threat model not found", path=path, hint="write one (`sdl-gate init`) or pass FILE")
    fmt = model_format
    if fmt is None and model_file is None:
        fmt = configured_format(inputs.project)
    if max_age_days is not None:
        # The operator's review age limit replaces the policy's for this run.
        policy = inputs.policy
        review = replace(policy.requirements["SR-2"], max_age_days=max_age_days)
        inputs = replace(inputs, policy=replace(policy, requirements={**policy.requirements, "SR-2": review}))
    result = assess_slice(
        inputs, Scope(THREAT_MODEL_SCOPE), today=today, collectors=[ThreatModelCollector(model_file, fmt)]
    )
    found = typed(result.evidence, ThreatModelPayload)
    if isinstance(found, Unusable) and found.evidence:
        raise InputError(f"threat model could not be read: {found.reason}", path=path)
    if isinstance(found, Unusable) or not found.payload.present:
        reasons = "; ".join(r.reason for r in result.evidence.rejected(EvidenceKind.THREAT_MODEL))
        raise InputError(f"threat model could not be read: {reasons or 'not found'}", path=path)
    problems = tuple(
        Problem(r.id, f.criterion, f.outcome.value, f.message, f.fix or r.remediation)
        for r in result.requirements
        for f in r.findings
        if f.outcome.value not in ("pass", "not_applicable")
    )
    report = model_report(found.payload, problems, result.passed)
    if report is None:
        raise InputError("threat model could not be read: its evidence records no model", path=path)
    return ThreatModelCheck(report, result)
