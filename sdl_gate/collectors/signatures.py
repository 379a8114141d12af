"""Release signatures (SM-6, SUM-4, SM-8): every configured release file verified offline; no committed keys."""

from __future__ import annotations

from pathlib import Path

from sdl_gate._model import FrozenModel
from sdl_gate.attest.files import FileVerifier, SignatureFormat, VerifyStatus, is_signature_file
from sdl_gate.attest.sigstore_verify import IdentityPolicy, Instance, SigstoreVerifier, TrustChoice
from sdl_gate.collectors.base import CollectContext, own_evidence
from sdl_gate.collectors.keyscan import ScanResult, default_cache_dir, scan_private_keys
from sdl_gate.config import SigningConfig
from sdl_gate.errors import ConfigError, InputError
from sdl_gate.evidence import Evidence, EvidenceKind, FileDigest

MAX_ARTIFACTS = 10_000


class ArtifactSignature(FrozenModel):
    """One release file and what verifying its signature found."""

    path: str
    sha256: str
    signature: str | None
    format: SignatureFormat | None
    status: VerifyStatus
    detail: str
    signer: str | None
    issuer: str | None


class PrivateKeyFound(FrozenModel):
    """A private key in the repository."""

    path: str
    key_type: str
    encrypted: bool | None

    @property
    def fingerprint(self) -> str:
        """The finding fingerprint a waiver names to accept this key (e.g. a test fixture)."""
        return f"private-key:{self.path}"


class KeyScan(FrozenModel):
    """How the repository was scanned for private keys, and what was found."""

    method: str
    files_scanned: int
    complete: bool
    problem: str | None
    found: tuple[PrivateKeyFound, ...]


class Verification(FrozenModel):
    """The verifiers in force: the Sigstore identity and trust root, the public key, or why none could be used."""

    sigstore: str | None
    key: str | None
    problem: str | None


class SignaturesPayload(FrozenModel):
    """The payload of ``signatures`` evidence."""

    patterns: tuple[str, ...]
    verification: Verification
    artifacts: tuple[ArtifactSignature, ...]
    key_scan: KeyScan


def _identity(signing: SigningConfig) -> IdentityPolicy | None:
    if signing.identity is None and signing.repository is None:
        return None
    return IdentityPolicy(
        identity=signing.identity, issuer=signing.issuer, repository=signing.repository, ref=signing.ref
    )


def build_verifier(context: CollectContext) -> tuple[FileVerifier, Verification]:
    """Build the verifiers the configuration asks for; a misconfigured path is a ConfigError."""
    from sdl_gate._files import resolve_inside
    from sdl_gate.attest.keys import key_id, load_public_key

    signing = context.project.config.signing
    source = context.project.config_source or (context.root / "pyproject.toml")
    public_key = None
    key_text = None
    if signing.key is not None:
        try:
            key_path = resolve_inside(context.root, signing.key, source=source, line=None, location="signing.key")
            public_key = load_public_key(key_path)
        except InputError as exc:
            raise ConfigError(
                f"tool.sdl-gate.signing.key: {exc.message}", path=exc.path or source, location="signing.key"
            ) from None
        key_text = f"public key {signing.key} (key id {key_id(public_key)[:16]})"
    sigstore = None
    sigstore_text = None
    problems: list[str] = []
    identity = _identity(signing)
    if identity is not None:
        trust_config = None
        if signing.trust_config is not None:
            trust_config = resolve_inside(
                context.root, signing.trust_config, source=source, line=None, location="signing.trust-config"
            )
        trust = TrustChoice(Instance.STAGING if signing.staging else Instance.PRODUCTION, trust_config)
        problem = identity.problem()
        if problem is not None:
            raise ConfigError(f"tool.sdl-gate.signing: {problem}", path=source, location="signing")
        try:
            sigstore = SigstoreVerifier(trust, identity)
            sigstore_text = f"{identity.describe()}; {trust.describe()}"
        except InputError:
            raise
        except Exception as exc:  # the trust root could not be loaded: nothing can be verified, never a pass
            problems.append(f"the Sigstore trust root could not be loaded: {type(exc).__name__}: {exc}")
    if identity is None and public_key is None:
        problems.append("no signer identity or public key configured under [tool.sdl-gate.signing]")
    return (
        FileVerifier(sigstore=sigstore, public_key=public_key),
        Verification(sigstore=sigstore_text, key=key_text, problem="; ".join(problems) or None),
    )


def release_files(root: Path, patterns: list[str]) -> list[Path]:
    """Return the regular files the globs match inside ``root`` (signatures themselves excluded), sorted."""
    resolved_root = root.resolve()
    found: set[Path] = set()
    for pattern in patterns:
        for path in root.glob(pattern):
            if path.is_symlink() or not path.is_file() or is_signature_file(path):
                continue
            resolved = path.resolve()
            if resolved_root in resolved.parents:
                found.add(resolved)
            if len(found) > MAX_ARTIFACTS:
                raise InputError(f"the artifact globs match more than {MAX_ARTIFACTS} files; refused")
    return sorted(found)


class SignaturesCollector:
    """Verifies the signature of every configured release file and scans the repository for private keys."""

    kind = EvidenceKind.SIGNATURES

    def collect(self, context: CollectContext) -> Evidence:
        """Verify release signatures offline and scan for committed private keys."""
        patterns = context.project.config.artifacts
        verifier, verification = build_verifier(context)
        files: list[FileDigest] = []
        artifacts: list[ArtifactSignature] = []
        for path in release_files(context.root, patterns):
            result = verifier.verify(path)
            relative = context.relative(path)
            files.append(FileDigest(path=relative, sha256=result.sha256))
            signature = None
            if result.signature is not None:
                signature = context.relative(result.signature)
                files.append(context.digest(result.signature))
            artifacts.append(
                ArtifactSignature(
                    path=relative,
                    sha256=result.sha256,
                    signature=signature,
                    format=result.format,
                    status=result.status,
                    detail=result.detail,
                    signer=result.signer,
                    issuer=result.issuer,
                )
            )
        scan = scan_private_keys(context.root, tracked=context.commit is not None, cache=default_cache_dir())
        payload = SignaturesPayload(
            patterns=tuple(patterns),
            verification=verification,
            artifacts=tuple(artifacts),
            key_scan=key_scan(scan),
        )
        return own_evidence(self.kind, context, files, payload.model_dump(mode="json"))


def key_scan(scan: ScanResult) -> KeyScan:
    """The payload's account of a private-key scan."""
    return KeyScan(
        method=scan.method,
        files_scanned=scan.files_scanned,
        complete=scan.complete,
        problem=scan.problem,
        found=tuple(PrivateKeyFound(path=h.path, key_type=h.key_type, encrypted=h.encrypted) for h in scan.hits),
    )


def key_scan_evidence(context: CollectContext, scan: ScanResult) -> Evidence:
    """Signatures evidence of ``scan`` alone, no release file verified: what the private-key hook judges."""
    payload = SignaturesPayload(
        patterns=(),
        verification=Verification(sigstore=None, key=None, problem="a key scan verifies no release signature"),
        artifacts=(),
        key_scan=key_scan(scan),
    )
    return own_evidence(EvidenceKind.SIGNATURES, context, [], payload.model_dump(mode="json"))
