"""The GitHub Action: lint-clean workflows, a hash-locked install, and its scripts under a simulated runner."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sdl_gate.github import OUTPUT_DIRECTORY, cache_key, escape_data, escape_property, run_action, write_outputs
from tests.conftest import DEMO_PROJECT, REPO_ROOT

WORKFLOW_FILES = sorted(
    [*(REPO_ROOT / ".github" / "workflows").glob("*.yml"), *(REPO_ROOT / "github-action" / "examples").glob("*.yml")]
)
ACTION = REPO_ROOT / "action.yml"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


# --- Static checks: zizmor, the vendored GitHub schemas, pinning ----------------------------------------


def test_zizmor_finds_nothing_at_its_strictest_persona() -> None:
    zizmor = _tool("zizmor")
    files = [ACTION, *WORKFLOW_FILES]
    run = subprocess.run(
        [zizmor, "--offline", "--persona", "auditor", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout) == []
    # One audit is silenced, in one place, with its reason beside it: `uses: ./` in the dogfood workflow.
    ignores = [(p.name, line.strip()) for p in files for line in p.read_text().splitlines() if "zizmor: ignore" in line]
    assert ignores == [("sdl-gate.yml", "uses: ./ # zizmor: ignore[self-repository]")]


@pytest.mark.slow
def test_check_jsonschema_validates_action_and_workflows() -> None:
    checker = _tool("check-jsonschema")
    for schema, files in (("vendor.github-actions", [ACTION]), ("vendor.github-workflows", WORKFLOW_FILES)):
        run = subprocess.run(
            [checker, "--builtin-schema", schema, *map(str, files)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr


def _steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_no_expression_inside_run_and_every_action_pinned_by_sha() -> None:
    documents = {path.name: yaml.safe_load(path.read_text()) for path in [ACTION, *WORKFLOW_FILES]}
    assert len(documents) == 7
    for name, document in documents.items():
        if "jobs" in document:
            assert document["permissions"] == {}, name
        for step in _steps(document):
            assert "${{" not in step.get("run", ""), (name, step)
            uses = step.get("uses")
            if uses is None or uses.startswith("./"):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (name, uses)
            if uses.startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
    # Every third-party action carries its version as a comment beside the SHA.
    for path in [ACTION, *WORKFLOW_FILES]:
        for line in path.read_text().splitlines():
            if re.search(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40}", line):
                assert re.search(r"# v\d|# vX\.Y\.Z", line), (path.name, line)


def test_requirements_are_pinned_hashed_and_cover_the_dependencies() -> None:
    text = (REPO_ROOT / "github-action" / "requirements.txt").read_text()
    pin = r"^([A-Za-z0-9_.-]+)==(\S+?)(?: ;[^\\]*)? \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)"
    entries = re.findall(pin, text, re.M)
    pinned = {canonicalize_name(name) for name, _, _ in entries}
    requirement_lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(entries) == len(requirement_lines) > 30  # every requirement line is pinned with hashes
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    dependencies = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.M | re.S)
    assert dependencies is not None
    for spec in re.findall(r'"([^"]+)"', dependencies.group(1)):
        requirement = Requirement(spec)
        if requirement.marker is not None and not requirement.marker.evaluate({"python_version": "3.10"}):
            continue
        assert canonicalize_name(requirement.name) in pinned, f"{requirement.name} is not in the lock; regenerate it"
        versions = [v for n, v, _ in entries if canonicalize_name(n) == canonicalize_name(requirement.name)]
        assert any(requirement.specifier.contains(v, prereleases=True) for v in versions), requirement
    assert "hatchling" in pinned  # sdl-gate is built from the checkout without build isolation
    install = (REPO_ROOT / "github-action" / "install.sh").read_text()
    assert "--require-hashes" in install and "--no-index" in install


# --- The Action's scripts under a simulated runner -------------------------------------------------------


@dataclass
class SimulatedRun:
    """What the simulated runner saw: each step's exit status and log, the outputs and the job summary."""

    exit_codes: dict[str, int] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    summary: str = ""


def parse_outputs(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file as the runner does (name=value and name<<DELIMITER blocks)."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            while lines[index] != delimiter:
                value.append(lines[index])
                index += 1
            index += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


_EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def _evaluate(text: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    """Substitute the two expression forms the action uses in env: (inputs.X and steps.ID.outputs.Y)."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        assert found, f"unexpected expression in env: {expression}"
        return steps.get(found.group(1), {}).get(found.group(2), "")

    return _EXPRESSION.sub(value, text)


def simulate(workspace: Path, temp: Path, given: dict[str, str]) -> SimulatedRun:
    """Run action.yml's shell steps as a runner would, with the interpreter under test standing in for the venv."""
    action = yaml.safe_load(ACTION.read_text())
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(given) - set(inputs)
    assert not unknown, f"not inputs of the action: {unknown}"
    inputs.update(given)
    result = SimulatedRun()
    summary = temp / "step-summary.md"
    summary.touch()
    for step in action["runs"]["steps"]:
        step_id = step.get("id", step["name"])
        if "uses" in step:
            # setup-python and the uploads need GitHub; the install step's venv is this test's interpreter.
            if step_id == "python":
                result.outputs[step_id] = {"python-path": sys.executable}
            continue
        if step_id == "install":
            result.outputs[step_id] = {"python": sys.executable}
            continue
        output_file = temp / f"output-{step_id}"
        output_file.touch()
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(temp),
            "GITHUB_WORKSPACE": str(workspace),
            "RUNNER_TEMP": str(temp),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ACTION_PATH": str(REPO_ROOT),
            "SDL_GATE_CACHE_DIR": str(temp / "cache"),
        }
        env.update({key: _evaluate(str(text), inputs, result.outputs) for key, text in step.get("env", {}).items()})
        script = temp / f"step-{step_id}.sh"
        script.write_text(step["run"], encoding="utf-8")
        run = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        result.exit_codes[step_id] = run.returncode
        result.logs[step_id] = run.stdout + run.stderr
        result.outputs[step_id] = parse_outputs(output_file.read_text(encoding="utf-8"))
    result.summary = summary.read_text(encoding="utf-8")
    return result


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace holding a copy of the demo project (its evidence store stays out of the repository)."""
    root = tmp_path / "workspace"
    shutil.copytree(DEMO_PROJECT, root / "demo", ignore=shutil.ignore_patterns(".sdl-gate"))
    return root


@pytest.mark.slow
def test_action_run_writes_outputs_summary_sarif_and_bundle(workspace: Path, tmp_path: Path) -> None:
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    given = {
        "path": "demo",
        "bundle": "out/demo-evidence.zip",
        "fail-on": "gate",
        "approvers": "demo/security/approvers.yaml",
    }
    run = simulate(workspace, temp, given)
    outputs = run.outputs["gate"]
    assert run.exit_codes["gate"] == 0, run.logs["gate"]
    assert outputs["decision"] == "fail"  # the demo project fails the gate on purpose
    assessment = json.loads(Path(outputs["assessment"]).read_text())
    scores = [p["score"] for p in assessment["practices"]]
    assert outputs["score"] == f"{sum(scores) / len(scores):.2f}"
    assert json.loads(outputs["maturity"]) == {p["id"]: p["maturity"] for p in assessment["practices"]}
    # The approvers input names the trusted register: the demo's signed records count.
    verdicts = {r["id"]: r["verdict"] for r in assessment["requirements"]}
    assert verdicts["SD-3"] == "satisfied"
    sarif = json.loads(Path(outputs["sarif"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert Path(outputs["bundle"]) == workspace / "out" / "demo-evidence.zip"
    assert Path(outputs["bundle"]).stat().st_size > 0
    # The job summary is the Markdown report; blocking requirements become error annotations.
    blocking = [r["id"] for r in assessment["requirements"] if r["blocking"]]
    assert blocking and all(f"{rid}" in run.summary for rid in blocking)
    assert f"::error title=sdl-gate {blocking[0]} " in run.logs["gate"]
    # fail-on: gate turns the failed gate into a failed job, in the last step, after the uploads.
    assert outputs["exit-code"] == "1"
    assert run.exit_codes["Apply fail-on"] == 1
    # The directory the cache steps restore and save is the one the gate's scan filled, outside the workspace.
    cache = run.outputs["cache-key"]
    assert cache["key"].startswith(cache["prefix"]) and Path(cache["path"]).is_relative_to(temp)
    assert list(Path(cache["path"]).rglob("*.json"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("inputs", "literal"),
    [
        ({"path": 'x"; touch pwned; echo "'}, 'x"; touch pwned; echo "'),
        ({"path": "demo", "policy": "$(touch pwned)"}, "$(touch pwned)"),
        ({"path": "demo", "fail-on": "`touch pwned`"}, "`touch pwned`"),
        ({"path": "demo", "bundle": "../$(id)/b.zip"}, "$(id)"),
        ({"path": "demo", "trusted-ref": "$(touch pwned)"}, "$(touch pwned)"),
    ],
)
def test_inputs_arrive_as_data_never_as_code(
    workspace: Path, tmp_path: Path, inputs: dict[str, str], literal: str
) -> None:
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    run = simulate(workspace, temp, inputs)
    assert not list(tmp_path.rglob("pwned")), "an input was executed"
    outputs = run.outputs["gate"]
    assert outputs["decision"] == "error"
    assert outputs["exit-code"] == "2"
    assert run.exit_codes["Apply fail-on"] == 2
    # The error names the input verbatim (escaped for the workflow command), so the user sees what was wrong.
    assert escape_data(literal) in run.logs["gate"] or literal in run.summary


def test_a_bad_bundle_input_is_refused_before_the_gate_runs(workspace: Path, tmp_path: Path) -> None:
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(temp),
        "GITHUB_OUTPUT": str(temp / "output"),
        "INPUT_PATH": "demo",
        "INPUT_BUNDLE": "../outside.zip",
    }
    log: list[str] = []
    assert run_action(env, log.append) == 2
    assert "input bundle" in "\n".join(log)
    assert not (temp / OUTPUT_DIRECTORY / "assessment.json").exists(), "the gate ran before the input was checked"


@pytest.mark.security(requirements=["SR-SG-009"], threats=["T-41"], mitigations=["M-75"])
def test_the_action_imports_nothing_from_the_workspace(tmp_path: Path) -> None:
    """The Action runs sdl-gate in the checked-out workspace, where a pull request can add an sdl_gate/ package."""
    workspace, temp = tmp_path / "workspace", tmp_path / "runner-temp"
    marker = tmp_path / "the-workspaces-module-ran"
    (workspace / "sdl_gate").mkdir(parents=True)
    (workspace / "sdl_gate" / "__init__.py").write_text("")
    (workspace / "sdl_gate" / "__main__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (workspace / "widget").mkdir()
    # A project the real sdl-gate refuses at once (an unknown key), so the run stays short.
    (workspace / "widget" / "pyproject.toml").write_text("[project]\nname = 'w'\n\n[tool.sdl-gate]\ncolour = 1\n")
    temp.mkdir()
    env = {"GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp), "INPUT_PATH": "widget"}
    log: list[str] = []
    assert run_action(env, log.append) == 2
    assert not marker.exists(), "the Action imported sdl_gate from the workspace"
    assert "colour" in "\n".join(log)


def test_outputs_cannot_be_forged_through_a_value(tmp_path: Path) -> None:
    target = tmp_path / "output"
    forged = "evil.zip\ndecision=pass\nsdl_gate_0<<x"
    write_outputs(target, {"bundle": forged, "decision": "fail"})
    assert parse_outputs(target.read_text()) == {"bundle": forged, "decision": "fail"}


def test_workflow_command_escaping() -> None:
    assert escape_data("50%\nnext::x") == "50%25%0Anext::x"
    assert escape_property("a:b,c\r") == "a%3Ab%2Cc%0D"


# --- The SAST cache and sharded runs ---------------------------------------------------------------------


def _condition(step: dict[str, Any]) -> str:
    return str(step.get("if", "true")).strip().removeprefix("${{").removesuffix("}}").strip()


def _holds(condition: str, *, event: str, ref: str, default_branch: str = "main") -> bool:
    """Evaluate a step condition built from the few expression forms the cache steps use, for one event."""
    python = (
        condition.replace("!cancelled()", "True")
        .replace("&&", " and ")
        .replace("||", " or ")
        .replace("format('refs/heads/{0}', github.event.repository.default_branch)", "'refs/heads/' + default_branch")
        .replace("github.event_name", "event")
        .replace("github.ref", "ref")
        .replace("inputs.cache", "'true'")
        .replace("steps.cache-key.outputs.key", "'a-key'")
    )
    names = {"event": event, "ref": ref, "default_branch": default_branch}
    return bool(_evaluate_node(ast.parse(python, mode="eval").body, names))


def _evaluate_node(node: ast.expr, names: dict[str, str]) -> Any:
    """Evaluate the and/or/==/!=/+ expressions a step condition becomes; anything else fails the test."""
    if isinstance(node, ast.BoolOp):
        values = [bool(_evaluate_node(v, names)) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        equal = _evaluate_node(node.left, names) == _evaluate_node(node.comparators[0], names)
        return equal if isinstance(node.ops[0], ast.Eq) else not equal
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _evaluate_node(node.left, names) + _evaluate_node(node.right, names)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    raise AssertionError(f"the condition uses a form this test does not evaluate: {ast.dump(node)}")


def test_the_sast_cache_is_restored_on_every_run_and_saved_only_by_pushes_to_the_default_branch() -> None:
    steps = _steps(yaml.safe_load(ACTION.read_text()))
    cache_steps = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache")]
    # Never actions/cache itself: its post step saves on pull requests too.
    assert sorted(s["uses"].split("@")[0] for s in cache_steps) == ["actions/cache/restore", "actions/cache/save"]
    restore = next(s for s in cache_steps if s["uses"].startswith("actions/cache/restore@"))
    save = next(s for s in cache_steps if s["uses"].startswith("actions/cache/save@"))
    assert restore["with"]["path"] == save["with"]["path"] and restore["with"]["key"] == save["with"]["key"]
    runs = {
        ("pull_request", "refs/pull/7/merge"): False,
        ("pull_request_target", "refs/heads/main"): False,  # runs in the base's context, on behalf of a PR
        ("push", "refs/heads/feature"): False,
        ("push", "refs/heads/main-evil"): False,
        ("push", "refs/tags/v1.0.0"): False,
        ("workflow_dispatch", "refs/heads/main"): False,
        ("merge_group", "refs/heads/gh-readonly-queue/main/pr-7"): False,
        ("push", "refs/heads/main"): True,
    }
    for (event, ref), saves in runs.items():
        assert _holds(_condition(save), event=event, ref=ref) is saves, (event, ref)
        assert _holds(_condition(restore), event=event, ref=ref), (event, ref)
    assert _holds(_condition(save), event="push", ref="refs/heads/trunk", default_branch="trunk")


def _cache_env(workspace: Path, temp: Path, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(temp),
        "GITHUB_ACTION_PATH": str(REPO_ROOT),
        "GITHUB_SHA": "a" * 40,
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "INPUT_PATH": "demo",
        **extra,
    }


def test_the_cache_key_names_what_results_depend_on(workspace: Path, tmp_path: Path) -> None:
    temp = tmp_path / "runner-temp"
    first = cache_key(_cache_env(workspace, temp))
    assert first["key"] == first["prefix"] + "a" * 40
    assert Path(first["path"]).is_relative_to(temp) and not Path(first["path"]).is_relative_to(workspace)
    # Another bandit configuration, another shard, another runner: another cache.
    shard = cache_key(_cache_env(workspace, temp, INPUT_SHARD="2/8"))
    other_os = cache_key(_cache_env(workspace, temp, RUNNER_OS="macOS"))
    with (workspace / "demo" / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.bandit]\nskips = ["B101"]\n')
    reconfigured = cache_key(_cache_env(workspace, temp))
    prefixes = {first["prefix"], shard["prefix"], other_os["prefix"], reconfigured["prefix"]}
    assert len(prefixes) == 4
    # A bad input leaves the run without a cache; the gate step reports it.
    assert cache_key_outputs_or_none(_cache_env(workspace, temp, INPUT_PATH="../outside")) is None


def cache_key_outputs_or_none(env: dict[str, str]) -> dict[str, str] | None:
    """The cache key step's outputs, or None when it refuses its inputs."""
    from sdl_gate.errors import SdlGateError

    try:
        return cache_key(env)
    except SdlGateError:
        return None


def test_the_gate_step_scans_into_the_cache_directory_only_when_the_cache_is_on(
    workspace: Path, tmp_path: Path
) -> None:
    from sdl_gate.github import ActionInputs, Runner, _child_environment

    env = _cache_env(workspace, tmp_path / "runner-temp")
    runner = Runner.from_env(env)
    on = _child_environment(ActionInputs.from_env(env), runner, env)
    assert on["SDL_GATE_SAST_CACHE_DIR"] == cache_key(env)["path"]
    off_env = {**env, "INPUT_CACHE": "false"}
    assert "SDL_GATE_SAST_CACHE_DIR" not in _child_environment(ActionInputs.from_env(off_env), runner, off_env)


def test_the_sharded_example_merges_every_shard_of_its_matrix() -> None:
    document = yaml.safe_load((REPO_ROOT / "github-action" / "examples" / "sharded.yml").read_text())
    jobs = document["jobs"]
    shard_job = next(j for j in jobs.values() if "matrix" in j.get("strategy", {}))
    shards = shard_job["strategy"]["matrix"]["shard"]
    step = next(s for s in shard_job["steps"] if "shard" in s.get("with", {}))
    assert step["with"]["shard"] == "${{ matrix.shard }}/" + str(len(shards))
    assert shards == list(range(1, len(shards) + 1))
    upload = next(s for s in shard_job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["if-no-files-found"] == "error"
    final = next(j for name, j in jobs.items() if j.get("needs") == next(k for k, v in jobs.items() if v is shard_job))
    download = next(s for s in final["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    merge = next(s for s in final["steps"] if "merge-shards" in s.get("with", {}))
    assert merge["with"]["merge-shards"] == download["with"]["path"]
    assert download["with"]["merge-multiple"] is True


@pytest.mark.slow
def test_matrix_jobs_write_shards_and_the_final_job_gates_on_their_merge(workspace: Path, tmp_path: Path) -> None:
    shards = tmp_path / "downloaded"
    for index in (1, 2):
        temp = tmp_path / f"runner-{index}"
        temp.mkdir()
        run = simulate(workspace, temp, {"path": "demo", "shard": f"{index}/2", "upload-bundle": "false"})
        outputs = run.outputs["gate"]
        assert outputs["exit-code"] == "0", run.logs["gate"]
        part = Path(outputs["shard-file"])
        assert part.is_relative_to(temp) and part.is_file()
        # Each job caches its own part under its own key.
        assert f"shard{index}of2" in run.outputs["cache-key"]["prefix"]
        shards.mkdir(exist_ok=True)
        shutil.copy(part, shards)
    final_temp = tmp_path / "runner-final"
    final_temp.mkdir()
    moved = final_temp / "sdl-gate-shards"
    shutil.copytree(shards, moved)
    merged = simulate(workspace, final_temp, {"path": "demo", "merge-shards": str(moved), "bundle": "merged.zip"})
    outputs = merged.outputs["gate"]
    assert outputs["decision"] == "fail", merged.logs["gate"]  # the demo fails the gate on purpose
    assessment = json.loads(Path(outputs["assessment"]).read_text())
    si1 = next(r for r in assessment["requirements"] if r["id"] == "SI-1")
    outcomes = {f["criterion"]: f["outcome"] for f in si1["findings"]}
    assert outcomes["sast_files_analysed"] == outcomes["sast_findings"] == "pass"  # SAST evidence from the merge
    assert "shard" not in json.dumps(assessment["rejected_evidence"])
    assert Path(outputs["bundle"]).stat().st_size > 0
    # The check and the bundle read the shards: the final job's scan cache stayed empty.
    assert not list(Path(merged.outputs["cache-key"]["path"]).rglob("*.json"))
