"""Signing and verifying release files: find each file's signature beside it and verify it offline."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path

from sdl_gate._files import sha256_file
from sdl_gate.attest.dsse import parse_envelope
from sdl_gate.attest.keys import PrivateKey, PublicKey, SignatureInvalid, key_id, sign_envelope, verify_envelope
from sdl_gate.attest.purpose import Purpose, signed_statement
from sdl_gate.attest.sigstore_verify import SigstoreVerifier, read_signature
from sdl_gate.attest.statement import PAYLOAD_TYPE, RELEASE_FILE_PREDICATE, statement

SIGSTORE_SUFFIXES = (".sigstore.json", ".sigstore")
DSSE_SUFFIX = ".dsse.json"
SIGNATURE_SUFFIXES = (*SIGSTORE_SUFFIXES, DSSE_SUFFIX)


class SignatureFormat(str, enum.Enum):
    """How a file is signed."""

    SIGSTORE = "sigstore"
    KEY = "key"


class VerifyStatus(str, enum.Enum):
    """The result of verifying one file."""

    VERIFIED = "verified"
    UNSIGNED = "unsigned"
    INVALID = "invalid"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class FileVerification:
    """What verifying one file found."""

    path: Path
    sha256: str
    signature: Path | None
    format: SignatureFormat | None
    status: VerifyStatus
    detail: str
    signer: str | None = None
    issuer: str | None = None


def is_signature_file(path: Path) -> bool:
    """Return whether ``path`` is a signature sdl-gate writes or reads (so it is not itself an artifact)."""
    return path.name.endswith(SIGNATURE_SUFFIXES)


def signature_format(signature: Path) -> SignatureFormat:
    """Return the format a signature file's name announces."""
    return SignatureFormat.KEY if signature.name.endswith(DSSE_SUFFIX) else SignatureFormat.SIGSTORE


def find_signature(artifact: Path) -> Path | None:
    """Return the signature beside ``artifact`` (``.sigstore.json``, ``.sigstore`` or ``.dsse.json``)."""
    for suffix in SIGNATURE_SUFFIXES:
        candidate = artifact.with_name(artifact.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def sign_file_with_key(artifact: Path, key: PrivateKey) -> str:
    """Return a DSSE envelope (JSON) over an in-toto statement naming the file and its SHA-256."""
    subject = [(artifact.name, sha256_file(artifact))]
    payload = statement(subject, RELEASE_FILE_PREDICATE, {"signer": "sdl-gate"}).to_bytes()
    return sign_envelope(key, payload).to_json()


def _statement_covers(payload_type: str, payload: bytes, digest: str) -> None:
    """The verified payload must be a statement made to sign release files, naming this file's digest."""
    parsed = signed_statement(payload_type, payload, Purpose.RELEASE_FILE)
    if not any(s.digest.get("sha256") == digest for s in parsed.subject):
        raise SignatureInvalid("the signed statement's subject digest does not match the file (file changed?)")


@dataclass(frozen=True)
class FileVerifier:
    """Verifies signatures with whichever verifiers are configured (Sigstore identity, public key)."""

    sigstore: SigstoreVerifier | None = None
    public_key: PublicKey | None = None

    def verify(self, artifact: Path, signature: Path | None = None) -> FileVerification:
        """Verify ``artifact`` against its signature (found beside it when not given); never raises on bad data."""
        digest = sha256_file(artifact)
        signature = signature or find_signature(artifact)
        if signature is None:
            return FileVerification(artifact, digest, None, None, VerifyStatus.UNSIGNED, "no signature found")
        fmt = signature_format(signature)
        try:
            data = read_signature(signature)
            match fmt:
                case SignatureFormat.SIGSTORE:
                    return self._sigstore(artifact, digest, signature, data)
                case SignatureFormat.KEY:
                    return self._key(artifact, digest, signature, data)
        except SignatureInvalid as exc:
            return FileVerification(artifact, digest, signature, fmt, VerifyStatus.INVALID, str(exc))
        except OSError as exc:
            detail = f"cannot read the signature: {exc.strerror}"
            return FileVerification(artifact, digest, signature, fmt, VerifyStatus.INVALID, detail)
        except Exception as exc:  # an InputError from a bounded read, or a library surprise: never a pass
            detail = f"signature could not be verified: {type(exc).__name__}: {str(exc).splitlines()[0]}"
            return FileVerification(artifact, digest, signature, fmt, VerifyStatus.INVALID, detail)

    def _sigstore(self, artifact: Path, digest: str, signature: Path, data: bytes) -> FileVerification:
        if self.sigstore is None:
            detail = "Sigstore bundle found, but no signer identity is configured to verify it against"
            return FileVerification(
                artifact, digest, signature, SignatureFormat.SIGSTORE, VerifyStatus.NOT_CHECKED, detail
            )
        try:
            is_dsse = "dsseEnvelope" in json.loads(data)
        except (ValueError, TypeError):
            raise SignatureInvalid("Sigstore bundle refused: not JSON") from None
        if is_dsse:
            payload, signer = self.sigstore.verify_statement(data)
            _statement_covers(PAYLOAD_TYPE, payload, digest)
        else:
            signer = self.sigstore.verify_file(artifact, data)
        detail = f"Sigstore signature by {signer.identity} ({signer.issuer}) verified offline"
        return FileVerification(
            artifact,
            digest,
            signature,
            SignatureFormat.SIGSTORE,
            VerifyStatus.VERIFIED,
            detail,
            signer.identity,
            signer.issuer,
        )

    def _key(self, artifact: Path, digest: str, signature: Path, data: bytes) -> FileVerification:
        if self.public_key is None:
            detail = "key-signed envelope found, but no public key is configured to verify it with"
            return FileVerification(artifact, digest, signature, SignatureFormat.KEY, VerifyStatus.NOT_CHECKED, detail)
        try:
            envelope = parse_envelope(data)
        except ValueError as exc:
            raise SignatureInvalid(str(exc)) from None
        payload = verify_envelope(envelope, self.public_key)
        _statement_covers(envelope.payload_type, payload, digest)
        kid = key_id(self.public_key)
        return FileVerification(
            artifact,
            digest,
            signature,
            SignatureFormat.KEY,
            VerifyStatus.VERIFIED,
            f"signature by key {kid[:16]} verified",
            kid,
            None,
        )
