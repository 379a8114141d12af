"""Local signing keys for sites with no Sigstore: generation, loading, DSSE signing and verification.

Private keys are always written encrypted (PKCS#8, passphrase from ``SDL_GATE_KEY_PASSPHRASE``).
Ed25519 is the default because its signatures are deterministic, which keeps bundles byte-identical.
"""

from __future__ import annotations

import enum
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sdl_gate._files import read_bytes_limited, write_new
from sdl_gate.attest.dsse import DsseSignature, Envelope, b64, pae
from sdl_gate.attest.statement import PAYLOAD_TYPE
from sdl_gate.errors import InputError

PASSPHRASE_VARIABLE = "SDL_GATE_KEY_PASSPHRASE"  # noqa: S105 - the variable name, not a secret
MAX_KEY_BYTES = 64 * 1024

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


class KeyAlgorithm(str, enum.Enum):
    """The key types sdl-gate signs with."""

    ED25519 = "ed25519"
    ECDSA_P256 = "ecdsa-p256"


class SignatureInvalid(Exception):
    """A signature or envelope does not verify; the message says why."""


def key_id(public_key: PublicKey) -> str:
    """Return the key id: SHA-256 of the DER SubjectPublicKeyInfo, hex."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def passphrase_from_environment() -> bytes:
    """Return the key passphrase from ``SDL_GATE_KEY_PASSPHRASE``; refuse an empty or missing one."""
    value = os.environ.get(PASSPHRASE_VARIABLE, "")
    if not value:
        raise InputError(
            f"{PASSPHRASE_VARIABLE} is not set; private keys are only written and read encrypted",
            hint=f"export {PASSPHRASE_VARIABLE}=... (from your secret store)",
        )
    return value.encode("utf-8")


def generate(algorithm: KeyAlgorithm) -> PrivateKey:
    """Generate a new private key."""
    match algorithm:
        case KeyAlgorithm.ED25519:
            return ed25519.Ed25519PrivateKey.generate()
        case KeyAlgorithm.ECDSA_P256:
            return ec.generate_private_key(ec.SECP256R1())


@dataclass(frozen=True)
class KeyPair:
    """Where ``keygen`` wrote a key pair."""

    private: Path
    public: Path
    key_id: str


def keygen(prefix: Path, algorithm: KeyAlgorithm, passphrase: bytes) -> KeyPair:
    """Write ``PREFIX.pem`` (encrypted) and ``PREFIX.pub.pem``; never overwrite an existing file."""
    private_path = prefix.with_name(prefix.name + ".pem")
    public_path = prefix.with_name(prefix.name + ".pub.pem")
    for path in (private_path, public_path):
        if path.exists():
            raise InputError("already exists; keygen never overwrites a key", path=path)
    key = generate(algorithm)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if not write_new(public_path, public_pem.decode("ascii")):
        raise InputError("already exists; keygen never overwrites a key", path=public_path)
    if not write_new(private_path, private_pem.decode("ascii")):
        raise InputError("already exists; keygen never overwrites a key", path=private_path)
    private_path.chmod(0o600)
    return KeyPair(private=private_path, public=public_path, key_id=key_id(key.public_key()))


def load_private_key(path: Path, passphrase: bytes) -> PrivateKey:
    """Load an encrypted private key; InputError when it is unreadable, of another type or the passphrase is wrong."""
    data = read_bytes_limited(path, MAX_KEY_BYTES)
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot load the private key: {exc}", path=path) from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise InputError("unsupported key type; use Ed25519 or ECDSA P-256 (sdl-gate keygen)", path=path)


def parse_public_key(data: bytes) -> PublicKey:
    """Parse a PEM public key; raise ``ValueError`` for anything but Ed25519 or ECDSA P-256."""
    key = serialization.load_pem_public_key(data)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise ValueError("unsupported key type; use Ed25519 or ECDSA P-256")


def load_public_key(path: Path) -> PublicKey:
    """Load a PEM public key file; InputError when it is not one sdl-gate can verify with."""
    data = read_bytes_limited(path, MAX_KEY_BYTES)
    try:
        return parse_public_key(data)
    except ValueError as exc:
        raise InputError(f"not a usable public key: {exc}", path=path) from None


def sign_envelope(key: PrivateKey, payload: bytes, payload_type: str = PAYLOAD_TYPE) -> Envelope:
    """Sign ``payload`` into a DSSE envelope with one signature."""
    message = pae(payload_type, payload)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(message)
    else:
        signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    return Envelope(
        payload=b64(payload),
        payloadType=payload_type,
        signatures=(DsseSignature(keyid=key_id(key.public_key()), sig=b64(signature)),),
    )


def verify_envelope(envelope: Envelope, public_key: PublicKey) -> bytes:
    """Return the payload when a signature by ``public_key`` verifies; raise :class:`SignatureInvalid` otherwise."""
    import base64

    payload = envelope.payload_bytes()
    message = pae(envelope.payload_type, payload)
    for signature in envelope.signatures:
        raw = base64.b64decode(signature.sig)
        try:
            if isinstance(public_key, ed25519.Ed25519PublicKey):
                public_key.verify(raw, message)
            else:
                public_key.verify(raw, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return payload
    raise SignatureInvalid(f"no signature in the envelope verifies with key {key_id(public_key)[:16]}")
