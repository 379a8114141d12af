"""``--repository`` names a GitHub repository whose workflows sign; without ``--ref`` it is refused.

Any branch, tag or pull request of a repository can run a workflow that obtains a signing certificate for it,
so trusting the repository alone trusts whatever a contributor's branch signs. Every command that takes the
identity options refuses the pair incomplete, with exit 2 and nothing written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, write

REPOSITORY = ("--repository", "example/widget")


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


@pytest.fixture
def release_file(tmp_path: Path) -> Path:
    return write(tmp_path / "dist" / "widget-1.0.tar.gz", "release archive\n")


@pytest.mark.parametrize(
    "extra",
    [(), ("--identity", "https://github.com/example/widget/.github/workflows/release.yml@refs/heads/main")],
)
def test_verify_refuses_a_repository_without_a_ref(run_cli: RunCli, release_file: Path, extra: tuple[str, ...]) -> None:
    result = run_cli("verify", release_file, *REPOSITORY, *extra)
    assert result.code == 2
    assert "--repository needs --ref" in result.stderr


def test_bundle_verify_refuses_a_repository_without_a_ref(run_cli: RunCli, tmp_path: Path) -> None:
    bundle = write(tmp_path / "release-evidence.zip", "not looked at\n")
    result = run_cli("bundle", "verify", bundle, *REPOSITORY)
    assert result.code == 2
    assert "--repository needs --ref" in result.stderr


def test_report_refuses_a_repository_without_a_ref_and_writes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    bundle = write(tmp_path / "release-evidence.zip", "not looked at\n")
    output = tmp_path / "report.html"
    result = run_cli("report", bundle, *REPOSITORY, "--output", output)
    assert result.code == 2
    assert "--repository needs --ref" in result.stderr
    assert not output.exists()


def test_a_ref_completes_the_pair(run_cli: RunCli, release_file: Path) -> None:
    result = run_cli("verify", release_file, *REPOSITORY, "--ref", "refs/tags/v1.0.0")
    # The pair is accepted; the file has no signature, so it does not verify (exit 1, not a usage error).
    assert result.code == 1, result.stderr
    assert "--repository needs --ref" not in result.stderr
