"""The hook commands, the plain git hooks and the example pre-commit configuration `sdl-gate init` writes."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sdl_gate._tool import python_module
from sdl_gate.precommit import MAX_LISTED
from tests.conftest import (
    OSV_SNAPSHOT_PARAMS,
    OSV_SNAPSHOT_POLICY,
    REPO_ROOT,
    SHARED_FIXTURES,
    ProjectFactory,
    RunCli,
    approve_project_exceptions,
    current_waiver_window,
    write,
)

OSV = SHARED_FIXTURES / "osv"
# Split so that this test file is not itself a committed private key.
PEM_KEY = "-----BEGIN " + "PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBm9aVqf4O5RE3O3\n-----END " + "PRIVATE KEY-----\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git in ``root`` with a fixed identity and no user or system configuration."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        # The plain hooks call the sdl-gate of the interpreter under test.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    return subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)


# --- sdl-private-keys -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_private_keys_names_the_file_and_the_fix(run_cli: RunCli, project: ProjectFactory) -> None:
    write(project.root / "deploy" / "signing.pem", "notes\n" + PEM_KEY)
    write(project.root / "app.py", "print('hello')\n")
    found = run_cli("private-keys", "deploy/signing.pem", "app.py", cwd=project.root)
    assert found.code == 1
    assert "deploy/signing.pem: PRIVATE KEY (NOT encrypted)" in found.stdout
    assert "git restore --staged" in found.stdout and "rotate" in found.stdout
    clean = run_cli("private-keys", "app.py", cwd=project.root)
    assert clean.code == 0 and clean.stdout.startswith("no private key in 1 file(s)\n")
    outside = run_cli("private-keys", "--path", project.root, REPO_ROOT / "pyproject.toml")
    assert outside.code == 2 and "is outside the project" in outside.stderr


def test_a_long_hook_report_says_how_many_more_and_verbose_lists_all(
    run_cli_in_process: RunCli, project: ProjectFactory
) -> None:
    names = [f"keys/k{number:02}.pem" for number in range(20)]
    for name in names:
        write(project.root / name, PEM_KEY)
    capped = run_cli_in_process("private-keys", *names, cwd=project.root)
    assert capped.code == 1
    listed = [name for name in names if f"{name}: PRIVATE KEY" in capped.stdout]
    assert len(listed) == MAX_LISTED - 1  # the first line counts the keys
    assert f"(and {len(names) - len(listed)} more)" in capped.stdout
    everything = run_cli_in_process("-v", "private-keys", *names, cwd=project.root)
    assert everything.code == 1
    assert all(f"{name}: PRIVATE KEY" in everything.stdout for name in names)
    assert "more)" not in everything.stdout


# --- sdl-deps ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not OSV.is_dir(), reason="shared OSV fixtures (../shared/fixtures/osv) are not beside the project")
def test_deps_audits_the_given_files_offline_and_honours_waivers(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert run_cli("vulndb", "import", OSV, "--cache-dir", cache).code == 0
    env = {"SDL_GATE_CACHE_DIR": str(cache)}
    project.pyproject('policy = "security/policy.yaml"\n')
    # The hook decides as `check` does: SM-9 asks about known vulnerabilities too, so it accepts the snapshot.
    project.policy(OSV_SNAPSHOT_POLICY + f"  SM-9: {{params: {OSV_SNAPSHOT_PARAMS}}}\n")
    write(project.root / "requirements.txt", "pyyaml==5.3\n")
    write(project.root / "docs" / "requirements.txt", "requests==2.19.0\n")
    audit = run_cli("deps", "--offline", "requirements.txt", cwd=project.root, env=env)
    assert audit.code == 1, audit.stderr
    assert "against osv-offline" in audit.stdout
    assert "pyyaml 5.3: PYSEC-2021-142: upgrade to 5.4" in audit.stdout
    assert "requests" not in audit.stdout  # only the file it was given
    assert "security/waivers.yaml" in audit.stdout  # how to waive
    created, expires = current_waiver_window()
    project.waivers(
        f"""
        version: 1
        waivers:
          - id: W-1
            scope: {{vulnerability: CVE-2020-14343, package: PyYAML}}
            vex: {{state: not_affected, justification: code_not_reachable}}
            justification: Only safe_load is used; full_load is never called.
            requester: Alice Example <alice@example.com>
            approver: Bob Example <bob@example.com>
            created: {created}
            expires: {expires}
          - id: W-2
            scope: {{vulnerability: PYSEC-2020-96, package: pyyaml}}
            vex: {{state: not_affected, justification: code_not_reachable}}
            justification: Only safe_load is used.
            requester: Alice Example <alice@example.com>
            approver: Bob Example <bob@example.com>
            created: {created}
            expires: {expires}
        """
    )
    approve_project_exceptions(project)
    waived = run_cli("deps", "--offline", "requirements.txt", cwd=project.root, env=env)
    assert waived.code == 0, waived.stdout
    assert "PYSEC-2021-142 waived by W-1 (not_affected" in waived.stdout
    # Without an offline setup, --skip-online says it did not audit rather than pretending it did.
    skipped = run_cli("deps", "--skip-online", "requirements.txt", cwd=project.root)
    assert skipped.code == 0 and "dependency audit skipped" in skipped.stdout
    empty = run_cli("deps", "--offline", "requirements.txt", cwd=project.root, env={"SDL_GATE_CACHE_DIR": "none"})
    assert empty.code == 1 and "could not be completed" in empty.stdout and "vulndb import" in empty.stdout
    wrong = run_cli("deps", "--offline", "pyproject.toml", cwd=project.root, env=env)
    assert wrong.code == 2 and "pyproject.toml" in wrong.stderr


@pytest.mark.slow
@pytest.mark.skipif(not OSV.is_dir(), reason="shared OSV fixtures (../shared/fixtures/osv) are not beside the project")
def test_deps_says_what_a_requirements_file_leaves_unaudited_and_audits_the_installed_environment(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert run_cli("vulndb", "import", OSV, "--cache-dir", cache).code == 0
    env = {"SDL_GATE_CACHE_DIR": str(cache)}
    # requests pulls in urllib3, which this file does not pin: that is not audited, and the report says so.
    write(project.root / "requirements.txt", "requests==2.19.0\n")
    listed = run_cli("deps", "--offline", cwd=project.root, env=env)
    assert listed.code == 1, listed.stderr
    assert "not audited: " in listed.stdout and "sdl-gate deps --environment" in listed.stdout
    assert "urllib3" not in listed.stdout
    # An environment where that transitive dependency is installed at a vulnerable version.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", tmp_path / "venv"], check=True, timeout=120)
    python = tmp_path / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    for name, version in (("requests", "2.19.0"), ("urllib3", "1.24.1")):
        write(
            Path(purelib) / f"{name}-{version}.dist-info" / "METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        )
    installed = run_cli("deps", "--offline", "--environment", "--python", python, cwd=project.root, env=env)
    assert installed.code == 1, installed.stderr
    assert "urllib3 1.24.1: " in installed.stdout
    assert "not audited: " not in installed.stdout
    both = run_cli("deps", "--offline", "--environment", "requirements.txt", cwd=project.root, env=env)
    assert both.code == 2


# --- sdl-sbom ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sbom_current_compares_the_committed_sbom_with_the_lock(run_cli: RunCli, project: ProjectFactory) -> None:
    write(project.root / "requirements.txt", "pyyaml==6.0.2\nidna==3.7\n")
    unconfigured = run_cli("sbom-current", project.root)
    assert unconfigured.code == 2 and "tool.sdl-gate.sbom" in unconfigured.stderr
    assert run_cli("sbom", project.root, "--output", project.root / "sbom.cdx.json").code == 0
    project.pyproject('sbom = "sbom.cdx.json"\n')
    current = run_cli("sbom-current", project.root)
    assert current.code == 0 and "is current with requirements.txt (2 components)" in current.stdout
    write(project.root / "requirements.txt", "pyyaml==6.0.3\nidna==3.7\nurllib3==2.2.3\n")
    stale = run_cli("sbom-current", project.root)
    assert stale.code == 1
    assert "pyyaml: version mismatch (SBOM 6.0.2, source 6.0.3)" in stale.stdout
    assert "urllib3: missing from sbom" in stale.stdout
    assert "sdl-gate sbom --output sbom.cdx.json" in stale.stdout


# --- sdl-check (pre-push) ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_pre_push_is_advisory_by_default_and_blocks_when_configured(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    env = {"SDL_GATE_CACHE_DIR": str(tmp_path / "empty-cache")}  # offline and empty: no network, not_available
    project.pyproject("offline = true\n")
    advisory = run_cli("pre-push", project.root, env=env)
    assert advisory.code == 0, advisory.stderr
    lines = advisory.stdout.splitlines()
    assert re.match(r"sdl-gate \(iec62443-4-1-ml2, assessed \d{4}-\d{2}-\d{2}\): FAILED", lines[0]), lines[0]
    assert any(line.startswith("  SM-1   not_satisfied: no record lists SM-1") for line in lines)
    assert lines[-1].startswith("advisory: the push goes ahead")
    assert len(lines) <= 24 and max(map(len, lines)) <= 120  # one screen
    project.pyproject('offline = true\npre-push = "blocking"\n')
    blocking = run_cli("pre-push", project.root, env=env)
    assert blocking.code == 1 and "advisory" not in blocking.stdout
    project.pyproject('pre-push = "sometimes"\n')
    invalid = run_cli("pre-push", project.root, env=env)
    assert invalid.code == 2 and "pyproject.toml:6 at tool.sdl-gate.pre-push" in invalid.stderr


# --- plain git hooks --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_install_hooks_blocks_a_private_key_and_keeps_foreign_hooks(run_cli: RunCli, project: ProjectFactory) -> None:
    root = project.root
    assert git(root, "init", "-q").returncode == 0
    write(root / ".git" / "hooks" / "pre-push", "#!/bin/sh\necho mine\n")
    installed = run_cli("install-hooks", root)
    assert installed.code == 0, installed.stderr
    assert "created  " in installed.stdout and "pre-commit" in installed.stdout
    assert "kept" in installed.stdout and "not written by sdl-gate" in installed.stdout
    assert (root / ".git" / "hooks" / "pre-push").read_text() == "#!/bin/sh\necho mine\n"
    hook = (root / ".git" / "hooks" / "pre-commit").read_text()
    assert f'sdl_gate() {{ {shlex.join(python_module("sdl_gate"))} "$@"; }}' in hook
    assert os.access(root / ".git" / "hooks" / "pre-commit", os.X_OK)

    write(root / "notes.txt", "hello\n")
    write(root / "app.py", "def add(a: int, b: int) -> int:\n    return a + b\n")  # statically analysed, clean
    write(root / "keys" / "id_ed25519", PEM_KEY)
    git(root, "add", "-A")
    blocked = git(root, "commit", "-qm", "add a key")
    assert blocked.returncode != 0
    assert "sdl-gate private keys: FAILED" in blocked.stdout + blocked.stderr
    assert "keys/id_ed25519: PRIVATE KEY" in blocked.stdout + blocked.stderr
    assert git(root, "rev-parse", "--verify", "HEAD").returncode != 0  # nothing was committed

    git(root, "rm", "-q", "--cached", "keys/id_ed25519")
    allowed = git(root, "commit", "-qm", "notes only")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    replaced = run_cli("install-hooks", root, "--force")
    assert replaced.stdout.count("updated  ") == 2
    assert "# sdl-gate managed hook" in (root / ".git" / "hooks" / "pre-push").read_text()


@pytest.mark.security(requirements=["SR-SG-009"], threats=["T-41"], mitigations=["M-75"])
def test_installed_hooks_import_nothing_from_the_work_tree(run_cli: RunCli, project: ProjectFactory) -> None:
    """git runs hooks in the work tree: a branch that adds an sdl_gate/ package there must not run it."""
    root = project.root
    assert git(root, "init", "-q").returncode == 0
    assert run_cli("install-hooks", root).code == 0
    marker = root.parent / "hook-ran-the-work-trees-module"
    write(root / "sdl_gate" / "__init__.py", "")
    write(root / "sdl_gate" / "__main__.py", f"open({str(marker)!r}, 'w').close()\n")
    write(root / "notes.txt", "hello\n")
    git(root, "add", "notes.txt")
    committed = git(root, "commit", "-qm", "notes")
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert not marker.exists(), "the hook imported sdl_gate from the work tree"


def test_install_hooks_outside_git_is_an_input_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("install-hooks", tmp_path, env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert result.code == 2 and "git work tree" in result.stderr


# --- the manifest and the example configuration -----------------------------------------------------------

MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"
EXPECTED_IDS = {
    "sdl-sast",
    "sdl-deps",
    "sdl-sbom",
    "sdl-threat-model",
    "sdl-records",
    "sdl-private-keys",
    "sdl-check",
}
MIRRORED_KEYS = ("entry", "files", "types", "stages", "pass_filenames", "always_run", "require_serial", "verbose")


@pytest.mark.slow
def test_manifest_has_the_stable_ids_and_init_offers_a_config_that_mirrors_it(run_cli: RunCli, tmp_path: Path) -> None:
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if pre_commit.exists():  # pre-commit's own validators, when it is installed
        for argv in (
            ["validate-manifest", MANIFEST],
            ["validate-config", REPO_ROOT / "hooks" / "pre-commit-config.yaml"],
        ):
            checked = subprocess.run([pre_commit, *map(str, argv)], capture_output=True, text=True, check=False)
            assert checked.returncode == 0, checked.stdout + checked.stderr
    manifest = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}
    assert set(manifest) == EXPECTED_IDS
    for hook in manifest.values():
        assert hook["language"] == "python" and hook["minimum_pre_commit_version"] == "3.2.0"
        assert hook["entry"].startswith("sdl-gate ")
    assert manifest["sdl-deps"]["stages"] == ["manual"]  # no network assumed at commit time
    assert manifest["sdl-check"]["stages"] == ["pre-push", "manual"]

    target = tmp_path / "fresh"
    result = run_cli("init", target)
    assert result.code == 0, result.stderr
    assert "created  .pre-commit-config.yaml" in result.stdout
    config = yaml.safe_load((target / ".pre-commit-config.yaml").read_text())
    local = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert config["repos"][0]["repo"] == "local"
    assert set(local) == EXPECTED_IDS - {"sdl-sbom"}  # sdl-sbom needs a committed SBOM first
    for hook_id, hook in local.items():
        assert hook["language"] == "system"
        for key in MIRRORED_KEYS:
            assert hook.get(key) == manifest[hook_id].get(key), (hook_id, key)
    again = run_cli("init", target)
    assert "kept     .pre-commit-config.yaml" in again.stdout


def test_shell_scripts_pass_shellcheck() -> None:
    shellcheck = Path(sys.executable).parent / "shellcheck"
    if not shellcheck.exists():
        pytest.skip("shellcheck is not installed (pip install -e '.[test]')")
    scripts = [REPO_ROOT / "hooks" / "pre-commit", REPO_ROOT / "hooks" / "pre-push"]
    scripts.append(REPO_ROOT / "github-action" / "install.sh")
    scripts += [REPO_ROOT / "scripts" / "test", REPO_ROOT / "scripts" / "lock", REPO_ROOT / ".ci" / "run"]
    checked = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
