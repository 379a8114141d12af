"""Signing commands: keygen, sign, verify, private-keys."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from sdl_gate.cli._errors import EXIT_GATE_FAILED, EXIT_PASSED
from sdl_gate.cli._options import trust_options
from sdl_gate.cli._output import echo_hook, hook_listed
from sdl_gate.errors import InputError

if TYPE_CHECKING:  # built by the trust options when the command runs
    from sdl_gate.attest.trust import TrustRequest


@click.command(epilog="Exit codes: 0 written, 2 invalid input.")
@click.option(
    "--output", "prefix", required=True, type=click.Path(path_type=Path), help="Writes PREFIX.pem, PREFIX.pub.pem."
)
@click.option(
    "--algorithm",
    type=click.Choice(["ed25519", "ecdsa-p256"]),
    default="ed25519",
    show_default=True,
    help="ed25519 signatures are deterministic, so bundles stay byte-identical.",
)
def keygen(prefix: Path, algorithm: str) -> None:
    """Generate a signing key for sites with no Sigstore; the private key is encrypted with SDL_GATE_KEY_PASSPHRASE."""
    from sdl_gate.attest.keys import KeyAlgorithm, passphrase_from_environment
    from sdl_gate.attest.keys import keygen as generate_pair

    pair = generate_pair(prefix, KeyAlgorithm(algorithm), passphrase_from_environment())
    click.echo(f"private key (encrypted): {pair.private}\npublic key: {pair.public}\nkey id: {pair.key_id}")


@click.command(epilog="Exit codes: 0 signed, 2 invalid input, 3 signing service or tool error.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--key", "key", type=click.Path(path_type=Path), help="Sign with this private key (PREFIX.pem) instead of Sigstore."
)
@click.option(
    "--trust-config", type=click.Path(path_type=Path), help="Sigstore client trust config of a private instance."
)
@click.option("--staging", is_flag=True, help="Sign with Sigstore staging.")
def sign(files: tuple[Path, ...], key: Path | None, trust_config: Path | None, staging: bool) -> None:
    """Sign FILES: FILE.dsse.json with --key, else FILE.sigstore.json (keyless, ambient OIDC identity)."""
    from sdl_gate.attest.trust import sign_files

    for path, target in sign_files(files, key, staging=staging, trust_config=trust_config):
        click.echo(f"signed {path} -> {target}")


@click.command(epilog="Exit codes: 0 verified, 1 not verified, 2 invalid input.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--bundle", "signature", type=click.Path(path_type=Path), help="The signature, for a single FILE.")
@trust_options
@click.pass_context
def verify(ctx: click.Context, files: tuple[Path, ...], signature: Path | None, trust: TrustRequest) -> None:
    """Verify FILES offline against their signatures (FILE.sigstore.json, FILE.sigstore or FILE.dsse.json)."""
    from sdl_gate.attest.files import FileVerifier, VerifyStatus

    if signature is not None and len(files) != 1:
        raise InputError("--bundle names the signature of a single FILE")
    for path in (*files, *([signature] if signature else [])):
        if not path.is_file():
            raise InputError("file not found" if not path.exists() else "is not a file", path=path)
    public_key, sigstore = trust.verifiers()
    verifier = FileVerifier(sigstore=sigstore, public_key=public_key)
    failed = 0
    for path in files:
        result = verifier.verify(path, signature)
        if result.status is VerifyStatus.VERIFIED:
            click.echo(f"OK: {path}: {result.detail}")
        else:
            failed += 1
            click.echo(f"FAIL: {path}: {result.status.value}: {result.detail}", err=True)
    ctx.exit(EXIT_GATE_FAILED if failed else EXIT_PASSED)


@click.command("private-keys", epilog="Exit codes: 0 no private key, 1 a key was found, 2 invalid input, 3 scan error.")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    show_default=True,
    help="Project root; FILES are inside it.",
)
@click.pass_context
def private_keys(ctx: click.Context, files: tuple[Path, ...], project_path: Path) -> None:
    """Fail when FILES (default: every tracked file) hold a private key: PEM, OpenSSH, PuTTY, DER, PKCS#12 (SM-8)."""
    from sdl_gate.precommit import private_keys as scan

    echo_hook(ctx, scan(project_path, list(files) if files else None, listed=hook_listed(ctx)))
