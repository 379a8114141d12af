"""`sdl-gate bundle`: create and verify release-evidence bundles."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sdl_gate.cli._errors import EXIT_GATE_FAILED, EXIT_PASSED
from sdl_gate.cli._options import (
    MERGE_SHARDS_OPTION,
    OSV_URL_OPTION,
    VULNDB_DIR_OPTION,
    approver_options,
    parse_date,
    register_choice,
    trust_options,
)
from sdl_gate.cli._output import EPILOG, GROUP_EPILOG, echo_blocking, store_history
from sdl_gate.errors import InputError

if TYPE_CHECKING:  # built by the trust options when the command runs
    from sdl_gate.attest.trust import TrustRequest

#: How the manifest can be signed: the values of ``attest.trust.SignWith``, named here for --help.
SIGN_WITH = ("sigstore", "key")


@click.group(epilog=GROUP_EPILOG)
def bundle() -> None:
    """Create and verify release-evidence bundles (deterministic, signed, verifiable offline)."""


@bundle.command("create", epilog=EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--output", required=True, type=click.Path(path_type=Path), help="The bundle to write (FILE.zip).")
@click.option("--sign", "sign_with", type=click.Choice(SIGN_WITH), help="Sign the manifest.")
@click.option("--key", "key", type=click.Path(path_type=Path), help="Private key (PREFIX.pem) for --sign key.")
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD", help="Assess as of this date.")
@click.option(
    "--trust-config", type=click.Path(path_type=Path), help="Sigstore client trust config of a private instance."
)
@click.option("--staging", is_flag=True, help="Sign with Sigstore staging.")
@click.option("--history", type=click.Path(path_type=Path), help="Earlier release bundles, for maturity ML3/ML4.")
@click.option(
    "--offline",
    is_flag=True,
    help="Audit vulnerabilities against the offline database (`sdl-gate vulndb import`) on a loopback OSV API.",
)
@VULNDB_DIR_OPTION
@OSV_URL_OPTION
@approver_options
@MERGE_SHARDS_OPTION
@click.pass_context
def bundle_create(
    ctx: click.Context,
    path: Path,
    output: Path,
    sign_with: str | None,
    key: Path | None,
    policy_spec: str | None,
    as_of: date | None,
    trust_config: Path | None,
    staging: bool,
    history: Path | None,
    offline: bool,
    vulndb_dir: Path | None,
    osv_url: str | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
    merge_shards: Path | None = None,
) -> None:
    """Assess the project at PATH and write its release-evidence bundle; exit 1 when the gate fails.

    Vulnerabilities are audited online against OSV (or --osv-url) unless --offline or offline = true in
    [tool.sdl-gate]; the run says which. A failed gate lists each blocking requirement with why and the fix.
    """
    from sdl_gate.bundle.build import create_bundle

    register = register_choice(approvers_file, trusted_ref)
    if history is not None:
        store_history(path, history)

    if output.is_dir():
        raise InputError("is a directory; --output needs a file path", path=output)
    from sdl_gate.attest.trust import SignWith, manifest_signer

    signer = manifest_signer(
        SignWith(sign_with) if sign_with else None, key, staging=staging, trust_config=trust_config
    )
    result = create_bundle(
        path,
        output,
        policy_spec=policy_spec,
        today=as_of,
        signer=signer,
        register=register,
        offline=offline,
        vulndb_dir=vulndb_dir,
        osv_url=osv_url,
        sast_shards=merge_shards,
    )
    click.echo(f"wrote {result.path} ({result.entries} entries, sha256 {result.sha256})")
    click.echo(f"manifest signed by: {result.signer}" if result.signer else "manifest NOT signed (use --sign)")
    if result.evidence is not None:
        from sdl_gate.render.console import audit_note

        click.echo(audit_note(result.evidence))
    click.echo(result.summary)
    if result.assessment is not None:
        echo_blocking(result.assessment)
    ctx.exit(EXIT_PASSED if result.passed else EXIT_GATE_FAILED)


@bundle.command("verify", epilog="Exit codes: 0 verified, 1 verification failed, 2 invalid input.")
@click.argument("bundle_file", metavar="FILE.zip", type=click.Path(path_type=Path))
@trust_options
@click.pass_context
def bundle_verify(ctx: click.Context, bundle_file: Path, trust: TrustRequest) -> None:
    """Verify a bundle offline: signature, every digest, completeness, and a re-run of the assessment."""
    from sdl_gate.bundle.verify import verify_bundle

    report = verify_bundle(bundle_file, trust.manifest_verifier())
    click.echo(report.text(), nl=False)
    ctx.exit(EXIT_PASSED if report.verified else EXIT_GATE_FAILED)
