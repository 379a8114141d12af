"""``sdl-gate threat-model check``: everything the gate asks of a threat model, as one fast report."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sdl_gate.config import load_project
from sdl_gate.errors import InputError
from sdl_gate.threatmodel import analysis, configured_format, load_security_inputs, threat_model_path
from sdl_gate.threatmodel.freshness import MAX_LISTED, Freshness, FreshnessStatus, assess_freshness
from sdl_gate.threatmodel.model import ModelFormat, ThreatModel


class ProblemCode(str, enum.Enum):
    """What a threat-model check can find wrong."""

    NO_SURFACE = "no_surface"
    UNCOVERED_FLOW = "uncovered_flow"
    DISPOSITION = "disposition"
    DEFENCE_IN_DEPTH = "defence_in_depth"
    CHARACTERISATION = "characterisation"
    REVIEW = "review"
    STALE = "stale"
    FRESHNESS_UNKNOWN = "freshness_unknown"


@dataclass(frozen=True)
class Problem:
    """One failed check."""

    code: ProblemCode
    message: str


@dataclass(frozen=True)
class ModelReport:
    """The outcome of checking one model."""

    file: str
    format: ModelFormat
    model: ThreatModel
    freshness: Freshness
    problems: tuple[Problem, ...]

    @property
    def passed(self) -> bool:
        """Valid, fresh and nothing failed."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The ``--format json`` document."""
        model = self.model
        return {
            "file": self.file,
            "format": self.format.value,
            "valid": True,
            "passed": self.passed,
            "counts": {
                "zones": len(model.zones),
                "conduits": len(model.conduits),
                "components": len(model.components),
                "flows": len(model.flows),
                "boundary_flows": len(analysis.boundary_flows(model)),
                "threats": len(model.threats),
                "mitigations": len(model.mitigations),
            },
            "freshness": self.freshness.model_dump(mode="json"),
            "missing": list(model.imported_from.missing) if model.imported_from else [],
            "problems": [{"code": p.code.value, "message": p.message} for p in self.problems],
        }

    def to_text(self) -> str:
        """The text report for people."""
        counts = self.to_json()["counts"]
        lines = [
            f"{self.file} ({self.format.value}): {counts['components']} components, {counts['flows']} flows "
            f"({counts['boundary_flows']} crossing a boundary), {counts['threats']} threats, "
            f"{counts['mitigations']} mitigations",
            f"review: {self.freshness.status.value}: {self.freshness.reason}",
        ]
        if self.model.imported_from:
            lines += [f"missing from the format: {item}" for item in self.model.imported_from.missing]
        lines += [f"FAIL {p.code.value}: {p.message}" for p in self.problems]
        lines.append("OK: valid and fresh" if self.passed else f"FAILED: {len(self.problems)} problem(s)")
        return "\n".join(lines)


def _review_problems(freshness: Freshness, today: date, max_age_days: int) -> list[Problem]:
    match freshness.status:
        case FreshnessStatus.NOT_REVIEWED:
            return [Problem(ProblemCode.REVIEW, freshness.reason)]
        case FreshnessStatus.STALE:
            return [Problem(ProblemCode.STALE, freshness.stale_summary(MAX_LISTED))]
        case FreshnessStatus.EMPTY_SCOPE:
            found = [Problem(ProblemCode.REVIEW, freshness.reason)]
        case FreshnessStatus.UNKNOWN:
            found = [Problem(ProblemCode.FRESHNESS_UNKNOWN, freshness.reason)]
        case FreshnessStatus.FRESH:
            found = []
    reviewed = date.fromisoformat(freshness.review_date or today.isoformat())
    if reviewed < today - timedelta(days=max_age_days):
        found.append(
            Problem(ProblemCode.REVIEW, f"latest review {reviewed.isoformat()} is older than {max_age_days} days")
        )
    if reviewed > today:
        found.append(Problem(ProblemCode.REVIEW, f"latest review is dated {reviewed.isoformat()}, in the future"))
    return found


def check_model(
    project_path: Path, model_file: Path | None, input_format: str | None, max_age_days: int, today: date
) -> ModelReport:
    """Load and check a project's threat model (or ``model_file``); invalid input raises ``InputError``."""
    project = load_project(project_path)
    path = model_file or threat_model_path(project)
    if not path.exists():
        raise InputError("threat model not found", path=path, hint="write one (`sdl-gate init`) or pass FILE")
    fmt = configured_format(project) if input_format in (None, "auto") and model_file is None else None
    if input_format not in (None, "auto"):
        fmt = ModelFormat(str(input_format))
    inputs = load_security_inputs(project, model_file, fmt)  # None: the project's own model, a project file
    loaded = inputs.model
    if loaded is None:  # pragma: no cover - the file exists, so it was loaded or an error was raised
        raise InputError("threat model not found", path=path)
    try:
        relative: str | None = path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        relative = None
    model = loaded.model
    freshness = assess_freshness(project.root, model, relative, loaded.format)
    problems = [Problem(ProblemCode.NO_SURFACE, gap) for gap in analysis.surface_gaps(model)]
    names = analysis.element_names(model)
    problems += [
        Problem(
            ProblemCode.UNCOVERED_FLOW,
            f"{analysis.describe_flow(flow, names)} crosses a boundary but no threat considers it",
        )
        for flow in analysis.uncovered_boundary_flows(model)
    ]
    problems += [Problem(ProblemCode.DISPOSITION, gap) for gap in analysis.disposition_gaps(model)]
    depth = analysis.judge_defence_in_depth(model, freshness)
    if depth.outcome is not analysis.DepthOutcome.MET:
        problems += [Problem(ProblemCode.DEFENCE_IN_DEPTH, reason) for reason in depth.reasons]
    problems += [Problem(ProblemCode.CHARACTERISATION, gap) for gap in analysis.characterisation_gaps(model)]
    problems += _review_problems(freshness, today, max_age_days)
    return ModelReport(
        file=relative or str(path), format=loaded.format, model=model, freshness=freshness, problems=tuple(problems)
    )


def native_text(model: ThreatModel, *, as_json: bool) -> str:
    """Serialise a model in the native format (YAML, or JSON), leaving out empty optional values."""
    document = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    if as_json:
        from sdl_gate._files import pretty_json

        return pretty_json(document)
    import yaml

    header = "# Threat model in the sdl-gate native format (`sdl-gate schema threat-model`).\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
