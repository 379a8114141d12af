"""Other analysers' SARIF and the built-in cppcheck through the CLI: imported, configured, judged like bandit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ProjectFactory, RunCli, approve_project_exceptions, current_waiver_window, write

UNSAFE_GO = 'package main\n\nimport "os/exec"\n\nfunc main() { exec.Command("sh", "-c", "ls").Run() }\n'
CLEAN_PYTHON = "def add(a: int, b: int) -> int:\n    return a + b\n"
NULL_DEREFERENCE = "int area(void) {\n    int *p = 0;\n    return *p;\n}\n"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _semgrep(uri: str = "cmd/main.go", line: int = 5, **extra: Any) -> dict[str, Any]:
    return {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "Semgrep", "version": "1.90.0", "rules": [{"id": "go.exec-shell"}]}},
                "artifacts": [{"location": {"uri": "cmd/main.go"}}],
                "results": [
                    {
                        "ruleId": "go.exec-shell",
                        "level": "error",
                        "message": {"text": "a shell runs a command line"},
                        "locations": [
                            {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}}
                        ],
                        **extra,
                    }
                ],
            }
        ],
    }


def _sast(run_cli: RunCli, root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("sast", root, "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    return result.code, json.loads(result.stdout)


def _check(run_cli: RunCli, root: Path) -> dict[str, dict[str, Any]]:
    result = run_cli("check", root, "--format", "json")
    assert result.code in (0, 1), result.stderr
    found: dict[str, dict[str, Any]] = {}
    for requirement in json.loads(result.stdout)["requirements"]:
        for finding in requirement["findings"]:
            found[f"{requirement['id']}/{finding['criterion']}"] = finding
    return found


@pytest.mark.slow
def test_an_imported_high_finding_fails_the_gate_until_waived_or_baselined(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    root = project.root
    write(root / "widget" / "calc.py", CLEAN_PYTHON)
    write(root / "cmd" / "main.go", UNSAFE_GO)
    project.commit()
    sarif = write(tmp_path / "semgrep.sarif", json.dumps(_semgrep()))
    imported = run_cli("sast", "import", sarif, "--path", root)
    assert imported.code == 0, imported.stderr

    code, report = _sast(run_cli, root)
    (finding,) = report["findings"]
    assert (code, finding["tool"], finding["test_id"], finding["status"]) == (1, "Semgrep", "go.exec-shell", "open")
    found = _check(run_cli, root)
    assert found["SI-1/sast_findings"]["outcome"] == "fail"
    assert "go.exec-shell (Semgrep)" in found["SI-1/sast_findings"]["message"]
    # The imported run covers the Go file, so Go is analysed for SI-1 and SVV-3.
    assert found["SVV-3/languages_analysed"]["outcome"] == "pass"
    message = found["SVV-3/languages_analysed"]["message"]
    assert "Go (1 file(s): cmd/main.go) analysed by Semgrep (semgrep.sarif)" in message

    created, expires = current_waiver_window()
    project.waivers(
        f"""
        version: 1
        waivers:
          - id: W-9
            scope: {{finding: {finding["fingerprint"]}}}
            justification: The command line is a constant; no input reaches it.
            requester: Max Mustermann <max@example.com>
            approver: Erika Lind <erika@example.com>
            created: {created}
            expires: {expires}
        """
    )
    approve_project_exceptions(project)
    code, report = _sast(run_cli, root)
    assert (code, report["findings"][0]["status"], report["findings"][0]["waiver"]) == (0, "waived", "W-9")

    (root / "security" / "waivers.yaml").unlink()
    assert run_cli("sast", root, "--write-baseline").code == 0
    baseline_file = root / "security" / "sast-baseline.json"
    baseline = json.loads(baseline_file.read_text())
    (entry,) = baseline["findings"]
    assert entry["fingerprint"] == finding["fingerprint"]
    entry["approval"] = {
        "approver": "Erika Lind <erika@example.com>",
        "requester": "Max Mustermann <max@example.com>",
        "justification": "Constant command line, reviewed in the design review.",
        "created": created,
        "expires": expires,
    }
    baseline_file.write_text(json.dumps(baseline))
    approve_project_exceptions(project)
    code, report = _sast(run_cli, root)
    assert (code, report["findings"][0]["status"]) == (0, "baselined")


@pytest.mark.slow
def test_a_c_file_with_a_real_cppcheck_finding_fails_and_an_unanalysed_language_is_named(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    write(root / "widget" / "calc.py", CLEAN_PYTHON)
    write(root / "native" / "area.c", NULL_DEREFERENCE)
    write(root / "cmd" / "main.go", UNSAFE_GO)
    project.commit()
    found = _check(run_cli, root)
    assert found["SI-1/sast_findings"]["outcome"] == "fail"
    assert "native/area.c" in found["SI-1/sast_findings"]["message"]
    assert "nullPointer (cppcheck)" in found["SI-1/sast_findings"]["message"]
    languages = found["SI-1/languages_analysed"]
    assert languages["outcome"] == "not_available"
    assert "Go (1 file(s): cmd/main.go)" in languages["message"] and "C (" not in languages["message"]


def test_an_invalid_sarif_file_is_refused_naming_it_and_nothing_is_recorded(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    root = project.root
    write(root / "cmd" / "main.go", UNSAFE_GO)
    project.commit()
    good = write(tmp_path / "good.sarif", json.dumps(_semgrep()))
    broken = write(tmp_path / "broken.sarif", '{"version": "2.1.0", "runs": [')
    result = run_cli("sast", "import", good, broken, "--path", root)
    assert result.code == 2
    assert "broken.sarif" in result.stderr
    assert not (root / ".sdl-gate" / "imports").exists()
    # What an earlier import recorded survives a later invalid one.
    assert run_cli("sast", "import", good, "--path", root).code == 0
    unknown_level = write(tmp_path / "level.sarif", json.dumps(_semgrep(level="fatal")))
    refused = run_cli("sast", "import", unknown_level, "--path", root)
    assert refused.code == 2 and "level.sarif" in refused.stderr
    (manifest,) = (root / ".sdl-gate" / "imports" / "sarif").iterdir()
    assert [entry["name"] for entry in json.loads(manifest.read_text())["files"]] == ["good.sarif"]


def test_import_outside_git_is_refused(project: ProjectFactory, run_cli: RunCli, tmp_path: Path) -> None:
    sarif = write(tmp_path / "semgrep.sarif", json.dumps(_semgrep()))
    result = run_cli("sast", "import", sarif, "--path", project.root)
    assert result.code == 2 and "commit" in result.stderr


@pytest.mark.slow
def test_configured_sarif_adds_findings_but_cannot_replace_bandit_or_escape_the_repository(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    project.pyproject('sarif = ["build/*.sarif"]\n')
    write(root / "app.py", "import subprocess\n\nsubprocess.call(CMD, shell=True)\n")
    write(root / "cmd" / "main.go", UNSAFE_GO)
    # A SARIF file that claims to have analysed app.py and found nothing, and one result outside the repository.
    document = _semgrep()
    document["runs"][0]["artifacts"].append({"location": {"uri": "app.py"}})
    document["runs"][0]["results"].append(_semgrep(uri="../../etc/passwd")["runs"][0]["results"][0])
    # A suppression without a justification silences nothing, as an unjustified # nosec (SI-2).
    silenced = _semgrep(line=3, suppressions=[{"kind": "external", "status": "accepted"}])
    document["runs"][0]["results"].append(silenced["runs"][0]["results"][0])
    write(root / "build" / "semgrep.sarif", json.dumps(document))
    project.commit()
    code, report = _sast(run_cli, root)
    assert code == 1
    found = {(f["tool"], f["test_id"]) for f in report["findings"]}
    assert {("bandit", "B602"), ("Semgrep", "go.exec-shell")} <= found
    statuses = {(f["test_id"], f["line"]): f["status"] for f in report["findings"] if f["tool"] == "Semgrep"}
    assert statuses == {("go.exec-shell", 5): "open", ("go.exec-shell", 3): "suppressed_without_justification"}
    assert report["decision"]["unjustified_suppressions"] == 1
    (run,) = report["analysers"]
    assert (run["source"], run["file"]) == ("configured", "build/semgrep.sarif")
    assert [item["uri"] for item in run["refused"]] == ["../../etc/passwd"]
