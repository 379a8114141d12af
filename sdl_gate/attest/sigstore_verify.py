"""Offline verification of Sigstore bundles against an identity policy, with a shipped or given trust root."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sdl_gate._files import read_bytes_limited, read_text_limited
from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.attest.statement import PAYLOAD_TYPE
from sdl_gate.errors import InputError

if TYPE_CHECKING:
    from sigstore.models import Bundle, TrustedRoot
    from sigstore.verify.policy import VerificationPolicy

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
MAX_SIGSTORE_BUNDLE_BYTES = 8 * 1024 * 1024


class Instance(str, enum.Enum):
    """Which public Sigstore instance's shipped trust root to use."""

    PRODUCTION = "production"
    STAGING = "staging"


@dataclass(frozen=True)
class IdentityPolicy:
    """Who must have signed: an exact certificate identity and issuer, or a GitHub workflow by repository."""

    identity: str | None = None
    issuer: str | None = None
    repository: str | None = None
    ref: str | None = None

    def problem(self) -> str | None:
        """Return why the policy is incomplete, or None when it can be enforced."""
        if self.repository is not None:
            if "/" not in self.repository:
                return f"repository {self.repository!r} is not OWNER/NAME"
            return None
        if self.identity is None or self.issuer is None:
            return "give the signer identity and its OIDC issuer, or a GitHub repository (and ref)"
        return None

    def describe(self) -> str:
        """Return a one-line description for reports."""
        if self.repository is not None:
            ref = f" at {self.ref}" if self.ref else ""
            return f"GitHub Actions workflow of {self.repository}{ref} (issuer {self.issuer or GITHUB_ACTIONS_ISSUER})"
        return f"{self.identity} (issuer {self.issuer})"

    def to_sigstore(self) -> VerificationPolicy:
        """Return the sigstore-python policy that enforces this identity."""
        from sigstore.verify import policy

        if self.repository is not None:
            children: list[policy.VerificationPolicy] = [
                policy.OIDCIssuer(self.issuer or GITHUB_ACTIONS_ISSUER),
                policy.GitHubWorkflowRepository(self.repository),
            ]
            if self.ref is not None:
                children.append(policy.GitHubWorkflowRef(self.ref))
            if self.identity is not None:
                children.append(policy.Identity(identity=self.identity, issuer=None))
            return policy.AllOf(children)
        if self.identity is None or self.issuer is None:
            raise InputError(self.problem() or "incomplete identity policy")
        return policy.Identity(identity=self.identity, issuer=self.issuer)


@dataclass(frozen=True)
class TrustChoice:
    """Where the trust root comes from: a public instance's shipped root, or a ``--trust-config`` file."""

    instance: Instance = Instance.PRODUCTION
    trust_config: Path | None = None

    def describe(self) -> str:
        """Return a one-line description for reports."""
        if self.trust_config is not None:
            return f"trust config {self.trust_config}"
        return f"Sigstore {self.instance.value} trust root shipped with sigstore-python"


def load_trusted_root(choice: TrustChoice) -> TrustedRoot:
    """Load the trusted root without touching the network."""
    from sigstore.models import ClientTrustConfig, TrustedRoot

    if choice.trust_config is not None:
        text = read_text_limited(choice.trust_config)
        try:
            return ClientTrustConfig.from_json(text).trusted_root
        except Exception:  # noqa: S110 - a bare trusted root is accepted as well, tried next
            pass
        try:
            return TrustedRoot.from_file(str(choice.trust_config))
        except Exception as exc:
            raise InputError(
                f"not a Sigstore client trust config or trusted root: {type(exc).__name__}",
                path=choice.trust_config,
            ) from None
    # Offline is the point here, so sigstore-python's warning that TUF updates are skipped is only noise.
    logging.getLogger("sigstore._internal.tuf").setLevel(logging.ERROR)
    match choice.instance:
        case Instance.PRODUCTION:
            return ClientTrustConfig.production(offline=True).trusted_root
        case Instance.STAGING:
            return ClientTrustConfig.staging(offline=True).trusted_root


def trusted_root_json(root: TrustedRoot) -> str:
    """Return the trusted root as JSON, for the bundle."""
    return root._inner.to_json()


def load_bundle(data: bytes) -> Bundle:
    """Parse a Sigstore bundle; raise :class:`SignatureInvalid` when it is malformed or refused."""
    from sigstore.models import Bundle

    if len(data) > MAX_SIGSTORE_BUNDLE_BYTES:
        raise SignatureInvalid(f"Sigstore bundle is larger than {MAX_SIGSTORE_BUNDLE_BYTES} bytes")
    try:
        return Bundle.from_json(data)
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SignatureInvalid(f"Sigstore bundle refused: {message}") from None


@dataclass(frozen=True)
class SigstoreSigner:
    """Who signed a verified bundle, from its certificate."""

    identity: str
    issuer: str


def _extension_text(raw: bytes) -> str:
    """Decode a Fulcio extension: v2 ones are a DER UTF8String, v1 ones the bare string."""
    if len(raw) >= 2 and raw[0] == 0x0C:
        start = 2
        if raw[1] & 0x80:  # long-form length: the low bits say how many length bytes follow
            start += raw[1] & 0x7F
        raw = raw[start:]
    return raw.decode("utf-8", errors="replace")


def _signer(bundle: Bundle) -> SigstoreSigner:
    from cryptography import x509

    certificate = bundle.signing_certificate
    identity = ""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.UniformResourceIdentifier) + san.get_values_for_type(x509.RFC822Name)
        identity = names[0] if names else ""
    except x509.ExtensionNotFound:
        identity = ""
    issuer = ""
    for oid in ("1.3.6.1.4.1.57264.1.8", "1.3.6.1.4.1.57264.1.1"):
        try:
            value = certificate.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value
        except x509.ExtensionNotFound:
            continue
        issuer = _extension_text(getattr(value, "value", b""))
        break
    return SigstoreSigner(identity=identity, issuer=issuer)


class SigstoreVerifier:
    """Verifies Sigstore bundles offline against one trust root and one identity policy."""

    def __init__(self, trust: TrustChoice, identity: IdentityPolicy) -> None:
        """Load the trust root once; the identity policy is checked on every verification."""
        from sigstore.verify import Verifier

        problem = identity.problem()
        if problem is not None:
            raise InputError(f"incomplete signer identity: {problem}")
        self.trust = trust
        self.identity = identity
        self.trusted_root = load_trusted_root(trust)
        self._verifier = Verifier(trusted_root=self.trusted_root)
        self._policy = identity.to_sigstore()

    def verify_file(self, artifact: Path, bundle_data: bytes) -> SigstoreSigner:
        """Verify a bundle over a file's digest (streamed); raise :class:`SignatureInvalid` on any failure."""
        from sigstore.hashes import Hashed
        from sigstore_models.common.v1 import HashAlgorithm

        from sdl_gate._files import sha256_file

        bundle = load_bundle(bundle_data)
        hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(sha256_file(artifact)))
        self._verify(lambda: self._verifier.verify_artifact(hashed, bundle, self._policy))
        return _signer(bundle)

    def verify_bytes(self, data: bytes, bundle_data: bytes) -> SigstoreSigner:
        """Verify a bundle over ``data`` held in memory; raise :class:`SignatureInvalid` on any failure."""
        bundle = load_bundle(bundle_data)
        self._verify(lambda: self._verifier.verify_artifact(data, bundle, self._policy))
        return _signer(bundle)

    def verify_statement(self, bundle_data: bytes) -> tuple[bytes, SigstoreSigner]:
        """Verify a DSSE bundle; return the in-toto statement bytes it signs and the signer."""
        bundle = load_bundle(bundle_data)
        result: list[tuple[str, bytes]] = []
        self._verify(lambda: result.append(self._verifier.verify_dsse(bundle, self._policy)))
        payload_type, payload = result[0]
        if payload_type != PAYLOAD_TYPE:
            raise SignatureInvalid(f"DSSE payload type is {payload_type!r}, expected {PAYLOAD_TYPE!r}")
        return payload, _signer(bundle)

    @staticmethod
    def _verify(action: Callable[[], object]) -> None:
        from sigstore.errors import Error

        try:
            action()
        except Error as exc:
            raise SignatureInvalid(f"Sigstore verification failed: {exc}") from None
        except ValueError as exc:
            raise SignatureInvalid(f"Sigstore verification failed: {exc}") from None


def read_signature(path: Path) -> bytes:
    """Read a signature file with the size limit of a Sigstore bundle."""
    return read_bytes_limited(path, MAX_SIGSTORE_BUNDLE_BYTES)
