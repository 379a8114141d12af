"""Options several commands share: the approver register, signing keys, trust, vulnerability sources, dates."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

#: Day counts on the command line stop at a century, as in policies (``policy.models.MAX_DAYS``): date arithmetic
#: further out overflows. Kept here so that the CLI starts without importing pydantic.
MAX_DAYS_OPTION = 36_500


MERGE_SHARDS_OPTION = click.option(
    "--merge-shards",
    "merge_shards",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Take SAST results from the shard files in DIR (written by `collect --kind sast --shard K/N` on the "
    "same commit) instead of scanning; a missing, duplicated or foreign shard leaves SAST not available.",
)


VULNDB_DIR_OPTION = click.option(
    "--vulndb-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Cache directory of the offline vulnerability database (default: SDL_GATE_CACHE_DIR, else vulndb-dir "
    "in [tool.sdl-gate] when outside the project, else the user cache directory). Wins over the repository.",
)


OSV_URL_OPTION = click.option(
    "--osv-url",
    metavar="URL",
    help="An OSV-compatible query endpoint for online audits (default: SDL_GATE_OSV_URL, else "
    "https://api.osv.dev/v1/query); the repository's osv-url is never used.",
)


def approver_options(function: Any) -> Any:
    """Attach --approvers and --trusted-ref: the operator names the trusted approver register."""
    options = [
        click.option(
            "--approvers",
            "approvers_file",
            type=click.Path(path_type=Path),
            help="The trusted approver register (default: SDL_GATE_APPROVERS). Never the change's own copy "
            "unless you name it.",
        ),
        click.option(
            "--trusted-ref",
            metavar="REF",
            help="Read security/approvers.yaml from this git ref, e.g. the base branch "
            "(default: SDL_GATE_TRUSTED_REF).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def signing_options(function: Any) -> Any:
    """Attach --key and --approver: the approver's SSH key and, optionally, their e-mail in the register."""
    options = [
        click.option(
            "--key",
            "key",
            required=True,
            type=click.Path(path_type=Path),
            help="Your SSH private key (or its .pub with the private key in ssh-agent), as for signing git commits.",
        ),
        click.option("--approver", help="Your e-mail in the approver register (default: found by your key there)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def register_choice(approvers_file: Path | None, trusted_ref: str | None) -> Any:
    """Combine the register options with the environment."""
    from sdl_gate.approvals.register import RegisterChoice

    return RegisterChoice.from_operator(approvers_file, trusted_ref)


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """Read a YYYY-MM-DD option value; anything else is a usage error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


#: The fields of ``attest.trust.TrustRequest``, one option each; named here so that declaring the options (every
#: --help) does not load the module that builds verifiers.
TRUST_OPTION_NAMES = ("identity", "issuer", "repository", "ref", "key", "trust_config", "staging")


def trust_options(function: Any) -> Any:
    """Attach the seven trust options, handed to the command as one ``trust`` (a ``TrustRequest``)."""

    @functools.wraps(function)
    def command(*args: Any, **kwargs: Any) -> Any:
        from sdl_gate.attest.trust import TrustRequest

        trust = TrustRequest(**{name: kwargs.pop(name) for name in TRUST_OPTION_NAMES})
        return function(*args, trust=trust, **kwargs)

    options = [
        click.option("--identity", help="Exact signer certificate identity (e-mail or workflow URI)."),
        click.option("--issuer", help="OIDC issuer of --identity (e.g. https://token.actions.githubusercontent.com)."),
        click.option("--repository", help="GitHub OWNER/NAME whose Actions workflow signed (needs --ref)."),
        click.option("--ref", help="Git ref of that workflow (e.g. refs/tags/v1.2.0); required with --repository."),
        click.option("--key", "key", type=click.Path(path_type=Path), help="Public key (PEM) for key signatures."),
        click.option(
            "--trust-config",
            type=click.Path(path_type=Path),
            help="Sigstore client trust config of a private instance (default: the shipped public trust root).",
        ),
        click.option("--staging", is_flag=True, help="Use the Sigstore staging trust root."),
    ]
    decorated: Any = command
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


_F = TypeVar("_F", bound=Callable[..., Any])

#: The one name of the human-readable output format, in every command that offers one.
HUMAN_FORMAT = "console"


class FormatChoice(click.Choice[str]):
    """An output format choice that still accepts, unlisted, the names its values had before a rename."""

    def __init__(self, choices: list[str], renamed: dict[str, str] | None = None) -> None:
        super().__init__(choices)
        self.renamed = renamed or {}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """Map an old name to its value, then check the choice as click does."""
        if isinstance(value, str):
            value = self.renamed.get(value, value)
        return str(super().convert(value, param, ctx))


def renamed_option(old: str, new: str, name: str, **attrs: Any) -> Callable[[_F], _F]:
    """The old spelling of an option renamed to ``new``: hidden, still accepted, and warned about on stderr.

    It fills the command's parameter ``name`` (the one ``new`` fills) only when the old spelling was typed:
    click hands an option the value of every option of the same name, so the old one has a name of its own.
    """

    def fill(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None:
            click.echo(f"warning: {old} is deprecated; use {new} (same meaning)", err=True)
            ctx.params[name] = value

    own_name = "renamed_" + old.lstrip("-").replace("-", "_")
    return click.option(old, own_name, hidden=True, expose_value=False, callback=fill, **attrs)


def status_options(items: str) -> Callable[[_F], _F]:
    """The options of a status listing of ``items``: the project PATH, --warn-days, --as-of and the register."""
    stack = (
        click.argument("path", type=click.Path(path_type=Path), default=Path()),
        click.option(
            "--warn-days",
            type=click.IntRange(min=0),
            default=30,
            show_default=True,
            help=f"Show {items} expiring this soon.",
        ),
        click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD", help="Status as of this date."),
        approver_options,
    )

    def apply(function: _F) -> _F:
        for decorate in reversed(stack):
            function = decorate(function)
        return function

    return apply
