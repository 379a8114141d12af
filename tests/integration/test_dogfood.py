"""sdl-gate passes its own gate: `sdl-gate check` on this repository under its own policy.

Its policy (`security/policy.yaml`, named in pyproject.toml) is the built-in ML2 policy with the requirements
its waiver register waives marked `waivable: true`; under the built-in policy alone no requirement waiver counts.

The pytest plugin records test results only for the commit it runs at, so on a fresh clone there are none
yet: this test first runs, in a separate pytest session, every test the threat model names for its
mitigations (the marked trust tests among them), which records them as evidence for this commit. Then it
runs the gate offline against a vulnerability database imported from the shared OSV fixtures, and fails
unless the gate passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, SHARED_FIXTURES

THREAT_MODEL = REPO_ROOT / "security" / "threat-model.yaml"


def _listed_tests() -> list[str]:
    model = yaml.safe_load(THREAT_MODEL.read_text(encoding="utf-8"))
    return sorted({test for mitigation in model["mitigations"] for test in mitigation.get("tests", [])})


def test_sdl_gate_passes_its_own_gate_under_its_ml2_based_policy(tmp_path: Path) -> None:
    osv = SHARED_FIXTURES / "osv"
    if not osv.is_dir():
        pytest.skip("shared OSV fixtures not available: the offline vulnerability database is built from them")
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout: evidence is bound to the commit")
    env = {**os.environ, "SDL_GATE_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SOURCE_DATE_EPOCH", None)
    subprocess.run(
        [sys.executable, "-m", "sdl_gate", "vulndb", "import", str(osv)], env=env, check=True, capture_output=True
    )

    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_listed_tests()],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout[-4000:]
    assert "test result(s) recorded as sha256:" in tests.stdout

    output = tmp_path / "assessment.json"
    command = ["check", str(REPO_ROOT), "--offline", "--format", "json", "--output", str(output)]
    gate = subprocess.run(
        [sys.executable, "-m", "sdl_gate", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assessment = json.loads(output.read_text(encoding="utf-8")) if output.is_file() else {}
    blocking = [
        f"{r['id']} {r['verdict']}: " + "; ".join(f["message"] for f in r["findings"] if f["outcome"] != "pass")
        for r in assessment.get("requirements", [])
        if r["id"] in assessment["decision"]["blocking"]
    ]
    assert gate.returncode == 0, "\n".join(blocking) or gate.stderr
    assert assessment["decision"]["passed"] is True
    assert assessment["policy"]["name"] == "sdl-gate-self"
    own = yaml.safe_load((REPO_ROOT / "security" / "policy.yaml").read_text(encoding="utf-8"))
    assert own["extends"] == "iec62443-4-1-ml2"
    # It only makes requirements waivable: every other setting is the built-in policy's.
    assert set(own) == {"version", "name", "description", "extends", "requirements"}
    assert all(entry == {"waivable": True} for entry in own["requirements"].values())
    verdicts = {r["id"]: r["verdict"] for r in assessment["requirements"]}
    # What sdl-gate shows by evidence, not by waiver: its threat model, requirements, tests, audit and policy.
    for requirement in ("SR-1", "SR-3", "SR-4", "SD-2", "SVV-1", "SVV-2", "DM-1", "SM-11", "DM-4"):
        assert verdicts[requirement] == "satisfied", (requirement, verdicts[requirement])
    audit = next(
        f
        for r in assessment["requirements"]
        if r["id"] == "SVV-3"
        for f in r["findings"]
        if f["criterion"] == "known_vulnerabilities"
    )
    assert audit["outcome"] == "pass", audit["message"]
