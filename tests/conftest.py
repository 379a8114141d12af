"""Shared test helpers: small real projects on disk, and the CLI run as a user runs it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
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


def current_waiver_window() -> tuple[str, str]:
    """``created`` and ``expires`` of a waiver in force today (UTC) and within the built-in 180-day limit."""
    today = datetime.now(timezone.utc).date()
    return f"{today - timedelta(days=30)}T00:00:00Z", f"{today + timedelta(days=120)}T00:00:00Z"


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class ProjectFactory:
    """Builds a minimal project under a temporary directory."""

    root: Path

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
        verifies: list[str] | None = None,
    ) -> Path:
        """Write a record file; ``links`` are project-relative paths pinned at their current digest."""
        lines = [
            "version: 1",
            f"id: {record_id}",
            f"kind: {kind}",
            f"title: {record_id} title",
            f"requirements: [{', '.join(requirements)}]",
            f"date: {date}",
            "author: Alice Example <alice@example.com>",
        ]
        if approved is not None:
            lines += ["approval:", "  approver: Bob Example <bob@example.com>", f"  date: {approved}"]
        if links:
            lines.append("links:")
            for link in links:
                lines += [f"  - path: {link}", f"    sha256: {sha256_of(self.root / link)}"]
        if valid_until is not None:
            lines.append(f"valid_until: {valid_until}")
        if verifies is not None:
            lines.append(f"verifies: [{', '.join(verifies)}]")
        return write(self.root / "security" / "records" / f"{record_id}.yaml", "\n".join(lines) + "\n")

    def waivers(self, body: str) -> Path:
        """Write security/waivers.yaml."""
        return write(self.root / "security" / "waivers.yaml", body)

    def policy(self, body: str, name: str = "policy.yaml") -> Path:
        """Write a policy file under security/."""
        return write(self.root / "security" / name, body)


@pytest.fixture
def project(tmp_path: Path) -> ProjectFactory:
    """An empty project directory with a pyproject.toml."""
    factory = ProjectFactory(tmp_path / "proj")
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
