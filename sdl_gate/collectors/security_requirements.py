"""The product security requirements as evidence (SR-3, SR-4, SR-5, SVV-1)."""

from __future__ import annotations

from typing import Any

from sdl_gate.collectors.base import SDL_GATE_TOOL, CollectContext
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest, Subject, ToolInfo
from sdl_gate.threatmodel import load_security_inputs, project_relative


class SecurityRequirementsCollector:
    """Loads ``security/requirements.yaml`` (and the test map, if any) and checks their references."""

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
        if inputs.test_map is not None and inputs.test_map_path is not None:
            # Only when the map exists, so the evidence of a project without one is unchanged.
            map_digest = context.digest(inputs.test_map_path)
            files = (*files, map_digest)
            payload["test_map"] = {
                "path": map_digest.path,
                "sha256": map_digest.sha256,
                "tests": {test: list(ids) for test, ids in sorted(inputs.test_map.tests.items())},
            }
        return Evidence(
            kind=self.kind,
            tool=ToolInfo(name=SDL_GATE_TOOL[0], version=SDL_GATE_TOOL[1]),
            subject=Subject(commit=context.commit, files=files),
            payload=payload,
        )
