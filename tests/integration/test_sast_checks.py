"""SI-1 and SI-2 from SAST evidence, the policy thresholds, SARIF output and failing closed without bandit."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sdl_gate._files import canonical_json
from tests.conftest import DEMO_PROJECT, SHARED_FIXTURES, ProjectFactory, RunCli, cli_subprocess, write

SARIF_SCHEMA = SHARED_FIXTURES / "sarif" / "sarif-schema-2.1.0.json"
SHELL = "import subprocess\n\nsubprocess.call(CMD, shell=True)\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _criteria(run_cli: RunCli, root: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    result = run_cli("check", root, "--format", "json", *args, env=env)
    assert result.code in (0, 1), result.stderr
    found: dict[str, dict[str, Any]] = {}
    for requirement in json.loads(result.stdout)["requirements"]:
        if requirement["id"] in ("SI-1", "SI-2"):
            for finding in requirement["findings"]:
                found[f"{requirement['id']}/{finding['criterion']}"] = finding
    return found


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=30,
    )


@pytest.mark.slow
def test_si1_fails_on_an_open_finding_and_passes_when_it_is_below_the_policy_threshold(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "app.py", SHELL)
    strict = _criteria(run_cli, root)
    assert strict["SI-1/sast_findings"]["outcome"] == "fail"
    assert "app.py:3 B602" in strict["SI-1/sast_findings"]["message"]
    assert strict["SI-1/sast_files_analysed"]["outcome"] == "pass"

    project.policy(
        """
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SI-1:
            params: {severity_threshold: high, confidence_threshold: high}
        """
    )
    # B301 (pickle) is medium severity: under the default policy it blocks, under this one it does not.
    write(root / "app.py", "import pickle\n\npickle.loads(DATA)\n")
    assert _criteria(run_cli, root)["SI-1/sast_findings"]["outcome"] == "fail"
    relaxed = _criteria(run_cli, root, "--policy", str(root / "security" / "policy.yaml"))
    assert relaxed["SI-1/sast_findings"]["outcome"] == "pass"
    assert "severity >= high" in relaxed["SI-1/sast_findings"]["message"]


def test_invalid_threshold_in_a_policy_is_rejected_with_file_and_line(project: ProjectFactory, run_cli: RunCli) -> None:
    policy = project.policy(
        """
        version: 1
        requirements:
          SI-1:
            params: {severity_threshold: severe}
        """
    )
    result = run_cli("policy", "validate", policy)
    assert result.code == 2
    assert f"{policy}:4" in result.stderr


@pytest.mark.slow
def test_coverage_fails_for_unanalysed_and_uncommitted_files_in_a_git_work_tree(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "app.py", "print('hello')\n")
    write(root / "lib.py", "VALUE = 1\n")
    _git(root, "init", "-q")
    _git(root, "add", "app.py", "lib.py", "pyproject.toml")
    _git(root, "commit", "-qm", "initial")
    write(root / "scratch.py", "def broken(:\n")  # untracked: not in scope
    clean = _criteria(run_cli, root)
    assert clean["SI-1/sast_files_analysed"]["outcome"] == "pass"
    assert clean["SI-1/sast_scan_of_commit"]["outcome"] == "pass"
    assert "all 2 tracked Python file(s)" in clean["SI-1/sast_scan_of_commit"]["message"]

    write(root / "lib.py", "VALUE = 2\n")
    dirty = _criteria(run_cli, root)
    assert dirty["SI-1/sast_scan_of_commit"]["outcome"] == "fail"
    assert "lib.py" in dirty["SI-1/sast_scan_of_commit"]["message"]
    assert dirty["SI-1/sast_files_analysed"]["outcome"] == "pass"  # every file was analysed, just not as committed

    _git(root, "add", "scratch.py", "lib.py")
    _git(root, "commit", "-qm", "more")
    broken = _criteria(run_cli, root)
    assert broken["SI-1/sast_files_analysed"]["outcome"] == "fail"
    assert "scratch.py (bandit: " in broken["SI-1/sast_files_analysed"]["message"]  # the file bandit could not analyse


@pytest.mark.slow
def test_excluding_every_file_does_not_count_as_coverage(project: ProjectFactory, run_cli: RunCli) -> None:
    write(project.root / "src" / "app.py", SHELL)
    with (project.root / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[tool.bandit]\nexclude_dirs = ["src"]\n')
    found = _criteria(run_cli, project.root)
    assert found["SI-1/sast_files_analysed"]["outcome"] == "fail"
    assert "excludes all 1 Python file(s)" in found["SI-1/sast_files_analysed"]["message"]


@pytest.mark.slow
def test_si2_needs_configuration_automation_and_justified_suppressions(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "app.py", "import subprocess  # nosec\n")
    bare = _criteria(run_cli, root)
    assert bare["SI-2/sast_configuration"]["outcome"] == "fail"
    assert "no bandit configuration" in bare["SI-2/sast_configuration"]["message"]
    assert bare["SI-2/sast_suppressions"]["outcome"] == "fail"
    assert "app.py:1 (no_test_ids, no_justification)" in bare["SI-2/sast_suppressions"]["message"]

    with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.bandit]\nskips = []\n")
    write(
        root / ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - id: sdl-gate-sast\n        name: sast\n"
        "        entry: sdl-gate sast\n        language: system\n",
    )
    write(root / "app.py", "import subprocess  # nosec B404 -- argv is built from constants\n")
    configured = _criteria(run_cli, root)
    assert configured["SI-2/sast_configuration"]["outcome"] == "pass"
    assert ".pre-commit-config.yaml (pre-commit hook sdl-gate-sast)" in configured["SI-2/sast_configuration"]["message"]
    assert configured["SI-2/sast_suppressions"]["outcome"] == "pass"


def test_without_bandit_the_criteria_are_not_available_never_pass(project: ProjectFactory, tmp_path: Path) -> None:
    write(project.root / "app.py", "print('hello')\n")
    shadow = write(tmp_path / "shadow" / "bandit" / "__init__.py", "raise ImportError('bandit is broken here')\n")
    # A subprocess: sdl-gate imports bandit itself, and only a new interpreter sees the shadowing PYTHONPATH.
    found = _criteria(cli_subprocess, project.root, env={"PYTHONPATH": str(shadow.parent.parent)})
    criteria = (
        "SI-1/sast_files_analysed",
        "SI-1/sast_scan_of_commit",
        "SI-1/languages_analysed",
        "SI-1/sast_findings",
        "SI-1/sast_skips",
    )
    for name in (*criteria, "SI-2/sast_configuration", "SI-2/sast_suppressions"):
        assert found[name]["outcome"] == "not_available", name
        assert "bandit is not installed" in found[name]["message"]


def test_demo_project_meets_si1_and_si2(run_cli: RunCli) -> None:
    # Its code review and coding standard records are signed by approvers of the demo's own register.
    found = _criteria(run_cli, DEMO_PROJECT, "--approvers", str(DEMO_PROJECT / "security" / "approvers.yaml"))
    assert {name: f["outcome"] for name, f in found.items()} == {
        "SI-1/record": "pass",
        "SI-1/languages_analysed": "pass",
        "SI-1/sast_files_analysed": "pass",
        "SI-1/sast_findings": "pass",
        "SI-1/sast_scan_of_commit": "pass",
        "SI-1/sast_skips": "pass",
        "SI-2/record": "pass",
        "SI-2/sast_configuration": "pass",
        "SI-2/sast_suppressions": "pass",
    }


def test_sarif_validates_against_the_2_1_0_schema_and_carries_fingerprints(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"shared SARIF schema fixture not present ({SARIF_SCHEMA.name})")
    import jsonschema

    root = project.root
    write(root / "app.py", SHELL + "import pickle\npickle.loads(DATA)\n")
    write(root / "broken.py", "def broken(:\n")
    output = root / "out" / "bandit.sarif"
    result = run_cli("sast", root, "--format", "sarif", "--output", output)
    assert result.code == 1
    document = json.loads(output.read_text())
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert {r["ruleId"] for r in run["results"]} == {"B602", "B404", "B403", "B301"}
    for sarif_result in run["results"]:
        assert rules[sarif_result["ruleIndex"]] == sarif_result["ruleId"]
        assert len(sarif_result["partialFingerprints"]["sdlGateFingerprint/v1"]) == 32
    assert run["invocations"][0]["executionSuccessful"] is False
    assert "broken.py" in json.dumps(run["invocations"][0]["toolExecutionNotifications"])


@pytest.mark.slow
def test_evidence_keeps_the_bandit_json_and_sarif_beside_it(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    write(root / "app.py", SHELL)
    assert run_cli("collect", root).code == 0
    evidence_dir = root / ".sdl-gate" / "evidence"
    pointer = json.loads((evidence_dir / "latest" / "sast.json").read_text())
    stored = json.loads((evidence_dir / "objects" / (pointer["id"].removeprefix("sha256:") + ".json")).read_text())
    evidence = stored["evidence"]
    raw = json.loads((evidence_dir / evidence["raw"]).read_text())
    assert [(r["filename"], r["test_id"]) for r in raw["results"]] == [("app.py", "B404"), ("app.py", "B602")]
    sarif = json.loads((evidence_dir / evidence["payload"]["sarif"]).read_text())
    assert sarif["version"] == "2.1.0"
    assert {f["path"] for f in evidence["subject"]["files"]} >= {"app.py", "pyproject.toml"}


@pytest.mark.slow
def test_the_kept_bandit_json_and_sarif_are_compact_canonical_json_and_the_same_on_a_warm_run(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "app.py", SHELL)
    references: list[tuple[str, str]] = []
    for _ in range(2):
        assert run_cli("collect", root).code == 0
        evidence_dir = root / ".sdl-gate" / "evidence"
        pointer = json.loads((evidence_dir / "latest" / "sast.json").read_text())
        stored = json.loads((evidence_dir / "objects" / (pointer["id"].removeprefix("sha256:") + ".json")).read_text())
        evidence = stored["evidence"]
        references.append((evidence["raw"], evidence["payload"]["sarif"]))
        for reference in references[-1]:
            data = (evidence_dir / reference).read_bytes()
            assert data == canonical_json(json.loads(data)).encode("utf-8")
    assert references[0] == references[1]
