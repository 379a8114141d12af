"""The threat model as evidence (SR-1, SR-2, SD-1 to SD-3): the model, normalised, and whether its review is current."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sdl_gate._files import read_bytes_limited
from sdl_gate.collectors.base import SDL_GATE_TOOL, CollectContext
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest, Subject, ToolInfo
from sdl_gate.threatmodel import load_security_inputs, project_relative
from sdl_gate.threatmodel.freshness import assess_freshness
from sdl_gate.threatmodel.model import ModelFormat


class ThreatModelCollector:
    """Loads the threat model in whatever format it is kept, and asks git whether its review is still current."""

    kind = EvidenceKind.THREAT_MODEL

    def __init__(self, model_file: Path | None = None, model_format: ModelFormat | None = None) -> None:
        # A model file named on the command line (`threat-model check FILE`) is the operator's, in its format.
        self._model_file = model_file
        self._model_format = model_format

    def collect(self, context: CollectContext) -> Evidence:
        """Observe the threat model; an invalid model is an ``InputError`` (exit 2), an absent one is recorded."""
        inputs = load_security_inputs(context.project, self._model_file, self._model_format)
        files: list[FileDigest] = []
        raw: str | None = None
        payload: dict[str, Any] = {"present": False, "path": project_relative(context, inputs.model_path)}
        loaded = inputs.model
        if loaded is not None:
            try:
                relative: str | None = context.relative(loaded.path)
            except ValueError:  # a model file outside the project, named by the operator
                relative = None
            if relative is not None:
                files.append(FileDigest(path=relative, sha256=loaded.sha256))
            if inputs.requirements is not None:
                files.append(context.digest(inputs.requirements_path))
            if loaded.format is not ModelFormat.NATIVE:
                # An imported model is another tool's output: keep the original beside the evidence.
                original = read_bytes_limited(loaded.path, root=context.root)
                raw = context.put_raw(original, loaded.path.suffix or "json")
            freshness = assess_freshness(context.root, loaded.model, relative, loaded.format)
            payload = {
                "present": True,
                "path": relative or str(loaded.path),
                "format": loaded.format.value,
                "sha256": loaded.sha256,
                "model": loaded.model.to_json(),
                "freshness": freshness.model_dump(mode="json"),
            }
        return Evidence(
            kind=self.kind,
            tool=ToolInfo(name=SDL_GATE_TOOL[0], version=SDL_GATE_TOOL[1]),
            subject=Subject(commit=context.commit, files=tuple(sorted(files, key=lambda f: f.path))),
            payload=payload,
            raw=raw,
        )
