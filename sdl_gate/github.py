"""GitHub Actions integration: the Action's run step, its outputs, the job summary and annotations.

The Action hands its inputs over only as environment variables (``INPUT_*``); they are parsed here and
passed to sdl-gate as separate arguments, never through a shell, so an input is always data.
"""

from __future__ import annotations

import enum
import glob
import json
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdl_gate.errors import InputError, SdlGateError, ToolError

#: The issuer of GitHub Actions' keyless signing identities.
GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com"
STEP_TIMEOUT_SECONDS = 3600.0
MAX_ANNOTATIONS = 10
OUTPUT_DIRECTORY = "sdl-gate"
#: The SAST cache the Action restores and saves with actions/cache, under RUNNER_TEMP (outside the checkout).
SAST_CACHE_DIRECTORY = "sdl-gate-cache/sast"
#: Bumped when what the cache holds changes shape, so old entries are not restored.
CACHE_KEY_FORMAT = "v1"

Log = Callable[[str], None]


class FailOn(str, enum.Enum):
    """When the Action fails the job."""

    GATE = "gate"  # the gate failed, or sdl-gate could not run
    ERROR = "error"  # only when sdl-gate could not run (invalid input, tool error)
    NEVER = "never"  # report only


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("true", "false"):
        return value == "true"
    raise InputError(f"must be true or false, not {value!r}", location=_input_name(name))


def _input_name(variable: str) -> str:
    return "input " + variable.removeprefix("INPUT_").lower().replace("_", "-")


@dataclass(frozen=True)
class ActionInputs:
    """The Action's inputs, validated."""

    path: str
    policy: str | None
    artifacts: tuple[str, ...]
    sign: bool
    identity: str | None
    bundle: str | None
    offline_db: str | None
    fail_on: FailOn
    approvers: str | None = None
    trusted_ref: str | None = None
    cache: bool = True
    shard: str | None = None
    merge_shards: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionInputs:
        """Read the ``INPUT_*`` variables the Action's step sets; InputError names a bad input."""
        fail_on = env.get("INPUT_FAIL_ON", "").strip() or FailOn.GATE.value
        try:
            parsed_fail_on = FailOn(fail_on)
        except ValueError:
            choices = ", ".join(f.value for f in FailOn)
            raise InputError(f"must be one of {choices}, not {fail_on!r}", location="input fail-on") from None
        artifacts = tuple(line.strip() for line in env.get("INPUT_ARTIFACTS", "").splitlines() if line.strip())
        return cls(
            path=env.get("INPUT_PATH", "").strip() or ".",
            policy=env.get("INPUT_POLICY", "").strip() or None,
            artifacts=artifacts,
            sign=_flag(env, "INPUT_SIGN", default=False),
            identity=env.get("INPUT_IDENTITY", "").strip() or None,
            bundle=env.get("INPUT_BUNDLE", "").strip() or None,
            offline_db=env.get("INPUT_OFFLINE_DB", "").strip() or None,
            fail_on=parsed_fail_on,
            approvers=env.get("INPUT_APPROVERS", "").strip() or None,
            trusted_ref=env.get("INPUT_TRUSTED_REF", "").strip() or None,
            cache=_flag(env, "INPUT_CACHE", default=True),
            shard=env.get("INPUT_SHARD", "").strip() or None,
            merge_shards=env.get("INPUT_MERGE_SHARDS", "").strip() or None,
        )


@dataclass(frozen=True)
class Runner:
    """The files and directories a GitHub runner provides to a step."""

    workspace: Path
    temp: Path
    output: Path | None
    summary: Path | None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Runner:
        """Read GITHUB_WORKSPACE, RUNNER_TEMP, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY."""
        missing = [name for name in ("GITHUB_WORKSPACE", "RUNNER_TEMP") if not env.get(name)]
        if missing:
            raise InputError(f"{' and '.join(missing)} not set: this script runs as a step of the sdl-gate Action")
        return cls(
            workspace=Path(env["GITHUB_WORKSPACE"]),
            temp=Path(env["RUNNER_TEMP"]),
            output=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
            summary=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None,
        )


def escape_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF), as the runner expects."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Append step outputs in the multi-line form, with a delimiter no value contains."""
    lines: list[str] = []
    for name, value in outputs.items():
        delimiter = "sdl_gate_" + secrets.token_hex(16)
        while delimiter in value:  # pragma: no cover - 128 random bits do not collide in practice
            delimiter = "sdl_gate_" + secrets.token_hex(16)
        lines += [f"{name}<<{delimiter}", value, delimiter]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def _inside(root: Path, relative: str, what: str) -> Path:
    """Resolve an input path against ``root`` and refuse one that leaves it."""
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root.resolve()):
        raise InputError(f"{relative!r} is outside the workspace", location=f"input {what}")
    return candidate


class _Session:
    """One run of the Action: runs sdl-gate as a child process and keeps the log free of workflow commands."""

    def __init__(self, runner: Runner, env: Mapping[str, str], log: Log) -> None:
        self.runner = runner
        self.env = dict(env)
        self.log = log

    def sdl_gate(self, *args: str, allowed: tuple[int, ...] = (0,)) -> int:
        """Run ``sdl-gate ARGS``; show its output verbatim; a code outside ``allowed`` raises."""
        from sdl_gate._tool import ToolUnavailable, python_module, run_tool

        argv = [*python_module("sdl_gate"), *args]
        try:
            run = run_tool(argv, cwd=self.runner.workspace, env=self.env, timeout=STEP_TIMEOUT_SECONDS)
        except ToolUnavailable as exc:
            raise ToolError(exc.reason) from None
        text = (run.stdout + run.stderr).strip()
        if text:
            # Output can quote repository content; stop-commands keeps it from being read as workflow commands.
            token = secrets.token_hex(16)
            self.log(f"::stop-commands::{token}\n{text}\n::{token}::")
        if run.returncode not in allowed:
            message = run.stderr.strip().splitlines()
            detail = message[-1] if message else f"exit status {run.returncode}"
            error = InputError if run.returncode == 2 else ToolError
            raise error(f"sdl-gate {args[0]} failed: {detail}")
        return run.returncode


def _summary_numbers(assessment: dict[str, Any]) -> tuple[str, str]:
    practices = assessment["practices"]
    score = sum(float(p["score"]) for p in practices) / len(practices) if practices else 0.0
    maturity = {p["id"]: p["maturity"] for p in practices}
    return f"{score:.2f}", json.dumps(maturity, sort_keys=True, separators=(",", ":"))


def _annotations(assessment: dict[str, Any], log: Log) -> None:
    blocking = [r for r in assessment["requirements"] if r["blocking"]]
    for result in blocking[:MAX_ANNOTATIONS]:
        title = escape_property(f"sdl-gate {result['id']} {result['title']}")
        problems = [f for f in result["findings"] if f["outcome"] in ("fail", "error", "not_available")]
        message = f"{problems[0]['criterion']}: {problems[0]['message']}" if problems else result["rationale"]
        log(f"::error title={title}::{escape_data(message[:500])}")
    if len(blocking) > MAX_ANNOTATIONS:
        log(f"::error title=sdl-gate::{len(blocking) - MAX_ANNOTATIONS} more requirements block the release")


def run_action(env: Mapping[str, str], log: Log) -> int:
    """Run the Action's step: check, reports, optional signing and bundle; write outputs; return the exit code."""
    runner = Runner.from_env(env)
    outputs: dict[str, str] = {"decision": "error", "score": "", "maturity": "{}", "bundle": "", "sarif": ""}
    fail_on = FailOn.GATE
    try:
        inputs = ActionInputs.from_env(env)
        fail_on = inputs.fail_on
        code = _run(inputs, runner, env, log, outputs)
    except SdlGateError as exc:
        code = 2 if isinstance(exc, InputError) else 3
        outputs["decision"] = "error"  # whatever was decided before, the run did not complete
        log(f"::error title=sdl-gate::{escape_data(exc.diagnostics())}")
        if runner.summary is not None:
            from sdl_gate.render.markdown import code_block

            # The message can quote repository content: a fence no line of it can close keeps it text.
            with runner.summary.open("a", encoding="utf-8") as handle:
                handle.write(f"## sdl-gate could not run\n\n{code_block(exc.diagnostics())}")
    exit_code = code
    if fail_on is FailOn.NEVER or (fail_on is FailOn.ERROR and code == 1):
        exit_code = 0
    outputs["exit-code"] = str(exit_code)
    if runner.output is not None:
        write_outputs(runner.output, outputs)
    return exit_code


def _child_environment(inputs: ActionInputs, runner: Runner, env: Mapping[str, str]) -> dict[str, str]:
    """The environment sdl-gate runs in: the inputs become the ``SDL_GATE_*`` settings they override."""
    child_env = dict(env)
    # Children find pip-audit and friends in the same environment as this interpreter.
    child_env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    if inputs.artifacts:
        child_env["SDL_GATE_ARTIFACTS"] = "\n".join(inputs.artifacts)
    identity = inputs.identity
    if identity is None and inputs.sign and env.get("GITHUB_WORKFLOW_REF"):
        identity = f"https://github.com/{env['GITHUB_WORKFLOW_REF']}"
    if identity is not None:
        child_env["SDL_GATE_SIGNING_IDENTITY"] = identity
        child_env["SDL_GATE_SIGNING_ISSUER"] = env.get("SDL_GATE_SIGNING_ISSUER") or GITHUB_OIDC_ISSUER
    if inputs.approvers is not None and inputs.trusted_ref is not None:
        raise InputError("give approvers or trusted-ref, not both", location="input approvers")
    # An input names the trusted approver register; it replaces one the job's environment named.
    if inputs.approvers is not None:
        child_env.pop("SDL_GATE_TRUSTED_REF", None)
        child_env["SDL_GATE_APPROVERS"] = str(_inside(runner.workspace, inputs.approvers, "approvers"))
    if inputs.trusted_ref is not None:
        child_env.pop("SDL_GATE_APPROVERS", None)
        child_env["SDL_GATE_TRUSTED_REF"] = inputs.trusted_ref
    if inputs.cache:
        # The directory actions/cache restores (and, on pushes to the default branch only, saves).
        child_env["SDL_GATE_SAST_CACHE_DIR"] = str(runner.temp / SAST_CACHE_DIRECTORY)
    return child_env


def _run(inputs: ActionInputs, runner: Runner, env: Mapping[str, str], log: Log, outputs: dict[str, str]) -> int:
    project = _inside(runner.workspace, inputs.path, "path")
    if not project.is_dir():
        raise InputError("is not a directory", path=inputs.path, location="input path")
    out = runner.temp / OUTPUT_DIRECTORY
    out.mkdir(parents=True, exist_ok=True)
    child_env = _child_environment(inputs, runner, env)
    session = _Session(runner, child_env, log)
    if inputs.shard is not None:
        if inputs.merge_shards is not None:
            raise InputError("give shard or merge-shards, not both", location="input shard")
        return _run_shard(inputs.shard, project, out, session, outputs)
    # Every input is checked before any work, so a bad one is reported at once, not after the whole gate ran.
    bundle = _inside(runner.workspace, inputs.bundle, "bundle") if inputs.bundle is not None else None
    policy = ["--policy", inputs.policy] if inputs.policy else []
    merge: list[str] = []
    if inputs.merge_shards is not None:
        merge = ["--merge-shards", str(_shard_directory(runner, inputs.merge_shards))]
    if inputs.offline_db is not None:
        source = _inside(runner.workspace, inputs.offline_db, "offline-db")
        cache = out / "cache"
        session.sdl_gate("vulndb", "import", str(source), "--cache-dir", str(cache))
        # check and bundle create both audit offline against it: the operator's database, which wins over
        # any vulndb-dir the repository under assessment names.
        session.env["SDL_GATE_CACHE_DIR"] = str(cache)
        session.env["SDL_GATE_OFFLINE"] = "true"
    if inputs.sign and inputs.artifacts:
        files = sorted(
            {
                path
                for pattern in inputs.artifacts
                for path in glob.glob(pattern, root_dir=project)  # noqa: PTH207 - root_dir keeps matches relative
                if (project / path).is_file()
            }
        )
        if not files:
            patterns = ", ".join(inputs.artifacts)
            raise InputError(f"no file matches the artifact globs: {patterns}", location="input artifacts")
        session.sdl_gate("sign", *(str(project / name) for name in files))
    assessment_path = out / "assessment.json"
    code = session.sdl_gate(
        "check", str(project), *policy, *merge, "--format", "json", "--output", str(assessment_path), allowed=(0, 1)
    )
    assessment = json.loads(assessment_path.read_text(encoding="utf-8"))
    sarif = out / "sdl-gate.sarif"
    session.sdl_gate("report", str(assessment_path), "--format", "sarif", "--output", str(sarif))
    markdown = out / "summary.md"
    session.sdl_gate("report", str(assessment_path), "--format", "markdown", "--output", str(markdown))
    if runner.summary is not None:
        with runner.summary.open("a", encoding="utf-8") as handle:
            handle.write(markdown.read_text(encoding="utf-8"))
    outputs["decision"] = "pass" if assessment["decision"]["passed"] else "fail"
    outputs["score"], outputs["maturity"] = _summary_numbers(assessment)
    outputs["sarif"] = str(sarif)
    outputs["assessment"] = str(assessment_path)
    _annotations(assessment, log)
    if bundle is not None:
        sign = ["--sign", "sigstore"] if inputs.sign else []
        session.sdl_gate(
            "bundle", "create", str(project), "--output", str(bundle), *sign, *policy, *merge, allowed=(0, 1)
        )
        outputs["bundle"] = str(bundle)
    log(f"sdl-gate: {assessment['decision']['summary']}")
    return code


def _shard_directory(runner: Runner, given: str) -> Path:
    """The downloaded shards: under RUNNER_TEMP (outside the checkout, where they belong) or in the workspace."""
    candidate = Path(given)
    if candidate.is_absolute() and candidate.resolve().is_relative_to(runner.temp.resolve()):
        return candidate.resolve()
    return _inside(runner.workspace, given, "merge-shards")


def _run_shard(shard: str, project: Path, out: Path, session: _Session, outputs: dict[str, str]) -> int:
    """A matrix job's part of a sharded run: scan one shard and name the partial evidence for upload."""
    from sdl_gate.sast.shards import ShardSpec

    spec = ShardSpec.parse(shard)
    target = out / "shards" / spec.file_name
    session.sdl_gate("collect", str(project), "--kind", "sast", "--shard", spec.label, "--output", str(target))
    outputs["decision"] = ""  # nothing is assessed: the job that merges the shards decides
    outputs["shard-file"] = str(target)
    return 0


def cache_key(env: Mapping[str, str]) -> dict[str, str]:
    """The actions/cache key and restore prefix of the Action's SAST cache.

    The prefix names everything an entry's validity depends on besides the file (each entry is already keyed
    by the file's content digest, bandit's version and the configuration digest): the runner's OS and
    architecture, sdl-gate's version, the hash-pinned tool lock and the project's bandit configuration. The
    key adds the commit, so every save on the default branch is a new entry and a restore takes the newest.
    """
    import hashlib

    from sdl_gate import __version__

    runner = Runner.from_env(env)
    inputs = ActionInputs.from_env(env)
    lock = Path(env.get("GITHUB_ACTION_PATH", "")) / "github-action" / "requirements.txt"
    try:
        tools = hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    except OSError:
        tools = "no-lock"
    project = _inside(runner.workspace, inputs.path, "path")
    try:
        from sdl_gate.sast.settings import load_settings

        settings = load_settings(project)
        configuration = f"{settings.version}-{settings.digest[:16]}"
    except SdlGateError:
        # The gate step reports the bad configuration; the cache only needs a key that matches nothing else.
        configuration = "invalid-configuration"
    parts = [env.get("RUNNER_OS", "os"), env.get("RUNNER_ARCH", "arch"), __version__, tools, configuration]
    if inputs.shard is not None:
        from sdl_gate.sast.shards import ShardSpec

        # Each matrix job caches its own part: one shared key would keep whichever shard saved first.
        spec = ShardSpec.parse(inputs.shard)
        parts.append(f"shard{spec.index}of{spec.count}")
    prefix = "-".join(["sdl-gate-sast", CACHE_KEY_FORMAT, *parts]) + "-"
    return {
        "key": prefix + env.get("GITHUB_SHA", "unknown"),
        "prefix": prefix,
        "path": str(runner.temp / SAST_CACHE_DIRECTORY),
    }


def cache_key_main() -> int:
    """Entry point of the Action's cache-key step: write the key, prefix and path as step outputs.

    Never fails the job: without a key the cache steps are skipped, and the gate step reports bad inputs.
    """
    try:
        outputs = cache_key(os.environ)
    except SdlGateError as exc:
        print(f"sdl-gate: no SAST cache for this run: {escape_data(exc.diagnostics())}")
        return 0
    if os.environ.get("GITHUB_OUTPUT"):
        write_outputs(Path(os.environ["GITHUB_OUTPUT"]), outputs)
    return 0


def main() -> int:
    """Entry point of the Action's run step: exit 0 once the outputs are written.

    The Action's last step applies fail-on from the ``exit-code`` output, so SARIF and the bundle are
    uploaded even when the gate fails. Outside a runner (no GITHUB_OUTPUT) the exit code is returned.
    """
    code = run_action(os.environ, print)
    return 0 if os.environ.get("GITHUB_OUTPUT") else code
