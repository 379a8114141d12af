"""Every hook and sub-command that says pass or fail agrees with `check` on the same evidence.

Each runs a slice of the gate (the criteria it cares about) through the same collectors, checks and assessment;
these tests run the command and `check` side by side and compare their decisions, including cases where the
command used to decide with its own copy of a rule and drifted from the gate.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import (
    OSV_SNAPSHOT_PARAMS,
    SHARED_FIXTURES,
    ProjectFactory,
    RunCli,
    approve_project_exceptions,
    current_waiver_window,
    write,
)

OSV = SHARED_FIXTURES / "osv"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _gate(run_cli: RunCli, root: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    """Run `check` and return its requirements by id (blocking flag and criterion outcomes)."""
    result = run_cli("check", root, "--format", "json", *args, env=env)
    assert result.code in (0, 1), result.stderr
    assessment = json.loads(result.stdout)
    return {
        r["id"]: {"blocking": r["blocking"], "outcomes": {f["criterion"]: f["outcome"] for f in r["findings"]}}
        for r in assessment["requirements"]
    }


def _blocks(gate: dict[str, dict[str, object]], scope: dict[str, set[str]]) -> bool:
    """Whether `check` fails the scoped criteria: a scoped requirement blocks on a scoped criterion."""
    blocked = False
    for requirement, criteria in scope.items():
        entry = gate[requirement]
        outcomes = entry["outcomes"]
        assert isinstance(outcomes, dict)
        failing = {c for c, o in outcomes.items() if o not in ("pass", "not_applicable")}
        blocked |= bool(entry["blocking"]) and bool(failing & criteria)
    return blocked


def _git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
    }
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


# --- deps hook ↔ SVV-3 and SM-9 known_vulnerabilities ---------------------------------------------------------

DEPS_SCOPE = {"SVV-3": {"known_vulnerabilities"}, "SM-9": {"known_vulnerabilities"}}


@pytest.mark.slow
@pytest.mark.skipif(not OSV.is_dir(), reason="shared OSV fixtures (../shared/fixtures/osv) are not beside the project")
def test_deps_hook_fails_exactly_when_check_fails_the_vulnerability_criteria(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert run_cli("vulndb", "import", OSV, "--cache-dir", cache).code == 0
    env = {"SDL_GATE_CACHE_DIR": str(cache)}
    project.pyproject('policy = "security/policy.yaml"\noffline = true\n')
    # SVV-3 accepts the snapshot database; SM-9 asks the same question with the built-in database limits.
    project.policy(
        f"""
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SVV-3: {{params: {OSV_SNAPSHOT_PARAMS}}}
          SM-9: {{params: {OSV_SNAPSHOT_PARAMS}}}
        """
    )
    write(project.root / "requirements.txt", "pyyaml==5.3\n")

    def agree() -> int:
        hook = run_cli("deps", "--offline", cwd=project.root, env=env)
        assert hook.code in (0, 1), hook.stderr
        assert (hook.code == 1) == _blocks(_gate(run_cli, project.root, "--offline", env=env), DEPS_SCOPE)
        return hook.code

    assert agree() == 1  # open vulnerabilities
    created, expires = current_waiver_window()
    waiver = """
          - id: {id}
            scope: {{vulnerability: {vuln}, package: PyYAML}}
            vex: {{state: not_affected, justification: code_not_reachable}}
            justification: Only safe_load is used; full_load is never called.
            requester: Alice Example <alice@example.com>
            approver: Bob Example <bob@example.com>
            created: {created}
            expires: {expires}
    """
    body = "version: 1\nwaivers:\n" + "".join(
        waiver.format(id=f"W-{n}", vuln=vuln, created=created, expires=expires)
        for n, vuln in enumerate(("CVE-2020-14343", "PYSEC-2020-96"), 1)
    )
    project.waivers(body)
    approve_project_exceptions(project)  # a waiver counts only when signed by an entitled approver
    assert agree() == 0  # every vulnerability waived
    # Drift: the hook judged the database with SVV-3's limits alone, while SM-9 asks the same question with its
    # own; with the built-in limits for SM-9 the snapshot database is too old, and `check` fails on it.
    project.policy(
        f"""
        version: 1
        extends: iec62443-4-1-ml2
        requirements:
          SVV-3: {{params: {OSV_SNAPSHOT_PARAMS}}}
        """
    )
    assert agree() == 1


# --- threat-model check ↔ SR-2, SD-1 and SD-2 threat criteria --------------------------------------------------

THREAT_SCOPE = {
    "SR-2": {"threat_coverage", "threat_model_review"},
    "SD-1": {"boundary_characterisation"},
    "SD-2": {"defence_in_depth"},
}
MODEL = """\
version: 1
product:
  name: widget
  intended_environment: A plant network.
  assumptions: [Firewalls deny by default.]
zones:
  - {id: Z-1, name: inside, sl_t: 2}
  - {id: Z-2, name: outside, sl_t: 3}
conduits:
  - {id: CD-1, between: [Z-1, Z-2], protocol: https}
components:
  - {id: C-1, name: service, zone: Z-1}
  - {id: C-2, name: client, zone: Z-2}
flows:
  - {id: F-1, from: C-2, to: C-1, conduit: CD-1, protocol: https}
threats:
  - {id: T-1, title: Spoofed client, stride: spoofing, affects: [F-1], severity: high, status: mitigated}
mitigations:
  - {id: M-1, description: Client certificates, requirements: [SR-1], tests: ["tests/test_x.py::test_cert"]}
  - {id: M-2, description: Allow list of clients, requirements: [SR-1]}
dispositions:
  - {threat: T-1, status: mitigated, mitigations: [M-1, M-2]}
"""
REQUIREMENTS = """\
version: 1
requirements:
  - {id: SR-1, statement: Clients shall authenticate., category: authentication, scope: [C-1], sl_c: 2,
     threats: [T-1], verification: test}
"""
REVIEW = "reviews:\n  - {date: DATE, reviewers: [A <a@example.com>], commit: COMMIT, scope: [src]}\n"


@pytest.mark.slow
def test_threat_model_check_fails_exactly_when_check_fails_the_threat_criteria(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    root = project.root
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy("version: 1\nextends: iec62443-4-1-ml2\n")
    write(root / "src" / "app.py", "print('v1')\n")
    model_file = write(root / "security" / "threat-model.yaml", MODEL)
    write(root / "security" / "requirements.yaml", REQUIREMENTS)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "v1")
    head = _git(root, "rev-parse", "HEAD")

    def reviewed(on: date) -> None:
        model_file.write_text(MODEL + REVIEW.replace("DATE", on.isoformat()).replace("COMMIT", head), "utf-8")

    def agree() -> int:
        command = run_cli("threat-model", "check", "--path", root, "--format", "json")
        assert command.code in (0, 1), command.stderr
        assert (command.code == 1) == _blocks(_gate(run_cli, root), THREAT_SCOPE), command.stdout
        return command.code

    reviewed(date.today())
    assert agree() == 0
    # Drift: the command held reviews to its own 365 days whatever the policy said; the project's policy asks
    # for a review every 30 days, and a review 100 days old fails `check` and now the command too.
    reviewed(date.today() - timedelta(days=100))
    project.policy("version: 1\nextends: iec62443-4-1-ml2\nrequirements:\n  SR-2: {params: {max_age_days: 30}}\n")
    assert agree() == 1
    # A high threat behind one mitigation fails SD-2 in both.
    model_file.write_text(
        MODEL.replace("mitigations: [M-1, M-2]", "mitigations: [M-1]")
        + REVIEW.replace("DATE", date.today().isoformat()).replace("COMMIT", head),
        "utf-8",
    )
    assert agree() == 1


# --- sast ↔ SI-1, SI-2 and SVV-3 static-analysis criteria -------------------------------------------------------

SAST_SCOPE = {
    "SI-1": {"sast_files_analysed", "languages_analysed", "sast_findings", "sast_skips"},
    "SI-2": {"sast_suppressions"},
    "SVV-3": {"languages_analysed"},
}
SHELL = "import subprocess\n\nsubprocess.call(COMMAND, shell=True)\n"


@pytest.mark.slow
def test_sast_fails_exactly_when_check_fails_the_static_analysis_criteria(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    root = project.root
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy("version: 1\nextends: iec62443-4-1-ml2\n")
    write(root / "app.py", "print('hello')\n")

    def agree(*args: str) -> int:
        command = run_cli("sast", root, "--format", "json", *args)
        assert command.code in (0, 1), command.stderr
        decision = json.loads(command.stdout)["decision"]
        assert decision["passed"] is (command.code == 0)
        assert (command.code == 1) == _blocks(_gate(run_cli, root), SAST_SCOPE), command.stdout
        return command.code

    assert agree() == 0
    write(root / "app.py", SHELL)
    assert agree() == 1  # an open high-severity finding
    # Drift: the command judged findings whatever the policy's mode; with SI-1 advisory `check` does not block on
    # them, and neither does the command now.
    project.policy("version: 1\nextends: iec62443-4-1-ml2\nrequirements:\n  SI-1: {mode: advisory}\n")
    assert agree() == 0
    # Drift: a source language no analyser covers fails SI-1 and SVV-3 in `check`; the command used to pass it.
    write(root / "app.py", "print('hello')\n")
    write(root / "web" / "app.js", "eval(location.hash)\n")
    project.policy("version: 1\nextends: iec62443-4-1-ml2\n")
    assert agree() == 1
    project.policy(
        "version: 1\nextends: iec62443-4-1-ml2\nrequirements:\n"
        "  SI-1: {params: {sast_unanalysed_languages_allowed: [JavaScript]}}\n"
        "  SVV-3: {params: {sast_unanalysed_languages_allowed: [JavaScript]}}\n"
    )
    assert agree() == 0
    # Drift: a requirement scoped out by the policy and an approved SM-5 scoping record is not applicable in
    # `check`; the slice read no records, found the scoping unproven and blocked on it.
    project.record("scoping", "process_document", ["SM-5", "SVV-3"])
    project.policy(
        "version: 1\nextends: iec62443-4-1-ml2\nrequirements:\n"
        "  SI-1: {params: {sast_unanalysed_languages_allowed: [JavaScript]}}\n"
        "  SVV-3: {mode: not_applicable, justification: Verification is the integrator's.}\n"
    )
    assert agree() == 0


def test_sast_judges_its_scan_in_memory_and_stores_no_evidence(run_cli: RunCli, project: ProjectFactory) -> None:
    root = project.root
    project.pyproject()
    write(root / "app.py", SHELL)
    result = run_cli("sast", root)
    assert result.code == 1, result.stderr
    assert "SI-1" in result.stdout  # the gate's criteria decided, and say so
    assert not (root / ".sdl-gate" / "evidence").exists()


# --- records check ↔ the waiver criteria, and with --strict the record criteria ---------------------------------


def _register_scope(*, strict: bool) -> dict[str, set[str]]:
    """Every requirement's expired waivers and the waiver register; with ``strict`` also the criteria that read
    only the records (each requirement's record, the approver register, testers' independence)."""
    from sdl_gate.checks import CHECKS

    return {
        requirement: {"waiver_expiry"}
        | {
            c.name
            for c in check.criteria
            if c.name == "waiver_register" or (strict and {k.value for k in c.kinds} <= {"records", "waivers"})
        }
        for requirement, check in CHECKS.items()
    }


WAIVER = """\
version: 1
waivers:
  - id: W-1
    scope: {{requirement: SI-1}}
    justification: The review practice is being set up this quarter.
    requester: Alice Example <alice@example.com>
    approver: Bob Example <bob@example.com>
    created: {created}
    expires: {expires}
"""


@pytest.mark.slow
def test_records_check_fails_exactly_when_check_fails_the_register_criteria(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    root = project.root
    project.pyproject('policy = "security/policy.yaml"\n')
    project.policy("version: 1\nextends: iec62443-4-1-ml2\n")
    write(root / "app.py", "print('hello')\n")

    def agree(*args: str) -> int:
        command = run_cli("records", "check", root, *args)
        assert command.code in (0, 1), command.stderr
        scope = _register_scope(strict="--strict" in args)
        assert (command.code == 1) == _blocks(_gate(run_cli, root), scope), command.stdout
        return command.code

    assert agree() == 0  # no waiver, nothing to fail
    created, expires = current_waiver_window()
    project.waivers(WAIVER.format(created=created, expires=expires))
    # Drift: an unsigned waiver in its dates was a warning to the command, while `check` fails SM-11 and DM-4 on
    # a waiver register with an exception nobody approved.
    assert agree() == 1
    approve_project_exceptions(project)
    assert agree() == 0
    # An expired waiver fails both.
    past = date.today() - timedelta(days=200)
    project.waivers(WAIVER.format(created=f"{past}T00:00:00Z", expires=f"{past + timedelta(days=30)}T00:00:00Z"))
    approve_project_exceptions(project)
    assert agree() == 1


@pytest.mark.slow
def test_records_check_strict_fails_exactly_when_check_fails_the_record_criteria(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    root = project.root
    project.pyproject('policy = "security/policy.yaml"\n')
    # Only SI-1 is enforced: its review record decides.
    project.policy(
        "version: 1\nextends: iec62443-4-1-ml2\ndefaults: {mode: advisory}\nrequirements:\n  SI-1: {mode: enforced}\n"
    )
    write(root / "app.py", "print('hello')\n")
    today = date.today().isoformat()

    def agree() -> int:
        command = run_cli("records", "check", root, "--strict")
        assert command.code in (0, 1), command.stderr
        assert (command.code == 1) == _blocks(_gate(run_cli, root), _register_scope(strict=True)), command.stdout
        return command.code

    project.record("code-review", "review", ["SI-1"], date=today, approved=None)
    assert agree() == 1  # the only review record is unsigned
    project.record("code-review", "review", ["SI-1"], date=today, approved=today)
    assert agree() == 0
    # Drift: a second, unsigned review record beside the approved one failed --strict, while `check` counts the
    # approved record for SI-1 and passes it; the unsigned one is still listed as a warning.
    project.record("review-draft", "review", ["SI-1"], date=today, approved=None)
    command = run_cli("records", "check", root, "--strict")
    assert "review-draft" in command.stdout
    assert agree() == 0


# --- private-keys ↔ SM-8 no_committed_private_key ---------------------------------------------------------------

PRIVATE_KEY_SCOPE = {"SM-8": {"no_committed_private_key"}}
# Split so that this test file is not itself a committed private key.
PEM_KEY = "-----BEGIN " + "PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBm9aVqf4O5RE3O3\n-----END " + "PRIVATE KEY-----\n"
KEY_WAIVER = """\
version: 1
waivers:
  - id: W-KEY
    scope: {{finding: "private-key:tests/fixture.pem"}}
    justification: Throw-away key used only by the unit tests, never for releases.
    requester: Alice Example <alice@example.com>
    approver: Bob Example <bob@example.com>
    created: {created}
    expires: {expires}
"""


@pytest.mark.slow
def test_private_keys_fails_exactly_when_check_fails_the_committed_key_criterion(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    root = project.root
    project.pyproject()
    write(root / "app.py", "print('hello')\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "v1")

    def agree(*files: str) -> int:
        hook = run_cli("private-keys", *files, cwd=root)
        assert hook.code in (0, 1), hook.stderr
        assert (hook.code == 1) == _blocks(_gate(run_cli, root), PRIVATE_KEY_SCOPE), hook.stdout
        return hook.code

    assert agree() == 0
    write(root / "tests" / "fixture.pem", PEM_KEY)
    _git(root, "add", "tests/fixture.pem")
    assert agree() == 1  # the tracked files hold a key
    assert agree("tests/fixture.pem", "app.py") == 1  # so do the files given
    created, expires = current_waiver_window()
    project.waivers(KEY_WAIVER.format(created=created, expires=expires))
    # A waiver nobody approved counts in neither.
    assert agree("tests/fixture.pem") == 1
    # Drift: the hook failed on any key, while `check` accepts a test key waived by its fingerprint.
    approve_project_exceptions(project)
    assert agree() == 0
    hook = run_cli("private-keys", "tests/fixture.pem", cwd=root)
    assert hook.code == 0 and "waived by W-KEY" in hook.stdout


# --- sbom-current ↔ SM-9 sbom_current ----------------------------------------------------------------------------

SBOM_SCOPE = {"SM-9": {"sbom_current"}}


@pytest.mark.slow
def test_sbom_current_fails_exactly_when_check_fails_the_sbom_currency_criterion(
    run_cli: RunCli, project: ProjectFactory
) -> None:
    root = project.root
    write(root / "requirements.txt", "pyyaml==6.0.2\nidna==3.7\n")
    assert run_cli("sbom", root, "--output", root / "sbom.cdx.json").code == 0
    project.pyproject('policy = "security/policy.yaml"\nsbom = "sbom.cdx.json"\n')
    project.policy("version: 1\nextends: iec62443-4-1-ml2\n")

    def agree() -> int:
        hook = run_cli("sbom-current", root)
        assert hook.code in (0, 1), hook.stderr
        assert (hook.code == 1) == _blocks(_gate(run_cli, root), SBOM_SCOPE), hook.stdout
        return hook.code

    assert agree() == 0
    # The SBOM's NTIA elements are `check`'s `sbom` criterion, not the hook's: the project lists no authors, so
    # `check` fails `sbom` while the SBOM is current.
    outcomes = _gate(run_cli, root)["SM-9"]["outcomes"]
    assert isinstance(outcomes, dict)
    assert (outcomes["sbom"], outcomes["sbom_current"]) == ("fail", "pass")
    write(root / "requirements.txt", "pyyaml==6.0.3\nidna==3.7\nurllib3==2.2.3\n")
    assert agree() == 1  # out of date in both
    # Drift: the hook failed an out-of-date SBOM whatever the policy said; with SM-9 advisory `check` does not
    # block on it, and neither does the hook now.
    project.policy("version: 1\nextends: iec62443-4-1-ml2\nrequirements:\n  SM-9: {mode: advisory}\n")
    hook = run_cli("sbom-current", root)
    assert "urllib3: missing from sbom" in hook.stdout
    assert agree() == 0


# --- sdl-check (pre-push) ↔ the whole gate ----------------------------------------------------------------------


@pytest.mark.slow
def test_pre_push_fails_exactly_when_check_fails_and_names_what_blocks(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    env = {"SDL_GATE_CACHE_DIR": str(tmp_path / "empty-cache")}  # offline and empty: no network
    project.pyproject('offline = true\npolicy = "security/policy.yaml"\n')
    project.doc("SECURITY.md", "Report to security@example.com\n")

    def agree() -> set[str]:
        hook = run_cli("pre-push", project.root, "--blocking", env=env)
        gate = _gate(run_cli, project.root, env=env)
        blocking = {rid for rid, entry in gate.items() if entry["blocking"]}
        assert hook.code in (0, 1), hook.stderr
        assert (hook.code == 1) == bool(blocking), hook.stdout
        named = {line.split()[0] for line in hook.stdout.splitlines()[1:] if line.startswith("  ") and line.split()}
        assert named <= blocking, named - blocking  # it names only what blocks the gate
        return blocking

    # Every requirement advisory but one that fails: both block on exactly that one.
    project.policy(
        "version: 1\nextends: iec62443-4-1-ml2\ndefaults: {mode: advisory}\nrequirements:\n  SM-1: {mode: enforced}\n"
    )
    assert agree() == {"SM-1"}
    hook = run_cli("pre-push", project.root, "--blocking", env=env)
    assert any(line.split()[:1] == ["SM-1"] for line in hook.stdout.splitlines()), hook.stdout
    # Advisory throughout: both pass.
    project.policy("version: 1\nextends: iec62443-4-1-ml2\ndefaults: {mode: advisory}\nrequirements:\n  DM-1: {}\n")
    assert agree() == set()
