"""Judging a threat model through the gate's slice (``threatmodel.verdict``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.threatmodel.verdict import check_threat_model
from tests.conftest import DEMO_PROJECT, write


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(DEMO_PROJECT, target, ignore=shutil.ignore_patterns(".sdl-gate"))
    return target


def test_a_missing_model_is_refused_naming_it(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "widget"\nversion = "1.0"\n')
    with pytest.raises(InputError) as raised:
        check_threat_model(tmp_path)
    assert raised.value.path is not None
    assert raised.value.path.endswith("threat-model.yaml")


def test_an_unreadable_model_is_refused_naming_it(demo: Path) -> None:
    model = write(demo / "broken.yaml", "threats: [unclosed\n")
    with pytest.raises(InputError) as raised:
        check_threat_model(demo, model)
    assert raised.value.path == str(model)


def test_the_operators_age_limit_replaces_the_policys_and_the_report_follows_the_slice(demo: Path) -> None:
    checked = check_threat_model(demo, max_age_days=7)
    assert checked.result.inputs.policy.requirements["SR-2"].max_age_days == 7
    assert checked.report.passed is checked.passed is checked.result.passed
    results = checked.result.requirements
    failing = {(r.id, f.criterion) for r in results for f in r.findings if f.outcome.value == "fail"}
    assert failing <= {(p.requirement, p.criterion) for p in checked.report.problems}
