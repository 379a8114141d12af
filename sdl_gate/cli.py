"""The ``sdl-gate`` command line: the only module that imports click and maps errors to exit codes.

Exit codes: 0 passed, 1 gate failed, 2 usage or invalid input, 3 internal or tool error.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sdl_gate import __version__
from sdl_gate.errors import InputError, SdlGateError
from sdl_gate.record_kinds import RecordKind
from sdl_gate.schemas import SCHEMA_NAMES

if TYPE_CHECKING:  # the CLI starts without importing pydantic
    from sdl_gate.assess import Assessment
    from sdl_gate.evidence import EvidenceSet

#: Day counts on the command line stop at a century, as in policies (``policy.models.MAX_DAYS``): date arithmetic
#: further out overflows. Kept here so that the CLI starts without importing pydantic.
MAX_DAYS_OPTION = 36_500

EXIT_PASSED = 0
EXIT_GATE_FAILED = 1
EXIT_INVALID_INPUT = 2
EXIT_INTERNAL_ERROR = 3

_EPILOG = "Exit codes: 0 passed, 1 gate failed, 2 usage or invalid input, 3 internal or tool error."
_GROUP_EPILOG = (
    "Exit codes: 0 success, 1 a check failed, 2 usage or invalid input, 3 internal or tool error; each command's "
    "--help says which it uses."
)


def _write_output(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from sdl_gate._files import write_atomic

    if output.is_dir():
        raise InputError("is a directory; --output needs a file path", path=output)
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror}", path=output) from None


#: The evidence kinds collectors produce (every EvidenceKind but those other steps leave), kept here so that
#: --help needs no import.
_COLLECTED_KINDS = (
    "development_environment",
    "records",
    "repository",
    "sast",
    "sbom",
    "security_requirements",
    "signatures",
    "threat_model",
    "vulnerability_audit",
    "waivers",
)

_MERGE_SHARDS_OPTION = click.option(
    "--merge-shards",
    "merge_shards",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Take SAST results from the shard files in DIR (written by `collect --kind sast --shard K/N` on the "
    "same commit) instead of scanning; a missing, duplicated or foreign shard leaves SAST not available.",
)


class _Progress:
    """The progress display of one command: on stderr only, a bar on a terminal, a line every 10 s in logs."""

    def __enter__(self) -> Any:
        from sdl_gate.progress import ProgressReport

        stream = sys.stderr
        self.report = ProgressReport(stream, interactive=stream.isatty())
        return self.report

    def __exit__(self, *_exc: object) -> None:
        self.report.close()


def _approver_options(function: Any) -> Any:
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


def _signing_options(function: Any) -> Any:
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


def _echo_approval(verb_replaced: bool, label: str, approver: str, signer: str, file: Path, checked: bool) -> None:
    """Say what `records approve` or `waivers approve` signed and where, and whether the register checked it."""
    click.echo(f"{'renewed' if verb_replaced else 'added'} the approval of {label} by {approver} ({signer}) in {file}")
    if not checked:
        click.echo("note: no approver register named, so whether this approval counts was not checked", err=True)


def _register_choice(approvers_file: Path | None, trusted_ref: str | None) -> Any:
    """Combine the register options with the environment."""
    from sdl_gate.approvals.register import RegisterChoice

    return RegisterChoice.from_operator(approvers_file, trusted_ref)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}, epilog=_EPILOG)
@click.version_option(__version__, "--version", prog_name="sdl-gate", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors; hooks list every item.")
def cli(verbose: bool) -> None:
    """Score a product's secure development evidence against IEC 62443-4-1 and gate its release.

    Start with `sdl-gate init` in your project, then `sdl-gate check`.
    """


@cli.command(epilog="Exit codes: 0 listed, 2 usage error, 3 internal error.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for tools.",
)
def catalogue(output_format: str) -> None:
    """List the 47 requirements of IEC 62443-4-1 (IDs, short titles, our own summaries)."""
    from sdl_gate._files import pretty_json
    from sdl_gate.catalogue import load_catalogue

    loaded = load_catalogue()
    if output_format == "json":
        click.echo(pretty_json([r.to_json() for r in loaded.requirements]), nl=False)
        return
    for practice in loaded.practices:
        click.echo(f"{practice.id} - {practice.title} (clause {practice.clause})")
        for requirement in loaded.in_practice(practice.id):
            click.echo(f"  {requirement.id:<6} {requirement.automation.value:<3}  {requirement.title}")
    click.echo(
        f"\n{len(loaded.requirements)} requirements. Automation: A pipeline artefacts, "
        "A/P mostly artefacts, P artefacts plus a human record, H human records only."
    )


@cli.command(epilog="Exit codes: 0 explained, 2 unknown ID or invalid policy or configuration, 3 internal error.")
@click.argument("requirement_id", metavar="ID")
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="Project whose policy is shown.",
)
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@_approver_options
def explain(
    requirement_id: str,
    project_path: Path,
    policy_spec: str | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Explain what requirement ID asks, how it is checked, what the policy demands and how to fix it."""
    from sdl_gate.assess import ASSESSMENT_CRITERIA, human_record_rule
    from sdl_gate.catalogue import load_catalogue
    from sdl_gate.checks import CHECKS
    from sdl_gate.config import load_project
    from sdl_gate.policy.loader import resolve_policy

    loaded = load_catalogue()
    try:
        requirement = loaded.requirement(requirement_id)
    except KeyError:
        raise InputError(
            f"{requirement_id!r} is not an IEC 62443-4-1 requirement id",
            hint="`sdl-gate catalogue` lists them",
        ) from None
    if policy_spec is None:
        project = load_project(project_path)
        policy = resolve_policy(project.config.policy, relative_to=project_path, root=project_path)
    else:
        policy = resolve_policy(policy_spec, relative_to=Path.cwd())
    entry = policy.requirements[requirement.id]
    practice = next(p for p in loaded.practices if p.id == requirement.practice)
    lines = [
        f"{requirement.id}  {requirement.title}",
        f"practice   {practice.id} - {practice.title}",
        f"automation {requirement.automation.value}: {requirement.automation.describe()}",
        "",
        "What it asks (our summary):",
        f"  {requirement.summary}",
        "",
        "Typical evidence:",
        *(f"  - {item}" for item in requirement.evidence),
        "",
        "How sdl-gate checks it (every criterion must pass; missing or rejected evidence is not_available,",
        "and a criterion that found nothing to examine never passes):",
    ]
    for criterion in CHECKS[requirement.id].criteria:
        kinds = ", ".join(kind.value for kind in criterion.kinds)
        lines.append(f"  - {criterion.name}  [evidence: {kinds}]")
        lines.append(f"      passes with: {criterion.description}")
        if criterion.empty_means:
            lines.append(f"      empty evidence: {criterion.when_empty.value} ({criterion.empty_means})")
        else:
            lines.append("      empty evidence: judged by the criterion itself (no declared outcome)")
    if requirement.id in ASSESSMENT_CRITERIA:
        lines.append(f"  - {ASSESSMENT_CRITERIA[requirement.id]}  [reads: the other verdicts of the assessment]")
    human_rule = human_record_rule(requirement)
    if human_rule is not None:
        lines.append(f"  - {human_rule}  [evidence: records]")
    from sdl_gate._clock import assessment_date

    today = assessment_date()
    mode = entry.effective_mode(today)
    lines += ["", f"Policy {policy.name} ({policy.source}):", f"  mode: {mode.value}"]
    if mode is not entry.mode:
        lines.append(f"  (becomes {entry.mode.value} on {entry.enforced_from})")
    if entry.justification:
        lines.append(f"  justification: {entry.justification}")
    if entry.max_age_days:
        lines.append(f"  records older than {entry.max_age_days} days do not count")
    lines += _explain_waivers(requirement.id, project_path, policy_spec, today, approvers_file, trusted_ref)
    lines += ["", "How to fix a failure:", f"  {requirement.remediation}"]
    if requirement.ssdf:
        lines += ["", f"NIST SSDF tasks citing it: {', '.join(requirement.ssdf)}"]
    click.echo("\n".join(lines))


def _explain_waivers(
    requirement_id: str,
    project_path: Path,
    policy_spec: str | None,
    today: date,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> list[str]:
    """The project's waivers reported under the requirement, and whether each counts (signed and approved)."""
    from sdl_gate.inputs import load_inputs

    inputs = load_inputs(project_path, policy_spec).with_approvers(_register_choice(approvers_file, trusted_ref))
    register = inputs.waivers
    listed = [w for w in register.waivers if w.scope.target_requirement == requirement_id]
    if not listed:
        return []
    lines = ["", f"Waivers for {requirement_id} in {register.source}:"]
    for waiver in listed:
        window = register.state(waiver, today)
        why = register.why_not_approved(waiver, today)
        standing = f"does not count: {why}" if why is not None else register.approval(waiver).detail
        lines.append(f"  - {waiver.id} ({waiver.scope.describe()}, {window.value}): {standing}")
    return lines


@cli.group(epilog=_GROUP_EPILOG)
def policy() -> None:
    """Validate and show policies (built-in: iec62443-4-1-ml2, -ml3, -ml4)."""


@policy.command("validate", epilog="Exit codes: 0 valid, 2 invalid policy, 3 internal error.")
@click.argument("policy_file", type=click.Path(path_type=Path))
def policy_validate(policy_file: Path) -> None:
    """Validate POLICY_FILE, including the policies it extends."""
    from sdl_gate.policy.loader import resolve_policy

    resolved = resolve_policy(str(policy_file), relative_to=Path.cwd())
    chain = f", extends {' -> '.join(resolved.chain)}" if resolved.chain else ""
    click.echo(f"{policy_file}: valid policy {resolved.name!r}{chain}; digest {resolved.digest}")


@policy.command("show", epilog="Exit codes: 0 shown, 2 unknown or invalid policy, 3 internal error.")
@click.argument("name")
@click.option("--format", "output_format", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def policy_show(name: str, output_format: str) -> None:
    """Show the fully resolved policy NAME (a built-in name or a file), every requirement included."""
    from sdl_gate._files import pretty_json
    from sdl_gate.policy.loader import resolve_policy

    resolved = resolve_policy(name, relative_to=Path.cwd())
    document: dict[str, Any] = {"digest": resolved.digest, "source": resolved.source, **resolved.to_json()}
    if output_format == "json":
        click.echo(pretty_json(document), nl=False)
    else:
        import yaml

        click.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), nl=False)


@cli.command(epilog="Exit codes: 0 printed, 2 unknown schema name, 3 internal error.")
@click.argument(
    "name",
    type=click.Choice(list(SCHEMA_NAMES)),
)
def schema(name: str) -> None:
    """Print the JSON Schema of an input or output format."""
    from sdl_gate._files import pretty_json
    from sdl_gate.schemas import load_schema

    click.echo(pretty_json(load_schema(name)), nl=False)


@cli.command(
    epilog="Exit codes: 0 scaffolded (existing files kept), 2 PATH is not a directory or its pyproject.toml is "
    "invalid, 3 a file could not be written."
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
def init(path: Path) -> None:
    """Scaffold sdl-gate in the project at PATH: config, security/ templates, .gitignore entry.

    Existing files are never overwritten; the [tool.sdl-gate] section is appended to pyproject.toml only
    when it has none.
    """
    from sdl_gate.scaffold import scaffold

    for line in scaffold(path):
        click.echo(line)


_VULNDB_DIR_OPTION = click.option(
    "--vulndb-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Cache directory of the offline vulnerability database (default: SDL_GATE_CACHE_DIR, else vulndb-dir "
    "in [tool.sdl-gate] when outside the project, else the user cache directory). Wins over the repository.",
)
_OSV_URL_OPTION = click.option(
    "--osv-url",
    metavar="URL",
    help="An OSV-compatible query endpoint for online audits (default: SDL_GATE_OSV_URL, else "
    "https://api.osv.dev/v1/query); the repository's osv-url is never used.",
)


@cli.command(
    epilog="Exit codes: 0 collected (a collector that could not collect is listed, its kind not available), "
    "2 invalid input, 3 internal or tool error."
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option("--offline", is_flag=True, help="Audit vulnerabilities against the offline database on loopback.")
@_VULNDB_DIR_OPTION
@_OSV_URL_OPTION
@_approver_options
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(_COLLECTED_KINDS),
    help="Collect only this kind of evidence (repeatable; default every kind).",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="With --kind sast only: scan shard K of N (files split by a hash of their path) and write partial "
    "evidence to --output for a final job to merge (--merge-shards); nothing is assessed or stored.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="With --shard: the shard file (default: PATH/.sdl-gate/shards/sast-shard-K-of-N.json).",
)
@_MERGE_SHARDS_OPTION
@click.pass_context
def collect(
    ctx: click.Context,
    path: Path,
    policy_spec: str | None,
    offline: bool,
    vulndb_dir: Path | None,
    osv_url: str | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
    kinds: tuple[str, ...] = (),
    shard: str | None = None,
    output: Path | None = None,
    merge_shards: Path | None = None,
) -> None:
    """Collect evidence for the project at PATH into .sdl-gate/evidence/ without assessing it.

    With --merge-shards, shards that cannot be merged exit 2 naming the shard.
    """
    from sdl_gate._clock import file_timestamp
    from sdl_gate._git import git_commit
    from sdl_gate.evidence import EvidenceKind, EvidenceStore
    from sdl_gate.inputs import load_inputs
    from sdl_gate.run import collect as run_collect

    if shard is not None or output is not None:
        if set(kinds) != {"sast"} or shard is None or merge_shards is not None:
            raise InputError("--shard K/N needs --kind sast and nothing else (--output goes with --shard)")
        _collect_shard(path, shard, output)
        return
    inputs = load_inputs(path, policy_spec, offline=offline, vulndb_dir=vulndb_dir, osv_url=osv_url).with_approvers(
        _register_choice(approvers_file, trusted_ref)
    )
    store = EvidenceStore(path)
    with _Progress() as progress:
        stored, failures = run_collect(
            inputs,
            commit=git_commit(path),
            now=file_timestamp(),
            store=store,
            kinds=frozenset(EvidenceKind(k) for k in kinds) if kinds else None,
            sast_shards=merge_shards,
            progress=progress,
        )
    for item in sorted(stored, key=lambda s: s.evidence.kind.value):
        click.echo(f"{item.evidence.kind.value:<12} {item.id}")
    for failure in failures:
        click.echo(f"{failure.kind.value:<12} not collected: {failure.reason}", err=True)
    if merge_shards is not None and any(f.kind is EvidenceKind.SAST for f in failures):
        ctx.exit(EXIT_INVALID_INPUT)


def _collect_shard(path: Path, shard: str, output: Path | None) -> None:
    """Scan one shard of the project's SAST selection and write it as partial evidence."""
    from sdl_gate._git import git_commit
    from sdl_gate._tool import ToolUnavailable
    from sdl_gate.config import load_project
    from sdl_gate.errors import ToolError
    from sdl_gate.sast.analyse import analyse_shard
    from sdl_gate.sast.shards import ShardSpec, write_shard

    spec = ShardSpec.parse(shard)
    if not path.is_dir():
        raise InputError("project directory not found", path=path)
    project = load_project(path)
    try:
        with _Progress() as progress:
            part = analyse_shard(project, spec, commit=git_commit(path), progress=progress)
    except ToolUnavailable as exc:
        raise ToolError(exc.reason) from None
    target = output or path / ".sdl-gate" / "shards" / spec.file_name
    if target.is_dir():
        raise InputError("is a directory; --output needs a file path", path=target)
    try:
        write_shard(part, target)
    except OSError as exc:
        raise InputError(f"cannot write the shard: {exc.strerror}", path=target) from None
    counts = f"{len(part.files)} file(s), {part.scanned} scanned, {part.cache_hits} from the cache"
    click.echo(f"sast shard {spec.label}: {counts}", err=True)
    click.echo(str(target))


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@cli.command(epilog=_EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["console", "json", "html", "markdown", "sarif", "junit"]),
    default="console",
    show_default=True,
    help="console for people; json validates against `sdl-gate schema assessment`; html, markdown, sarif and "
    "junit as in `sdl-gate report`.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file instead of stdout.")
@click.option(
    "--as-of",
    "as_of",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="Assess as of this date instead of today (expiry and age limits use it).",
)
@click.option("--history", type=click.Path(path_type=Path), help="Earlier release bundles, for maturity ML3/ML4.")
@click.option(
    "--offline",
    is_flag=True,
    help="Audit vulnerabilities against the offline database (`sdl-gate vulndb import`) on a loopback OSV API.",
)
@_VULNDB_DIR_OPTION
@_OSV_URL_OPTION
@click.option(
    "--run-tests",
    "test_command",
    is_flag=False,
    flag_value="python -m pytest",
    default=None,
    metavar="[CMD]",
    help="First run the project's tests (CMD, default `python -m pytest`, in PATH; split like a shell would, "
    "never run by one) with the sdl-gate pytest plugin recording what it observes for this commit, then gate. "
    "Put PATH before it (`check . --run-tests`) or write `--run-tests=CMD`. The command is the operator's: "
    "it is never read from the repository. A failing run is recorded and judged; a run that could not start "
    "or recorded nothing leaves the test results not available.",
)
@click.option(
    "--tests-timeout",
    type=click.FloatRange(min=1),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="With --run-tests: stop the test command after this long (SDL_GATE_TOOL_TIMEOUT caps it).",
)
@_approver_options
@_MERGE_SHARDS_OPTION
@click.pass_context
def check(
    ctx: click.Context,
    path: Path,
    policy_spec: str | None,
    output_format: str,
    output: Path | None,
    as_of: date | None,
    offline: bool,
    history: Path | None = None,
    vulndb_dir: Path | None = None,
    osv_url: str | None = None,
    test_command: str | None = None,
    tests_timeout: float = 3600,
    approvers_file: Path | None = None,
    trusted_ref: str | None = None,
    merge_shards: Path | None = None,
) -> None:
    """Collect evidence for the project at PATH, assess it against the policy and gate on the result.

    Human records count only when signed by someone the trusted approver register (--approvers,
    --trusted-ref) entitles to approve them; without a register they answer not_available.
    """
    from sdl_gate.evidence import Evidence, Rejection
    from sdl_gate.run import assess_project

    register = _register_choice(approvers_file, trusted_ref)
    if history is not None:
        _record_history(path, history)
    declared: tuple[Evidence, ...] = ()
    unavailable: tuple[Rejection, ...] = ()
    if test_command is not None:
        from sdl_gate._git import git_commit
        from sdl_gate.testrun import run_tests

        if not path.is_dir():
            raise InputError("project directory not found", path=path)
        test_run = run_tests(path, test_command, commit=git_commit(path), timeout=tests_timeout)
        click.echo(f"tests: {test_run.summary()}", err=True)
        if test_run.recorded is not None:
            declared = (test_run.recorded.evidence,)
        elif test_run.problem is not None:
            unavailable = (test_run.problem,)
            if test_run.output_tail:
                click.echo(test_run.output_tail, err=True)
    with _Progress() as progress:
        result = assess_project(
            path,
            policy_spec=policy_spec,
            today=as_of,
            offline=offline,
            vulndb_dir=vulndb_dir,
            osv_url=osv_url,
            declared=declared,
            unavailable=unavailable,
            register=register,
            sast_shards=merge_shards,
            progress=progress,
        )
    if output_format == "json":
        from sdl_gate.render.json import render_json

        text = render_json(result.assessment)
    elif output_format != "console":
        from sdl_gate.render.formats import ReportFormat, render_report
        from sdl_gate.render.source import from_check

        text = render_report(from_check(result.assessment, result.evidence), ReportFormat(output_format))
    else:
        from sdl_gate.render.console import render_console

        text = render_console(result.assessment)
    _write_output(text, output)
    if output is not None or output_format != "console":
        # The report went to a file or is for tools: say on stderr what decided, as the console report would.
        click.echo(result.assessment.decision.summary, err=True)
        _echo_blocking(result.assessment, err=True)
    project = result.inputs.project
    if project.config_source is None and not project.security_dir.is_dir():
        click.echo(
            f"hint: {path} has no [tool.sdl-gate] section and no {project.config.security_dir}/ folder; "
            f"`sdl-gate init {path}` scaffolds them",
            err=True,
        )
    ctx.exit(EXIT_PASSED if result.assessment.decision.passed else EXIT_GATE_FAILED)


@cli.group(epilog=_GROUP_EPILOG)
def records() -> None:
    """Work with the human process records and the waiver register."""


@records.command(
    "check",
    epilog="Exit codes: 0 valid (warnings are printed), 1 a waiver has expired or does not count (or, with --strict, "
    "a requirement has no record that counts or the change edits the approver register), 2 a file is invalid.",
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option(
    "--warn-days",
    type=click.IntRange(min=0, max=MAX_DAYS_OPTION),
    default=14,
    show_default=True,
    help="Warn about waivers expiring within this many days.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Also decide on the records: fail where `check` fails a requirement's record (none that counts: "
    "unapproved, expired, changed) or the approver register (edited by the change).",
)
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Check as of this date.")
@_approver_options
@click.pass_context
def records_check(
    ctx: click.Context,
    path: Path,
    warn_days: int,
    strict: bool,
    as_of: date | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Validate security/records/ and security/waivers.yaml; fail where `check` fails on them.

    The gate's criteria decide: an expired or unapproved waiver fails (waiver_expiry, SM-11 and DM-4
    waiver_register), and with --strict so do the requirements' records and the approver register (each
    requirement's record, SM-2 approver_register, SVV-5 testers_independent), under the policy's modes and waivers.
    """
    from sdl_gate._clock import assessment_date
    from sdl_gate.inputs import load_inputs
    from sdl_gate.registers import check_registers

    inputs = load_inputs(path).with_approvers(_register_choice(approvers_file, trusted_ref))
    checked = check_registers(inputs, assessment_date(as_of), warn_days, strict=strict)
    click.echo("\n".join(checked.lines()))
    ctx.exit(EXIT_PASSED if checked.passed else EXIT_GATE_FAILED)


@records.command("new", epilog="Exit codes: 0 written, 2 invalid input or the record exists.")
@click.argument("kind", type=click.Choice([kind.value for kind in RecordKind]))
@click.option("--path", "project_path", type=click.Path(path_type=Path), default=Path(), show_default=True)
@click.option("--id", "record_id", help="The record id and file name (default: KIND-YYYY-MM-DD).")
@click.option("--author", help="'Name <email>' (default: git's user.name and user.email).")
def records_new(kind: str, project_path: Path, record_id: str | None, author: str | None) -> None:
    """Start a record of KIND: a skeleton with the requirements that accept it and today's date."""
    from sdl_gate._clock import assessment_date
    from sdl_gate.config import load_project
    from sdl_gate.records_workflow import new_record

    target = new_record(
        load_project(project_path), RecordKind(kind), assessment_date(), record_id=record_id, author=author
    )
    click.echo(f"wrote {target}: fill in the TODOs, then ask an approver to run `sdl-gate records approve`")


@records.command(
    "approve", epilog="Exit codes: 0 signed and written, 2 invalid input or a key that cannot sign, 3 tool error."
)
@click.argument("record_id", metavar="ID")
@_signing_options
@click.option(
    "--date",
    "approved_on",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="The day you approved (default: today); it is signed, and an approval dated later than the assessment "
    "does not count.",
)
@click.option("--path", "project_path", type=click.Path(path_type=Path), default=Path(), show_default=True)
@_approver_options
def records_approve(
    record_id: str,
    key: Path,
    approver: str | None,
    approved_on: date | None,
    project_path: Path,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Approve record ID: pin its linked files' digests, sign with ssh-keygen and write ID's approvals file.

    Run it again after a linked file changed to renew your approval. With a register named, it also refuses
    an approval that would not count (self-approval, an approver it does not entitle or list).
    """
    from sdl_gate._clock import assessment_date
    from sdl_gate.config import load_project
    from sdl_gate.records_workflow import approve_record

    project = load_project(project_path)
    register = _register_choice(approvers_file, trusted_ref).load(project.root)
    day = assessment_date(approved_on)
    result = approve_record(project, record_id, key, day, approver=approver, register=register)
    for path, digest in result.linked_files:
        click.echo(f"  {path}  sha256 {digest}")
    _echo_approval(
        result.replaced,
        result.record_id,
        result.approver,
        result.signer,
        result.approvals_file,
        result.checked_against is not None,
    )


@records.command(
    "status", epilog="Exit codes: 0 every record counts, 1 a record does not (or cannot be told), 2 invalid input."
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option(
    "--warn-days", type=click.IntRange(min=0), default=30, show_default=True, help="Show records expiring this soon."
)
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Status as of this date.")
@_approver_options
@click.pass_context
def records_status(
    ctx: click.Context,
    path: Path,
    warn_days: int,
    as_of: date | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """List every record: approved, expiring, unsigned, stale (a linked file changed), or why it does not count."""
    from sdl_gate._clock import assessment_date
    from sdl_gate.inputs import load_inputs
    from sdl_gate.registers import record_statuses

    inputs = load_inputs(path).with_approvers(_register_choice(approvers_file, trusted_ref))
    report = record_statuses(inputs, assessment_date(as_of), warn_days)
    for line in report.text():
        click.echo(line)
    ctx.exit(EXIT_PASSED if report.all_count else EXIT_GATE_FAILED)


@dataclass(frozen=True)
class _TrustOptions:
    """Whom the operator trusts to have signed: the seven options of `verify`, `bundle verify` and `report`."""

    identity: str | None
    issuer: str | None
    repository: str | None
    ref: str | None
    key: Path | None
    trust_config: Path | None
    staging: bool

    @property
    def given(self) -> bool:
        """Whether any of the options was given."""
        chosen = (self.identity, self.issuer, self.repository, self.ref, self.key, self.trust_config)
        return self.staging or any(value is not None for value in chosen)

    def verifiers(self) -> tuple[Any, Any]:
        """Build the public key and Sigstore verifier the options ask for; InputError when they ask for none."""
        from sdl_gate.attest.keys import load_public_key
        from sdl_gate.attest.sigstore_verify import IdentityPolicy, Instance, SigstoreVerifier, TrustChoice

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
            trust = TrustChoice(Instance.STAGING if self.staging else Instance.PRODUCTION, self.trust_config)
            sigstore = SigstoreVerifier(trust, policy)
        if public_key is None and sigstore is None:
            raise InputError(
                "say whom to trust: --identity ID --issuer URL, --repository OWNER/NAME --ref REF, or --key"
            )
        return public_key, sigstore

    def manifest_verifier(self) -> Any:
        """Build the verifier of a bundle's manifest signature."""
        from sdl_gate.attest.manifest import ManifestVerifier

        public_key, sigstore = self.verifiers()
        return ManifestVerifier(public_key=public_key, sigstore=sigstore)


def _trust_options(function: Any) -> Any:
    """Attach the seven trust options, handed to the command as one ``trust`` (a ``_TrustOptions``)."""
    names = [field.name for field in fields(_TrustOptions)]

    @functools.wraps(function)
    def command(*args: Any, **kwargs: Any) -> Any:
        trust = _TrustOptions(**{name: kwargs.pop(name) for name in names})
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


@cli.group(epilog=_GROUP_EPILOG)
def waivers() -> None:
    """Approve exceptions (waivers and SAST baseline entries) and see which ones count."""


@waivers.command(
    "approve", epilog="Exit codes: 0 signed and written, 2 invalid input or a key that cannot sign, 3 tool error."
)
@click.argument("exception_id", metavar="ID")
@_signing_options
@click.option(
    "--date",
    "approved_on",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="The day you approved (default: today); it is signed.",
)
@click.option("--path", "project_path", type=click.Path(path_type=Path), default=Path(), show_default=True)
@_approver_options
def waivers_approve(
    exception_id: str,
    key: Path,
    approver: str | None,
    approved_on: date | None,
    project_path: Path,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Approve exception ID (a waiver id, or a SAST baseline entry's fingerprint) by signing it with ssh-keygen.

    The signature covers every field of the waiver (or the baseline entry) and is kept in the approvals file
    beside its register (security/waivers.yaml.approvals.json, security/sast-baseline.json.approvals.json).
    Editing the exception afterwards voids it. With a register named, it refuses an approval that would not
    count (by the requester, by someone other than the approver the exception names, not entitled, unknown).
    """
    from sdl_gate._clock import assessment_date
    from sdl_gate.exceptions_workflow import approve_exception
    from sdl_gate.inputs import load_inputs

    inputs = load_inputs(project_path).with_approvers(_register_choice(approvers_file, trusted_ref))
    result = approve_exception(inputs, exception_id, key, assessment_date(approved_on), approver=approver)
    _echo_approval(
        result.replaced,
        result.label,
        result.approver,
        result.signer,
        result.approvals_file,
        result.checked_against is not None,
    )


@waivers.command(
    "status", epilog="Exit codes: 0 every exception counts, 1 one does not (or cannot be told), 2 invalid input."
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option(
    "--warn-days", type=click.IntRange(min=0), default=30, show_default=True, help="Show exceptions expiring this soon."
)
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Status as of this date.")
@_approver_options
@click.pass_context
def waivers_status(
    ctx: click.Context,
    path: Path,
    warn_days: int,
    as_of: date | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """List every waiver and SAST baseline entry: approved, expiring, unsigned, or why it does not count."""
    from sdl_gate._clock import assessment_date
    from sdl_gate.exceptions_workflow import exception_statuses
    from sdl_gate.inputs import load_inputs

    inputs = load_inputs(path).with_approvers(_register_choice(approvers_file, trusted_ref))
    report = exception_statuses(inputs, assessment_date(as_of), warn_days)
    for line in report.text():
        click.echo(line)
    ctx.exit(EXIT_PASSED if report.all_count else EXIT_GATE_FAILED)


@cli.command(
    epilog="Exit codes: 0 written, whatever the gate decided; 2 INPUT is not a valid assessment or a bundle that "
    "verifies; 3 internal error."
)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["html", "markdown", "sarif", "junit", "json"]),
    default="html",
    show_default=True,
    help="html for labs and managers, markdown for job summaries, sarif for code scanning, junit for CI.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file instead of stdout.")
@_trust_options
def report(input_path: Path, output_format: str, output: Path | None, trust: _TrustOptions) -> None:
    """Render INPUT, an assessment JSON or a release-evidence bundle, as a report.

    A bundle is verified offline first, with the options of `sdl-gate bundle verify`; one that does not
    verify is refused.
    """
    from sdl_gate.render.formats import ReportFormat, render_report
    from sdl_gate.render.source import load_report_input

    verifier = trust.manifest_verifier() if trust.given else None
    _write_output(render_report(load_report_input(input_path, verifier), ReportFormat(output_format)), output)


@cli.group(
    "threat-model",
    epilog=_GROUP_EPILOG,
)
def threat_model() -> None:
    """Check a threat model, or convert a Threat Dragon, pytm or OTM model to the native format."""


@threat_model.command("check", epilog="Exit codes: 0 the gate's threat-model criteria pass, 1 one fails, 2 invalid.")
@click.argument("model_file", metavar="[FILE]", required=False, type=click.Path(path_type=Path))
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="Project root (its policy, requirements file and git history are used).",
)
@click.option(
    "--input-format",
    type=click.Choice(["auto", "native", "threat-dragon", "pytm", "otm"]),
    default=None,
    help="Format of FILE (default: the project's setting, else detected).",
)
@click.option(
    "--max-age-days",
    type=click.IntRange(min=1, max=MAX_DAYS_OPTION),
    default=None,
    help="Review age limit (default: the policy's SR-2 max_age_days, else 365).",
)
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Check as of this date.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def threat_model_check(
    ctx: click.Context,
    model_file: Path | None,
    project_path: Path,
    input_format: str | None,
    max_age_days: int | None,
    policy_spec: str | None,
    as_of: date | None,
    output_format: str,
) -> None:
    """Judge a threat model on the gate's own criteria: SR-2 threat coverage and review, SD-1 boundaries, SD-2
    defence in depth. It fails exactly when `sdl-gate check` fails those criteria on the same model."""
    from dataclasses import replace

    from sdl_gate._files import pretty_json
    from sdl_gate.collectors.threat_model import ThreatModelCollector
    from sdl_gate.evidence import EvidenceKind
    from sdl_gate.inputs import load_inputs
    from sdl_gate.render.console import slice_lines
    from sdl_gate.run import Scope, assess_slice
    from sdl_gate.threatmodel import configured_format, threat_model_path
    from sdl_gate.threatmodel.model import ModelFormat
    from sdl_gate.threatmodel.model_check import THREAT_MODEL_SCOPE, Problem, model_report

    inputs = load_inputs(project_path, policy_spec)
    path = model_file or threat_model_path(inputs.project)
    if not path.exists():
        raise InputError("threat model not found", path=path, hint="write one (`sdl-gate init`) or pass FILE")
    fmt = configured_format(inputs.project) if input_format in (None, "auto") and model_file is None else None
    if input_format not in (None, "auto"):
        fmt = ModelFormat(str(input_format))
    if max_age_days is not None:
        # The operator's review age limit replaces the policy's for this run.
        policy = inputs.policy
        review = replace(policy.requirements["SR-2"], max_age_days=max_age_days)
        inputs = replace(inputs, policy=replace(policy, requirements={**policy.requirements, "SR-2": review}))
    result = assess_slice(
        inputs, Scope(THREAT_MODEL_SCOPE), today=as_of, collectors=[ThreatModelCollector(model_file, fmt)]
    )
    found = result.evidence.of(EvidenceKind.THREAT_MODEL)
    if not found or not found[0].payload["present"]:
        reasons = "; ".join(r.reason for r in result.evidence.rejected(EvidenceKind.THREAT_MODEL))
        raise InputError(f"threat model could not be read: {reasons or 'not found'}", path=path)
    problems = tuple(
        Problem(r.id, f.criterion, f.outcome.value, f.message, f.fix or r.remediation)
        for r in result.requirements
        for f in r.findings
        if f.outcome.value not in ("pass", "not_applicable")
    )
    report = model_report(found[0].payload, problems, result.passed)
    if output_format == "json":
        click.echo(pretty_json(report.to_json()), nl=False)
    else:
        click.echo("\n".join(report.summary_lines() + slice_lines(result.requirements)))
    ctx.exit(EXIT_PASSED if result.passed else EXIT_GATE_FAILED)


@threat_model.command(
    "import", epilog="Exit codes: 0 converted (what the format lacks is listed), 2 invalid FILE, 3 internal error."
)
@click.argument("source", metavar="FILE", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "input_format",
    type=click.Choice(["threat-dragon", "pytm", "otm"]),
    required=True,
    help="The format of FILE.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the native model here (.yaml or .json).")
def threat_model_import(source: Path, input_format: str, output: Path | None) -> None:
    """Convert FILE to the native threat-model format; what the format lacks is listed, not invented."""
    from sdl_gate.threatmodel.loader import load_threat_model
    from sdl_gate.threatmodel.model import ModelFormat
    from sdl_gate.threatmodel.model_check import native_text

    loaded = load_threat_model(source, ModelFormat(input_format))
    as_json = output is not None and output.suffix.lower() == ".json"
    _write_output(native_text(loaded.model, as_json=as_json), output)
    missing = loaded.model.imported_from.missing if loaded.model.imported_from else []
    for item in missing:
        click.echo(f"missing: {item}", err=True)


@cli.group(
    "test-results",
    epilog=_GROUP_EPILOG,
)
def test_results() -> None:
    """Record test results traced to security requirements (the pytest plugin does this by itself)."""


@test_results.command(
    "import", epilog="Exit codes: 0 imported, 2 invalid report or options, 3 the evidence could not be written."
)
@click.argument("reports", metavar="[JUNIT_XML]...", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="Project root: evidence goes to its .sdl-gate/evidence/.",
)
@click.option(
    "--provenance",
    "statement",
    required=True,
    metavar="TEXT",
    help="What ran these tests and where (e.g. 'Jenkins job fw-nightly #412 on build-07'). Shown with the results "
    "in every report; whether imported results count is the policy's imported_test_results setting.",
)
def test_results_import(reports: tuple[Path, ...], project_path: Path, statement: str) -> None:
    """Store JUnit XML reports (pytest, CTest, GoogleTest, Jest, Go, Surefire) as test evidence.

    Without JUNIT_XML, the files the project's [tool.sdl-gate] test-results globs match are imported; a glob
    that matches nothing is an error. Tests are traced by security.requirements/threats/mitigations
    properties or the project's test map. Every file is read before any is stored.

    The results are recorded as imported: unlike a run the pytest plugin or check --run-tests observed, they
    never replace an observed result of the same test, and by default they count for SVV-1, SVV-2 and SUM-1
    only when an approved, current test_report record links the file's sha256.
    """
    from sdl_gate import __version__
    from sdl_gate._clock import current_time
    from sdl_gate._files import sha256_file
    from sdl_gate._git import git_commit
    from sdl_gate.collectors.test_results import (
        Provenance,
        ProvenanceKind,
        TestResult,
        configured_reports,
        parse_junit,
        record_results,
    )
    from sdl_gate.config import load_project
    from sdl_gate.evidence import IMPORTED_TEST_TOOL, FileDigest

    if not project_path.is_dir():
        raise InputError("project directory not found", path=project_path)
    if not statement.strip():
        raise InputError("--provenance must say what ran the tests and where")
    if not reports:
        project = load_project(project_path)
        reports = tuple(configured_reports(project_path, project.config.test_results, project.config_source))
    parsed: list[tuple[Path, str, list[TestResult], list[FileDigest]]] = []
    for report in reports:
        digest = sha256_file(report) if report.is_file() else None
        if digest is None:
            raise InputError("JUnit report not found", path=report)
        provenance = Provenance(
            kind=ProvenanceKind.IMPORTED, statement=statement.strip(), file=report.name, sha256=digest
        )
        results = parse_junit(report, project_path, provenance)
        if not results:
            # A report of no test is no evidence that anything ran (a build that never reached its tests).
            raise InputError("the JUnit report holds no <testcase>: no test ran", path=report)
        files = []
        try:
            relative = report.resolve().relative_to(project_path.resolve()).as_posix()
            files.append(FileDigest(path=relative, sha256=digest))
        except ValueError:
            pass  # a report outside the project is bound by its content only
        parsed.append((report, digest, results, files))
    for _report, digest, results, files in parsed:
        try:
            stored = record_results(
                project_path,
                results,
                commit=git_commit(project_path),
                # When the tests ran, as the pytest plugin records it: the age limit is judged from it.
                now=current_time(),
                tool=(IMPORTED_TEST_TOOL, f"sdl-gate {__version__}"),
                files=files,
            )
        except OSError as exc:
            from sdl_gate.errors import ToolError

            raise ToolError(f"cannot write evidence: {exc.strerror}") from None
        linked = sum(1 for r in results if r.requirements or r.threats or r.mitigations)
        click.echo(
            f"{len(results)} test result(s), {linked} traced to security ids, imported (sha256 {digest}): {stored.id}"
        )


@cli.command(epilog=_EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option(
    "--from",
    "source",
    type=click.Choice(["project", "environment", "requirements", "lock"]),
    default="project",
    show_default=True,
    help="project: the dependency sources the gate finds; environment: installed distributions; "
    "requirements/lock: the FILE given with --file.",
)
@click.option("--file", "source_file", type=click.Path(path_type=Path), help="requirements file or lock file.")
@click.option("--python", "python", help="With --from environment: the interpreter whose environment to list.")
@click.option("--spec", type=click.Choice(["1.6", "1.5"]), default="1.6", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="Write the SBOM here instead of stdout.")
def sbom(path: Path, source: str, source_file: Path | None, python: str | None, spec: str, output: Path | None) -> None:
    """Write a CycloneDX JSON SBOM of the project at PATH (deterministic; SOURCE_DATE_EPOCH honoured)."""
    from sdl_gate._clock import file_timestamp
    from sdl_gate.collectors.dependencies import project_dependencies
    from sdl_gate.config import load_project
    from sdl_gate.sbom.build import SpecVersion, build_sbom, product_from_pyproject
    from sdl_gate.sbom.sources import SourceKind, from_environment, interpreter_paths, load_source
    from sdl_gate.sbom.sources import lock_kind as kind_of

    project = load_project(path)
    if source in ("requirements", "lock") and source_file is None:
        raise click.UsageError(f"--from {source} needs --file FILE")
    if source == "environment":
        inventory = from_environment(interpreter_paths(python) if python else None)
    elif source in ("requirements", "lock") and source_file is not None:
        # Includes stay inside the project, or inside the file's own directory when it lies elsewhere.
        inside = source_file.resolve().is_relative_to(path.resolve())
        kind = SourceKind.REQUIREMENTS if source == "requirements" else kind_of(source_file)
        inventory = load_source(kind, source_file, path if inside else source_file.parent)
    else:
        found = project_dependencies(project).inventory
        if found is None:
            raise InputError(
                "no dependency source found (uv.lock, pylock.toml, requirements*.txt, pyproject.toml)", path=path
            )
        inventory = found
    product = product_from_pyproject(path, project.name, project.version)
    text = build_sbom(inventory, product, spec=SpecVersion(spec), timestamp=file_timestamp())
    _write_output(text, output)
    if output is not None:
        click.echo(f"{output}: CycloneDX {spec} SBOM, {len(inventory.components)} components", err=True)


@cli.command("sbom-check", epilog="Exit codes: 0 no gaps, 1 gaps or mismatches, 2 invalid SBOM or lock file.")
@click.argument("sbom_files", metavar="SBOM...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--lock", "lock_file", type=click.Path(path_type=Path), help="Cross-check against this lock file.")
@click.option("--environment", is_flag=True, help="Cross-check against the installed environment.")
@click.option("--python", "python", help="With --environment: the interpreter whose environment to compare.")
@click.pass_context
def sbom_check(
    ctx: click.Context, sbom_files: tuple[Path, ...], lock_file: Path | None, environment: bool, python: str | None
) -> None:
    """Check each SBOM (CycloneDX JSON/XML 1.4-1.6, SPDX 2.2/2.3 JSON) against the NTIA minimum elements and,
    for one SBOM, optionally a lock file or environment; components without a package URL are listed."""
    from sdl_gate.sbom.quality import assess_document, cross_check, load_any_sbom
    from sdl_gate.sbom.readers import SbomFormat
    from sdl_gate.sbom.sources import from_environment, interpreter_paths, load_source, lock_kind

    if len(sbom_files) > 1 and (lock_file is not None or environment):
        raise click.UsageError("--lock and --environment cross-check one SBOM; give one SBOM with them")
    labels = {SbomFormat.CYCLONEDX_JSON: "CycloneDX", SbomFormat.CYCLONEDX_XML: "CycloneDX XML"}
    documents = [load_any_sbom(sbom_file) for sbom_file in sbom_files]
    problems = 0
    for sbom_file, document in zip(sbom_files, documents, strict=True):
        report = assess_document(document)
        kind = " ".join(filter(None, (labels.get(document.format), document.spec_version)))
        click.echo(f"{sbom_file}: {kind}, {len(report.components)} components")
        for gap in report.gaps:
            problems += 1
            click.echo(f"  gap       {gap.component or '(document)'}: no {gap.element.value.replace('_', ' ')}")
        for entry in document.entries:
            if entry.component.purl is None:
                why = "package URL does not parse" if entry.invalid_purl else "no package URL"
                click.echo(f"  unauditable {entry.label}: {why}")
        comparisons = []
        if lock_file is not None:
            comparisons.append((str(lock_file), load_source(lock_kind(lock_file), lock_file)))
        if environment:
            comparisons.append(("environment", from_environment(interpreter_paths(python) if python else None)))
        for label, inventory in comparisons:
            for mismatch in cross_check(report, inventory):
                problems += 1
                click.echo(
                    f"  mismatch  {mismatch.name}: {mismatch.kind.value} "
                    f"(SBOM {mismatch.sbom_version or '-'}, {label} {mismatch.source_version or '-'})"
                )
    click.echo(f"{problems} problem(s)" if problems else "no gaps, no mismatches")
    ctx.exit(EXIT_GATE_FAILED if problems else EXIT_PASSED)


@cli.group(epilog=_GROUP_EPILOG)
def vulndb() -> None:
    """The offline OSV vulnerability database for air-gapped sites, and its loopback OSV API."""


_CACHE_DIR_OPTION = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Cache directory (default: SDL_GATE_CACHE_DIR, else the user cache directory).",
)


@vulndb.command(
    "import", epilog="Exit codes: 0 imported, 2 invalid SOURCE (the database is left as it was), 3 database error."
)
@click.argument("source", type=click.Path(path_type=Path))
@_CACHE_DIR_OPTION
def vulndb_import(source: Path, cache_dir: Path | None) -> None:
    """Load OSV records from SOURCE in one transaction: a directory, an osv.dev export (<Ecosystem>/all.zip), the
    whole set (a directory or zip of per-ecosystem zips) or an advisory-database checkout."""
    from sdl_gate._clock import current_time
    from sdl_gate.vulndb.importer import import_records
    from sdl_gate.vulndb.store import VulnDatabase, database_path, default_cache_dir

    database = VulnDatabase(database_path(cache_dir or default_cache_dir()))
    stamp = current_time().isoformat().replace("+00:00", "Z")
    result = import_records(source, database, imported_at=stamp)
    status = database.status()
    click.echo(
        f"imported {result.records} advisories ({result.withdrawn} withdrawn) from {result.files} files; "
        f"{status.records} in {status.path}"
    )
    for ecosystem, count in result.ecosystems:
        click.echo(f"  {ecosystem:<12} {count} advisories imported")


@vulndb.command("status", epilog="Exit codes: 0 shown, 2 unreadable database, 3 internal error.")
@_CACHE_DIR_OPTION
def vulndb_status(cache_dir: Path | None) -> None:
    """Show what the offline database holds: advisories per ecosystem, the newest change, its digest."""
    from sdl_gate.vulndb.store import VulnDatabase, database_path, default_cache_dir

    database = VulnDatabase(database_path(cache_dir or default_cache_dir()))
    status = database.status()
    click.echo(f"database   {status.path}")
    click.echo(f"advisories {status.records} ({status.withdrawn} withdrawn)")
    click.echo(f"imported   {status.imported_at or 'never'} from {status.source or '-'}")
    click.echo(f"newest     {status.newest_modified or '-'}")
    for ecosystem in status.ecosystems:
        click.echo(f"  {ecosystem.ecosystem:<12} {ecosystem.records} advisories, newest {ecosystem.newest_modified}")
    if status.records:
        click.echo(f"sha256     {database.digest()}")


@vulndb.command(
    "serve", epilog="Exit codes: 0 stopped (Ctrl-C), 2 the database is missing or empty, 3 cannot listen on the port."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks a free port.")
@_CACHE_DIR_OPTION
def vulndb_serve(port: int, cache_dir: Path | None) -> None:
    """Serve the offline database as an OSV API on 127.0.0.1 (POST /v1/query, /v1/querybatch, GET /v1/vulns/ID)."""
    from sdl_gate.errors import ToolError
    from sdl_gate.vulndb.server import OsvServer
    from sdl_gate.vulndb.store import VulnDatabase, database_path, default_cache_dir

    database = VulnDatabase(database_path(cache_dir or default_cache_dir()))
    if database.status().records == 0:
        raise InputError(
            "the vulnerability database is missing or empty; run `sdl-gate vulndb import SRC`", path=database.path
        )
    try:
        server = OsvServer(database, port)
    except OSError as exc:
        raise ToolError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    click.echo(f"serving {database.path} on {server.base_url} (pip-audit: --osv-url {server.base_url}/v1/query)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command(epilog="Exit codes: 0 written, 2 no completed vulnerability audit or invalid input, 3 internal error.")
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--output", type=click.Path(path_type=Path), help="Default: PATH/.sdl-gate/vex.cdx.json.")
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Waiver state as of this date.")
@_approver_options
def vex(
    path: Path, output: Path | None, as_of: date | None, approvers_file: Path | None, trusted_ref: str | None
) -> None:
    """Write CycloneDX VEX for the latest vulnerability audit of PATH, dispositions from the waiver register."""
    from sdl_gate._clock import assessment_date, file_timestamp
    from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
    from sdl_gate.inputs import load_inputs
    from sdl_gate.sbom.build import product_from_pyproject
    from sdl_gate.vex import build_vex

    # A waiver disposes of a vulnerability only when signed by an approver of the trusted register.
    inputs = load_inputs(path).with_approvers(_register_choice(approvers_file, trusted_ref))
    latest = EvidenceStore(path).latest(EvidenceKind.VULNERABILITY_AUDIT)
    if not isinstance(latest, StoredEvidence):
        reason = latest.reason if latest is not None else "no vulnerability audit in the evidence store"
        raise InputError(f"{reason}; run `sdl-gate collect` or `sdl-gate check` first", path=path)
    payload = latest.evidence.payload
    if payload["status"] != "completed":
        raise InputError(f"the latest vulnerability audit did not complete: {payload['reason']}", path=path)
    product = product_from_pyproject(path, inputs.project.name, inputs.project.version)
    text = build_vex(payload, inputs.waivers, today=assessment_date(as_of), product=product, timestamp=file_timestamp())
    target = output or path / ".sdl-gate" / "vex.cdx.json"
    _write_output(text, target)
    click.echo(f"{target}: {len(payload['vulnerabilities'])} vulnerabilities", err=True)


def _absolute(path: Path) -> Path:
    # Normalised, not resolved: a symlinked directory keeps its own name.
    return Path(os.path.normpath(path.absolute()))


def _enclosing_project(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding a pyproject.toml or a git work tree; else ``start``."""
    here = _absolute(start)
    for candidate in (here, *here.parents):
        if (candidate / "pyproject.toml").is_file() or (candidate / ".git").exists():
            return candidate
    return here


def _audit_note(evidence: EvidenceSet) -> str:
    """How the run audited vulnerabilities: an online audit is never silent."""
    from sdl_gate.evidence import EvidenceKind

    found = evidence.of(EvidenceKind.VULNERABILITY_AUDIT)
    if not found:
        reasons = "; ".join(r.reason for r in evidence.rejected(EvidenceKind.VULNERABILITY_AUDIT))
        return f"vulnerability audit: not available ({reasons or 'not collected'})"
    payload = found[0].payload
    how = "offline, against the imported OSV database" if payload["offline"] else "online"
    if payload["status"] != "completed":
        return f"vulnerability audit ({how}): not completed: {payload['reason']}"
    if payload["offline"]:
        return f"vulnerability audit: {how}"
    where = f"{payload['service']} at {payload['url']}"
    return f"vulnerability audit: ONLINE, against {where} (--offline audits against the imported database)"


def _echo_blocking(assessment: Assessment, *, err: bool = False) -> None:
    """List each blocking requirement with why it blocks and what would fix it."""
    from sdl_gate.render.console import blocking_lines

    lines = blocking_lines(assessment)
    if lines:
        click.echo("what blocks the release:", err=err)
        click.echo("\n".join(lines), err=err)


def _sast_root(paths: tuple[Path, ...], root: Path | None) -> tuple[Path, list[Path] | None]:
    """Return the project root and the explicit files (None means the whole project).

    The root is the project that encloses what is scanned, as ruff and bandit users expect: `sast src` scans
    src/ of the project around it, with that project's configuration and baseline and paths relative to it.
    """
    if root is not None:
        return root, list(paths) or None
    if not paths:
        here = _enclosing_project(Path())
        return (Path(), None) if here == _absolute(Path()) else (here, None)
    first = paths[0] if paths[0].is_dir() else paths[0].parent
    project = _enclosing_project(first)
    if len(paths) == 1 and paths[0].is_dir() and project == _absolute(paths[0]):
        return paths[0], None
    return project, list(paths)


class _SastGroup(click.Group):
    """``sdl-gate sast [PATHS]`` scans; ``sdl-gate sast import FILE...`` records SARIF: a sub-command named first."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Send the arguments to the scan unless the first one names a sub-command."""
        if not args or args[0] not in self.commands:
            args = ["scan", *args]
        return super().parse_args(ctx, args)


@cli.group("sast", cls=_SastGroup)
def sast_group() -> None:
    """Static analysis: bandit, cppcheck and other analysers' SARIF (see `sdl-gate sast --help`)."""


@sast_group.command("import", epilog="Exit codes: 0 recorded, 2 a file is not valid SARIF 2.1.0 or not in git.")
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="Project root: the files are kept in its .sdl-gate/ for the current commit.",
)
def sast_import(files: tuple[Path, ...], project_path: Path) -> None:
    """Record SARIF 2.1.0 files from other analysers (CodeQL, Semgrep, clang, GCC...) for the current commit.

    Their results join bandit's and cppcheck's findings in `sdl-gate sast` and the gate (SI-1, SI-2, SVV-3), with
    the same baseline, waivers and justified suppressions, and cover the files they analysed. A file is
    checked before anything is written; one result naming a file outside the project is refused and listed.
    """
    from sdl_gate._clock import current_time
    from sdl_gate._git import git_commit
    from sdl_gate.sast.imports import record_import

    if not project_path.is_dir():
        raise InputError("project directory not found", path=project_path)
    try:
        recorded = record_import(project_path, files, commit=git_commit(project_path), now=current_time())
    except OSError as exc:
        from sdl_gate.errors import ToolError

        raise ToolError(f"cannot write the imported SARIF: {exc.strerror}") from None
    names = {path.name for path in files}
    for entry in recorded:
        if entry.name in names:
            click.echo(f"{entry.name}: sha256 {entry.sha256}")
    click.echo(f"{len(recorded)} SARIF file(s) recorded for the current commit")


@sast_group.command("scan", hidden=True, epilog=_EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    help="Project root (default: the nearest directory holding a pyproject.toml or a git work tree, at or "
    "above the first PATH or the current directory).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["console", "json", "sarif"]),
    default="console",
    show_default=True,
    help="console for people, json for tools, sarif for code scanning.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file instead of stdout.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Worker processes (default: one per CPU).")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Scan every file again instead of reusing cached results; the fresh results still refill the cache.",
)
@click.option(
    "--baseline", type=click.Path(path_type=Path), help="Baseline file (default: security/sast-baseline.json)."
)
@click.option(
    "--write-baseline",
    is_flag=True,
    help="Write every current finding into the baseline, then exit 0; entries accept nothing until approved.",
)
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file whose SI-1 thresholds apply.")
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Date waivers are judged on.")
@_approver_options
@click.pass_context
def sast(
    ctx: click.Context,
    paths: tuple[Path, ...],
    root: Path | None,
    output_format: str,
    output: Path | None,
    jobs: int | None,
    no_cache: bool,
    baseline: Path | None,
    write_baseline: bool,
    policy_spec: str | None,
    as_of: date | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Run bandit on the project's Python files (git-tracked ones in a work tree) or on PATHS.

    cppcheck analyses its C/C++ files too, and the SARIF of other analysers joins the findings: the files
    [tool.sdl-gate] sarif names, and those `sdl-gate sast import FILE...` recorded for the current commit.

    The gate's SAST criteria decide, as `sdl-gate check` would on this scan (SI-1, SI-2 and SVV-3, under the
    policy's modes and waivers): findings at or above the policy's SI-1 thresholds that are neither baselined
    (by an approved, signed, unexpired entry) nor waived (by a signed waiver), findings silenced by an
    unjustified `# nosec`, unjustified `# nosec` comments, files that could not be analysed, source languages
    no analyser covers, and tests or files the configuration switches off beyond what the policy allows fail
    the run (exit 1). The project's bandit configuration ([tool.bandit] or .bandit) applies, its excludes also
    to files named explicitly.
    """
    from sdl_gate._clock import assessment_date
    from sdl_gate.inputs import load_inputs
    from sdl_gate.sast.analyse import analyse
    from sdl_gate.sast.console import render_console, render_json
    from sdl_gate.sast.findings import write_baseline as write_baseline_file
    from sdl_gate.sast.verdict import judge_scan

    project_root, explicit = _sast_root(paths, root)
    # Baseline entries and waivers count only when signed by approvers of the register the operator names.
    inputs = load_inputs(project_root, policy_spec).with_approvers(_register_choice(approvers_file, trusted_ref))
    if write_baseline and explicit is not None:
        raise InputError("--write-baseline needs a scan of the whole project, not of chosen files")
    from sdl_gate._tool import ToolUnavailable
    from sdl_gate.errors import ToolError

    try:
        with _Progress() as progress:
            result = analyse(
                inputs.project,
                explicit,
                jobs=jobs,
                use_cache=not no_cache,
                baseline=baseline,
                read_baseline=not write_baseline,
                approvers=inputs.approvers,
                progress=progress,
            )
    except ToolUnavailable as exc:
        raise ToolError(exc.reason) from None
    run = result.run
    stats = f"{len(run.results)} file(s): {run.scanned} scanned, {run.cache_hits} from the cache" + (
        f", {run.cache_corrupt} damaged cache entr(ies) rescanned" if run.cache_corrupt else ""
    )
    if write_baseline:
        target = baseline or inputs.project.sast_baseline
        count, unapproved = write_baseline_file(target, result.report.findings)
        click.echo(f"{stats}\nwrote {count} finding(s) to {target}")
        if unapproved:
            click.echo(
                f"{unapproved} entr(ies) have no approval and accept nothing until each gets one: "
                "approval: {requester, approver, justification, created, expires}, then the approver signs it "
                "with `sdl-gate waivers approve FINGERPRINT --key KEY`"
            )
        return
    today = assessment_date(as_of)
    verdict = judge_scan(inputs, result, today=today)
    if output_format == "json":
        text = render_json(verdict)
    elif output_format == "sarif":
        from sdl_gate._files import pretty_json
        from sdl_gate.sast.sarif import to_sarif

        text = pretty_json(to_sarif(result.report, inputs.waivers, today))
    else:
        text = render_console(verdict)
    _write_output(text, output)
    if output is not None or output_format != "console":
        click.echo(f"{stats}; {verdict.summary}", err=True)
    else:
        click.echo(stats)
    ctx.exit(EXIT_PASSED if verdict.passed else EXIT_GATE_FAILED)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the documented exit code."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args or "--verbose" in args
    try:
        code = cli.main(args=args, prog_name="sdl-gate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_INVALID_INPUT if exc.exit_code == 2 else exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        code = 130
    except InputError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc.diagnostics()}", err=True)
        code = EXIT_INVALID_INPUT
    except SdlGateError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc.diagnostics()}", err=True)
        code = EXIT_INTERNAL_ERROR
    except Exception as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --verbose for details)", err=True)
        code = EXIT_INTERNAL_ERROR
    sys.exit(code if isinstance(code, int) else EXIT_PASSED)


@cli.command(epilog="Exit codes: 0 written, 2 invalid input.")
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


@cli.command(epilog="Exit codes: 0 signed, 2 invalid input, 3 signing service or tool error.")
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
            click.echo(f"signed {path} -> {target}")
        return
    from sdl_gate.attest.sigstore_sign import SigstoreSigning
    from sdl_gate.attest.sigstore_verify import Instance

    session = SigstoreSigning(Instance.STAGING if staging else Instance.PRODUCTION, trust_config)
    for path in files:
        target = path.with_name(path.name + ".sigstore.json")
        write_atomic(target, session.sign_file(path))
        click.echo(f"signed {path} -> {target}")


@cli.command(epilog="Exit codes: 0 verified, 1 not verified, 2 invalid input.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--bundle", "signature", type=click.Path(path_type=Path), help="The signature, for a single FILE.")
@_trust_options
@click.pass_context
def verify(ctx: click.Context, files: tuple[Path, ...], signature: Path | None, trust: _TrustOptions) -> None:
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


@cli.group(epilog=_GROUP_EPILOG)
def bundle() -> None:
    """Create and verify release-evidence bundles (deterministic, signed, verifiable offline)."""


def _record_history(path: Path, directory: Path) -> None:
    """Verify the earlier bundles in ``directory`` and store them as history evidence for this commit."""
    from sdl_gate._clock import file_timestamp
    from sdl_gate._git import git_commit
    from sdl_gate.bundle.history import record_history
    from sdl_gate.config import load_project

    stored = record_history(load_project(path), directory, commit=git_commit(path), now=file_timestamp())
    for refused in stored.evidence.payload["refused"]:
        click.echo(f"history: {refused['bundle']} not counted: {refused['reason']}", err=True)


@bundle.command("create", epilog=_EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--output", required=True, type=click.Path(path_type=Path), help="The bundle to write (FILE.zip).")
@click.option("--sign", "sign_with", type=click.Choice(["sigstore", "key"]), help="Sign the manifest.")
@click.option("--key", "key", type=click.Path(path_type=Path), help="Private key (PREFIX.pem) for --sign key.")
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Assess as of this date.")
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
@_VULNDB_DIR_OPTION
@_OSV_URL_OPTION
@_approver_options
@_MERGE_SHARDS_OPTION
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

    register = _register_choice(approvers_file, trusted_ref)
    if history is not None:
        _record_history(path, history)

    if output.is_dir():
        raise InputError("is a directory; --output needs a file path", path=output)
    signer: Any = None
    if sign_with == "key":
        if key is None:
            raise InputError("--sign key needs --key PREFIX.pem")
        from sdl_gate.attest.keys import load_private_key, passphrase_from_environment
        from sdl_gate.attest.manifest import KeyManifestSigner

        signer = KeyManifestSigner(load_private_key(key, passphrase_from_environment()))
    elif sign_with == "sigstore":
        from sdl_gate.attest.manifest import SigstoreManifestSigner
        from sdl_gate.attest.sigstore_sign import SigstoreSigning
        from sdl_gate.attest.sigstore_verify import Instance, TrustChoice

        instance = Instance.STAGING if staging else Instance.PRODUCTION
        signer = SigstoreManifestSigner(SigstoreSigning(instance, trust_config), TrustChoice(instance, trust_config))
    elif key is not None:
        raise InputError("--key is only used with --sign key")
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
        click.echo(_audit_note(result.evidence))
    click.echo(result.summary)
    if result.assessment is not None:
        _echo_blocking(result.assessment)
    ctx.exit(EXIT_PASSED if result.passed else EXIT_GATE_FAILED)


@bundle.command("verify", epilog="Exit codes: 0 verified, 1 verification failed, 2 invalid input.")
@click.argument("bundle_file", metavar="FILE.zip", type=click.Path(path_type=Path))
@_trust_options
@click.pass_context
def bundle_verify(ctx: click.Context, bundle_file: Path, trust: _TrustOptions) -> None:
    """Verify a bundle offline: signature, every digest, completeness, and a re-run of the assessment."""
    from sdl_gate.bundle.verify import verify_bundle

    report = verify_bundle(bundle_file, trust.manifest_verifier())
    click.echo(report.text(), nl=False)
    ctx.exit(EXIT_PASSED if report.verified else EXIT_GATE_FAILED)


# --- Hooks: thin commands the pre-commit hooks and plain git hooks call ----------------------------------


def _hook_listed(ctx: click.Context) -> int | None:
    """How many items a hook report lists before "(and K more)": all of them under ``sdl-gate -v``."""
    from sdl_gate.precommit import MAX_LISTED

    return None if ctx.find_root().params.get("verbose") else MAX_LISTED


def _echo_hook(ctx: click.Context, report: Any) -> None:
    """Print a hook report and exit with its status."""
    click.echo(report.text(), nl=False)
    ctx.exit(int(report.status))


@cli.command("private-keys", epilog="Exit codes: 0 no private key, 1 a key was found, 2 invalid input, 3 scan error.")
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

    _echo_hook(ctx, scan(project_path, list(files) if files else None, listed=_hook_listed(ctx)))


@cli.command(epilog="Exit codes: 0 no open vulnerability, 1 open or not audited, 2 invalid input.")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--path",
    "project_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    show_default=True,
    help="Project root: its waivers and [tool.sdl-gate] settings apply.",
)
@click.option("--offline", is_flag=True, help="Audit against the offline database (`sdl-gate vulndb import`).")
@click.option(
    "--skip-online",
    is_flag=True,
    help="When the project does not audit offline, say so and exit 0 instead of going online (for git hooks).",
)
@click.option("--as-of", "as_of", callback=_parse_date, metavar="YYYY-MM-DD", help="Date waivers are judged on.")
@click.option(
    "--environment",
    is_flag=True,
    help="Audit every distribution installed in the environment (transitive dependencies too) instead of files.",
)
@click.option("--python", "python", help="With --environment: the interpreter whose environment to audit.")
@_VULNDB_DIR_OPTION
@_OSV_URL_OPTION
@click.pass_context
def deps(
    ctx: click.Context,
    files: tuple[Path, ...],
    project_path: Path,
    offline: bool,
    skip_online: bool,
    as_of: date | None,
    vulndb_dir: Path | None,
    osv_url: str | None,
    environment: bool = False,
    python: str | None = None,
) -> None:
    """Audit the requirements or lock FILES (default: the project's) for known vulnerabilities with pip-audit.

    Online against OSV (or --osv-url), offline when --offline or offline = true in [tool.sdl-gate]. A
    vulnerability without an active waiver, a skipped dependency, a database too old or too small for the
    policy, or an audit that could not run fails.
    """
    from sdl_gate._clock import assessment_date, file_timestamp
    from sdl_gate.collectors.dependencies import InstalledEnvironment
    from sdl_gate.precommit import dependency_audit

    installed = None
    if environment:
        if files:
            raise click.UsageError("--environment audits what is installed; name no FILES with it")
        from sdl_gate.sbom.sources import interpreter_paths

        paths = tuple(interpreter_paths(python)) if python else None
        installed = InstalledEnvironment(python or "environment", paths)
    elif python is not None:
        raise click.UsageError("--python goes with --environment")
    report = dependency_audit(
        project_path,
        list(files) if files else None,
        offline=offline,
        skip_online=skip_online,
        today=assessment_date(as_of),
        now=file_timestamp(),
        vulndb_dir=vulndb_dir,
        osv_url=osv_url,
        listed=_hook_listed(ctx),
        environment=installed,
    )
    _echo_hook(ctx, report)


@cli.command("sbom-current", epilog="Exit codes: 0 current, 1 out of date, 2 invalid input or no SBOM configured.")
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.pass_context
def sbom_current(ctx: click.Context, path: Path) -> None:
    """Check that the committed SBOM (sbom in [tool.sdl-gate]) matches the project's dependency sources."""
    from sdl_gate.precommit import sbom_current as check_current

    _echo_hook(ctx, check_current(path, listed=_hook_listed(ctx)))


@cli.command("pre-push", epilog=_EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option("--blocking", is_flag=True, help="Block on a failed gate whatever pre-push in [tool.sdl-gate] says.")
@_approver_options
@click.pass_context
def pre_push(
    ctx: click.Context,
    path: Path,
    policy_spec: str | None,
    blocking: bool,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Run the full gate and summarise it in one screen; advisory (exit 0) unless pre-push = "blocking"."""
    from sdl_gate.config import PrePushMode
    from sdl_gate.precommit import gate_report
    from sdl_gate.run import assess_project

    result = assess_project(path, policy_spec=policy_spec, register=_register_choice(approvers_file, trusted_ref))
    mode = PrePushMode.BLOCKING if blocking else result.inputs.project.config.pre_push
    _echo_hook(ctx, gate_report(result.assessment, mode, listed=_hook_listed(ctx)))


@cli.command("install-hooks", epilog="Exit codes: 0 installed, 2 not a git work tree.")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False), default=Path())
@click.option("--force", is_flag=True, help="Replace pre-commit/pre-push hooks that sdl-gate did not write.")
def install_hooks(path: Path, force: bool) -> None:
    """Install plain git pre-commit and pre-push hooks (for repositories without the pre-commit framework)."""
    from sdl_gate.precommit import install_git_hooks

    for line in install_git_hooks(path, force=force):
        click.echo(line)
