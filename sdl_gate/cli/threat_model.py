"""`sdl-gate threat-model`: check and import threat models."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from sdl_gate.cli._errors import EXIT_GATE_FAILED, EXIT_PASSED
from sdl_gate.cli._options import HUMAN_FORMAT, MAX_DAYS_OPTION, FormatChoice, parse_date, renamed_option
from sdl_gate.cli._output import GROUP_EPILOG, write_output


@click.group(
    "threat-model",
    epilog=GROUP_EPILOG,
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
@click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD", help="Check as of this date.")
@click.option(
    "--format",
    "output_format",
    type=FormatChoice([HUMAN_FORMAT, "json"], renamed={"text": HUMAN_FORMAT}),
    default=HUMAN_FORMAT,
    show_default=True,
    help="console for people, json for tools.",
)
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
    from sdl_gate._files import pretty_json
    from sdl_gate.render.console import slice_lines
    from sdl_gate.threatmodel.model import ModelFormat
    from sdl_gate.threatmodel.verdict import check_threat_model

    fmt = ModelFormat(input_format) if input_format not in (None, "auto") else None
    checked = check_threat_model(
        project_path, model_file, fmt, max_age_days=max_age_days, policy_spec=policy_spec, today=as_of
    )
    report, result = checked.report, checked.result
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
    "--input-format",
    "input_format",
    type=click.Choice(["threat-dragon", "pytm", "otm"]),
    help="The format of FILE (required).",
)
@renamed_option("--format", "--input-format", "input_format", type=click.Choice(["threat-dragon", "pytm", "otm"]))
@click.option("--output", type=click.Path(path_type=Path), help="Write the native model here (.yaml or .json).")
def threat_model_import(source: Path, input_format: str | None, output: Path | None) -> None:
    """Convert FILE to the native threat-model format; what the format lacks is listed, not invented."""
    if input_format is None:
        raise click.MissingParameter(param_hint="'--input-format'", param_type="option")
    from sdl_gate.threatmodel.loader import load_threat_model
    from sdl_gate.threatmodel.model import ModelFormat
    from sdl_gate.threatmodel.model_check import native_text

    loaded = load_threat_model(source, ModelFormat(input_format))
    as_json = output is not None and output.suffix.lower() == ".json"
    write_output(native_text(loaded.model, as_json=as_json), output)
    missing = loaded.model.imported_from.missing if loaded.model.imported_from else []
    for item in missing:
        click.echo(f"missing: {item}", err=True)
