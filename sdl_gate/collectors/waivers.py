"""The waiver register as evidence: which exceptions exist, who approved them (verified), and until when."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sdl_gate.approvals.sidecar import sidecar_path
from sdl_gate.collectors.base import SDL_GATE_TOOL, CollectContext
from sdl_gate.evidence import Evidence, EvidenceKind, Subject, ToolInfo


class WaiversCollector:
    """Records the register the assessment applies (it is loaded once, before collection)."""

    kind = EvidenceKind.WAIVERS

    def collect(self, context: CollectContext) -> Evidence:
        """Describe every waiver in the register."""
        register = context.waivers
        files = []
        waivers: list[dict[str, Any]] = []
        if register.source is not None:
            files.append(context.digest(Path(register.source)))
            sidecar = sidecar_path(Path(register.source))
            if sidecar.is_file():
                files.append(context.digest(sidecar))
        for waiver in register.waivers:
            scope = waiver.scope
            waivers.append(
                {
                    "id": waiver.id,
                    "kind": scope.kind.value,
                    "target": scope.describe(),
                    "requirement": scope.target_requirement,
                    "requester": waiver.requester,
                    "approver": waiver.approver,
                    "created": waiver.created.isoformat(),
                    "expires": waiver.expires.isoformat(),
                    "justification": waiver.justification,
                    "vex": waiver.vex.model_dump(mode="json") if waiver.vex else None,
                    # The verdict on its signed approval, bound to its content: a re-assessment reads it here.
                    "approval": register.approval(waiver).model_dump(mode="json"),
                }
            )
        return Evidence(
            kind=self.kind,
            tool=ToolInfo(name=SDL_GATE_TOOL[0], version=SDL_GATE_TOOL[1]),
            subject=Subject(commit=context.commit, files=tuple(files)),
            payload={
                "present": register.source is not None,
                "waivers": sorted(waivers, key=lambda w: str(w["id"])),
            },
        )
