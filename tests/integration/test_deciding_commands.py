"""Every command that decides says how it audited and what blocks the release, with why and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ProjectFactory, RunCli, write


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


@pytest.mark.slow
def test_bundle_create_audits_offline_when_asked_and_names_what_blocks(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    write(project.root / "requirements.txt", "requests==2.31.0\n")
    empty_cache = tmp_path / "no-database"
    empty_cache.mkdir()
    result = run_cli(
        "bundle", "create", project.root, "--output", tmp_path / "b.zip", "--offline", "--vulndb-dir", empty_cache
    )
    assert result.code == 1, result.stderr
    assert "vulnerability audit (offline" in result.stdout
    assert "ONLINE" not in result.stdout
    listed = " ".join(result.stdout.split("what blocks the release:", 1)[1].split())
    # Each blocking requirement is named with its reason and its fix.
    blocking = int(result.stdout.split(" blocking")[0].rsplit(" ", 1)[1])
    assert sum(1 for line in result.stdout.splitlines() if line.startswith("    fix: ")) == blocking
    assert "DM-1 " in listed and "security_policy: " in listed and "fix: Commit a SECURITY.md" in listed


@pytest.mark.slow
def test_check_writing_a_report_file_names_what_blocks_on_stderr(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("check", project.root, "--format", "sarif", "--output", tmp_path / "gate.sarif")
    assert result.code == 1
    said = " ".join(result.stderr.split())
    assert "what blocks the release:" in said
    assert "DM-1 " in said and "fix: Commit a SECURITY.md" in said
