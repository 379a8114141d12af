"""Sigstore keyless signing through sigstore-python, with the ambient OIDC identity (e.g. GitHub Actions)."""

from __future__ import annotations

from pathlib import Path

from sdl_gate._files import read_text_limited
from sdl_gate.attest.sigstore_verify import Instance
from sdl_gate.errors import InputError, ToolError


class SigstoreSigning:
    """A signing session: one short-lived certificate for the ambient identity, used for every signature."""

    def __init__(self, instance: Instance = Instance.PRODUCTION, trust_config: Path | None = None) -> None:
        """Detect the ambient OIDC credential and prepare a signing context (this needs the Sigstore services)."""
        from sigstore.errors import Error
        from sigstore.models import ClientTrustConfig
        from sigstore.oidc import IdentityToken, detect_credential
        from sigstore.sign import SigningContext

        try:
            token = detect_credential()
        except Error as exc:
            raise ToolError(f"cannot obtain an ambient OIDC identity for Sigstore: {exc}") from None
        if token is None:
            raise InputError(
                "no ambient OIDC identity for Sigstore keyless signing",
                hint="run in GitHub Actions with `permissions: id-token: write`, or sign with --key",
            )
        try:
            if trust_config is not None:
                config = ClientTrustConfig.from_json(read_text_limited(trust_config))
            elif instance is Instance.STAGING:
                config = ClientTrustConfig.staging()
            else:
                config = ClientTrustConfig.production()
            self._context = SigningContext.from_trust_config(config)
            self._identity = IdentityToken(token)
        except Error as exc:
            raise ToolError(f"cannot prepare Sigstore signing: {exc}") from None

    def sign_file(self, artifact: Path) -> str:
        """Sign a file's contents (hashedrekord); return the Sigstore bundle JSON."""
        from sigstore.errors import Error
        from sigstore.hashes import Hashed
        from sigstore_models.common.v1 import HashAlgorithm

        from sdl_gate._files import sha256_file

        hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(sha256_file(artifact)))
        try:
            with self._context.signer(self._identity, cache=True) as signer:
                return signer.sign_artifact(hashed).to_json()
        except Error as exc:
            raise ToolError(f"Sigstore signing of {artifact} failed: {exc}") from None

    def sign_statement(self, statement: bytes) -> str:
        """Sign in-toto statement bytes as a DSSE envelope; return the Sigstore bundle JSON."""
        from sigstore.dsse import Statement
        from sigstore.errors import Error

        try:
            with self._context.signer(self._identity, cache=True) as signer:
                return signer.sign_dsse(Statement(statement)).to_json()
        except Error as exc:
            raise ToolError(f"Sigstore signing failed: {exc}") from None
