"""Where approvals live: ``security/records/<record file>.approvals.json``, beside the record they approve.

The record stays exactly as its author wrote it; ``sdl-gate records approve`` adds or replaces one approval
per approver in the sidecar, with the digests of the linked files as the approver saw them and the signature.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import ConfigDict, Field, model_validator

from sdl_gate._files import pretty_json, write_atomic
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import load_json, validate
from sdl_gate.errors import InputError, RecordError

SIDECAR_SUFFIX = ".approvals.json"
MAX_APPROVALS = 20
MAX_SIDECAR_BYTES = 1024 * 1024


class LinkedFile(FrozenModel):
    """A linked file as the approver saw it."""

    path: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class SignedApproval(FrozenModel):
    """One approval: who, when, the linked files' digests, and the signature over the approval message."""

    approver: str = Field(pattern=r"^[^\s<>@]+@[^\s<>@]+$", description="The approver's e-mail in the register.")
    date: dt.date
    linked_files: list[LinkedFile] = Field(default_factory=list)
    ssh_signature: str | None = Field(default=None, description="Armored `ssh-keygen -Y sign` signature.")
    sigstore_bundle: dict[str, Any] | None = Field(default=None, description="A Sigstore bundle (JSON).")

    @model_validator(mode="after")
    def _one_signature(self) -> SignedApproval:
        if (self.ssh_signature is None) == (self.sigstore_bundle is None):
            raise ValueError("an approval carries exactly one of ssh_signature or sigstore_bundle")
        return self

    @property
    def method(self) -> str:
        """``ssh`` or ``sigstore``."""
        return "ssh" if self.ssh_signature is not None else "sigstore"


class ApprovalsFile(FrozenModel):
    """The approvals sidecar of one record (``version: 1``)."""

    model_config = ConfigDict(title="sdl-gate record approvals")

    version: Literal[1]
    record: str = Field(min_length=1, description="The id of the record approved.")
    approvals: list[SignedApproval] = Field(default_factory=list, max_length=MAX_APPROVALS)


def sidecar_path(record_file: Path) -> Path:
    """Return the approvals file of ``record_file``."""
    return record_file.with_name(record_file.name + SIDECAR_SUFFIX)


def load_approvals(record_file: Path, record_id: str, *, root: Path | None = None) -> ApprovalsFile | None:
    """Load the approvals of a record (with ``root``: a regular file inside the project), or None when it has
    none; a malformed file is an error naming it."""
    path = sidecar_path(record_file)
    loaded = _load_sidecar(ApprovalsFile, path, MAX_SIDECAR_BYTES, "approvals file", root)
    if loaded is None:
        return None
    if loaded.record != record_id:
        raise RecordError(
            f"approvals file is for record {loaded.record!r}, but it sits beside record {record_id!r}",
            path=path,
            location="record",
        )
    return loaded


def write_approvals(record_file: Path, approvals: ApprovalsFile) -> Path:
    """Write the approvals sidecar atomically; return its path."""
    return _write_sidecar(sidecar_path(record_file), approvals)


MAX_EXCEPTIONS = 10_000


class ExceptionApprovalsFile(FrozenModel):
    """The approvals of a register of exceptions (``waivers.yaml``, the SAST baseline), keyed by exception.

    The key is the waiver id, or the fingerprint of a baseline entry; each approval is a record approval
    without linked files, signed over the exception's canonical content.
    """

    model_config = ConfigDict(title="sdl-gate exception approvals")

    version: Literal[1]
    file: str = Field(min_length=1, description="The file name of the register approved, e.g. waivers.yaml.")
    approvals: dict[str, list[SignedApproval]] = Field(default_factory=dict, max_length=MAX_EXCEPTIONS)

    @model_validator(mode="after")
    def _bounded(self) -> ExceptionApprovalsFile:
        for key, approvals in self.approvals.items():
            if len(approvals) > MAX_APPROVALS:
                raise ValueError(f"{key}: at most {MAX_APPROVALS} approvals per exception")
            if any(approval.linked_files for approval in approvals):
                raise ValueError(f"{key}: an exception's approval links no files")
        return self


SidecarT = TypeVar("SidecarT", ApprovalsFile, ExceptionApprovalsFile)


def load_exception_approvals(register_file: Path, *, root: Path | None = None) -> ExceptionApprovalsFile | None:
    """Load the approvals sidecar of a register of exceptions, or None when it has none.

    With ``root`` it must be a regular file inside the project; a malformed file is an error naming it.
    """
    path = sidecar_path(register_file)
    loaded = _load_sidecar(ExceptionApprovalsFile, path, MAX_SIDECAR_BYTES * 8, "exception approvals file", root)
    if loaded is None:
        return None
    if loaded.file != register_file.name:
        raise RecordError(
            f"approvals file is for {loaded.file!r}, but it sits beside {register_file.name!r}",
            path=path,
            location="file",
        )
    return loaded


def write_exception_approvals(register_file: Path, approvals: ExceptionApprovalsFile) -> Path:
    """Write the approvals sidecar of a register of exceptions atomically; return its path."""
    return _write_sidecar(sidecar_path(register_file), approvals)


def _load_sidecar(model: type[SidecarT], path: Path, max_bytes: int, what: str, root: Path | None) -> SidecarT | None:
    """Load and validate an approvals sidecar, or None when there is none; any problem is a RecordError."""
    if not path.exists() and not path.is_symlink():
        return None
    try:
        return validate(model, load_json(path, max_bytes, root=root), path, None, what)
    except InputError as exc:
        raise RecordError(exc.message, path=exc.path, line=exc.line, location=exc.location) from None


def _write_sidecar(path: Path, approvals: FrozenModel) -> Path:
    write_atomic(path, pretty_json(approvals.model_dump(mode="json", exclude_none=True)))
    return path
