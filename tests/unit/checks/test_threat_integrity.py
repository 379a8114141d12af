"""Threat-model integrity: no criterion on the threat model, requirements or their tests passes on emptiness.

Each test builds a real project (a git repository where freshness needs one), collects its evidence with the
real collectors, and evaluates one criterion as the gate does.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

from sdl_gate._git import git_commit
from sdl_gate.checks import CHECKS
from sdl_gate.checks._base import CheckInput, Criterion, Finding, Outcome
from sdl_gate.checks._threats import (
    boundary_characterisation,
    defence_in_depth,
    mitigations_tested,
    requirements_content,
    requirements_defined,
    requirements_tested,
    security_context,
    threat_coverage,
    threat_model_review,
)
from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.security_requirements import SecurityRequirementsCollector
from sdl_gate.collectors.test_results import TestOutcome, TestResult, results_evidence
from sdl_gate.collectors.threat_model import ThreatModelCollector
from sdl_gate.config import load_project
from sdl_gate.evidence import Evidence, EvidenceSet, StoredEvidence
from sdl_gate.policy.models import Mode, ResolvedRequirement
from sdl_gate.policy.waivers import WaiverRegister
from tests.conftest import write

TODAY = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
MODEL_PATH = "security/threat-model.yaml"

MODEL = """\
version: 1
product:
  name: widget
  intended_environment: A plant network behind a default-deny firewall, operated by site staff.
  assumptions: [The firewall denies everything not explicitly allowed.]
zones:
  - {id: Z-1, name: inside, sl_t: 2}
  - {id: Z-2, name: outside, sl_t: 2}
conduits:
  - {id: CD-1, between: [Z-1, Z-2], protocol: https}
components:
  - {id: C-1, name: service, zone: Z-1}
  - {id: C-2, name: client, zone: Z-2}
flows:
  - {id: F-1, from: C-2, to: C-1, conduit: CD-1, protocol: https}
threats:
  - {id: T-1, title: Spoofed client, stride: spoofing, affects: [F-1], severity: high, status: mitigated}
  - {id: T-2, title: Flooding, stride: denial_of_service, affects: [C-1], severity: low, status: accepted}
mitigations:
  - {id: M-1, description: Client certificates checked against the site CA, tests: ["tests/test_x.py::test_cert"]}
  - {id: M-2, description: Allow list of client addresses on the firewall, tests: ["tests/test_x.py::test_allow"]}
dispositions:
  - {threat: T-1, status: mitigated, mitigations: [M-1, M-2]}
  - {threat: T-2, status: accepted, approver: A <a@example.com>, date: 2026-01-05, rationale: Rate limited upstream.}
"""

REVIEW = """\
reviews:
  - {date: 2026-10-01, reviewers: [A <a@example.com>], commit: COMMIT, scope: [src]CONCLUSION}
"""

REQUIREMENTS = """\
version: 1
requirements:
  - {id: SR-1, statement: Clients shall authenticate with a certificate., category: authentication, scope: [C-1],
     sl_c: 2, threats: [T-1], verification: test}
"""

NO_HIGH = MODEL.replace("severity: high", "severity: medium")


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip()


def _project(tmp_path: Path, model: str = MODEL, requirements: str | None = REQUIREMENTS) -> Path:
    root = tmp_path / "proj"
    write(root / "pyproject.toml", '[project]\nname = "widget"\nversion = "1.0.0"\n')
    write(root / "src" / "app.py", "print('v1')\n")
    write(root / MODEL_PATH, model)
    if requirements is not None:
        write(root / "security" / "requirements.yaml", requirements)
    return root


def _reviewed(tmp_path: Path, model: str = MODEL, conclusion: str | None = None) -> tuple[Path, str]:
    """Commit the project, review that commit, then record the review in the model."""
    root = _project(tmp_path, model)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "model and code")
    commit = _git(root, "rev-parse", "HEAD")
    _record_review(root, model, commit, conclusion)
    return root, commit


def _record_review(root: Path, model: str, commit: str, conclusion: str | None = None) -> None:
    review = REVIEW.replace("COMMIT", commit).replace("CONCLUSION", f", conclusion: {conclusion}" if conclusion else "")
    write(root / MODEL_PATH, model + review)


def _evaluate(root: Path, criterion: Criterion, requirement: str, *extra: Evidence) -> Finding:
    context = CollectContext(project=load_project(root), commit=git_commit(root), now=NOW, waivers=WaiverRegister())
    collected = [ThreatModelCollector().collect(context), SecurityRequirementsCollector().collect(context), *extra]
    evidence = EvidenceSet(
        commit=context.commit,
        items=tuple(StoredEvidence(id=e.id, collected_at=NOW, evidence=e) for e in collected),
    )
    policy = ResolvedRequirement(mode=Mode.ENFORCED, justification=None, enforced_from=None, max_age_days=365)
    return criterion.answer(CheckInput(requirement, evidence, policy, WaiverRegister(), TODAY))


# --- SD-2: defence in depth -------------------------------------------------------------------------------


def test_sd2_fails_after_a_high_threat_is_downgraded_since_the_review(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path)
    assert _evaluate(root, defence_in_depth, "SD-2").outcome is Outcome.PASS
    _record_review(root, NO_HIGH, commit)
    finding = _evaluate(root, defence_in_depth, "SD-2")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "T-1: severity lowered high -> medium" in finding.message
    assert finding.location == MODEL_PATH


def test_sd2_fails_when_a_high_threat_is_removed_since_the_review_even_if_others_remain(tmp_path: Path) -> None:
    critical = (
        "  - {id: T-3, title: Replay, stride: tampering, affects: [F-1], severity: critical, status: mitigated}\n"
    )
    decided = "  - {threat: T-3, status: mitigated, mitigations: [M-1, M-2]}\n"
    reviewed = MODEL.replace("mitigations:\n", critical + "mitigations:\n", 1).replace(
        "dispositions:\n", "dispositions:\n" + decided
    )
    root, commit = _reviewed(tmp_path, reviewed)
    assert _evaluate(root, defence_in_depth, "SD-2").outcome is Outcome.PASS
    _record_review(root, MODEL, commit)  # T-3 and its disposition deleted; T-1 (high) still well mitigated
    finding = _evaluate(root, defence_in_depth, "SD-2")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "threat T-3: removed (was critical)" in finding.message


def test_sd2_two_placeholder_mitigations_are_no_mitigation(tmp_path: Path) -> None:
    model = MODEL.replace("Client certificates checked against the site CA", "TBD").replace(
        "Allow list of client addresses on the firewall", "TBD"
    )
    root = _project(tmp_path, model)
    finding = _evaluate(root, defence_in_depth, "SD-2")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "T-1 (high) has 0 mitigation(s)" in finding.message
    assert "M-1, M-2" in finding.message


def test_sd2_one_real_and_one_placeholder_mitigation_is_not_defence_in_depth(tmp_path: Path) -> None:
    root = _project(tmp_path, MODEL.replace("Allow list of client addresses on the firewall", "n/a"))
    finding = _evaluate(root, defence_in_depth, "SD-2")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "T-1 (high) has 1 mitigation(s) (M-1)" in finding.message


def test_sd2_with_no_high_threat_and_no_review_conclusion_is_not_available(tmp_path: Path) -> None:
    root, _ = _reviewed(tmp_path, NO_HIGH)
    finding = _evaluate(root, defence_in_depth, "SD-2")
    assert finding.outcome is Outcome.NOT_AVAILABLE, finding.message
    assert "no_high_threats" in finding.message


def test_sd2_with_no_high_threat_passes_when_the_current_review_concludes_so(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path, NO_HIGH, conclusion="no_high_threats")
    finding = _evaluate(root, defence_in_depth, "SD-2")
    assert finding.outcome is Outcome.PASS, finding.message
    assert commit[:12] in finding.message


def test_sd2_review_conclusion_no_longer_holds_once_the_model_changed(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path, NO_HIGH, conclusion="no_high_threats")
    _record_review(
        root, NO_HIGH.replace("title: Flooding", "title: Flooding of the service"), commit, "no_high_threats"
    )
    finding = _evaluate(root, defence_in_depth, "SD-2")
    assert finding.outcome is Outcome.NOT_AVAILABLE, finding.message
    assert "threat T-2" in finding.message


def test_sd2_review_conclusion_at_a_commit_git_cannot_find_is_not_available(tmp_path: Path) -> None:
    root, _ = _reviewed(tmp_path, NO_HIGH)
    _record_review(root, NO_HIGH, "0123456789abcdef0123456789abcdef01234567", "no_high_threats")
    finding = _evaluate(root, defence_in_depth, "SD-2")
    assert finding.outcome is Outcome.NOT_AVAILABLE, finding.message


def test_sd2_a_model_without_threats_is_not_available(tmp_path: Path) -> None:
    empty = MODEL.split("threats:", maxsplit=1)[0] + "mitigations: []\n"
    root = _project(tmp_path, empty, requirements=None)
    assert _evaluate(root, defence_in_depth, "SD-2").outcome is Outcome.NOT_AVAILABLE


# --- SR-2: review freshness and threat coverage -------------------------------------------------------------


def test_sr2_review_is_stale_after_a_downgrade_and_says_what_changed(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path)
    assert _evaluate(root, threat_model_review, "SR-2").outcome is Outcome.PASS
    _record_review(root, NO_HIGH.replace("mitigations: [M-1, M-2]", "mitigations: [M-1]"), commit)
    finding = _evaluate(root, threat_model_review, "SR-2")
    assert finding.outcome is Outcome.FAIL, finding.message
    lowered = finding.message.index("threat T-1: severity lowered high -> medium")
    assert lowered < finding.message.index("disposition of T-1: mitigations [M-1, M-2] -> [M-1]")


def test_sr2_review_whose_scope_matches_no_file_fails(tmp_path: Path) -> None:
    root, _ = _reviewed(tmp_path)
    write(root / MODEL_PATH, (root / MODEL_PATH).read_text().replace("scope: [src]", "scope: [nothing-here]"))
    finding = _evaluate(root, threat_model_review, "SR-2")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "nothing-here" in finding.message


def test_sr2_coverage_fails_when_no_flow_crosses_a_boundary(tmp_path: Path) -> None:
    model = MODEL.replace("{id: C-2, name: client, zone: Z-2}", "{id: C-2, name: client, zone: Z-1}").replace(
        ", conduit: CD-1", ""
    )
    root = _project(tmp_path, model)
    finding = _evaluate(root, threat_coverage, "SR-2")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "no flow crosses a zone or trust boundary" in finding.message


def test_sr2_coverage_fails_on_placeholder_mitigations_and_rationales(tmp_path: Path) -> None:
    model = MODEL.replace("Allow list of client addresses on the firewall", "TBD").replace(
        "rationale: Rate limited upstream.", "rationale: n/a"
    )
    root = _project(tmp_path, model)
    finding = _evaluate(root, threat_coverage, "SR-2")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "T-1 is mitigated by M-2, whose description contains 'TBD'" in finding.message
    assert "T-2 is accepted with a placeholder rationale" in finding.message


# --- SR-1, SD-1, SR-3, SR-4, SVV-2: emptiness and placeholders ---------------------------------------------


def test_sr1_placeholder_environment_and_assumptions_fail(tmp_path: Path) -> None:
    model = MODEL.replace(
        "A plant network behind a default-deny firewall, operated by site staff.",
        "TODO where the product runs, who operates it, and which zone it sits in.",
    ).replace("The firewall denies everything not explicitly allowed.", "n/a")
    root = _project(tmp_path, model)
    finding = _evaluate(root, security_context, "SR-1")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "the intended environment contains 'TODO'" in finding.message
    assert "no assumption with real content" in finding.message


def test_sd1_zones_without_components_or_crossing_flows_characterise_nothing(tmp_path: Path) -> None:
    model = MODEL.split("components:", maxsplit=1)[0] + "threats: []\n"
    root = _project(tmp_path, model, requirements=None)
    finding = _evaluate(root, boundary_characterisation, "SD-1")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "no components" in finding.message


def test_sr3_template_statement_and_category_fail(tmp_path: Path) -> None:
    requirements = REQUIREMENTS.replace("Clients shall authenticate with a certificate.", "TODO The product shall ...")
    root = _project(tmp_path, requirements=requirements.replace("category: authentication", "category: TODO"))
    finding = _evaluate(root, requirements_defined, "SR-3")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "SR-1's statement contains 'TODO'" in finding.message
    assert "SR-1's category contains 'TODO'" in finding.message


def test_sr4_requirement_whose_scope_reaches_no_zone_is_compared_with_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path, requirements=REQUIREMENTS.replace("scope: [C-1]", "scope: [F-1]"))
    finding = _evaluate(root, requirements_content, "SR-4")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "SR-1's scope reaches no component or zone with an SL-T" in finding.message


def test_sr4_a_zone_in_scope_is_compared_with_its_own_sl_t(tmp_path: Path) -> None:
    model = MODEL.replace("{id: Z-1, name: inside, sl_t: 2}", "{id: Z-1, name: inside, sl_t: 3}")
    root = _project(tmp_path, model, requirements=REQUIREMENTS.replace("scope: [C-1]", "scope: [Z-1]"))
    finding = _evaluate(root, requirements_content, "SR-4")
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "SR-1 targets SL-C 2 but zone Z-1 with SL-T 3" in finding.message


def test_svv2_placeholder_mitigations_with_passing_tests_verify_nothing(tmp_path: Path) -> None:
    model = MODEL.replace("Client certificates checked against the site CA", "TBD").replace(
        "Allow list of client addresses on the firewall", "-"
    )
    root = _project(tmp_path, model)
    passed = [
        TestResult(node_id="tests/test_x.py::test_cert", outcome=TestOutcome.PASSED),
        TestResult(node_id="tests/test_x.py::test_allow", outcome=TestOutcome.PASSED),
    ]
    tests = results_evidence(passed, commit=git_commit(root), tool=("pytest", "8"))
    finding = _evaluate(root, mitigations_tested, "SVV-2", tests)
    assert finding.outcome is Outcome.FAIL, finding.message
    assert "no mitigation with real content" in finding.message


# --- `sdl-gate explain`: what passes, and what empty evidence gives -------------------------------------------


def test_explain_says_for_every_threat_criterion_what_passes_and_what_empty_evidence_gives() -> None:
    names = {c.name for c in (security_context, threat_coverage, threat_model_review, boundary_characterisation)}
    names |= {c.name for c in (defence_in_depth, requirements_defined, requirements_content)}
    names |= {c.name for c in (mitigations_tested, requirements_tested)}
    names |= {"reviewed_threat_model", "reviewed_security_requirements"}
    described = {c.name: c.description for check in CHECKS.values() for c in check.criteria if c.name in names}
    assert set(described) == names
    for name, description in described.items():
        assert "passes when" in description, name
        assert "not_available" in description, name
