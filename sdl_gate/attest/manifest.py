"""Signing and verifying a bundle manifest (an in-toto statement) with a local key or Sigstore."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sdl_gate.attest.dsse import parse_envelope
from sdl_gate.attest.keys import PrivateKey, PublicKey, SignatureInvalid, key_id, sign_envelope, verify_envelope
from sdl_gate.attest.purpose import Purpose, signed_statement
from sdl_gate.attest.sigstore_sign import SigstoreSigning
from sdl_gate.attest.sigstore_verify import (
    SigstoreVerifier,
    TrustChoice,
    load_bundle,
    load_trusted_root,
    trusted_root_json,
)
from sdl_gate.attest.statement import PAYLOAD_TYPE

KEY_SIGNATURE_SUFFIX = ".dsse.json"
SIGSTORE_SIGNATURE_SUFFIX = ".sigstore.json"


class ManifestSigner(Protocol):
    """Signs manifest bytes; names the signature entry and the trust material shipped beside it."""

    @property
    def suffix(self) -> str:
        """The signature entry's suffix after the manifest name."""

    @property
    def signer(self) -> str:
        """Who signs, for reports."""

    def sign(self, manifest: bytes) -> bytes:
        """Return the signature entry's bytes."""

    def trust_material(self) -> dict[str, bytes]:
        """Return the trust root entries (name -> bytes) a verifier may inspect."""

    def verifies_with(self, verifier: ManifestVerifier) -> bool:
        """Whether this signer's signatures can verify against ``verifier`` (the configured signer)."""


@dataclass(frozen=True)
class KeyManifestSigner:
    """Signs with a local private key (DSSE)."""

    key: PrivateKey
    suffix: str = KEY_SIGNATURE_SUFFIX

    @property
    def signer(self) -> str:
        """The key id."""
        return f"key {key_id(self.key.public_key())}"

    def sign(self, manifest: bytes) -> bytes:
        """Return the DSSE envelope over the manifest."""
        return sign_envelope(self.key, manifest).to_json().encode("utf-8")

    def trust_material(self) -> dict[str, bytes]:
        """Ship the public key."""
        from cryptography.hazmat.primitives import serialization

        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {"trust/key.pub.pem": pem}

    def verifies_with(self, verifier: ManifestVerifier) -> bool:
        """Whether the verifier's public key is this key's."""
        return verifier.public_key is not None and key_id(verifier.public_key) == key_id(self.key.public_key())


class SigstoreManifestSigner:
    """Signs keyless with Sigstore (DSSE bundle) using the ambient identity."""

    suffix = SIGSTORE_SIGNATURE_SUFFIX

    def __init__(self, session: SigstoreSigning, trust: TrustChoice) -> None:
        """Keep the session and the trust root used, which is shipped in the bundle."""
        self._session = session
        self._trust = trust
        self.signer = "Sigstore keyless (ambient OIDC identity)"

    def sign(self, manifest: bytes) -> bytes:
        """Return the Sigstore bundle over the manifest."""
        return self._session.sign_statement(manifest).encode("utf-8")

    def trust_material(self) -> dict[str, bytes]:
        """Ship the trusted root used."""
        return {"trust/trusted_root.json": trusted_root_json(load_trusted_root(self._trust)).encode("utf-8")}

    def verifies_with(self, verifier: ManifestVerifier) -> bool:
        """Whether a Sigstore identity is configured; that it is this one is confirmed once the manifest is signed."""
        return verifier.sigstore is not None


@dataclass(frozen=True)
class ManifestVerifier:
    """Verifies a manifest signature with a public key or against a Sigstore identity, offline."""

    public_key: PublicKey | None = None
    sigstore: SigstoreVerifier | None = None

    def describe(self) -> str:
        """Return whom this verifier trusts, for reports."""
        trusted = [f"key {key_id(self.public_key)}"] if self.public_key is not None else []
        if self.sigstore is not None:
            trusted.append(f"Sigstore {self.sigstore.identity.describe()}")
        return " or ".join(trusted) or "nobody"

    def verify(self, suffix: str, signature: bytes, manifest: bytes) -> str:
        """Return who signed when the signature covers exactly ``manifest``; raise :class:`SignatureInvalid`."""
        if suffix == KEY_SIGNATURE_SUFFIX:
            if self.public_key is None:
                raise SignatureInvalid("the manifest is key-signed; verify it with --key PUB.pem")
            try:
                envelope = parse_envelope(signature)
            except ValueError as exc:
                raise SignatureInvalid(str(exc)) from None
            if envelope.to_json().encode("utf-8") != signature:
                raise SignatureInvalid("the DSSE envelope is not in the form sdl-gate writes (altered)")
            payload = verify_envelope(envelope, self.public_key)
            payload_type = envelope.payload_type
            signer = f"key {key_id(self.public_key)}"
        elif suffix == SIGSTORE_SIGNATURE_SUFFIX:
            if self.sigstore is None:
                raise SignatureInvalid("the manifest is Sigstore-signed; verify it with --identity/--issuer")
            if load_bundle(signature).to_json().encode("utf-8") != signature:
                raise SignatureInvalid("the Sigstore bundle is not in the form sdl-gate writes (altered)")
            payload, who = self.sigstore.verify_statement(signature)
            payload_type = PAYLOAD_TYPE
            signer = f"{who.identity} ({who.issuer})"
        else:
            raise SignatureInvalid(f"unknown signature format {suffix!r}")
        if payload != manifest:
            raise SignatureInvalid("the signature is valid but covers a different manifest than manifest.json")
        # A release-file signature over bytes that happen to be an in-toto statement is not a manifest signature.
        signed_statement(payload_type, payload, Purpose.BUNDLE_MANIFEST)
        return signer
