"""Review freshness with real git repositories: the scope's files and the model itself, as at the reviewed commit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sdl_gate.threatmodel.diff import ChangeKind
from sdl_gate.threatmodel.freshness import Freshness, FreshnessStatus, assess_freshness
from sdl_gate.threatmodel.loader import load_threat_model
from sdl_gate.threatmodel.model import ModelFormat
from tests.conftest import write

MODEL_PATH = "security/threat-model.yaml"

MODEL = """\
version: 1
zones:
  - {id: Z-1, name: inside, sl_t: 2}
  - {id: Z-2, name: outside, sl_t: 2}
conduits:
  - {id: CD-1, between: [Z-1, Z-2]}
components:
  - {id: C-1, name: service, zone: Z-1}
  - {id: C-2, name: client, zone: Z-2}
flows:
  - {id: F-1, from: C-2, to: C-1, conduit: CD-1}
threats:
  - {id: T-1, title: Spoofed client, stride: spoofing, affects: [F-1], severity: high, status: mitigated}
mitigations:
  - {id: M-1, description: Client certificates checked against the site CA}
  - {id: M-2, description: Allow list of client addresses on the firewall}
dispositions:
  - {threat: T-1, status: mitigated, mitigations: [M-1, M-2]}
"""

REVIEW = """\
reviews:
  - {date: 2026-10-01, reviewers: [A <a@example.com>], commit: COMMIT, scope: [SCOPE]}
"""


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip()


def _reviewed(tmp_path: Path, model: str = MODEL, scope: str = "src") -> tuple[Path, str]:
    """A repository whose model is committed, reviewed at that commit, and the review then recorded."""
    root = tmp_path / "repo"
    write(root / "src" / "app.py", "print('v1')\n")
    write(root / MODEL_PATH, model)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "model and code")
    commit = _git(root, "rev-parse", "HEAD")
    _record_review(root, model, commit, scope)
    return root, commit


def _record_review(root: Path, model: str, commit: str, scope: str = "src") -> None:
    write(root / MODEL_PATH, model + REVIEW.replace("COMMIT", commit).replace("SCOPE", scope))


def _freshness(root: Path, model_path: str | None = MODEL_PATH) -> Freshness:
    loaded = load_threat_model(root / MODEL_PATH)
    return assess_freshness(root, loaded.model, model_path, ModelFormat.NATIVE)


def test_recording_the_review_leaves_the_model_fresh(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path)
    freshness = _freshness(root)
    assert freshness.status is FreshnessStatus.FRESH, freshness.reason
    assert freshness.model_status is FreshnessStatus.FRESH
    assert freshness.model_changes == ()
    assert freshness.reviewed_commit == commit


def test_a_severity_downgraded_after_the_review_makes_it_stale_and_is_called_out(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path)
    _record_review(root, MODEL.replace("severity: high", "severity: medium"), commit)
    freshness = _freshness(root)
    assert freshness.status is FreshnessStatus.STALE
    assert freshness.model_status is FreshnessStatus.STALE
    assert freshness.changed == ()  # no file in the scope changed: the model alone makes it stale
    lowered = freshness.severity_lowered
    assert [(c.item, c.kind) for c in lowered] == [("T-1", ChangeKind.SEVERITY_LOWERED)]
    summary = freshness.stale_summary(10)
    assert "threat T-1: severity lowered high -> medium" in summary
    assert commit[:12] in summary


@pytest.mark.parametrize(
    ("change", "section", "item"),
    [
        (("Client certificates checked against the site CA", "TBD"), "mitigations", "M-1"),
        (("mitigations: [M-1, M-2]", "mitigations: [M-1]"), "dispositions", "T-1"),
        (("title: Spoofed client", "title: Spoofed client or server"), "threats", "T-1"),
        (("{id: F-1, from: C-2, to: C-1, conduit: CD-1}", "{id: F-1, from: C-2, to: C-1}"), "flows", "F-1"),
    ],
)
def test_any_other_change_to_the_model_after_the_review_makes_it_stale(
    tmp_path: Path, change: tuple[str, str], section: str, item: str
) -> None:
    root, commit = _reviewed(tmp_path)
    _record_review(root, MODEL.replace(*change), commit)
    freshness = _freshness(root)
    assert freshness.status is FreshnessStatus.STALE
    assert [(c.section, c.item) for c in freshness.model_changes] == [(section, item)]
    assert freshness.severity_lowered == ()


def test_a_model_written_after_the_reviewed_commit_is_stale(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root / "src" / "app.py", "print('v1')\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "code only")
    _record_review(root, MODEL, _git(root, "rev-parse", "HEAD"))
    freshness = _freshness(root)
    assert freshness.status is FreshnessStatus.STALE
    assert freshness.model_status is FreshnessStatus.STALE
    assert "did not exist at commit" in freshness.reason


def test_a_scope_file_changed_and_the_model_changed_are_both_reported(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path)
    write(root / "src" / "app.py", "print('v2')\n")
    _record_review(root, MODEL.replace("severity: high", "severity: low"), commit)
    freshness = _freshness(root)
    assert freshness.status is FreshnessStatus.STALE
    assert freshness.changed == ("src/app.py",)
    assert [c.item for c in freshness.severity_lowered] == ["T-1"]


def test_a_reviewed_commit_missing_from_the_repository_cannot_tell(tmp_path: Path) -> None:
    root, _ = _reviewed(tmp_path)
    _record_review(root, MODEL, "0123456789abcdef0123456789abcdef01234567")
    freshness = _freshness(root)
    assert freshness.status is FreshnessStatus.UNKNOWN
    assert freshness.model_status is FreshnessStatus.UNKNOWN


def test_a_model_that_did_not_load_at_the_reviewed_commit_cannot_tell(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path, MODEL.replace("stride: spoofing", "stride: phishing"))
    _record_review(root, MODEL, commit)
    freshness = _freshness(root)
    assert freshness.status is FreshnessStatus.UNKNOWN
    assert freshness.model_status is FreshnessStatus.UNKNOWN
    assert commit[:12] in freshness.reason


def test_a_model_file_outside_the_project_cannot_tell(tmp_path: Path) -> None:
    root, _ = _reviewed(tmp_path)
    freshness = _freshness(root, model_path=None)
    assert freshness.status is FreshnessStatus.UNKNOWN
    assert freshness.model_status is FreshnessStatus.UNKNOWN


def test_a_scope_that_matches_no_file_covers_nothing(tmp_path: Path) -> None:
    root, _ = _reviewed(tmp_path, scope="no-such-dir")
    freshness = _freshness(root)
    assert freshness.status is FreshnessStatus.EMPTY_SCOPE
    assert "no-such-dir" in freshness.reason


def test_the_model_is_read_from_a_project_below_the_repository_top(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path)
    project = tmp_path / "repo" / "product"
    write(project / MODEL_PATH, MODEL)
    write(project / "src" / "main.py", "print('p')\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "product")
    inner = _git(root, "rev-parse", "HEAD")
    _record_review(project, MODEL.replace("severity: high", "severity: medium"), inner)
    freshness = _freshness(project)
    assert [c.item for c in freshness.severity_lowered] == ["T-1"], freshness.reason
    assert commit != inner


def test_reading_the_reviewed_model_runs_no_textconv_from_the_repository(tmp_path: Path) -> None:
    root, commit = _reviewed(tmp_path)
    marker = tmp_path / "textconv-ran"
    _git(root, "config", "diff.evil.textconv", f"sh -c 'touch {marker}; cat \"$0\"'")
    write(root / ".gitattributes", "*.yaml diff=evil\n")
    _record_review(root, MODEL.replace("severity: high", "severity: medium"), commit)
    freshness = _freshness(root)
    assert [c.item for c in freshness.severity_lowered] == ["T-1"]
    assert not marker.exists()
