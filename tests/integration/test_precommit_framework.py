"""The hooks under the real pre-commit framework, installed from this repository as users install them.

pre-commit builds one environment for the hooks (slow); it is shared by every test through a session-scoped
PRE_COMMIT_HOME. The repository the configuration points at is a snapshot of this work tree (uncommitted
changes included), committed once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, approve_exceptions, current_waiver_window, ssh_key, write, write_register

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.slow  # pre-commit builds the hooks' environment, then runs them in real repositories

HOOK_IDS = ("sdl-private-keys", "sdl-sast", "sdl-records")
# Split so that this test file is not itself a committed private key.
PEM_KEY = (
    "-----BEGIN "
    + "RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf\n-----END "
    + "RSA PRIVATE KEY-----\n"
)


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "PRE_COMMIT_COLOR": "never",
    }


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@dataclass(frozen=True)
class Framework:
    """A snapshot of this repository, the revision to pin, and a pre-commit home with the hooks installed."""

    repo: Path
    rev: str
    home: Path

    @property
    def env(self) -> dict[str, str]:
        """The environment every git and pre-commit call runs with."""
        return _env(self.home)

    def config(self, hook_ids: tuple[str, ...] = HOOK_IDS) -> str:
        """A .pre-commit-config.yaml pinning the snapshot at its commit."""
        hooks = "".join(f"      - id: {hook_id}\n" for hook_id in hook_ids)
        return f"repos:\n  - repo: {self.repo}\n    rev: {self.rev}\n    hooks:\n{hooks}"


@pytest.fixture(scope="session")
def framework(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Framework]:
    """Snapshot the work tree into a git repository and let pre-commit build the hooks' environment once."""
    base = tmp_path_factory.mktemp("pre-commit")
    home = base / "home"
    env = _env(home)
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO_ROOT, env)
    if listed.returncode != 0:
        pytest.skip("this is not a git work tree, so there is no repository to install the hooks from")
    snapshot = base / "sdl-gate"
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO_ROOT / name
        if source.is_file() and not source.is_symlink():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "snapshot"]):
        assert _run(argv, snapshot, env).returncode == 0
    rev = _run(["git", "rev-parse", "HEAD"], snapshot, env).stdout.strip()
    setup = Framework(repo=snapshot, rev=rev, home=home)
    consumer = base / "consumer"
    consumer.mkdir()
    _run(["git", "init", "-q"], consumer, env)
    write(consumer / ".pre-commit-config.yaml", setup.config())
    installed = _run([sys.executable, "-m", "pre_commit", "install-hooks"], consumer, env, timeout=900)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    yield setup


def _repository(root: Path, framework: Framework) -> Path:
    env = framework.env
    root.mkdir()
    _run(["git", "init", "-q"], root, env)
    write(root / "pyproject.toml", '[project]\nname = "widget"\nversion = "1.0"\n')
    write(root / ".pre-commit-config.yaml", framework.config())
    installed = _run([sys.executable, "-m", "pre_commit", "install"], root, env)
    assert installed.returncode == 0, installed.stderr
    return root


def _commit(root: Path, framework: Framework, message: str) -> subprocess.CompletedProcess[str]:
    _run(["git", "add", "-A"], root, framework.env)
    return _run(["git", "commit", "-m", message], root, framework.env, timeout=300)


def test_a_clean_commit_passes(framework: Framework, tmp_path: Path) -> None:
    root = _repository(tmp_path / "clean", framework)
    write(root / "app" / "main.py", "def add(a: int, b: int) -> int:\n    return a + b\n")
    result = _commit(root, framework, "clean")
    output = result.stdout + result.stderr  # git hands a hook's output to standard error
    assert result.returncode == 0, output
    for name in ("no private keys (SM-8)", "static analysis (SI-1)", "records and waivers"):
        assert any(name in line and "Passed" in line for line in output.splitlines()), output


def test_a_private_key_is_blocked(framework: Framework, tmp_path: Path) -> None:
    root = _repository(tmp_path / "key", framework)
    write(root / "config" / "device.key", PEM_KEY)
    result = _commit(root, framework, "add the device key")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "config/device.key: RSA PRIVATE KEY (NOT encrypted)" in output
    assert "git restore --staged" in output
    assert _run(["git", "rev-parse", "--verify", "HEAD"], root, framework.env).returncode != 0


def test_a_high_severity_finding_is_blocked_until_fixed_or_waived(framework: Framework, tmp_path: Path) -> None:
    root = _repository(tmp_path / "sast", framework)
    write(root / "app" / "ok.py", "def add(a: int, b: int) -> int:\n    return a + b\n")
    write(
        root / "app" / "tool.py",
        "import subprocess\n\n\ndef run(command: str) -> None:\n    subprocess.call(command, shell=True)\n",
    )
    blocked = _commit(root, framework, "run a shell")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0
    assert re.search(r"static analysis \(SI-1\)\.+Failed", output), output
    finding = re.search(r"^app/tool\.py:5:\d+: B602 high/high .*\(([0-9a-f]{32})\)$", output, re.M)
    assert finding, output  # what and where, with the fingerprint to waive it by
    assert "# nosec" in output and "security/waivers.yaml" in output  # how to fix or waive
    created, expires = current_waiver_window()
    write(
        root / "security" / "waivers.yaml",
        f"""version: 1
waivers:
  - id: W-1
    scope: {{finding: {finding.group(1)}}}
    justification: The command is a constant chosen by the operator at install time.
    requester: Alice Example <alice@example.com>
    approver: Bob Example <bob@example.com>
    created: {created}
    expires: {expires}
""",
    )
    unsigned = _commit(root, framework, "run a shell, waived but not signed")
    assert unsigned.returncode != 0
    assert "waiver W-1 does not count" in unsigned.stdout + unsigned.stderr
    # Bob signs it, and the operator's environment names the register that entitles him.
    keys = {name: ssh_key(tmp_path / "keys", name) for name in ("alice", "bob")}
    register = write_register(tmp_path / "keys" / "approvers.yaml", keys)
    approve_exceptions(root, register, tmp_path / "keys")
    _run(["git", "add", "-A"], root, framework.env)
    env = {**framework.env, "SDL_GATE_APPROVERS": str(register)}
    waived = _run(["git", "commit", "-m", "run a shell, waived"], root, env, timeout=300)
    assert waived.returncode == 0, waived.stdout + waived.stderr


def test_the_config_init_writes_runs_under_pre_commit(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    env = {
        **_env(tmp_path / "home"),
        # language: system hooks run the sdl-gate of the development environment.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    _run(["git", "init", "-q"], root, env)
    assert _run([sys.executable, "-m", "sdl_gate", "init", str(root)], root, env).returncode == 0
    assert _run([sys.executable, "-m", "pre_commit", "install"], root, env).returncode == 0
    write(root / "certs" / "server.pem", PEM_KEY)
    _run(["git", "add", "-A"], root, env)
    result = _run(["git", "commit", "-m", "scaffold"], root, env, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(r"no private keys \(SM-8\)\.+Failed", output), output
    assert "certs/server.pem: RSA PRIVATE KEY" in output
    assert re.search(r"records and waivers\.+Passed", output), output  # the scaffolded register is valid
