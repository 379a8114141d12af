"""Fail closed, proven: every tool fault and every evidence-store fault keeps the gate from passing.

The faults are real: a fake ``pip_audit`` package placed first on ``PYTHONPATH`` (sdl-gate runs
``python -m pip_audit``), a fake ``git`` placed first on ``PATH``, and evidence files deleted, truncated,
taken at another commit or older than the policy allows in the project's ``.sdl-gate/evidence``. Each run is
the real CLI on a git copy of the demo project, in this process except where the fault replaces a module
sdl-gate imports itself (bandit, which it runs in its own process for small scans), whose runs start
``python -m sdl_gate``; a baseline run with the real tools shows that the criterion each fault hits is
answered when nothing is wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PROJECT, OSV_SNAPSHOT_PARAMS, SHARED_FIXTURES, cli_in_process, cli_subprocess

pytestmark = pytest.mark.slow  # every test runs the real gate on a git copy of the demo project
OSV = SHARED_FIXTURES / "osv"
GATE_FAILED = 1
#: A hung tool is stopped after this long (SDL_GATE_TOOL_TIMEOUT caps every subprocess timeout).
TOOL_TIMEOUT = "3"

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="1">
  <testcase classname="tests.test_security" name="test_controls" file="tests/test_security.py">
    <properties>
      <property name="security.requirements" value="{requirements}"/>
      <property name="security.mitigations" value="{mitigations}"/>
    </properties>
  </testcase>
</testsuite></testsuites>
"""


@dataclass(frozen=True)
class Gate:
    """A git copy of the demo project with an offline vulnerability database and imported test results."""

    root: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None, subprocess_run: bool = False
    ) -> tuple[int, dict[str, Any], str]:
        output = self.root.parent / "assessment.json"
        output.unlink(missing_ok=True)
        command = ["check", str(self.root), "--format", "json", "--output", str(output), *args]
        # The operator names the database (the repository's own vulndb-dir would not be trusted).
        cache = {"SDL_GATE_CACHE_DIR": str(self.root / ".sdl-gate" / "cache")}
        done = (cli_subprocess if subprocess_run else cli_in_process)(*command, env={**cache, **(env or {})})
        assessment = json.loads(output.read_text()) if output.is_file() else {}
        return done.code, assessment, done.stderr

    def git(self, *args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com", *args],
            cwd=self.root,
            check=True,
            capture_output=True,
        )


def _finding(assessment: dict[str, Any], requirement: str, criterion: str) -> dict[str, Any]:
    result = next(r for r in assessment["requirements"] if r["id"] == requirement)
    return {"verdict": result["verdict"], **next(f for f in result["findings"] if f["criterion"] == criterion)}


def _import_test_results(gate: Gate) -> None:
    model = (gate.root / "security" / "threat-model.yaml").read_text()
    requirements = sorted({line.split()[-1] for line in model.splitlines() if "requirements: [SR-GW-" in line})
    mitigations = sorted({line.split()[-1] for line in model.splitlines() if line.strip().startswith("- id: M-")})
    report = gate.root.parent / "junit.xml"
    report.write_text(
        JUNIT.format(requirements=" ".join(r.strip("[]") for r in requirements), mitigations=" ".join(mitigations))
    )
    done = cli_in_process(
        *("test-results", "import", str(report), "--path", str(gate.root)),
        *("--provenance", "the project's CI, nightly job"),
    )
    assert done.code == 0, done.stderr


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Gate:
    if not OSV.is_dir():
        pytest.skip(f"shared OSV fixtures not available ({OSV.name})")
    root = tmp_path_factory.mktemp("fault") / "project"
    shutil.copytree(DEMO_PROJECT, root, ignore=shutil.ignore_patterns(".sdl-gate"))
    with (root / "security" / "policy.yaml").open("a", encoding="utf-8") as policy:
        policy.write(f"  SVV-3: {{params: {OSV_SNAPSHOT_PARAMS}}}\n  SM-9: {{params: {OSV_SNAPSHOT_PARAMS}}}\n")
        # The test results are imported; these faults are about the evidence store, not about their provenance.
        policy.write("  SVV-1: {params: {imported_test_results: always}}\n")
    gate = Gate(root)
    gate.git("init", "-q")
    gate.git("add", "-A")
    gate.git("commit", "-qm", "release 1.4.0")
    done = cli_in_process("vulndb", "import", str(OSV), "--cache-dir", str(root / ".sdl-gate/cache"))
    assert done.code == 0, done.stderr
    return gate


@pytest.fixture(scope="module")
def baseline(gate: Gate) -> dict[str, Any]:
    """With the real tools: the audit is complete and the imported test results are used."""
    _import_test_results(gate)
    _, assessment, _ = gate.run()
    audit = _finding(assessment, "SVV-3", "known_vulnerabilities")
    assert audit["outcome"] == "pass", audit
    tests = _finding(assessment, "SVV-1", "requirement_tests")
    assert tests["outcome"] != "not_available", tests
    return assessment


# --- Tool faults: pip-audit -----------------------------------------------------------------------------

OUTPUT_ARGUMENT = "import sys\nout = sys.argv[sys.argv.index('--output') + 1]\n"
PIP_AUDIT_FAULTS: dict[str, tuple[str | None, str]] = {
    # name: (pip_audit/__main__.py, or None for a package that cannot run; what the message must say)
    "missing": (None, "pip-audit"),
    "crashing": ("raise RuntimeError('simulated pip-audit crash')\n", "pip-audit"),
    "hanging": ("import time\ntime.sleep(600)\n", f"did not finish within {TOOL_TIMEOUT} s"),
    "garbage": (OUTPUT_ARGUMENT + "open(out, 'w').write('<html>502 Bad Gateway{{')\n", "report is unreadable"),
    "odd exit code": (
        OUTPUT_ARGUMENT + "open(out, 'w').write('{\"dependencies\": []}')\nsys.exit(7)\n",
        "pip-audit",
    ),
    "malformed report": (
        OUTPUT_ARGUMENT
        + 'open(out, \'w\').write(\'{"dependencies": [{"name": "pymodbus", "vulns": [{"x": 1}]}]}\')\n'
        + "sys.exit(1)\n",
        "malformed vulnerability entry",
    ),
}


@pytest.mark.security(requirements=["SR-SG-001"], threats=["T-01"], mitigations=["M-01"])
@pytest.mark.parametrize("fault", sorted(PIP_AUDIT_FAULTS))
def test_pip_audit_fault_leaves_the_audit_not_available(
    fault: str, gate: Gate, baseline: dict[str, Any], tmp_path: Path
) -> None:
    main, expected = PIP_AUDIT_FAULTS[fault]
    package = tmp_path / "shadow" / "pip_audit"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    if main is not None:
        (package / "__main__.py").write_text(main)
    code, assessment, stderr = gate.run(env={"PYTHONPATH": str(package.parent), "SDL_GATE_TOOL_TIMEOUT": TOOL_TIMEOUT})
    assert code == GATE_FAILED, stderr
    assert assessment["decision"]["passed"] is False
    for requirement in ("SVV-3", "SM-9"):
        audit = _finding(assessment, requirement, "known_vulnerabilities")
        assert audit["outcome"] == "not_available", audit
        assert audit["verdict"] in ("not_assessed", "not_satisfied", "partially_satisfied"), audit
        assert expected in audit["message"], audit["message"]
    assert "SVV-3" in assessment["decision"]["blocking"]


# --- Tool faults: bandit --------------------------------------------------------------------------------

#: A ``bandit`` package first on PYTHONPATH that defers to the installed one except for the modules a fault
#: replaces (the worker's ``bandit.core.manager``), so bandit starts normally and then misbehaves mid-scan.
SHIM = """
import os, sysconfig
_real = os.path.join(sysconfig.get_paths()["purelib"], {relative!r})
__path__.append(_real)
with open(os.path.join(_real, "__init__.py")) as _source:
    exec(compile(_source.read(), os.path.join(_real, "__init__.py"), "exec"))
"""
BANDIT_FAULTS: dict[str, tuple[dict[str, str], str]] = {
    # name: (files of the fake package, what the findings or rejections must say)
    "missing": ({"__init__.py": "raise ImportError('No module named bandit')\n"}, "bandit is not installed"),
    "crashing": (
        {"core/manager.py": "raise RuntimeError('simulated bandit crash')\n"},
        "simulated bandit crash",
    ),
    "hanging": ({"plugins/general_hardcoded_password.py": ""}, f"did not finish within {TOOL_TIMEOUT} s"),
}
PLUGIN = "bandit/plugins/general_hardcoded_password.py"


def _hanging_plugin() -> str:
    """bandit's own B105 plugin, except that checking a string literal never returns."""
    real = Path(sysconfig.get_paths()["purelib"]) / PLUGIN
    head = "def hardcoded_password_string(context):\n"
    return real.read_text().replace(head, head + "    import time\n\n    time.sleep(600)\n")


@pytest.mark.security(requirements=["SR-SG-001"], threats=["T-01"], mitigations=["M-01"])
@pytest.mark.parametrize("fault", sorted(BANDIT_FAULTS))
def test_bandit_fault_leaves_static_analysis_unproven(
    fault: str, gate: Gate, baseline: dict[str, Any], tmp_path: Path
) -> None:
    files, expected = BANDIT_FAULTS[fault]
    package = tmp_path / "shadow" / "bandit"
    (package / "core").mkdir(parents=True)
    (package / "__init__.py").write_text(SHIM.format(relative="bandit"))
    (package / "core" / "__init__.py").write_text(SHIM.format(relative="bandit/core"))
    (package / "plugins").mkdir()
    (package / "plugins" / "__init__.py").write_text(SHIM.format(relative="bandit/plugins"))
    for name, text in files.items():
        (package / name).write_text(text or _hanging_plugin())
    shutil.rmtree(gate.root / ".sdl-gate" / "cache" / "sast", ignore_errors=True)  # a fresh runner
    env = {"PYTHONPATH": str(package.parent), "SDL_GATE_TOOL_TIMEOUT": TOOL_TIMEOUT}
    code, assessment, stderr = gate.run(env=env, subprocess_run=True)
    assert code == GATE_FAILED, stderr
    result = next(r for r in assessment["requirements"] if r["id"] == "SI-1")
    assert result["verdict"] in ("not_assessed", "not_satisfied", "partially_satisfied"), result
    sast = [f for f in result["findings"] if f["criterion"].startswith("sast")]
    unproven = [f for f in sast if f["outcome"] in ("not_available", "fail")]
    assert unproven, sast
    said = " ".join(f["message"] for f in unproven) + " ".join(assessment["rejected_evidence"])
    assert expected in said, said
    assert "SI-1" in assessment["decision"]["blocking"]


# --- Tool faults: git -----------------------------------------------------------------------------------

GIT_FAULTS: dict[str, str | None] = {
    "missing": None,
    "crashing": "#!/bin/sh\necho 'fatal: simulated git failure' >&2\nexit 128\n",
    "hanging": "#!/bin/sh\nexec sleep 600\n",
    "garbage": "#!/bin/sh\necho 'not a commit: \\377\\376 {{'\nexit 0\n",
    "odd exit code": "#!/bin/sh\necho 0123456789abcdef0123456789abcdef01234567\nexit 3\n",
}


@pytest.mark.security(requirements=["SR-SG-001", "SR-SG-002"], threats=["T-01", "T-02"], mitigations=["M-09", "M-10"])
@pytest.mark.parametrize("fault", sorted(GIT_FAULTS))
def test_git_fault_unbinds_the_evidence_and_the_gate_fails(
    fault: str, gate: Gate, baseline: dict[str, Any], tmp_path: Path
) -> None:
    """Without a trustworthy commit, evidence taken at the real commit is not used and review freshness is unknown."""
    tools = tmp_path / "bin"
    tools.mkdir()
    script = GIT_FAULTS[fault]
    if script is not None:
        fake = tools / "git"
        fake.write_text(script)
        fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    path = str(tools) if script is None else f"{tools}{os.pathsep}{os.environ['PATH']}"
    code, assessment, stderr = gate.run(env={"PATH": path, "SDL_GATE_TOOL_TIMEOUT": TOOL_TIMEOUT})
    assert code == GATE_FAILED, stderr
    assert assessment["decision"]["passed"] is False
    assert assessment["product"]["commit"] is None
    tests = _finding(assessment, "SVV-1", "requirement_tests")
    assert tests["outcome"] == "not_available", tests
    rejected = " ".join(assessment["rejected_evidence"])
    assert "cannot be bound to the assessed commit: there is no assessed commit" in rejected
    review = _finding(assessment, "SR-2", "threat_model_review")
    assert review["outcome"] in ("not_available", "fail"), review
    assert "SVV-1" in assessment["decision"]["blocking"]


# --- Evidence-store faults ------------------------------------------------------------------------------


def _test_results_object(gate: Gate) -> Path:
    pointer = json.loads((gate.root / ".sdl-gate/evidence/latest/test_results.json").read_text())
    return gate.root / ".sdl-gate/evidence/objects" / (pointer["id"].removeprefix("sha256:") + ".json")


@pytest.mark.security(requirements=["SR-SG-002"], threats=["T-02"], mitigations=["M-02"])
def test_stored_evidence_faults_are_rejected_with_their_cause(gate: Gate, baseline: dict[str, Any]) -> None:
    """Deleted, truncated, tampered, from another commit, too old: never used, always named."""
    cases: list[tuple[str, str]] = []

    def expect(fault: str, cause: str, *args: str) -> None:
        code, assessment, stderr = gate.run(*args)
        assert code == GATE_FAILED, (fault, stderr)
        tests = _finding(assessment, "SVV-1", "requirement_tests")
        assert tests["outcome"] == "not_available", (fault, tests)
        assert "SVV-1" in assessment["decision"]["blocking"], fault
        reasons = [reason for reason in assessment["rejected_evidence"] if "test_results" in reason]
        assert any(cause in reason for reason in reasons), (fault, reasons)
        cases.append((fault, cause))

    stored = _test_results_object(gate)
    original = stored.read_bytes()
    stored.write_bytes(original[: len(original) // 2])
    expect("truncated", "unreadable or truncated")
    document = json.loads(original)
    document["evidence"]["payload"]["results"] = []
    stored.write_text(json.dumps(document))
    expect("tampered", "does not match its content digest")
    stored.unlink()
    expect("deleted", "is missing from")

    _import_test_results(gate)
    collected = json.loads(_test_results_object(gate).read_text())["collected_at"][:10]
    expect("too old", "older than the policy's", "--as-of", "2099-01-01")
    assert collected < "2099-01-01"

    (gate.root / "CHANGELOG.md").write_text("unreleased change\n")
    gate.git("add", "CHANGELOG.md")
    gate.git("commit", "-qm", "a later commit")
    expect("another commit", "not the assessed commit")
    assert [fault for fault, _ in cases] == ["truncated", "tampered", "deleted", "too old", "another commit"]


@pytest.mark.security(requirements=["SR-SG-001"], threats=["T-01"], mitigations=["M-01"])
def test_every_subprocess_timeout_is_capped_by_the_environment() -> None:
    """The cap is honoured and a nonsense value is bad input, not an unbounded wait."""
    from sdl_gate._tool import ToolUnavailable, run_tool
    from sdl_gate.errors import InputError

    script = textwrap.dedent("import time\ntime.sleep(30)\n")
    env = dict(os.environ)
    try:
        os.environ["SDL_GATE_TOOL_TIMEOUT"] = "0.5"
        with pytest.raises(ToolUnavailable, match=r"did not finish within 0\.5 s"):
            run_tool([sys.executable, "-c", script], timeout=60)
        os.environ["SDL_GATE_TOOL_TIMEOUT"] = "forever"
        with pytest.raises(InputError, match="SDL_GATE_TOOL_TIMEOUT='forever'"):
            run_tool([sys.executable, "-c", "pass"])
    finally:
        os.environ.clear()
        os.environ.update(env)
