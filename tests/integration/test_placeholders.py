"""What `sdl-gate init` writes counts for nothing, even signed; class H requirements need a signed record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli, sign_record, ssh_key, write, write_register

#: The day the templates' records say they were written (2026-01-01) is before the approvals and the assessment.
APPROVED = "2026-01-02"
AS_OF = "2026-01-05"


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def _check(run_cli: RunCli, root: Path, register: Path) -> dict[str, Any]:
    result = run_cli("check", root, "--format", "json", "--approvers", register, "--as-of", AS_OF)
    assert result.code == 1, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return {r["id"]: r for r in document["requirements"]}


@pytest.fixture
def initialised(run_cli: RunCli, tmp_path: Path) -> tuple[Path, Path, dict[str, Path]]:
    """A project made by `sdl-gate init`, with every record template signed by an entitled approver."""
    root = tmp_path / "product"
    assert run_cli("init", root).code == 0
    keys = {name: ssh_key(tmp_path / "keys", name) for name in ("alice", "bob")}
    register = write_register(tmp_path / "keys" / "approvers.yaml", keys)
    templates = sorted((root / "security" / "records").glob("*.yaml"))
    assert templates
    for template in templates:
        sign_record(template, keys["bob"], "bob@example.com", APPROVED)
    return root, register, keys


@pytest.mark.slow
def test_init_output_signed_satisfies_no_requirement(
    run_cli: RunCli, initialised: tuple[Path, Path, dict[str, Path]]
) -> None:
    root, register, _ = initialised
    by_id = _check(run_cli, root, register)
    satisfied = [rid for rid, r in by_id.items() if r["verdict"] == "satisfied"]
    assert satisfied == [], {rid: by_id[rid]["rationale"] for rid in satisfied}
    for rid in ("SR-1", "SR-3", "SR-4"):
        assert by_id[rid]["verdict"] in ("not_satisfied", "partially_satisfied"), by_id[rid]["rationale"]
    # The signatures themselves are good: what keeps the records from counting is their unfinished content,
    # named by file and line.
    sd3 = by_id["SD-3"]["rationale"]
    assert "is not approved" not in sd3
    assert "record review does not count: it is unfinished" in sd3
    assert "security/records/review.yaml:23 contains 'TODO'" in sd3
    assert "is the unedited `sdl-gate init` template security/records/review.yaml" in sd3


@pytest.mark.slow
def test_class_h_requirements_count_once_a_finished_record_is_signed(
    run_cli: RunCli, initialised: tuple[Path, Path, dict[str, Path]]
) -> None:
    root, register, keys = initialised
    write(root / "docs" / "hardening.md", "# Hardening\n\nClose every port but 8883; run as an unprivileged user.\n")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8") + '\n[tool.sdl-gate.guidelines]\nSG-3 = "docs/hardening.md"\n',
        encoding="utf-8",
    )
    before = _check(run_cli, root, register)["SG-3"]
    assert before["verdict"] == "partially_satisfied"
    rule = next(f for f in before["findings"] if f["criterion"] == "human_record")
    assert "class H" in rule["message"]
    assert "`sdl-gate records new review`" in rule["message"]
    record = write(
        root / "security" / "records" / "guides-review.yaml",
        f"""\
        version: 1
        id: guides-review
        kind: review
        title: Review of the hardening guide for 2.0
        requirements: [SG-3, SG-7]
        date: {APPROVED}
        author: Alice Example <alice@example.com>
        links:
          - path: docs/hardening.md
        """,
    )
    sign_record(record, keys["bob"], "bob@example.com", APPROVED)
    after = _check(run_cli, root, register)["SG-3"]
    assert after["verdict"] == "satisfied", after["rationale"]
    assert any(f["human_record"] for f in after["findings"] if f["outcome"] == "pass")
