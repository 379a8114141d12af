"""The collector interface: each collector observes one kind of evidence and never scores it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sdl_gate import __version__
from sdl_gate._files import sha256_file
from sdl_gate.approvals.register import TrustedRegister
from sdl_gate.config import Project
from sdl_gate.evidence import Evidence, EvidenceKind, EvidenceStore, FileDigest, Subject, ToolInfo, raw_reference
from sdl_gate.policy.waivers import WaiverRegister

if TYPE_CHECKING:
    from sdl_gate.sast.engine import ProgressSink

SDL_GATE_TOOL = ("sdl-gate", __version__)


@dataclass(frozen=True)
class CollectContext:
    """Everything a collector may read: the project, its commit, the waiver register and the clock.

    ``approvers`` is the approver register the operator named (never the checkout's copy), or None.
    ``sast_shards`` is the operator's directory of partial SAST runs to merge instead of scanning;
    ``progress`` hears how far long work has got.
    """

    project: Project
    commit: str | None
    now: datetime
    waivers: WaiverRegister
    store: EvidenceStore | None = None
    approvers: TrustedRegister | None = None
    sast_shards: Path | None = None
    progress: ProgressSink | None = None

    def put_raw(self, data: bytes, suffix: str) -> str:
        """Keep an original tool output beside the evidence; return the reference for ``Evidence.raw``."""
        if self.store is None:
            return raw_reference(data, suffix)
        return self.store.put_raw(data, suffix)

    @property
    def root(self) -> Path:
        """The project root."""
        return self.project.root

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the project root, with forward slashes."""
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def digest(self, path: Path) -> FileDigest:
        """Return the repo-relative digest entry for a file."""
        return FileDigest(path=self.relative(path), sha256=sha256_file(path))


def own_evidence(
    kind: EvidenceKind,
    context: CollectContext,
    files: Iterable[FileDigest],
    payload: dict[str, Any],
    raw: str | None = None,
) -> Evidence:
    """Evidence sdl-gate observed itself over ``files`` (each path and digest once, sorted) at the context's commit."""
    unique = sorted({(f.path, f.sha256) for f in files})
    return Evidence(
        kind=kind,
        tool=ToolInfo(name=SDL_GATE_TOOL[0], version=SDL_GATE_TOOL[1]),
        subject=Subject(commit=context.commit, files=tuple(FileDigest(path=p, sha256=d) for p, d in unique)),
        payload=payload,
        raw=raw,
    )


class Collector(Protocol):
    """Observes one kind of evidence."""

    @property
    def kind(self) -> EvidenceKind:
        """The kind of evidence this collector produces."""

    def collect(self, context: CollectContext) -> Evidence:
        """Observe the project and return evidence; raise ``InputError`` for invalid user files."""
