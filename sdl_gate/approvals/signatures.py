"""Approval signatures: SSH signatures (``ssh-keygen -Y sign``) and Sigstore bundles over an approval message."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdl_gate._tool import ToolUnavailable, run_tool
from sdl_gate.approvals.canonical import SSH_NAMESPACE
from sdl_gate.attest.keys import SignatureInvalid
from sdl_gate.errors import InputError, ToolError

if TYPE_CHECKING:
    from sshsig import PublicKey

    from sdl_gate.attest.sigstore_verify import SigstoreVerifier

#: Signing waits for a passphrase typed at the terminal, so it gets more time than a tool run.
SIGN_TIMEOUT_SECONDS = 300.0
MAX_SIGNATURE_CHARS = 64 * 1024


def parse_public_key(text: str) -> PublicKey:
    """Parse one OpenSSH public key line (``ssh-ed25519 AAAA... comment``); raise ``ValueError`` when unusable."""
    from sshsig import PublicKey

    parts = text.split()
    if len(parts) < 2:
        raise ValueError("an SSH public key is 'TYPE BASE64 [comment]', as in ~/.ssh/id_ed25519.pub")
    try:
        return PublicKey.from_openssh_str(" ".join(parts[:2]))
    except NotImplementedError:
        raise ValueError(f"SSH key type {parts[0]!r} is not supported; use ssh-ed25519 or ssh-rsa") from None
    except Exception:
        raise ValueError(f"not a valid OpenSSH public key ({parts[0]} {parts[1][:12]}...)") from None


def key_fingerprint(key: PublicKey) -> str:
    """Return the key's fingerprint as ``ssh-keygen -l`` prints it (``SHA256:...``)."""
    return key.sha256_str()


@dataclass(frozen=True)
class SshSignature:
    """What an armored SSH signature says about itself before it is verified."""

    namespace: str
    fingerprint: str


def inspect_ssh_signature(armored: str) -> SshSignature:
    """Read the namespace and signer key of an armored SSH signature; raise :class:`SignatureInvalid` if malformed."""
    from sshsig import PublicKey
    from sshsig.sshsig import SshsigSignature

    if len(armored) > MAX_SIGNATURE_CHARS or "-----BEGIN SSH SIGNATURE-----" not in armored:
        raise SignatureInvalid("not an armored SSH signature (-----BEGIN SSH SIGNATURE-----)")
    try:
        outer = SshsigSignature.from_armored(armored)
        key = PublicKey.from_ssh_encoding(outer.public_key)
    except NotImplementedError as exc:
        raise SignatureInvalid(f"unsupported SSH signature: {exc}") from None
    except Exception:
        raise SignatureInvalid("malformed SSH signature") from None
    return SshSignature(outer.namespace.decode("ascii", errors="replace"), key_fingerprint(key))


def verify_ssh(message: bytes, armored: str) -> str:
    """Verify an SSH signature over ``message`` in the approval namespace; return the signer key's fingerprint.

    Raises :class:`SignatureInvalid` naming the cause: malformed, made for another namespace (a git commit
    signature, say), or not a signature of this message.
    """
    from sshsig import check_signature

    seen = inspect_ssh_signature(armored)
    if seen.namespace != SSH_NAMESPACE:
        raise SignatureInvalid(
            f"signature made for namespace {seen.namespace!r}, not {SSH_NAMESPACE!r}: a signature made for "
            "another purpose (a git commit, say) is never an approval"
        )
    try:
        key = check_signature(message, armored, namespace=SSH_NAMESPACE)
    except NotImplementedError as exc:
        raise SignatureInvalid(f"unsupported SSH signature: {exc}") from None
    except Exception:
        raise SignatureInvalid(
            "the signature does not match the record's content (the record or this approval changed after signing)"
        ) from None
    return key_fingerprint(key)


def sign_ssh(message: bytes, key: Path) -> str:
    """Sign ``message`` with ``ssh-keygen -Y sign`` in the approval namespace; return the armored signature.

    ``key`` is a private key file, or a public key whose private half is in ssh-agent, as for git. The
    passphrase, if any, is asked for on the terminal by ssh-keygen itself.
    """
    if not key.is_file():
        raise InputError("key file not found" if not key.exists() else "is not a file", path=key)
    with tempfile.TemporaryDirectory(prefix="sdl-gate-approve-") as scratch:
        content = Path(scratch) / "approval.json"
        content.write_bytes(message)
        try:
            run = run_tool(
                ["ssh-keygen", "-q", "-Y", "sign", "-n", SSH_NAMESPACE, "-f", str(key), str(content)],
                timeout=SIGN_TIMEOUT_SECONDS,
            )
        except ToolUnavailable as exc:
            raise ToolError(f"cannot sign: {exc.reason}") from None
        signature = content.with_name(content.name + ".sig")
        if run.returncode != 0 or not signature.is_file():
            detail = run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit status {run.returncode}"
            raise InputError(f"ssh-keygen could not sign with this key: {detail}", path=key)
        return signature.read_text(encoding="ascii")


@functools.lru_cache(maxsize=64)
def _sigstore_verifier(identity: str, issuer: str, staging: bool) -> SigstoreVerifier:
    """One verifier per identity: loading the trust root takes a while, so many approvals share it."""
    from sdl_gate.attest.sigstore_verify import IdentityPolicy, Instance, SigstoreVerifier, TrustChoice

    return SigstoreVerifier(
        TrustChoice(Instance.STAGING if staging else Instance.PRODUCTION),
        IdentityPolicy(identity=identity, issuer=issuer),
    )


def verify_sigstore(message: bytes, bundle: dict[str, Any], identity: str, issuer: str, staging: bool) -> None:
    """Verify a Sigstore bundle over ``message`` offline for one identity; raise :class:`SignatureInvalid` if not."""
    from sdl_gate._files import canonical_json

    _sigstore_verifier(identity, issuer, staging).verify_bytes(message, canonical_json(bundle).encode("utf-8"))
