"""The approver register: who may approve which records, with the keys and identities they sign with.

A pull request can edit any file in the checkout, so the register that decides is never read from the change
under assessment: the operator names a file (``--approvers``, ``SDL_GATE_APPROVERS``, the Action input
``approvers``) or a trusted git ref (``--trusted-ref``, ``SDL_GATE_TRUSTED_REF``) whose
``security/approvers.yaml`` is read, as GitHub reads CODEOWNERS from the base branch. The checkout's own copy
only ever serves to report that the change edits it.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from sdl_gate._files import canonical_json, read_text_limited, sha256_bytes
from sdl_gate._git import find_repository
from sdl_gate._ids import RequirementId
from sdl_gate._model import FrozenModel
from sdl_gate._tool import ToolUnavailable
from sdl_gate._yaml import parse_yaml_text, validate
from sdl_gate.approvals.state import NO_REGISTER_HINT
from sdl_gate.errors import ApproversError, InputError
from sdl_gate.record_kinds import GrantKind

#: Where a repository keeps its register, relative to the project root. It is deliberately not derived from
#: ``security-dir``: that setting lives in the checkout, and the change under assessment must not choose which
#: file of a trusted ref is read.
REGISTER_PATH = "security/approvers.yaml"
APPROVERS_ENVIRONMENT = "SDL_GATE_APPROVERS"
TRUSTED_REF_ENVIRONMENT = "SDL_GATE_TRUSTED_REF"
HOW_TO_NAME_ONE = NO_REGISTER_HINT

_EMAIL = r"^[^\s<>@]+@[^\s<>@]+$"
_REF = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/@{}^~-]*$")


def _ssh_public_key(text: str) -> str:
    from sdl_gate.approvals.signatures import parse_public_key

    parse_public_key(text)  # raises ValueError naming what is wrong
    return text


Email = Annotated[str, Field(pattern=_EMAIL)]
SshPublicKey = Annotated[str, AfterValidator(_ssh_public_key)]


class SigstoreInstance(str, enum.Enum):
    """Which public Sigstore instance's shipped trust root verifies Sigstore approvals."""

    PRODUCTION = "production"
    STAGING = "staging"


class Grant(FrozenModel):
    """What a grant entitles to approve: records (or exceptions: waivers, SAST baseline entries) of these kinds,
    for these requirements, or both at once."""

    kinds: list[GrantKind] | None = Field(
        default=None,
        min_length=1,
        description="Record kinds, or `waiver` / `sast_baseline` for exceptions; none: every kind.",
    )
    requirements: list[RequirementId] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _not_empty(self) -> Grant:
        if self.kinds is None and self.requirements is None:
            raise ValueError("a grant names record kinds, requirements, or both")
        return self

    def allows(self, kind: str, requirement: str) -> bool:
        """Whether this grant covers approving a record of ``kind`` as evidence for ``requirement``."""
        kind_ok = self.kinds is None or kind in {k.value for k in self.kinds}
        requirement_ok = self.requirements is None or requirement in self.requirements
        return kind_ok and requirement_ok


class Role(FrozenModel):
    """A named set of grants several people can hold (for example product security, QA lead)."""

    description: str | None = None
    approves: list[Grant] = Field(min_length=1)


class SigstoreIdentity(FrozenModel):
    """A Sigstore signing identity: the certificate's identity (SAN) and its OIDC issuer."""

    identity: str = Field(min_length=1)
    issuer: str = Field(pattern=r"^https://\S+$")


class Person(FrozenModel):
    """Someone who may approve records (or who is named as an author or tester), and how they sign."""

    name: str = Field(min_length=1)
    email: str = Field(pattern=_EMAIL)
    aliases: list[Email] = Field(default_factory=list, description="Other e-mail addresses of the same person.")
    department: str | None = Field(default=None, min_length=1)
    organisation: str | None = Field(default=None, min_length=1)
    ssh_keys: list[SshPublicKey] = Field(
        default_factory=list, description="OpenSSH public keys (ssh-ed25519 or ssh-rsa), as in ~/.ssh/id_ed25519.pub."
    )
    sigstore: list[SigstoreIdentity] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    approves: list[Grant] = Field(default_factory=list)

    @property
    def emails(self) -> frozenset[str]:
        """Every e-mail address of this person, lower-cased."""
        return frozenset(e.lower() for e in (self.email, *self.aliases))

    def summary(self) -> dict[str, Any]:
        """The facts about this person that evidence records (no keys)."""
        return {
            "name": self.name,
            "email": self.email.lower(),
            "emails": sorted(self.emails),
            "department": self.department,
            "organisation": self.organisation,
        }


class ApproverRegister(FrozenModel):
    """``security/approvers.yaml`` (``version: 1``): people, how they sign, and what they may approve."""

    model_config = ConfigDict(title="sdl-gate approver register")

    version: Literal[1]
    sigstore_instance: SigstoreInstance = SigstoreInstance.PRODUCTION
    roles: dict[str, Role] = Field(default_factory=dict)
    people: list[Person] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ApproverRegister:
        owners: dict[str, str] = {}
        keys: dict[str, str] = {}
        from sdl_gate.approvals.signatures import key_fingerprint, parse_public_key

        for person in self.people:
            for email in person.emails:
                if email in owners:
                    raise ValueError(f"e-mail address {email} belongs to both {owners[email]} and {person.name}")
                owners[email] = person.name
            for text in person.ssh_keys:
                fingerprint = key_fingerprint(parse_public_key(text))
                if fingerprint in keys:
                    raise ValueError(f"SSH key {fingerprint} is listed for both {keys[fingerprint]} and {person.name}")
                keys[fingerprint] = person.name
            for role in person.roles:
                if role not in self.roles:
                    raise ValueError(f"{person.name} holds role {role!r}, which the register does not define")
        return self

    def person_by_email(self, email: str) -> Person | None:
        """Return the person one of whose addresses is ``email``."""
        wanted = email.strip().lower()
        return next((p for p in self.people if wanted in p.emails), None)

    def person_by_key(self, fingerprint: str) -> Person | None:
        """Return the person whose SSH key has this ``SHA256:...`` fingerprint."""
        from sdl_gate.approvals.signatures import key_fingerprint, parse_public_key

        for person in self.people:
            if any(key_fingerprint(parse_public_key(text)) == fingerprint for text in person.ssh_keys):
                return person
        return None

    def grants(self, person: Person) -> list[Grant]:
        """Every grant a person holds, directly and through roles."""
        held = list(person.approves)
        for role in person.roles:
            held += self.roles[role].approves
        return held

    def may_approve(self, person: Person, kind: str, requirement: str) -> bool:
        """Whether ``person`` may approve a record of ``kind`` as evidence for ``requirement``."""
        return any(grant.allows(kind, requirement) for grant in self.grants(person))


@dataclass(frozen=True)
class TrustedRegister:
    """The register the operator named, where it came from, and the digest of its bytes."""

    register: ApproverRegister
    source: str
    sha256: str
    #: The git ref it was read from; None when the operator named a file, which may live outside the project.
    ref: str | None = None

    def canonical(self) -> str:
        """The register's parsed content as canonical JSON: two registers that say the same are equal."""
        return canonical_json(self.register.model_dump(mode="json"))

    def describe(self) -> dict[str, Any]:
        """What evidence records about the register."""
        return {"source": self.source, "sha256": self.sha256, "people": len(self.register.people)}


def parse_register(text: str, source: Path) -> ApproverRegister:
    """Validate register text; errors name ``source``, the line and the place."""
    data, lines = parse_yaml_text(text, source)
    try:
        return validate(ApproverRegister, data, source, lines, "approver register")
    except InputError as exc:
        raise ApproversError(exc.message, path=exc.path, line=exc.line, location=exc.location) from None


def load_register_file(path: Path) -> TrustedRegister:
    """Load the register the operator named as a file."""
    text = read_text_limited(path)
    register = parse_register(text, path)
    return TrustedRegister(register, f"file {path}", sha256_bytes(text.encode("utf-8")))


def load_register_ref(root: Path, ref: str) -> TrustedRegister:
    """Load ``security/approvers.yaml`` as it is at the trusted git ``ref`` of the repository holding ``root``."""
    if not _REF.match(ref) or ".." in ref:
        raise ApproversError(f"--trusted-ref {ref!r} is not a git ref name (a branch, tag, or commit)")
    spec = f"{ref}:./{REGISTER_PATH}"
    repository = find_repository(root)
    if repository is None:
        raise ApproversError(
            f"cannot read the approver register at trusted ref {ref}: {root} is not inside a git repository",
            hint="name the register with --approvers FILE instead",
        )
    try:
        # cat-file prints the blob as stored: no textconv or filter configured in the checkout runs on it.
        # ``./`` makes the path relative to the project directory (cwd), not the top of the repository.
        run = repository.run("cat-file", "blob", spec, cwd=root, timeout=30)
    except ToolUnavailable as exc:
        raise ApproversError(f"cannot read the approver register at trusted ref {ref}: {exc.reason}") from None
    if run.returncode != 0:
        reason = run.stderr.strip().splitlines()[0] if run.stderr.strip() else f"git exited {run.returncode}"
        raise ApproversError(
            f"cannot read {REGISTER_PATH} at trusted ref {ref}: {reason}",
            hint="fetch the ref first (for example `git fetch origin main`), or name the register with --approvers",
        )
    source = f"git {ref}:{REGISTER_PATH}"
    register = parse_register(run.stdout, Path(source))
    return TrustedRegister(register, source, sha256_bytes(run.stdout.encode("utf-8")), ref)


@dataclass(frozen=True)
class RegisterChoice:
    """What the operator named as the trusted register: a file, a git ref, or nothing."""

    file: Path | None = None
    ref: str | None = None

    @classmethod
    def from_operator(cls, file: Path | None, ref: str | None) -> RegisterChoice:
        """Combine command-line options with the environment; the command line wins, naming both is an error."""
        if file is not None and ref is not None:
            raise ApproversError("name the approver register once: --approvers FILE or --trusted-ref REF, not both")
        if file is not None or ref is not None:
            return cls(file, ref)
        env_file = os.environ.get(APPROVERS_ENVIRONMENT, "").strip()
        env_ref = os.environ.get(TRUSTED_REF_ENVIRONMENT, "").strip()
        if env_file and env_ref:
            raise ApproversError(f"set only one of {APPROVERS_ENVIRONMENT} and {TRUSTED_REF_ENVIRONMENT}")
        return cls(Path(env_file) if env_file else None, env_ref or None)

    def load(self, root: Path) -> TrustedRegister | None:
        """Load the named register, or return None when the operator named none."""
        if self.file is not None:
            return load_register_file(self.file)
        if self.ref is not None:
            return load_register_ref(root, self.ref)
        return None


def checkout_edit(root: Path, trusted: TrustedRegister) -> str | None:
    """Say how the checkout's own ``security/approvers.yaml`` differs from the trusted register, if it does."""
    path = root / REGISTER_PATH
    if not path.exists():
        if trusted.ref is None:
            return None  # a register the operator names as a file need not be kept in the project at all
        # The trusted ref holds the register at this path, so the change removes it: that changes who may approve.
        return (
            f"{REGISTER_PATH} is deleted in this change (the trusted register, {trusted.source}, has it); "
            "the deletion takes effect only once it is approved and merged into the trusted source"
        )
    try:
        # The checkout's copy is repository content: a regular file inside the project, never a link out of it.
        text = read_text_limited(path, root=root)
        copy = parse_register(text, path)
    except InputError as exc:
        return f"{REGISTER_PATH} in the checkout is not a valid register ({exc.message}); the trusted one applies"
    if canonical_json(copy.model_dump(mode="json")) == trusted.canonical():
        return None
    return (
        f"{REGISTER_PATH} is edited in this change (it differs from the trusted register, {trusted.source}); "
        "the edit takes effect only once it is approved and merged into the trusted source"
    )
