"""SARIF recorded by `sdl-gate sast import`: bound to its commit, checked against its digest when read back."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceStore
from sdl_gate.sast.imports import configured_results, imported_results, record_import
from tests.conftest import commit_all, write

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
SARIF = {
    "version": "2.1.0",
    "runs": [
        {
            "tool": {"driver": {"name": "CodeQL", "version": "2.19.0"}},
            "results": [
                {
                    "ruleId": "cpp/overflow",
                    "message": {"text": "overflow"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.c"}}}],
                }
            ],
        }
    ],
}


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "repo"
    write(root / "a.c", "int main(void) { return 0; }\n")
    return root, commit_all(root)


def test_an_import_counts_for_its_commit_only(repo: tuple[Path, str], tmp_path: Path) -> None:
    root, commit = repo
    sarif = write(tmp_path / "codeql.sarif", json.dumps(SARIF))
    (entry,) = record_import(root, [sarif], commit=commit, now=NOW)
    (results,) = imported_results(root, commit)
    assert (results.run.tool, results.run.file, results.run.sha256) == ("CodeQL", "codeql.sarif", entry.sha256)
    assert [issue.path for issue in results.issues] == ["a.c"]
    assert imported_results(root, "0" * 40) == ()
    assert imported_results(root, None) == ()


def test_a_stored_sarif_changed_after_import_is_refused(repo: tuple[Path, str], tmp_path: Path) -> None:
    root, commit = repo
    (entry,) = record_import(root, [write(tmp_path / "x.sarif", json.dumps(SARIF))], commit=commit, now=NOW)
    stored = EvidenceStore(root).raw_path(entry.raw)
    stored.write_text(json.dumps({**SARIF, "runs": []}))
    with pytest.raises(InputError) as raised:
        imported_results(root, commit)
    assert raised.value.path == str(stored)


def test_nothing_is_recorded_when_one_file_is_invalid(repo: tuple[Path, str], tmp_path: Path) -> None:
    root, commit = repo
    good = write(tmp_path / "good.sarif", json.dumps(SARIF))
    bad = write(tmp_path / "bad.sarif", json.dumps({"version": "2.1.0", "runs": [{"tool": {}}]}))
    with pytest.raises(InputError) as raised:
        record_import(root, [good, bad], commit=commit, now=NOW)
    assert raised.value.path == str(bad)
    assert imported_results(root, commit) == ()


def test_configured_globs_read_only_files_inside_the_project(repo: tuple[Path, str], tmp_path: Path) -> None:
    root, _ = repo
    write(root / "build" / "codeql.sarif", json.dumps(SARIF))
    outside = write(tmp_path / "outside.sarif", json.dumps(SARIF))
    (root / "build" / "linked.sarif").symlink_to(outside)
    with pytest.raises(InputError) as raised:
        configured_results(root, ["build/*.sarif"])
    assert raised.value.path is not None and raised.value.path.endswith("linked.sarif")
    (root / "build" / "linked.sarif").unlink()
    (results,) = configured_results(root, ["build/*.sarif"])
    assert results.run.file == "build/codeql.sarif"
