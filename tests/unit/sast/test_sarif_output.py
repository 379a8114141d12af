"""The SARIF sdl-gate writes for a scan with several analysers: one run per tool, valid SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdl_gate.config import load_project
from sdl_gate.sast.analyse import analyse
from sdl_gate.sast.sarif import to_sarif
from tests.conftest import SHARED_FIXTURES, write

SARIF_SCHEMA = SHARED_FIXTURES / "sarif" / "sarif-schema-2.1.0.json"


@pytest.mark.slow
def test_bandit_cppcheck_and_configured_sarif_each_get_their_own_run(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / "pyproject.toml", '[project]\nname = "p"\nversion = "1"\n\n[tool.sdl-gate]\nsarif = ["*.sarif"]\n')
    write(root / "app.py", "import subprocess\n\nsubprocess.call(CMD, shell=True)\n")
    write(root / "area.c", "int area(void) {\n    int *p = 0;\n    return *p;\n}\n")
    write(root / "main.go", "package main\n\nfunc main() {}\n")
    result = {
        "ruleId": "go.x",
        "message": {"text": "x"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "main.go"}, "region": {"startLine": 3}}}],
        "suppressions": [{"kind": "inSource", "justification": "reviewed: no input reaches it"}],
    }
    sarif = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Semgrep"}}, "results": [result]}]}
    write(root / "semgrep.sarif", json.dumps(sarif))
    report = analyse(load_project(root), use_cache=False, jobs=1).report
    document = to_sarif(report)
    runs = {run["tool"]["driver"]["name"]: run for run in document["runs"]}
    assert set(runs) == {"bandit", "cppcheck", "Semgrep"}
    assert {r["ruleId"] for r in runs["cppcheck"]["results"]} >= {"nullPointer"}
    (semgrep,) = runs["Semgrep"]["results"]
    assert semgrep["suppressions"][0]["justification"] == "reviewed: no input reaches it"
    census = {count.language: count for count in report.languages or ()}
    assert census["C"].analysers == ("cppcheck",) and census["Go"].analysers == ("Semgrep (semgrep.sarif)",)
    if SARIF_SCHEMA.is_file():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(document)
