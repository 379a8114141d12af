"""Commands that run or explain the gate: check, collect, report, explain, catalogue."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sdl_gate.cli._errors import EXIT_GATE_FAILED, EXIT_INVALID_INPUT, EXIT_PASSED
from sdl_gate.cli._options import (
    HUMAN_FORMAT,
    MERGE_SHARDS_OPTION,
    OSV_URL_OPTION,
    VULNDB_DIR_OPTION,
    FormatChoice,
    approver_options,
    parse_date,
    register_choice,
    trust_options,
)
from sdl_gate.cli._output import EPILOG, Progress, echo_blocking, store_history, write_output
from sdl_gate.errors import InputError

if TYPE_CHECKING:  # built by the trust options when the command runs
    from sdl_gate.attest.trust import TrustRequest


@click.command(epilog="Exit codes: 0 listed, 2 usage error, 3 internal error.")
@click.option(
    "--format",
    "output_format",
    type=FormatChoice([HUMAN_FORMAT, "json"], renamed={"table": HUMAN_FORMAT}),
    default=HUMAN_FORMAT,
    show_default=True,
    help="console for people, json for tools.",
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


@click.command(epilog="Exit codes: 0 explained, 2 unknown ID or invalid policy or configuration, 3 internal error.")
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
@approver_options
def explain(
    requirement_id: str,
    project_path: Path,
    policy_spec: str | None,
    approvers_file: Path | None,
    trusted_ref: str | None,
) -> None:
    """Explain what requirement ID asks, how it is checked, what the policy demands and how to fix it."""
    from sdl_gate.explain import explain_requirement

    register = register_choice(approvers_file, trusted_ref)
    click.echo("\n".join(explain_requirement(requirement_id, project_path, policy_spec, register)))


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


@click.command(
    epilog="Exit codes: 0 collected (a collector that could not collect is listed, its kind not available), "
    "2 invalid input, 3 internal or tool error."
)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option("--offline", is_flag=True, help="Audit vulnerabilities against the offline database on loopback.")
@VULNDB_DIR_OPTION
@OSV_URL_OPTION
@approver_options
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
@MERGE_SHARDS_OPTION
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
        from sdl_gate.sast.analyse import collect_shard
        from sdl_gate.sast.shards import ShardSpec

        spec = ShardSpec.parse(shard)
        with Progress() as progress:
            written = collect_shard(path, spec, output, progress=progress)
        click.echo(f"sast shard {spec.label}: {written.summary}", err=True)
        click.echo(str(written.path))
        return
    inputs = load_inputs(path, policy_spec, offline=offline, vulndb_dir=vulndb_dir, osv_url=osv_url).with_approvers(
        register_choice(approvers_file, trusted_ref)
    )
    store = EvidenceStore(path)
    with Progress() as progress:
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


@click.command(epilog=EPILOG)
@click.argument("path", type=click.Path(path_type=Path), default=Path())
@click.option("--policy", "policy_spec", help="Built-in policy name or policy file (default: the project's).")
@click.option(
    "--format",
    "output_format",
    type=FormatChoice([HUMAN_FORMAT, "json", "html", "markdown", "sarif", "junit"]),
    default=HUMAN_FORMAT,
    show_default=True,
    help="console for people; json validates against `sdl-gate schema assessment`; html, markdown, sarif and "
    "junit as in `sdl-gate report`.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file instead of stdout.")
@click.option(
    "--as-of",
    "as_of",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="Assess as of this date instead of today (expiry and age limits use it).",
)
@click.option("--history", type=click.Path(path_type=Path), help="Earlier release bundles, for maturity ML3/ML4.")
@click.option(
    "--offline",
    is_flag=True,
    help="Audit vulnerabilities against the offline database (`sdl-gate vulndb import`) on a loopback OSV API.",
)
@VULNDB_DIR_OPTION
@OSV_URL_OPTION
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
@approver_options
@MERGE_SHARDS_OPTION
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

    register = register_choice(approvers_file, trusted_ref)
    if history is not None:
        store_history(path, history)
    declared: tuple[Evidence, ...] = ()
    unavailable: tuple[Rejection, ...] = ()
    if test_command is not None:
        from sdl_gate.testrun import run_project_tests

        test_run = run_project_tests(path, test_command, timeout=tests_timeout)
        click.echo(f"tests: {test_run.summary()}", err=True)
        declared, unavailable = test_run.declared, test_run.unavailable
        if unavailable and test_run.output_tail:
            click.echo(test_run.output_tail, err=True)
    with Progress() as progress:
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
    from sdl_gate.render.formats import render_check

    write_output(render_check(result.assessment, result.evidence, output_format), output)
    if output is not None or output_format != "console":
        # The report went to a file or is for tools: say on stderr what decided, as the console report would.
        click.echo(result.assessment.decision.summary, err=True)
        echo_blocking(result.assessment, err=True)
    project = result.inputs.project
    if project.config_source is None and not project.security_dir.is_dir():
        click.echo(
            f"hint: {path} has no [tool.sdl-gate] section and no {project.config.security_dir}/ folder; "
            f"`sdl-gate init {path}` scaffolds them",
            err=True,
        )
    ctx.exit(EXIT_PASSED if result.assessment.decision.passed else EXIT_GATE_FAILED)


@click.command(
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
@trust_options
def report(input_path: Path, output_format: str, output: Path | None, trust: TrustRequest) -> None:
    """Render INPUT, an assessment JSON or a release-evidence bundle, as a report.

    A bundle is verified offline first, with the options of `sdl-gate bundle verify`; one that does not
    verify is refused.
    """
    from sdl_gate.render.formats import ReportFormat, render_report
    from sdl_gate.render.source import load_report_input

    verifier = trust.manifest_verifier() if trust.given else None
    write_output(render_report(load_report_input(input_path, verifier), ReportFormat(output_format)), output)
