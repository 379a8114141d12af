"""The product security requirements as evidence (SR-3, SR-4, SR-5, SVV-1)."""

from __future__ import annotations

from typing import Any

from sdl_gate.collectors.base import SDL_GATE_TOOL, CollectContext
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest, Subject, ToolInfo
from sdl_gate.threatmodel import load_security_inputs, project_relative


class SecurityRequirementsCollector:
    """Loads ``security/requirements.yaml`` and checks its references into the threat model."""

    kind = EvidenceKind.SECURITY_REQUIREMENTS

    def collect(self, context: CollectContext) -> Evidence:
        """Observe the requirements; an invalid file is an ``InputError`` (exit 2), an absent one is recorded."""
        inputs = load_security_inputs(context.project)
        path = inputs.requirements_path
        payload: dict[str, Any] = {"present": False, "path": project_relative(context, path)}
        files: tuple[FileDigest, ...] = ()
        if inputs.requirements is not None:
            digest = context.digest(path)
            files = (digest,)
            payload = {
                "present": True,
                "path": digest.path,
                "sha256": digest.sha256,
                "requirements": [r.model_dump(mode="json") for r in inputs.requirements.requirements],
            }
        return Evidence(
            kind=self.kind,
            tool=ToolInfo(name=SDL_GATE_TOOL[0], version=SDL_GATE_TOOL[1]),
            subject=Subject(commit=context.commit, files=files),
            payload=payload,
        )
