"""sdl-gate passes its own gate: `sdl-gate check` on this repository under its own policy.

Its policy (`security/policy.yaml`, named in pyproject.toml) is the built-in ML2 policy with SM-10 not applicable
(as its signed SM-5 scoping record says) and the requirements its waiver register waives marked `waivable: true`;
under the built-in policy alone no requirement waiver counts. The requirements its records evidence (process,
roles, scope, design practices, coding standard, disclosure policy, guideline review) are not waivable: they rest
on records the maintainers signed, verified against the approver register `security/approvers.yaml`.

The gate reads the test results the pytest plugin recorded for this commit, so this test runs after the
suite, on the results of that same run: `scripts/test` runs every test (recording them), then this test with
``--dogfood-since`` set to when the suite started. Run alone without that option it skips and says why. It
checks that every test the threat model names for a mitigation passed in that run, then runs the gate offline
against a vulnerability database imported from the shared OSV fixtures, and fails unless the gate passes.
That database is a 2023 snapshot of 25 advisories, which the built-in policy rightly refuses as too old and
too small to have covered an audit, so the gate runs under a policy that extends the project's own with only
SVV-3's and SM-9's database parameters set to accept it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from sdl_gate.evidence import EvidenceKind, EvidenceStore, StoredEvidence
from tests.conftest import OSV_SNAPSHOT_PARAMS, OSV_SNAPSHOT_POLICY, REPO_ROOT, SHARED_FIXTURES, cli_in_process

THREAT_MODEL = REPO_ROOT / "security" / "threat-model.yaml"
OWN_POLICY = REPO_ROOT / "security" / "policy.yaml"
OWN_APPROVERS = REPO_ROOT / "security" / "approvers.yaml"
#: The requirements sdl-gate evidences with records its maintainers signed, never with a waiver.
SIGNED_RECORDS = (
    "SM-1",
    "SM-2",
    "SM-3",
    "SM-5",
    "SD-1",
    "SD-4",
    "SI-2",
    "DM-5",
    "SG-1",
    "SG-2",
    "SG-3",
    "SG-4",
    "SG-5",
    "SG-6",
    "SG-7",
)


def _listed_tests() -> list[str]:
    model = yaml.safe_load(THREAT_MODEL.read_text(encoding="utf-8"))
    return sorted({test for mitigation in model["mitigations"] for test in mitigation.get("tests", [])})


def _suite_results(since: datetime) -> dict[str, str]:
    """The outcome of every test the suite run that started at ``since`` recorded for this commit."""
    stored = EvidenceStore(REPO_ROOT).latest(EvidenceKind.TEST_RESULTS)
    assert isinstance(stored, StoredEvidence), f"no test results recorded in this repository: {stored}"
    assert stored.collected_at >= since, (
        f"the latest test results were recorded at {stored.collected_at}, before the run"
    )
    return {test["node_id"]: test["outcome"] for test in stored.evidence.payload["tests"]}


@pytest.mark.slow
def test_sdl_gate_passes_its_own_gate_under_its_ml2_based_policy(
    tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    since_option = request.config.getoption("--dogfood-since")
    if since_option is None:
        pytest.skip("runs after the suite, on the test results it recorded: scripts/test")
    osv = SHARED_FIXTURES / "osv"
    if not osv.is_dir():
        pytest.skip("shared OSV fixtures not available: the offline vulnerability database is built from them")
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout: evidence is bound to the commit")

    results = _suite_results(datetime.fromisoformat(str(since_option)))
    for listed in _listed_tests():
        outcomes = {o for node, o in results.items() if node == listed or node.startswith(listed + "[")}
        assert outcomes == {"passed"}, f"{listed}: {sorted(outcomes) or 'not run'} in the suite run"

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # the gate runs today, as a release manager runs it
    env = {**os.environ, "SDL_GATE_CACHE_DIR": str(tmp_path / "cache")}
    # The set-up commands run in this process (this step runs alone, after the suite, so every second counts);
    # the gate itself runs as a user runs it.
    imported = cli_in_process("vulndb", "import", osv, "--cache-dir", tmp_path / "cache")
    assert imported.code == 0, imported.stderr
    output = tmp_path / "assessment.json"
    # The project's own policy, with only SVV-3's and SM-9's database parameters set to accept the fixtures.
    policy = tmp_path / "own-policy-with-fixture-database.yaml"
    policy.write_text(
        OSV_SNAPSHOT_POLICY.replace("extends: iec62443-4-1-ml2", f"extends: {json.dumps(str(OWN_POLICY))}").replace(
            "requirements:\n", f"requirements:\n  SM-9: {{params: {OSV_SNAPSHOT_PARAMS}}}\n"
        ),
        encoding="utf-8",
    )
    command = ["check", str(REPO_ROOT), "--offline", "--format", "json", "--output", str(output)]
    # The test is the operator here: it names the register of the checkout it was started from, which it trusts as
    # a release manager trusts a checkout of the main branch. A gate run on a pull request names the base branch's
    # copy instead (--trusted-ref), so that a change cannot approve itself by editing the register.
    command += ["--approvers", str(OWN_APPROVERS)]
    gate = subprocess.run(
        [sys.executable, "-m", "sdl_gate", *command, "--policy", str(policy)],
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
    shown = cli_in_process("policy", "show", policy, "--format", "json")
    assert shown.code == 0, shown.stderr
    assert json.loads(shown.stdout)["extends"] == ["builtin:iec62443-4-1-ml2", str(OWN_POLICY)]
    own = yaml.safe_load(OWN_POLICY.read_text(encoding="utf-8"))
    assert own["name"] == "sdl-gate-self"
    assert own["extends"] == "iec62443-4-1-ml2"
    # It only makes requirements waivable, and SM-10 not applicable: every other setting is the built-in policy's.
    assert set(own) == {"version", "name", "description", "extends", "requirements"}
    scoped_out = {rid for rid, entry in own["requirements"].items() if entry != {"waivable": True}}
    assert scoped_out == {"SM-10"}
    assert set(own["requirements"]["SM-10"]) == {"mode", "justification"}
    assert own["requirements"]["SM-10"]["mode"] == "not_applicable"
    assert not set(SIGNED_RECORDS) & set(own["requirements"]), "a requirement resting on signed records is waivable"
    verdicts = {r["id"]: r["verdict"] for r in assessment["requirements"]}
    # What sdl-gate shows by evidence, not by waiver: its tests, audit and policy, and (SM-11, DM-4) a waiver
    # register whose every waiver its maintainers signed. SR-1, SR-3, SR-4 and SD-2 are class H: their automated
    # evidence holds, but they wait for a recorded review and are waived until then.
    for requirement in ("SVV-1", "SVV-2", "DM-1", "SM-11", "DM-4"):
        assert verdicts[requirement] == "satisfied", (requirement, verdicts[requirement])
    # What it shows by records its maintainers signed, verified against the approver register.
    for requirement in SIGNED_RECORDS:
        assert verdicts[requirement] == "satisfied", (requirement, verdicts[requirement])
    assert all(waiver["approval"] == "approved" for waiver in assessment["waivers"]), "an own waiver does not count"
    # SM-10 is scoped out by policy, which counts only with the approved SM-5 scoping record naming it.
    assert verdicts["SM-10"] == "not_applicable"
    audit = next(
        f
        for r in assessment["requirements"]
        if r["id"] == "SVV-3"
        for f in r["findings"]
        if f["criterion"] == "known_vulnerabilities"
    )
    assert audit["outcome"] == "pass", audit["message"]
