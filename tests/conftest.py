"""Shared test helpers: small real projects on disk, and the CLI run as a user runs it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_PROJECT = REPO_ROOT / "examples" / "demo-project"
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path``, creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


RECORD_KINDS = (
    "process_document, review, training, pen_test, periodic_review, supplier_attestation, test_report, "
    "release_notes, key_custody, triage"
)


def ssh_key(directory: Path, name: str) -> Path:
    """Generate an unencrypted ed25519 SSH key pair ``directory/name`` (+ ``.pub``) with the real ssh-keygen."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True, capture_output=True
    )
    return key


def write_register(path: Path, keys: dict[str, Path], extra: str = "") -> Path:
    """Write an approver register: Alice (development, the records' author) and Bob (product security, approves
    every kind of record), each with the key in ``keys``; ``extra`` (indented as list items) is appended to people."""
    body = f"""\
        version: 1
        roles:
          product-security:
            approves:
              - kinds: [{RECORD_KINDS}]
        people:
          - name: Alice Example
            email: alice@example.com
            department: Development
            organisation: Example GmbH
            ssh_keys: ["{keys["alice"].with_suffix(".pub").read_text().strip()}"]
          - name: Bob Example
            email: bob@example.com
            department: Product Security
            organisation: Example GmbH
            ssh_keys: ["{keys["bob"].with_suffix(".pub").read_text().strip()}"]
            roles: [product-security]
        """
    return write(path, textwrap.dedent(body) + extra)


def sign_record(record_file: Path, key: Path, approver: str, approved_on: str) -> Path:
    """Approve ``record_file`` as ``approver`` on ``approved_on`` with the real ssh-keygen; return the sidecar."""
    from datetime import date

    from sdl_gate.approvals.canonical import approval_message
    from sdl_gate.approvals.sidecar import ApprovalsFile, LinkedFile, SignedApproval, load_approvals, write_approvals
    from sdl_gate.approvals.signatures import sign_ssh
    from sdl_gate.collectors.records import load_record

    record, _ = load_record(record_file)
    root = record_file.parent.parent.parent
    linked = [(link.path, sha256_of(root / link.path)) for link in record.links if link.path is not None]
    day = date.fromisoformat(approved_on)
    message = approval_message(record.signed_content(), linked, approver, day)
    approval = SignedApproval(
        approver=approver,
        date=day,
        linked_files=[LinkedFile(path=p, sha256=d) for p, d in linked],
        ssh_signature=sign_ssh(message, key),
    )
    existing = load_approvals(record_file, record.id)
    kept = [a for a in (existing.approvals if existing else []) if a.approver != approver]
    return write_approvals(record_file, ApprovalsFile(version=1, record=record.id, approvals=[*kept, approval]))


@dataclass
class ProjectFactory:
    """Builds a minimal project under a temporary directory, with a trusted approver register beside it.

    The register (``approvers``, outside the project) is named by ``SDL_GATE_APPROVERS``, as an operator would;
    Bob's key (``keys["bob"]``) approves records, Alice (``keys["alice"]``) writes them.
    """

    root: Path
    approvers: Path | None = None
    keys: dict[str, Path] | None = None

    @classmethod
    def signed_by(cls, root: Path, keys_dir: Path) -> ProjectFactory:
        """A factory for ``root`` (not created) with Alice's and Bob's keys and a register in ``keys_dir``."""
        keys = {name: ssh_key(keys_dir, name) for name in ("alice", "bob")}
        return cls(root, approvers=write_register(keys_dir / "approvers.yaml", keys), keys=keys)

    def pyproject(self, tool_section: str = "") -> Path:
        """Write pyproject.toml with an optional ``[tool.sdl-gate]`` body."""
        body = '[project]\nname = "widget"\nversion = "2.0.0"\n'
        if tool_section:
            body += "\n[tool.sdl-gate]\n" + textwrap.dedent(tool_section).lstrip("\n")
        return write(self.root / "pyproject.toml", body)

    def doc(self, relative: str, text: str = "# document\n\ncontent\n") -> Path:
        """Write a document inside the project."""
        return write(self.root / relative, text)

    def record(
        self,
        record_id: str,
        kind: str,
        requirements: list[str],
        *,
        date: str = "2026-01-10",
        approved: str | None = "2026-01-12",
        links: list[str] | None = None,
        valid_until: str | None = None,
        author: str = "Alice Example <alice@example.com>",
    ) -> Path:
        """Write a record file by ``author``; when ``approved`` is a date, Bob signs it that day (with the digests
        of the ``links``, project-relative paths, as they are now)."""
        lines = [
            "version: 1",
            f"id: {record_id}",
            f"kind: {kind}",
            f"title: {record_id} title",
            f"requirements: [{', '.join(requirements)}]",
            f"date: {date}",
            f"author: {author}",
        ]
        if links:
            lines.append("links:")
            for link in links:
                lines += [f"  - path: {link}"]
        if valid_until is not None:
            lines.append(f"valid_until: {valid_until}")
        path = write(self.root / "security" / "records" / f"{record_id}.yaml", "\n".join(lines) + "\n")
        if approved is not None:
            assert self.keys is not None, "this project has no approver keys"
            sign_record(path, self.keys["bob"], "bob@example.com", approved)
        return path

    def waivers(self, body: str) -> Path:
        """Write security/waivers.yaml."""
        return write(self.root / "security" / "waivers.yaml", body)

    def policy(self, body: str, name: str = "policy.yaml") -> Path:
        """Write a policy file under security/."""
        return write(self.root / "security" / name, body)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectFactory:
    """An empty project directory with a pyproject.toml, and a trusted approver register named by the environment."""
    factory = ProjectFactory.signed_by(tmp_path / "proj", tmp_path / "keys")
    monkeypatch.setenv("SDL_GATE_APPROVERS", str(factory.approvers))
    monkeypatch.delenv("SDL_GATE_TRUSTED_REF", raising=False)
    factory.root.mkdir()
    factory.pyproject()
    return factory


@dataclass(frozen=True)
class CliResult:
    """What a CLI run printed and returned."""

    code: int
    stdout: str
    stderr: str


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli() -> RunCli:
    """Run ``python -m sdl_gate`` in a subprocess, exactly as a user or CI would."""

    def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
        full_env = {**os.environ, **(env or {})}
        completed = subprocess.run(
            [sys.executable, "-m", "sdl_gate", *map(str, args)],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return CliResult(completed.returncode, completed.stdout, completed.stderr)

    return run


# --- Golden files (report renderers) -------------------------------------------------------------------

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--update-golden``: the only way golden files are rewritten."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/* from the current renderers instead of comparing against them",
    )


Golden = Callable[[str, str], None]


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """Compare text with tests/golden/NAME; rewrite it only under ``--update-golden``."""
    update = bool(request.config.getoption("--update-golden"))

    def compare(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8", newline="")
            return
        if not path.is_file():
            pytest.fail(f"golden file tests/golden/{name} is missing; create it with `pytest --update-golden`")
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from tests/golden/{name}; if intended, run `pytest --update-golden`"

    return compare
