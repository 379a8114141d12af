"""Two real ``sdl-gate check`` runs on one repository at once (a pre-commit hook and an editor, say).

Neither may corrupt the evidence store or the vulnerability database, and both must give the answer a
single run gives. Repeated a few times, because a race shows only sometimes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
from tests.conftest import DEMO_PROJECT, SHARED_FIXTURES

ROUNDS = 3


def _check(root: Path, output: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sdl_gate", "check", str(root), "--format", "json", "--output", str(output)],
        env={**os.environ, "SOURCE_DATE_EPOCH": "1790000000", "SDL_GATE_CACHE_DIR": str(root / ".sdl-gate" / "cache")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
@pytest.mark.security(requirements=["SR-SG-007"], threats=["T-07"], mitigations=["M-07"])
def test_concurrent_checks_agree_and_leave_an_intact_store(tmp_path: Path) -> None:
    osv = SHARED_FIXTURES / "osv"
    if not osv.is_dir():
        pytest.skip("shared OSV fixtures not available")
    root = tmp_path / "project"
    shutil.copytree(DEMO_PROJECT, root, ignore=shutil.ignore_patterns(".sdl-gate"))
    git = ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "release"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    cache = root / ".sdl-gate" / "cache"
    subprocess.run(
        [sys.executable, "-m", "sdl_gate", "vulndb", "import", str(osv), "--cache-dir", str(cache)],
        check=True,
        capture_output=True,
    )
    single = _check(root, tmp_path / "single.json")
    assert single.wait(timeout=120) == 1, single.stderr.read() if single.stderr else ""
    expected = (tmp_path / "single.json").read_bytes()

    for round_ in range(ROUNDS):
        outputs = [tmp_path / f"round{round_}-{n}.json" for n in range(2)]
        runs = [_check(root, output) for output in outputs]
        codes = [run.wait(timeout=120) for run in runs]
        errors = [run.stderr.read().decode() if run.stderr else "" for run in runs]
        assert codes == [1, 1], errors
        assert [o.read_bytes() for o in outputs] == [expected, expected], f"round {round_}: answers differ"

    store = EvidenceStore(root)
    for kind in EvidenceKind:
        latest = store.latest(kind)
        assert latest is None or isinstance(latest, StoredEvidence), latest
        if isinstance(latest, StoredEvidence):
            assert latest.id == latest.evidence.id
    for stored in (store.directory / "objects").glob("*.json"):
        document = StoredEvidence.model_validate_json(stored.read_bytes())
        assert document.id == document.evidence.id
        assert stored.name == document.id.removeprefix("sha256:") + ".json"
    leftovers = [p.name for p in store.directory.rglob("*") if p.is_file() and not p.name.endswith((".json", ".xml"))]
    assert not [n for n in leftovers if n.startswith(".") or n.endswith(".tmp")], leftovers
    status = subprocess.run(
        [sys.executable, "-m", "sdl_gate", "vulndb", "status", "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "25" in status.stdout, status.stdout
    assert json.loads(expected)["decision"]["passed"] is False
