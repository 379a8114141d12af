"""The command line as users run it: output, exit codes, bad input and the demo project."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from sdl_gate import __version__
from sdl_gate.collectors import COLLECTORS
from sdl_gate.collectors.records import RecordKind
from sdl_gate.schemas import SCHEMA_NAMES, load_schema
from tests.conftest import DEMO_PROJECT, ProjectFactory, RunCli, write


def test_version_and_module_entry_point(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.stdout.strip() == f"sdl-gate {__version__}"


def test_help_lists_commands_and_exit_codes(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.code == 0
    for command in ("catalogue", "check", "collect", "explain", "init", "policy", "schema"):
        assert command in result.stdout
    assert "Exit codes: 0 passed, 1 gate failed" in result.stdout


def test_catalogue_json_lists_47_requirements_in_8_practices(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("catalogue", "--format", "json")
    assert result.code == 0
    requirements = json.loads(result.stdout)
    assert len(requirements) == 47
    counts = Counter(r["practice"] for r in requirements)
    assert [counts[p] for p in ("SM", "SR", "SD", "SI", "SVV", "DM", "SUM", "SG")] == [13, 5, 4, 2, 5, 6, 5, 7]
    assert all({"id", "practice", "title", "summary", "automation"} <= r.keys() for r in requirements)
    assert Counter(r["automation"] for r in requirements) == {"H": 28, "P": 13, "A/P": 4, "A": 2}


def test_catalogue_table(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("catalogue")
    assert result.code == 0
    assert "SM-6   A    File integrity" in result.stdout
    assert "47 requirements" in result.stdout


def test_explain_names_checks_policy_and_fix(run_cli_in_process: RunCli, project: ProjectFactory) -> None:
    result = run_cli_in_process("explain", "sm-6", "--path", project.root)
    assert result.code == 0, result.stderr
    out = result.stdout
    assert out.startswith("SM-6  File integrity")
    assert "How sdl-gate checks it" in out
    assert "[evidence: signatures]" in out
    assert "Policy iec62443-4-1-ml2" in out
    assert "mode: enforced" in out
    assert "How to fix a failure:" in out


@pytest.mark.parametrize(
    ("requirement_id", "expected"),
    [
        ("SM-9", ["empty evidence: not_available (the SBOM lists no component)", "the audit covered no dependency"]),
        ("SVV-1", ["requirement_inspections", "empty evidence: not_applicable (no security requirement is verified"]),
        ("SM-11", ["empty evidence: not_applicable (no exception is registered", "empty evidence: not_available"]),
        ("SUM-1", ["empty evidence: fail (the recorded run has no test that ran"]),
        ("SD-2", ["empty evidence: not_available (the threat model lists no threats"]),
        ("SR-1", ["empty evidence: fail (the threat model states no intended environment"]),
        ("SVV-2", ["empty evidence: fail (the threat model lists no mitigation with real content"]),
    ],
)
def test_explain_says_for_every_criterion_what_passes_it_and_what_empty_evidence_gives(
    run_cli_in_process: RunCli, requirement_id: str, expected: list[str]
) -> None:
    from sdl_gate.checks import CHECKS

    result = run_cli_in_process("explain", requirement_id, "--policy", "iec62443-4-1-ml2")
    assert result.code == 0, result.stderr
    out = result.stdout
    for criterion in CHECKS[requirement_id].criteria:
        assert f"  - {criterion.name}  [evidence: " in out
        assert f"passes with: {criterion.description}" in out
    assert out.count("empty evidence: ") == len(CHECKS[requirement_id].criteria)
    assert "judged by the criterion itself" not in out
    for text in expected:
        assert text in out


def test_explain_sm12_lists_what_it_reads_and_no_bundle(run_cli_in_process: RunCli, project: ProjectFactory) -> None:
    out = run_cli_in_process("explain", "SM-12", "--path", project.root).stdout
    assert "every other requirement the policy enforces is satisfied, waived or not applicable" in out
    assert "[reads: the other verdicts of the assessment]" in out
    assert "[evidence: bundle]" not in out


def test_explain_shows_project_policy_scoping(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("explain", "SM-10", "--path", DEMO_PROJECT)
    assert result.code == 0, result.stderr
    assert "mode: not_applicable" in result.stdout
    assert "justification:" in result.stdout


def test_explain_unknown_requirement_is_exit_2(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("explain", "XX-1")
    assert result.code == 2
    assert "'XX-1' is not an IEC 62443-4-1 requirement id" in result.stderr


@pytest.mark.slow
def test_policy_validate_and_show(run_cli_in_process: RunCli, tmp_path: Path) -> None:
    good = write(
        tmp_path / "p.yaml", "version: 1\nextends: iec62443-4-1-ml3\nrequirements:\n  SM-1: {mode: advisory}\n"
    )
    result = run_cli_in_process("policy", "validate", good)
    assert result.code == 0
    assert "extends builtin:iec62443-4-1-ml2 -> builtin:iec62443-4-1-ml3" in result.stdout
    shown = run_cli_in_process("policy", "show", "iec62443-4-1-ml4", "--format", "json")
    document = json.loads(shown.stdout)
    assert len(document["requirements"]) == 47
    assert document["digest"].startswith("sha256:")
    assert run_cli_in_process("policy", "show", "iec62443-4-1-ml2").stdout.startswith("digest: sha256:")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("version: 1\nrequirements:\n  SM-1:\n    mood: enforced\n", 4, "unknown key 'mood'"),
        ("version: 1\nrequirements:\n  XX-9: {mode: enforced}\n", 3, "'XX-9' is not an IEC 62443-4-1 requirement id"),
        ("version: 1\nrequirements:\n  SM-1: {mode: 5}\n", 3, "requirements.SM-1.mode"),
        ("version: 1\nrequirements:\n  SM-1: {enforced_from: 2027-13-01}\n", 3, "enforced_from"),
        ("version: 1\nrequirements:\n  SM-1: [1\n", 4, "malformed YAML"),
    ],
)
def test_policy_validate_bad_input_names_file_and_line(
    run_cli_in_process: RunCli, tmp_path: Path, body: str, line: int, message: str
) -> None:
    path = write(tmp_path / "bad.yaml", body)
    result = run_cli_in_process("policy", "validate", path)
    assert result.code == 2
    assert f"bad.yaml:{line}" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_builtin_policy_lists_the_builtins(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("policy", "show", "iec62443-4-1-ml9")
    assert result.code == 2
    assert "iec62443-4-1-ml2, iec62443-4-1-ml3, iec62443-4-1-ml4" in result.stderr


def test_schema_command_prints_the_shipped_schema(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("schema", "policy")
    assert result.code == 0
    assert json.loads(result.stdout) == load_schema("policy")


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_command_prints_every_shipped_schema(run_cli_in_process: RunCli, name: str) -> None:
    result = run_cli_in_process("schema", name)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == load_schema(name)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of the demo project, so runs do not write into the source tree."""
    target = tmp_path / "demo-project"
    shutil.copytree(DEMO_PROJECT, target, ignore=shutil.ignore_patterns(".sdl-gate"))
    return target


def demo_register(demo: Path) -> tuple[str, Path]:
    """The option naming the demo's approver register as trusted, as its README's first run does."""
    return "--approvers", demo / "security" / "approvers.yaml"


@pytest.mark.slow
def test_demo_check_json_validates_and_is_byte_identical(
    run_cli: RunCli, run_cli_in_process: RunCli, demo: Path
) -> None:
    # Byte-identical across runs, and whether sdl-gate runs as its own process or inside another.
    first = run_cli("check", demo, "--format", "json", *demo_register(demo))
    second = run_cli_in_process("check", demo, "--format", "json", *demo_register(demo))
    assert first.code == 1, first.stderr
    assert first.stdout == second.stdout
    document = json.loads(first.stdout)
    jsonschema.Draft202012Validator(load_schema("assessment")).validate(document)
    assert document["schema_version"] == 1
    assert document["decision"]["passed"] is False
    assert len(document["requirements"]) == 47
    assert {p["id"] for p in document["practices"]} == {"SM", "SR", "SD", "SI", "SVV", "DM", "SUM", "SG"}
    verdicts = Counter(r["verdict"] for r in document["requirements"])
    # The demo is meant to be meaningful: most human evidence is in place, with deliberate gaps.
    assert verdicts["satisfied"] >= 15
    assert verdicts["waived"] == 1
    assert verdicts["not_applicable"] == 1
    by_id = {r["id"]: r for r in document["requirements"]}
    # Only the two deliberate gaps: every other record's linked files are as approved.
    assert not [r["id"] for r in document["requirements"] if "changed since it was approved" in r["rationale"]]
    for satisfied in ("SM-1", "SM-2", "SR-5", "SD-4", "DM-1", "DM-6", "SG-1", "SG-6", "SG-7"):
        assert by_id[satisfied]["verdict"] == "satisfied", by_id[satisfied]["rationale"]
    assert by_id["SM-4"]["verdict"] == "not_satisfied"
    assert "expired" in by_id["SM-4"]["rationale"]
    assert by_id["SUM-2"]["verdict"] == "not_satisfied"
    assert "not approved" in by_id["SUM-2"]["rationale"]
    # Every other record is signed by an approver the demo's register entitles, who is not its author.
    assert "approved by Max Mustermann <max.mustermann@example.com>" in by_id["SD-3"]["rationale"]
    assert "approved by Erika Lind <erika.lind@example.com>" in by_id["SM-1"]["rationale"]


def test_demo_without_a_register_cannot_tell_whether_records_are_approved(
    run_cli_in_process: RunCli, demo: Path
) -> None:
    result = run_cli_in_process("check", demo, "--format", "json")
    assert result.code == 1, result.stderr
    by_id = {r["id"]: r for r in json.loads(result.stdout)["requirements"]}
    for human in ("SM-1", "SD-3", "SD-4", "DM-6", "SG-7"):
        assert by_id[human]["verdict"] == "not_assessed", by_id[human]["rationale"]
        assert "no trusted approver register" in by_id[human]["rationale"]
        assert "--approvers FILE" in by_id[human]["rationale"]
    # What does not count whatever the register says still fails.
    assert by_id["SM-4"]["verdict"] == "not_satisfied"
    assert by_id["SUM-2"]["verdict"] == "not_satisfied"


@pytest.mark.slow
def test_demo_console_report(run_cli_in_process: RunCli, demo: Path) -> None:
    result = run_cli_in_process("check", demo, *demo_register(demo))
    assert result.code == 1
    out = result.stdout
    assert "product  modbus-mqtt-gateway 1.4.0" in out
    assert "Blocking (" in out
    assert "fix: " in out
    assert "Waived (1)" in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED:")


def _passing_project(project: ProjectFactory) -> None:
    project.pyproject('policy = "security/policy.yaml"\n')
    project.doc("SECURITY.md", "Report to security@example.com\n")
    project.policy("version: 1\nextends: iec62443-4-1-ml2\ndefaults: {mode: advisory}\nrequirements:\n  DM-1: {}\n")


def test_exit_0_when_the_gate_passes(run_cli_in_process: RunCli, project: ProjectFactory) -> None:
    _passing_project(project)
    result = run_cli_in_process("check", project.root)
    assert result.code == 0, result.stdout + result.stderr
    assert "PASSED" in result.stdout


@pytest.mark.slow
def test_exit_1_when_the_gate_fails(run_cli: RunCli, project: ProjectFactory) -> None:
    result = run_cli("check", project.root)
    assert result.code == 1
    assert "FAILED" in result.stdout


def _bad_record(project: ProjectFactory, body: str) -> None:
    write(project.root / "security" / "records" / "bad.yaml", body)


RECORD_HEAD = "version: 1\nid: bad\nkind: review\ntitle: t\nrequirements: [SD-3]\nauthor: a\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setup", "where", "message"),
    [
        (lambda p: _bad_record(p, "version: 1\nid: [unclosed\n"), "bad.yaml:3", "sequence that starts at line 2"),
        (lambda p: _bad_record(p, RECORD_HEAD + "date: 2026-01-01\ncolour: red\n"), "bad.yaml:8", "unknown key"),
        (lambda p: _bad_record(p, RECORD_HEAD + "date: 2026-02-30\n"), "bad.yaml:7", "date"),
        (
            lambda p: _bad_record(p, RECORD_HEAD.replace("SD-3", "SD-9") + "date: 2026-01-01\n"),
            "bad.yaml:5",
            "'SD-9' is not an IEC 62443-4-1 requirement id",
        ),
        (
            lambda p: _bad_record(
                p, RECORD_HEAD + "date: 2026-01-01\nlinks:\n  - path: ../../etc/passwd\n    sha256: " + "a" * 64 + "\n"
            ),
            "bad.yaml:9",
            "points outside the project root",
        ),
        (lambda p: _bad_record(p, RECORD_HEAD + "date: yesterday\n"), "bad.yaml:7", "date"),
        (lambda p: (p.root / "security" / "waivers.yaml").mkdir(parents=True), "waivers.yaml", "is a directory"),
        (
            lambda p: p.waivers(
                "version: 1\nwaivers:\n  - id: W\n    scope: {requirement: SM-1}\n"
                "    justification: long enough text\n    approver: x\n"
                "    created: 2026-01-01\n    expires: 2026-06-01T00:00:00Z\n    requester: y\n"
            ),
            "waivers.yaml:7",
            "timezone",
        ),
        (lambda p: p.pyproject("colour = 'red'\n"), "pyproject.toml:6", "unknown key 'colour'"),
    ],
)
def test_bad_input_is_exit_2_naming_file_and_line(
    run_cli_in_process: RunCli, project: ProjectFactory, setup: object, where: str, message: str
) -> None:
    setup(project)  # type: ignore[operator]
    result = run_cli_in_process("check", project.root)
    assert result.code == 2, result.stdout + result.stderr
    assert where in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_huge_yaml_is_refused_quickly(run_cli_in_process: RunCli, project: ProjectFactory) -> None:
    path = project.root / "security" / "records" / "huge.yaml"
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="utf-8") as handle:
        line = "# " + "x" * 1000 + "\n"
        for _ in range(50 * 1024):
            handle.write(line)
    result = run_cli_in_process("check", project.root)
    assert result.code == 2
    assert "huge.yaml" in result.stderr
    assert "limit" in result.stderr


def test_missing_project_is_exit_2(run_cli_in_process: RunCli, tmp_path: Path) -> None:
    result = run_cli_in_process("check", tmp_path / "nope")
    assert result.code == 2
    assert "project directory not found" in result.stderr


def test_verbose_shows_the_traceback(run_cli_in_process: RunCli, tmp_path: Path) -> None:
    result = run_cli_in_process("--verbose", "check", tmp_path / "nope")
    assert result.code == 2
    assert "Traceback" in result.stderr


def test_unwritable_evidence_store_is_exit_3(run_cli_in_process: RunCli, project: ProjectFactory) -> None:
    (project.root / ".sdl-gate").write_text("not a directory", encoding="utf-8")
    result = run_cli_in_process("check", project.root)
    assert result.code == 3
    assert "cannot write evidence" in result.stderr


def test_usage_error_is_exit_2(run_cli_in_process: RunCli) -> None:
    result = run_cli_in_process("check", "--format", "pdf")
    assert result.code == 2
    assert "--format" in result.stderr  # the option at fault is named
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_output_file_written_and_kept_on_later_bad_input(
    run_cli_in_process: RunCli, project: ProjectFactory, tmp_path: Path
) -> None:
    out = tmp_path / "assessment.json"
    assert run_cli_in_process("check", project.root, "--format", "json", "--output", out).code == 1
    written = out.read_text(encoding="utf-8")
    assert json.loads(written)["product"]["name"] == "widget"
    _bad_record(project, "version: 1\nid: [unclosed\n")
    assert run_cli_in_process("check", project.root, "--format", "json", "--output", out).code == 2
    assert out.read_text(encoding="utf-8") == written
    assert run_cli_in_process("check", project.root, "--output", tmp_path).code == 2


def test_init_scaffolds_without_overwriting(run_cli_in_process: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "new"
    target.mkdir()
    write(target / "pyproject.toml", '[project]\nname = "fresh"\nversion = "0.1"\n')
    first = run_cli_in_process("init", target)
    assert first.code == 0, first.stderr
    assert (target / "security" / "waivers.yaml").is_file()
    assert (target / "security" / "threat-model.yaml").is_file()
    # One record template per record kind.
    assert {p.stem for p in (target / "security" / "records").glob("*.yaml")} == {k.value for k in RecordKind}
    assert (target / "security" / "approvers.yaml").is_file()
    assert "[tool.sdl-gate]" in (target / "pyproject.toml").read_text()
    assert ".sdl-gate/" in (target / ".gitignore").read_text()
    custom = target / "security" / "waivers.yaml"
    custom.write_text("version: 1\nwaivers: []\n# mine\n", encoding="utf-8")
    second = run_cli_in_process("init", target)
    assert second.code == 0
    assert "created" not in second.stdout
    assert custom.read_text() == "version: 1\nwaivers: []\n# mine\n"
    assert (target / "pyproject.toml").read_text().count("[tool.sdl-gate]") == 1
    # The scaffolded templates are valid input: the gate assesses (and fails), it does not reject them.
    checked = run_cli_in_process(
        "check", target, "--format", "json", "--approvers", target / "security" / "approvers.yaml"
    )
    assert checked.code == 1, checked.stderr
    records = {r["id"]: r for r in json.loads(checked.stdout)["requirements"]}
    assert "not approved" in records["SM-4"]["rationale"]


def test_collect_writes_evidence_only(run_cli_in_process: RunCli, project: ProjectFactory) -> None:
    result = run_cli_in_process("collect", project.root)
    assert result.code == 0, result.stderr
    kinds = {line.split()[0] for line in result.stdout.splitlines()}
    expected = {collector.kind.value for collector in COLLECTORS.values()}
    assert kinds == expected
    assert len(list((project.root / ".sdl-gate" / "evidence" / "objects").glob("*.json"))) == len(expected)


def test_output_files_follow_the_umask(run_cli: RunCli, project: ProjectFactory, tmp_path: Path) -> None:
    import os

    out = tmp_path / "assessment.json"
    run_cli("check", project.root, "--format", "json", "--output", out)
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask


def test_check_in_a_directory_sdl_gate_was_never_set_up_in_hints_at_init(
    run_cli_in_process: RunCli, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    bare = run_cli_in_process("check", empty)
    assert bare.code == 1
    assert f"`sdl-gate init {empty}`" in bare.stderr
    assert run_cli_in_process("init", empty).code == 0
    scaffolded = run_cli_in_process("check", empty)
    assert scaffolded.code == 1
    assert "sdl-gate init" not in scaffolded.stderr


@pytest.mark.parametrize("kind", [kind.value for kind in RecordKind])
def test_records_new_starts_a_record_of_every_kind(
    kind: str, project: ProjectFactory, run_cli_in_process: RunCli
) -> None:
    result = run_cli_in_process("records", "new", kind, "--path", project.root, "--author", "Ada <ada@example.com>")
    assert result.code == 0, result.stderr
    assert (project.root / "security" / "records").is_dir()
    assert any(
        kind in path.read_text(encoding="utf-8") for path in (project.root / "security" / "records").glob("*.yaml")
    )
