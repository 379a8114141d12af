"""Git's own files committed into a subfolder project never become the repository sdl-gate asks git about.

A pull request commits ``HEAD``, ``index``, ``objects/``, ``refs/`` and a ``config`` into the project folder of
a monorepo (or the folder the Action's ``path:`` names). Git's discovery takes that folder for a bare
repository, whose configuration runs commands and whose index and commit are the attacker's. Every command
must use the enclosing real repository: no marker file appears, the reported commit is the real HEAD, and a
file the fake index does not list is still analysed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.collectors.test_results import TestOutcome, TestResult, record_results
from tests.conftest import RunCli, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

# Split so that this test file is not itself a committed private key.
PEM_KEY = "-----BEGIN " + "PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBm9aVqf4O5RE3O3\n-----END " + "PRIVATE KEY-----\n"
EVIL = "import subprocess\n\n\ndef run(command):\n    return subprocess.call(command, shell=True)\n"
THREAT_MODEL = """\
version: 1
product: {name: widget, intended_environment: A plant network., assumptions: [Firewalls deny by default.]}
zones: [{id: Z-1, name: inside, sl_t: 2}]
components: [{id: C-1, name: service, zone: Z-1}]
threats: [{id: T-1, title: Flooding, stride: denial_of_service, affects: [C-1], severity: low, status: open}]
reviews:
  - {date: 2026-10-01, reviewers: [A <a@example.com>], commit: COMMIT, scope: [.]}
"""


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def git(cwd: Path, *args: str) -> str:
    """Run git with a fixed identity and no user or system configuration; return its output."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


@dataclass(frozen=True)
class Monorepo:
    """A real repository whose ``service/`` project also holds a committed fake repository."""

    root: Path
    project: Path
    markers: Path
    real_commit: str
    fake_commit: str

    def marks(self) -> list[str]:
        """The marker files the fake repository's commands would have written."""
        return sorted(p.name for p in self.markers.iterdir())


def _fake_repository(tmp_path: Path, markers: Path) -> tuple[Path, str]:
    """A repository the attacker builds elsewhere: its files list only ``app.py`` and ``pyproject.toml``."""
    fake = tmp_path / "fake"
    fake.mkdir()
    git(fake, "init", "-q")
    write(fake / "pyproject.toml", '[project]\nname = "widget"\nversion = "2.0.0"\n')
    write(fake / "app.py", "print('hello')\n")
    git(fake, "add", "-A")
    git(fake, "commit", "-qm", "what the gate should see")
    return fake / ".git", git(fake, "rev-parse", "HEAD").strip()


def build_monorepo(tmp_path: Path, project_dir: str = "service") -> Monorepo:
    """Commit a project with a fake repository (config running marker commands) into a real repository."""
    markers = tmp_path / "markers"
    markers.mkdir()
    fake_git, fake_commit = _fake_repository(tmp_path, markers)
    root = tmp_path / "mono"
    root.mkdir()
    git(root, "init", "-q")
    project = root / project_dir
    project.mkdir(parents=True)
    for name in ("HEAD", "index"):
        shutil.copyfile(fake_git / name, project / name)
    for name in ("objects", "refs"):
        shutil.copytree(fake_git / name, project / name)
    write(
        project / "config",
        f"""\
        [core]
        \trepositoryformatversion = 0
        \tbare = false
        \tworktree = .
        \tfsmonitor = "touch '{markers}/fsmonitor'; false"
        [filter "x"]
        \tclean = "touch '{markers}/filter'; cat"
        \tsmudge = "touch '{markers}/filter'; cat"
        [diff "x"]
        \ttextconv = "touch '{markers}/textconv'; cat"
        """,
    )
    write(project / ".gitattributes", "* filter=x diff=x\n")
    write(project / "pyproject.toml", '[project]\nname = "widget"\nversion = "2.0.0"\n')
    write(project / "app.py", "print('hello')\n")
    # What the pull request adds, and what the fake index does not list.
    write(project / "evil.py", EVIL)
    write(project / "deploy" / "signing.pem", PEM_KEY)
    write(project / "security" / "threat-model.yaml", THREAT_MODEL.replace("COMMIT", fake_commit))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "pull request")
    real_commit = git(root, "rev-parse", "HEAD").strip()
    return Monorepo(root=root, project=project, markers=markers, real_commit=real_commit, fake_commit=fake_commit)


@pytest.fixture
def mono(tmp_path: Path) -> Monorepo:
    return build_monorepo(tmp_path)


def test_the_fixture_really_fools_plain_git(mono: Monorepo) -> None:
    """Without the isolation, git in the project folder reports the attacker's commit and runs its fsmonitor."""
    listed = subprocess.run(
        ["git", "ls-files"],
        cwd=mono.project,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.stdout.split() == ["app.py", "pyproject.toml"]
    assert "fsmonitor" in mono.marks()
    (mono.markers / "fsmonitor").unlink()


def test_check_reports_the_real_commit_and_runs_nothing(run_cli: RunCli, mono: Monorepo) -> None:
    result = run_cli("check", "service", "--format", "json", cwd=mono.root)
    assert result.code in (0, 1), result.stderr
    assessment = json.loads(result.stdout)
    assert assessment["product"]["commit"] == mono.real_commit
    assert mono.marks() == []
    # The new file is analysed and its finding blocks SI-1; the committed key is found (SM-8).
    si1 = next(r for r in assessment["requirements"] if r["id"] == "SI-1")
    assert "evil.py" in json.dumps(si1["findings"])
    sm8 = next(r for r in assessment["requirements"] if r["id"] == "SM-8")
    assert "deploy/signing.pem" in json.dumps(sm8["findings"])
    # The review names the attacker's commit, which the real repository does not hold: never fresh.
    sr2 = next(r for r in assessment["requirements"] if r["id"] == "SR-2")
    assert f"reviewed commit {mono.fake_commit} is not in this repository" in sr2["rationale"]


def test_collect_binds_evidence_to_the_real_commit(run_cli: RunCli, mono: Monorepo) -> None:
    result = run_cli("collect", "service", cwd=mono.root)
    assert result.code == 0, result.stderr
    pointers = sorted((mono.project / ".sdl-gate" / "evidence" / "latest").glob("*.json"))
    assert pointers
    assert {json.loads(p.read_text())["commit"] for p in pointers} == {mono.real_commit}
    assert mono.marks() == []


def test_sast_analyses_the_file_the_fake_index_hides(run_cli: RunCli, mono: Monorepo) -> None:
    result = run_cli("sast", "service", "--format", "json", cwd=mono.root)
    assert result.code == 1, result.stderr
    report = json.loads(result.stdout)
    assert "evil.py" in {finding["path"] for finding in report["findings"]}
    assert mono.marks() == []


def test_private_key_hook_scans_the_real_tracked_files(run_cli: RunCli, mono: Monorepo) -> None:
    result = run_cli("private-keys", "--path", "service", cwd=mono.root)
    assert result.code == 1, result.stdout + result.stderr
    assert "deploy/signing.pem" in result.stdout
    assert mono.marks() == []


def test_threat_model_freshness_never_trusts_the_fake_history(run_cli: RunCli, mono: Monorepo) -> None:
    result = run_cli("threat-model", "check", "--path", "service", "--format", "json", cwd=mono.root)
    assert result.code in (0, 1), result.stderr
    freshness = json.loads(result.stdout)["freshness"]
    assert freshness["status"] == "unknown"
    assert mono.fake_commit in freshness["reason"]
    assert mono.marks() == []


def test_install_hooks_writes_into_the_real_repository(run_cli: RunCli, mono: Monorepo) -> None:
    result = run_cli("install-hooks", "service", cwd=mono.root)
    assert result.code == 0, result.stderr
    assert (mono.root / ".git" / "hooks" / "pre-commit").is_file()
    assert not (mono.project / "hooks").exists()
    assert mono.marks() == []


def test_test_results_import_binds_to_the_real_commit(run_cli: RunCli, mono: Monorepo, tmp_path: Path) -> None:
    report = write(
        tmp_path / "junit.xml",
        '<testsuite name="s" tests="1"><testcase classname="t" name="test_ok"/></testsuite>\n',
    )
    result = run_cli("test-results", "import", report, "--path", "service", "--provenance", "CI nightly", cwd=mono.root)
    assert result.code == 0, result.stderr
    pointer = mono.project / ".sdl-gate" / "evidence" / "latest" / "test_results.json"
    assert json.loads(pointer.read_text())["commit"] == mono.real_commit
    assert mono.marks() == []


def test_evidence_forged_for_the_fake_commit_is_rejected(run_cli: RunCli, tmp_path: Path) -> None:
    """Test results committed into the store, bound to the commit the fake repository reports, never count."""
    mono = build_monorepo(tmp_path)
    forged = record_results(
        mono.project,
        [TestResult(node_id="tests/test_all.py::test_everything", outcome=TestOutcome.PASSED)],
        commit=mono.fake_commit,
        now=datetime.now(tz=timezone.utc),
        tool=("pytest", "8.0"),
    )
    git(mono.root, "add", "-f", "service/.sdl-gate")
    git(mono.root, "commit", "-qm", "evidence for the commit the gate will see")
    result = run_cli("check", "service", "--format", "json", cwd=mono.root)
    assert result.code in (0, 1), result.stderr
    assessment = json.loads(result.stdout)
    assert forged.id not in {item["id"] for item in assessment["evidence"]}
    assert any(mono.fake_commit in reason for reason in assessment["rejected_evidence"])
    assert mono.marks() == []


@pytest.mark.slow
def test_action_path_input_uses_the_workspace_repository(tmp_path: Path) -> None:
    """The Action's ``path:`` names the subfolder; the workspace checkout is the repository."""
    from tests.integration.test_github_action import simulate

    mono = build_monorepo(tmp_path)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    run = simulate(mono.root, temp, {"path": "service", "fail-on": "never"})
    assert run.exit_codes["gate"] == 0, run.logs["gate"]
    assessment = json.loads(Path(run.outputs["gate"]["assessment"]).read_text())
    assert assessment["product"]["commit"] == mono.real_commit
    assert "evil.py" in json.dumps(assessment["requirements"])
    assert mono.marks() == []


def test_action_path_input_at_depth_uses_the_workspace_repository(run_cli: RunCli, tmp_path: Path) -> None:
    """A project two folders deep, the fake repository one level above it: still the workspace repository."""
    mono = build_monorepo(tmp_path, project_dir="packages/service")
    nested = mono.project / "core"
    write(nested / "pyproject.toml", '[project]\nname = "core"\nversion = "1.0.0"\n')
    write(nested / "risky.py", EVIL)
    git(mono.root, "add", "-A")
    git(mono.root, "commit", "-qm", "a nested package")
    real = git(mono.root, "rev-parse", "HEAD").strip()
    result = run_cli("check", "packages/service/core", "--format", "json", cwd=mono.root)
    assert result.code in (0, 1), result.stderr
    assessment = json.loads(result.stdout)
    assert assessment["product"]["commit"] == real
    assert "risky.py" in json.dumps(assessment["requirements"])
    assert mono.marks() == []


def test_diffs_run_no_driver_the_real_repository_configures(run_cli: RunCli, tmp_path: Path) -> None:
    """Drivers in the real .git/config, chosen for every file by a committed .gitattributes, never run."""
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root / "pyproject.toml", '[project]\nname = "widget"\nversion = "2.0.0"\n')
    write(root / "app.py", "print('hello')\n")
    write(root / ".gitattributes", "* filter=x diff=x\n")
    write(root / ".gitignore", ".sdl-gate/\n")
    write(root / "security" / "threat-model.yaml", THREAT_MODEL.replace("COMMIT", "0" * 40))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    reviewed = git(root, "rev-parse", "HEAD").strip()
    write(root / "security" / "threat-model.yaml", THREAT_MODEL.replace("COMMIT", reviewed))
    for key in ("filter.x.clean", "filter.x.smudge", "diff.x.textconv", "diff.x.command"):
        git(root, "config", key, f"touch '{markers}/{key}'; cat")
    write(root / "app.py", "print('hello, again')\n")  # a work-tree change git must hash to compare
    sast = run_cli("sast", root, "--format", "json")
    assert sast.code in (0, 1), sast.stderr
    assert json.loads(sast.stdout)["modified_since_commit"] == ["app.py"]
    model = run_cli("threat-model", "check", "--path", root, "--format", "json")
    assert model.code in (0, 1), model.stderr
    freshness = json.loads(model.stdout)["freshness"]
    assert (freshness["status"], freshness["changed"]) == ("stale", ["app.py"])
    assert sorted(p.name for p in markers.iterdir()) == []
