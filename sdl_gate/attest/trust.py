"""What the operator asked to trust or to sign with, turned into verifiers and signers.

Light at import: the CLI builds these from its options before it knows whether the signing stack is needed,
so cryptography and sigstore load only when a verifier or signer is built.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sdl_gate.errors import InputError

if TYPE_CHECKING:
    from sdl_gate.attest.keys import PublicKey
    from sdl_gate.attest.manifest import ManifestSigner, ManifestVerifier
    from sdl_gate.attest.sigstore_verify import Instance, SigstoreVerifier


def _instance(staging: bool) -> Instance:
    from sdl_gate.attest.sigstore_verify import Instance

    return Instance.STAGING if staging else Instance.PRODUCTION


@dataclass(frozen=True)
class TrustRequest:
    """Whom the operator trusts to have signed: the seven options of `verify`, `bundle verify` and `report`."""

    identity: str | None = None
    issuer: str | None = None
    repository: str | None = None
    ref: str | None = None
    key: Path | None = None
    trust_config: Path | None = None
    staging: bool = False

    @property
    def given(self) -> bool:
        """Whether any of the options was given."""
        chosen = (self.identity, self.issuer, self.repository, self.ref, self.key, self.trust_config)
        return self.staging or any(value is not None for value in chosen)

    def verifiers(self) -> tuple[PublicKey | None, SigstoreVerifier | None]:
        """Build the public key and Sigstore verifier the options ask for; InputError when they ask for none."""
        from sdl_gate.attest.keys import load_public_key
        from sdl_gate.attest.sigstore_verify import IdentityPolicy, SigstoreVerifier, TrustChoice

        if self.identity is not None and self.issuer is None and self.repository is None:
            raise InputError("--identity needs --issuer (or --repository for a GitHub workflow)")
        if self.ref is not None and self.repository is None:
            raise InputError("--ref goes with --repository")
        if self.repository is not None and self.ref is None:
            # Any branch, tag or pull request of OWNER/NAME can run a workflow that signs: name the one trusted.
            raise InputError(
                "--repository needs --ref: name the workflow ref you trust",
                hint="for example --ref refs/tags/v1.2.0 or --ref refs/heads/main",
            )
        public_key = load_public_key(self.key) if self.key is not None else None
        sigstore = None
        if self.identity is not None or self.repository is not None:
            policy = IdentityPolicy(
                identity=self.identity, issuer=self.issuer, repository=self.repository, ref=self.ref
            )
            sigstore = SigstoreVerifier(TrustChoice(_instance(self.staging), self.trust_config), policy)
        if public_key is None and sigstore is None:
            raise InputError(
                "say whom to trust: --identity ID --issuer URL, --repository OWNER/NAME --ref REF, or --key"
            )
        return public_key, sigstore

    def manifest_verifier(self) -> ManifestVerifier:
        """Build the verifier of a bundle's manifest signature."""
        from sdl_gate.attest.manifest import ManifestVerifier

        public_key, sigstore = self.verifiers()
        return ManifestVerifier(public_key=public_key, sigstore=sigstore)


class SignWith(str, enum.Enum):
    """How a bundle's manifest is signed."""

    SIGSTORE = "sigstore"
    KEY = "key"


def manifest_signer(
    sign_with: SignWith | None, key: Path | None, *, staging: bool = False, trust_config: Path | None = None
) -> ManifestSigner | None:
    """Build the signer of a bundle's manifest (None: unsigned); a key without `--sign key` is a usage error."""
    if sign_with is SignWith.KEY:
        if key is None:
            raise InputError("--sign key needs --key PREFIX.pem")
        from sdl_gate.attest.keys import load_private_key, passphrase_from_environment
        from sdl_gate.attest.manifest import KeyManifestSigner

        return KeyManifestSigner(load_private_key(key, passphrase_from_environment()))
    if sign_with is SignWith.SIGSTORE:
        from sdl_gate.attest.manifest import SigstoreManifestSigner
        from sdl_gate.attest.sigstore_sign import SigstoreSigning
        from sdl_gate.attest.sigstore_verify import TrustChoice

        instance = _instance(staging)
        return SigstoreManifestSigner(SigstoreSigning(instance, trust_config), TrustChoice(instance, trust_config))
    if key is not None:
        raise InputError("--key is only used with --sign key")
    return None


def sign_files(
    files: tuple[Path, ...], key: Path | None, *, staging: bool = False, trust_config: Path | None = None
) -> Iterator[tuple[Path, Path]]:
    """Sign each file beside it (FILE.dsse.json with ``key``, else FILE.sigstore.json); yield (file, signature).

    Every file is checked before the key is read or a Sigstore session is opened, so nothing is half signed
    because of a name typed wrong.
    """
    from sdl_gate._files import write_atomic

    for path in files:
        if not path.is_file():
            raise InputError("file not found" if not path.exists() else "is not a file", path=path)
    if key is not None:
        from sdl_gate.attest.files import sign_file_with_key
        from sdl_gate.attest.keys import load_private_key, passphrase_from_environment

        private = load_private_key(key, passphrase_from_environment())
        for path in files:
            target = path.with_name(path.name + ".dsse.json")
            write_atomic(target, sign_file_with_key(path, private))
            yield path, target
        return
    from sdl_gate.attest.sigstore_sign import SigstoreSigning

    session = SigstoreSigning(_instance(staging), trust_config)
    for path in files:
        target = path.with_name(path.name + ".sigstore.json")
        write_atomic(target, session.sign_file(path))
        yield path, target
