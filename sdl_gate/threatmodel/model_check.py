"""``sdl-gate threat-model check``: everything the gate asks of a threat model, as one fast report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sdl_gate.threatmodel import analysis
from sdl_gate.threatmodel.freshness import Freshness
from sdl_gate.threatmodel.model import ModelFormat, ThreatModel

#: What ``threat-model check`` decides on: the gate's own threat-model criteria, nothing of its own.
THREAT_MODEL_SCOPE: dict[str, frozenset[str]] = {
    "SR-2": frozenset({"threat_coverage", "threat_model_review"}),
    "SD-1": frozenset({"boundary_characterisation"}),
    "SD-2": frozenset({"defence_in_depth"}),
}


@dataclass(frozen=True)
class Problem:
    """One gate criterion that the model does not pass, with what would fix it."""

    requirement: str
    criterion: str
    outcome: str
    message: str
    fix: str


@dataclass(frozen=True)
class ModelReport:
    """The outcome of checking one model: what it holds and the gate's answer on its criteria."""

    file: str
    format: ModelFormat
    model: ThreatModel
    freshness: Freshness
    problems: tuple[Problem, ...]
    passed: bool

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
            "problems": [
                {
                    "requirement": p.requirement,
                    "code": p.criterion,
                    "outcome": p.outcome,
                    "message": p.message,
                    "fix": p.fix,
                }
                for p in self.problems
            ],
        }

    def summary_lines(self) -> list[str]:
        """What the model holds and its review state, for people; the decision lines follow it."""
        counts = self.to_json()["counts"]
        lines = [
            f"{self.file} ({self.format.value}): {counts['components']} components, {counts['flows']} flows "
            f"({counts['boundary_flows']} crossing a boundary), {counts['threats']} threats, "
            f"{counts['mitigations']} mitigations",
            f"review: {self.freshness.status.value}: {self.freshness.reason}",
        ]
        if self.model.imported_from:
            lines += [f"missing from the format: {item}" for item in self.model.imported_from.missing]
        return lines


def native_text(model: ThreatModel, *, as_json: bool) -> str:
    """Serialise a model in the native format (YAML, or JSON), leaving out empty optional values."""
    document = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    if as_json:
        from sdl_gate._files import pretty_json

        return pretty_json(document)
    import yaml

    header = "# Threat model in the sdl-gate native format (`sdl-gate schema threat-model`).\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
