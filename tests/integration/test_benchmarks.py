"""Every benchmark still runs: each in its smoke mode (tiny inputs, one run, nothing downloaded), timing nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SHARED_FIXTURES

BENCHMARKS = REPO_ROOT / "benchmarks"
#: What a benchmark needs beyond the project and its dev extra, and why it is skipped without it.
NEEDS: dict[str, tuple[bool, str]] = {
    "bundle_hashing.py": (shutil.which("sha256sum") is not None, "sha256sum is not installed"),
    "vulndb_import_and_query.py": ((SHARED_FIXTURES / "osv").is_dir(), "the shared OSV fixtures are absent"),
}


def test_every_benchmark_is_run_here() -> None:
    assert sorted(p.name for p in BENCHMARKS.glob("*.py")) == sorted(p.values[0] for p in _PARAMS)


_PARAMS = [pytest.param(p.name, id=p.stem) for p in sorted(BENCHMARKS.glob("*.py"))]


@pytest.mark.slow
@pytest.mark.parametrize("script", _PARAMS)
def test_the_benchmark_runs_in_smoke_mode(script: str, tmp_path: Path) -> None:
    available, why = NEEDS.get(script, (True, ""))
    if not available:
        pytest.skip(why)
    # The benchmarks start the sdl-gate installed beside this interpreter; their temporary files go to tmp_path.
    env = {
        **os.environ,
        "TMPDIR": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SDL_GATE_CACHE_DIR": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--smoke"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{script} --smoke failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert done.stdout.strip(), f"{script} --smoke printed nothing"
