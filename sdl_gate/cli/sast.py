"""`sdl-gate sast`: static analysis scans and SARIF imports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from sdl_gate.cli._errors import EXIT_GATE_FAILED, EXIT_PASSED
from sdl_gate.cli._options import (
    HUMAN_FORMAT,
    FormatChoice,
    approver_options,
    parse_date,
    register_choice,
    renamed_option,
)
from sdl_gate.cli._output import EPILOG, Progress, write_output
from sdl_gate.errors import InputError


class _SastGroup(click.Group):
    """``sdl-gate sast [PATHS]`` scans; ``sdl-gate sast import FILE...`` records SARIF: a sub-command named first."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Send the arguments to the scan unless the first one names a sub-command."""
        if not args or args[0] not in self.commands:
            args = ["scan", *args]
        return super().parse_args(ctx, args)


@click.group("sast", cls=_SastGroup)
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


@sast_group.command("scan", hidden=True, epilog=EPILOG)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--path",
    "root",
    type=click.Path(path_type=Path, file_okay=False),
    help="Project root (default: the nearest directory holding a pyproject.toml or a git work tree, at or "
    "above the first PATH or the current directory).",
)
@renamed_option("--root", "--path", "root", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--format",
    "output_format",
    type=FormatChoice([HUMAN_FORMAT, "json", "sarif"]),
    default=HUMAN_FORMAT,
    show_default=True,
    help="console for people, json for tools, sarif for code scanning.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file instead of stdout.")
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 256), help="Parallel scans, this process included (default: one per CPU)."
)
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
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD", help="Date waivers are judged on.")
@approver_options
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
    from sdl_gate.sast.findings import write_baseline as write_baseline_file
    from sdl_gate.sast.targets import scan_root

    project_root, explicit = scan_root(paths, root)
    # Baseline entries and waivers count only when signed by approvers of the register the operator names.
    inputs = load_inputs(project_root, policy_spec).with_approvers(register_choice(approvers_file, trusted_ref))
    if write_baseline and explicit is not None:
        raise InputError("--write-baseline needs a scan of the whole project, not of chosen files")
    from sdl_gate._tool import ToolUnavailable
    from sdl_gate.errors import ToolError

    try:
        with Progress() as progress:
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
    # The gate is imported only now: while the scan's workers lived, this process held none of it.
    from sdl_gate.sast.console import render_console, render_json
    from sdl_gate.sast.verdict import judge_scan

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
    write_output(text, output)
    if output is not None or output_format != "console":
        click.echo(f"{stats}; {verdict.summary}", err=True)
    else:
        click.echo(stats)
    ctx.exit(EXIT_PASSED if verdict.passed else EXIT_GATE_FAILED)
