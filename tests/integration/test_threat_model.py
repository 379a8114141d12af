"""Threat models: the native format, importers (real Threat Dragon files, a real pytm run, OTM), checks, freshness."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml

from sdl_gate.approvals.register import RegisterChoice
from sdl_gate.errors import InputError
from sdl_gate.run import assess_project
from sdl_gate.schemas import load_schema
from sdl_gate.threatmodel.loader import load_threat_model
from sdl_gate.threatmodel.model import ModelFormat
from tests.conftest import DEMO_PROJECT, REPO_ROOT, SHARED_FIXTURES, ProjectFactory, RunCli, write

TD = SHARED_FIXTURES / "threat-dragon"
TODAY = date(2026, 11, 1)

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
  - {id: T-2, title: Flooding, stride: denial_of_service, affects: [C-1], severity: low, status: accepted}
mitigations:
  - {id: M-1, description: Client certificates, requirements: [SR-1], tests: ["tests/test_x.py::test_cert"]}
  - {id: M-2, description: Allow list of clients, requirements: [SR-1], depends_on: [M-1]}
dispositions:
  - {threat: T-1, status: mitigated, mitigations: [M-1, M-2]}
  - {threat: T-2, status: accepted, approver: A <a@example.com>, date: 2026-01-05, rationale: Rate limited upstream.}
reviews:
  - {date: 2026-10-01, reviewers: [A <a@example.com>], commit: COMMIT, scope: [src]}
"""

REQUIREMENTS = """\
version: 1
requirements:
  - {id: SR-1, statement: Clients shall authenticate., category: authentication, scope: [C-1], sl_c: 2,
     threats: [T-1], verification: test}
"""


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _project(
    project: ProjectFactory, model: str = MODEL, requirements: str = REQUIREMENTS, commit: str = "ab" * 20
) -> Path:
    write(project.root / "security" / "threat-model.yaml", model.replace("COMMIT", commit))
    write(project.root / "security" / "requirements.yaml", requirements)
    # SR-1, SR-3, SR-4 and SD-2 are class H: the files count beside a signed review of them, never alone.
    links = ["security/threat-model.yaml", "security/requirements.yaml"]
    project.record("model-review", "review", ["SR-1", "SR-3", "SR-4", "SD-2"], links=links)
    return project.root


def _verdicts(root: Path, register: RegisterChoice | None = None) -> dict[str, tuple[str, str]]:
    assessment = assess_project(root, today=TODAY, store=False, register=register).assessment
    return {r.id: (r.verdict.value, r.rationale) for r in assessment.requirements}


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip()


def _needs(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"shared fixture {path.name} is absent (../shared/fixtures)")


# --- the demo and the native format -----------------------------------------------------------------------


def test_demo_and_templates_validate_against_the_published_schemas() -> None:
    model_schema = jsonschema.Draft202012Validator(load_schema("threat-model"))
    requirements_schema = jsonschema.Draft202012Validator(load_schema("requirements"))
    templates = REPO_ROOT / "sdl_gate" / "templates" / "security"
    for folder in (DEMO_PROJECT / "security", templates):
        model_schema.validate(
            json.loads(json.dumps(yaml.safe_load((folder / "threat-model.yaml").read_text()), default=str))
        )
        requirements_schema.validate(yaml.safe_load((folder / "requirements.yaml").read_text()))


def test_demo_verdicts_come_from_the_threat_model(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO_PROJECT, demo, ignore=shutil.ignore_patterns(".sdl-gate"))
    verdicts = _verdicts(demo, RegisterChoice(file=demo / "security" / "approvers.yaml"))
    for satisfied in ("SR-1", "SR-3", "SR-4", "SR-5", "SD-1", "SD-3"):
        assert verdicts[satisfied][0] == "satisfied", verdicts[satisfied]
    # T-07 (PLC overload, high) has one mitigation: a real gap the demo shows.
    assert verdicts["SD-2"][0] == "not_satisfied"
    assert "T-07 (high) has 1 mitigation(s) (M-07)" in verdicts["SD-2"][1]
    # The demo's reviewed commit is not in this repository: freshness cannot be told, which is not a pass.
    assert verdicts["SR-2"][0] in ("not_assessed", "partially_satisfied")
    assert "is not in this repository" in verdicts["SR-2"][1]


def test_a_complete_model_satisfies_sr_and_sd(project: ProjectFactory) -> None:
    verdicts = _verdicts(_project(project))
    assert verdicts["SR-1"][0] == "satisfied"
    assert verdicts["SR-3"][0] == "satisfied"
    # sl_c 2 for C-1 in Z-1 (SL-T 2) is enough.
    assert verdicts["SR-4"][0] == "satisfied"
    assert verdicts["SD-1"][1].count("boundary_characterisation: pass") == 1
    # M-2 depends on M-1: not independent, so the high threat T-1 lacks defence in depth.
    assert verdicts["SD-2"][0] == "not_satisfied"
    assert "T-1 (high) has 2 mitigation(s) (M-1, M-2), not two independent ones" in verdicts["SD-2"][1]


def test_independent_mitigations_satisfy_sd2(project: ProjectFactory) -> None:
    verdicts = _verdicts(_project(project, MODEL.replace(", depends_on: [M-1]", "")))
    assert verdicts["SD-2"][0] == "satisfied", verdicts["SD-2"]


def test_gaps_fail_sr1_sr2_sr4(project: ProjectFactory) -> None:
    model = (
        MODEL.replace("  intended_environment: A plant network.\n", "")
        .replace("affects: [F-1]", "affects: [C-1]")
        .replace(", approver: A <a@example.com>", "")
    )
    verdicts = _verdicts(_project(project, model, REQUIREMENTS.replace("scope: [C-1]", "scope: [C-2]")))
    assert verdicts["SR-1"][0] == "not_satisfied"
    assert "no intended environment" in verdicts["SR-1"][1]
    assert (
        "flow F-1 from 'client' (C-2) to 'service' (C-1) crosses a boundary but no threat considers it"
        in (verdicts["SR-2"][1])
    )
    assert "T-2 is accepted without approver" in verdicts["SR-2"][1]
    assert "SR-1 targets SL-C 2 but C-2 sits in zone Z-2 with SL-T 3" in verdicts["SR-4"][1]


def test_absent_model_fails_rather_than_passes(project: ProjectFactory) -> None:
    verdicts = _verdicts(project.root)
    assert verdicts["SR-1"][0] == "not_satisfied"
    assert "no threat model at security/threat-model.yaml" in verdicts["SR-1"][1]
    assert "no security requirements at security/requirements.yaml" in verdicts["SR-3"][1]


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("to: C-1, conduit", "to: C-9, conduit"), ":15 at flows[0].to: unknown component 'C-9'"),
        (("id: M-2,", "id: M-1,"), "at mitigations[1].id: duplicate id 'M-1' (also at mitigations[0].id)"),
        (("requirements: [SR-1], tests", "requirements: [SR-1], depends_on: [M-2], tests"), "cycle in depends_on"),
        (
            ("stride: spoofing", "stride: phishing"),
            ":17 at threats[0].stride: invalid threat model",
        ),
        (
            ("requirements: [SR-1], tests", "requirements: [SR-7], tests"),
            "names requirement 'SR-7', which requirements",
        ),
        (("severity: high", "severity: CVSS:3.1/AV:N"), "not a valid CVSS base vector"),
        (("status: mitigated}", "status: open}"), "threat T-1 says status open but its disposition says mitigated"),
    ],
)
def test_invalid_models_exit_2_with_file_and_place(
    run_cli: RunCli, project: ProjectFactory, change: tuple[str, str], expected: str
) -> None:
    root = _project(project, MODEL.replace(*change))
    result = run_cli("threat-model", "check", "--path", root)
    assert result.code == 2, result.stdout + result.stderr
    assert "threat-model.yaml" in result.stderr
    assert expected in result.stderr
    assert run_cli("check", root).code == 2


def test_yaml_bomb_is_refused(project: ProjectFactory) -> None:
    bomb = ["version: 1", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 8):
        bomb.append(
            f"{chr(97 + level)}: &{chr(97 + level)} [*{chr(96 + level)},*{chr(96 + level)},*{chr(96 + level)},"
            f"*{chr(96 + level)},*{chr(96 + level)},*{chr(96 + level)},*{chr(96 + level)},*{chr(96 + level)},"
            f"*{chr(96 + level)},*{chr(96 + level)}]"
        )
    path = write(project.root / "security" / "threat-model.yaml", "\n".join(bomb) + "\n")
    with pytest.raises(InputError) as caught:
        load_threat_model(path)
    assert "alias bomb" in caught.value.diagnostics()
    assert "threat-model.yaml" in caught.value.diagnostics()


@pytest.mark.slow
def test_requirement_naming_an_unknown_threat_is_refused(run_cli: RunCli, project: ProjectFactory) -> None:
    root = _project(project, requirements=REQUIREMENTS.replace("threats: [T-1]", "threats: [T-1, T-404]"))
    result = run_cli("check", root)
    assert result.code == 2
    assert "requirements.yaml:4 at requirements[0].threats[1]: requirement SR-1 names threat 'T-404'" in result.stderr


# --- freshness with git ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_check_command_is_fresh_then_stale_after_a_change_in_scope(run_cli: RunCli, project: ProjectFactory) -> None:
    root = project.root
    model = MODEL.replace(", depends_on: [M-1]", "").replace("date: 2026-10-01", f"date: {date.today()}")
    write(root / "src" / "app.py", "print('v1')\n")
    _project(project, model.split("reviews:")[0])
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "v1")
    # The review is recorded after the commit it looked at, which changes the model file only by the review.
    _project(project, model, commit=_git(root, "rev-parse", "HEAD"))
    fresh = run_cli("threat-model", "check", "--path", root, "--format", "json")
    assert fresh.code == 0, fresh.stdout + fresh.stderr
    assert json.loads(fresh.stdout)["freshness"]["status"] == "fresh"
    write(root / "src" / "app.py", "print('v2')\n")
    write(root / "src" / "new.py", "print('new')\n")
    stale = run_cli("threat-model", "check", "--path", root, "--format", "json")
    assert stale.code == 1
    document = json.loads(stale.stdout)
    assert document["freshness"]["changed"] == ["src/app.py", "src/new.py"]
    assert [p["code"] for p in document["problems"]] == ["threat_model_review"]


@pytest.mark.slow
def test_downgrading_a_threat_after_the_review_is_stale_and_fails_sd2(
    run_cli: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    root = project.root
    model = MODEL.replace(", depends_on: [M-1]", "").replace("date: 2026-10-01", f"date: {date.today()}")
    write(root / "src" / "app.py", "print('v1')\n")
    _project(project, model.split("reviews:")[0])
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "v1")
    commit = _git(root, "rev-parse", "HEAD")
    _project(project, model, commit=commit)
    assert run_cli("threat-model", "check", "--path", root).code == 0
    # After the review, the high threat is quietly rated medium: no file in the review's scope changed.
    _project(project, model.replace("severity: high", "severity: medium"), commit=commit)

    stale = run_cli("threat-model", "check", "--path", root, "--format", "json")
    assert stale.code == 1, stale.stdout + stale.stderr
    document = json.loads(stale.stdout)
    assert document["freshness"]["changed"] == []
    assert document["freshness"]["model_status"] == "stale"
    first = document["freshness"]["model_changes"][0]
    assert (first["item"], first["kind"], first["lowers_severity"]) == ("T-1", "severity_lowered", True)
    assert {p["code"] for p in document["problems"]} == {"threat_model_review", "defence_in_depth"}
    assert "threat T-1: severity lowered high -> medium" in run_cli("threat-model", "check", "--path", root).stdout

    output = tmp_path / "assessment.json"
    gate = run_cli("check", root, "--offline", "--format", "json", "--output", output)
    assert gate.code == 1, gate.stderr
    findings = {
        (r["id"], f["criterion"]): f
        for r in json.loads(output.read_text(encoding="utf-8"))["requirements"]
        for f in r["findings"]
    }
    review = findings["SR-2", "threat_model_review"]
    assert review["outcome"] == "fail"
    assert "threat T-1: severity lowered high -> medium" in review["message"]
    depth = findings["SD-2", "defence_in_depth"]
    assert depth["outcome"] == "fail"
    assert "severity lowered high -> medium" in depth["message"]


# --- importers ---------------------------------------------------------------------------------------------


def test_threat_dragon_models_import_with_boundaries_and_gaps_reported() -> None:
    _needs(TD / "v2-threat-model.json")
    model = load_threat_model(TD / "v2-threat-model.json").model
    assert model.imported_from is not None and model.imported_from.format is ModelFormat.THREAT_DRAGON
    assert len(model.components) == 7 and len(model.flows) == 10 and len(model.threats) == 14
    by_name = {f.name: f for f in model.flows}
    # "Web Request" is drawn across the browser's trust boundary; reading a local config file is not.
    assert by_name["Web Request"].crosses_boundary is True
    assert by_name["Read web app config"].crosses_boundary is False
    mitigated = [d for d in model.dispositions if d.status.value == "mitigated"]
    assert mitigated and all(d.mitigations for d in mitigated)
    assert any("Jane Smith" in item for item in model.imported_from.missing)
    assert model.reviews == []
    iot = load_threat_model(TD / "iot-device.json").model
    assert any(t.severity is None for t in iot.threats)  # "TBA" is not invented into a level


@pytest.mark.slow
def test_broken_threat_dragon_files_exit_2(run_cli: RunCli) -> None:
    _needs(TD / "v2-malformed-new-model.json")
    malformed = run_cli("threat-model", "import", TD / "v2-malformed-new-model.json", "--input-format", "threat-dragon")
    assert malformed.code == 2
    assert "v2-malformed-new-model.json at summary.title: invalid Threat Dragon model" in malformed.stderr
    old = run_cli("threat-model", "import", TD / "demo-threat-model.json", "--input-format", "threat-dragon")
    assert old.code == 2
    assert "Threat Dragon 1.x model" in old.stderr


def test_unknown_threat_dragon_category_is_refused(tmp_path: Path) -> None:
    _needs(TD / "v2-threat-model.json")
    document = json.loads((TD / "v2-threat-model.json").read_text())
    document["detail"]["diagrams"][0]["cells"][0]["data"]["threats"][0]["type"] = "Phishing"
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as caught:
        load_threat_model(path)
    assert "detail.diagrams[0].cells[0].data.threats[0].type: unknown STRIDE category 'Phishing'" in str(caught.value)


@pytest.mark.slow
def test_import_round_trip_to_native_then_check(run_cli: RunCli, tmp_path: Path) -> None:
    _needs(TD / "v2-threat-model.json")
    out = tmp_path / "model.yaml"
    imported = run_cli(
        "threat-model", "import", TD / "v2-threat-model.json", "--input-format", "threat-dragon", "--output", out
    )
    assert imported.code == 0, imported.stderr
    assert "missing: reviews" in imported.stderr
    again = load_threat_model(out)
    assert again.format is ModelFormat.NATIVE
    original = load_threat_model(TD / "v2-threat-model.json").model
    assert again.model == original
    checked = run_cli("threat-model", "check", out, "--path", tmp_path, "--format", "json")
    assert checked.code == 1
    codes = {p["code"] for p in json.loads(checked.stdout)["problems"]}
    assert {"threat_model_review", "threat_coverage", "boundary_characterisation"} <= codes


def test_otm_import(run_cli: RunCli) -> None:
    _needs(TD / "example-open-threat-model.json")
    model = load_threat_model(TD / "example-open-threat-model.json").model
    assert {z.name for z in model.zones} == {"Internet", "Private"}
    assert {t.id for t in model.threats} == {
        "22724267-be7e-44c0-8b1f-d7d33e9a34ec@web-service",
        "22724267-be7e-44c0-8b1f-d7d33e9a34ec@cc-store-in-db",
    }
    assert all(t.stride.value == "spoofing" and t.severity is None for t in model.threats)
    zone = {c.id: c.zone for c in model.components}
    assert zone["web-client"] != zone["web-service"]
    result = run_cli("threat-model", "import", TD / "example-open-threat-model.json", "--input-format", "otm")
    assert result.code == 0 and "otm" in result.stdout
    assert "threat severities" in result.stderr


PYTM_MODEL = """\
from pytm import TM, Actor, Boundary, Dataflow, Datastore, Server

tm = TM("Gateway")
tm.description = "A gateway between a plant and the office."
internet = Boundary("Office")
plant = Boundary("Plant")
user = Actor("Operator")
user.inBoundary = internet
gateway = Server("Gateway")
gateway.inBoundary = plant
historian = Datastore("Historian")
historian.inBoundary = plant
Dataflow(user, gateway, "Login")
Dataflow(gateway, historian, "Write values")
tm.process()
"""


@pytest.mark.slow
def test_a_real_pytm_run_imports(tmp_path: Path) -> None:
    pytest.importorskip("pytm")
    script = write(tmp_path / "tm.py", PYTM_MODEL)
    out = tmp_path / "pytm.json"
    subprocess.run(
        [sys.executable, str(script), "--json", str(out)], cwd=tmp_path, check=True, timeout=120, capture_output=True
    )
    loaded = load_threat_model(out)
    assert loaded.format is ModelFormat.PYTM
    model = loaded.model
    assert [(c.name, c.zone) for c in model.components] == [
        ("Operator", "Z-1"),
        ("Gateway", "Z-2"),
        ("Historian", "Z-2"),
    ]
    assert [f.data for f in model.flows] == ["Login", "Write values"]
    assert model.threats and all(t.status is not None and t.status.value == "open" for t in model.threats)
    assert {t.stride.value for t in model.threats} >= {"tampering", "spoofing"}
    assert model.imported_from is not None and "reviews: pytm records none" in model.imported_from.missing
