"""The project's configured bundle signer, and whether a bundle's signer is that one (SM-12)."""

from __future__ import annotations

from sdl_gate.attest.keys import load_public_key
from sdl_gate.attest.manifest import ManifestSigner, ManifestVerifier
from sdl_gate.attest.sigstore_verify import IdentityPolicy, Instance, SigstoreVerifier, TrustChoice
from sdl_gate.bundle_payload import SignerCheck
from sdl_gate.config import Project


def configured_verifier(project: Project, *, with_ref: bool) -> ManifestVerifier | None:
    """Build the verifier ``[tool.sdl-gate.signing]`` (and its environment overrides) asks for; None when unset.

    ``with_ref=False`` drops the workflow ref: earlier releases were signed from earlier tags.
    """
    from sdl_gate._files import resolve_inside

    signing = project.config.signing
    source = project.config_source or (project.root / "pyproject.toml")
    public_key = None
    if signing.key is not None:
        path = resolve_inside(project.root, signing.key, source=source, line=None, location="signing.key")
        public_key = load_public_key(path)
    sigstore = None
    if signing.identity is not None or signing.repository is not None:
        identity = IdentityPolicy(
            identity=signing.identity,
            issuer=signing.issuer,
            repository=signing.repository,
            ref=signing.ref if with_ref else None,
        )
        trust_config = None
        if signing.trust_config is not None:
            trust_config = resolve_inside(
                project.root, signing.trust_config, source=source, line=None, location="signing.trust-config"
            )
        instance = Instance.STAGING if signing.staging else Instance.PRODUCTION
        sigstore = SigstoreVerifier(TrustChoice(instance, trust_config), identity)
    if public_key is None and sigstore is None:
        return None
    return ManifestVerifier(public_key=public_key, sigstore=sigstore)


def check_signer(signer: ManifestSigner | None, configured: ManifestVerifier | None) -> SignerCheck | None:
    """Say whether ``signer``'s signatures verify against the configured signer (None for an unsigned bundle)."""
    if signer is None:
        return None
    if configured is None:
        return SignerCheck.NOT_CONFIGURED
    return SignerCheck.VERIFIED if signer.verifies_with(configured) else SignerCheck.MISMATCH
