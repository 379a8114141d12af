"""The catalogue against the reference facts, the published schemas, and what the wheel ships."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from sdl_gate.catalogue import Automation, load_catalogue
from sdl_gate.schemas import SCHEMA_NAMES, generate_schema, load_schema
from tests.conftest import REPO_ROOT, SHARED_FIXTURES

REFERENCE = SHARED_FIXTURES.parent / "reference" / "iec62443-4-1.md"


def test_catalogue_shape() -> None:
    catalogue = load_catalogue()
    assert [p.id for p in catalogue.practices] == ["SM", "SR", "SD", "SI", "SVV", "DM", "SUM", "SG"]
    assert [p.clause for p in catalogue.practices] == list(range(5, 13))
    assert len(catalogue.requirements) == 47
    for requirement in catalogue.requirements:
        assert requirement.id.startswith(requirement.practice + "-")
        assert requirement.summary.endswith(".")
        assert requirement.remediation
        assert requirement.evidence
    assert catalogue.requirement("sm-6").title == "File integrity"
    with pytest.raises(KeyError):
        catalogue.requirement("SM-14")


@pytest.mark.skipif(not REFERENCE.is_file(), reason="shared reference folder is not beside the project")
def test_catalogue_matches_reference_titles_classes_and_ssdf() -> None:
    rows = {}
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| ((?:SM|SR|SD|SI|SVV|DM|SUM|SG)-\d+) \| (.+?) \| (A/P|A|P|H) \| .+? \| (.+?) \|$", line)
        if match:
            ssdf = () if match.group(4) == "—" else tuple(s.strip() for s in match.group(4).split(","))
            rows[match.group(1)] = (match.group(2), match.group(3), ssdf)
    assert len(rows) == 47
    for requirement in load_catalogue().requirements:
        title, automation, ssdf = rows[requirement.id]
        assert requirement.title == title
        assert requirement.automation is Automation(automation)
        assert requirement.ssdf == ssdf


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_shipped_schemas_match_the_models(name: str) -> None:
    # Regenerate with `python -m sdl_gate.schemas` after changing a model.
    assert load_schema(name) == generate_schema(name)
    jsonschema.Draft202012Validator.check_schema(load_schema(name))


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.yaml"))


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("policy", _yaml_files(REPO_ROOT / "policies")),
        ("waivers", [REPO_ROOT / "examples/demo-project/security/waivers.yaml"]),
        ("approvers", [REPO_ROOT / "examples/demo-project/security/approvers.yaml"]),
        ("approvers", [REPO_ROOT / "sdl_gate/templates/security/approvers.yaml"]),
        ("record", _yaml_files(REPO_ROOT / "examples/demo-project/security/records")),
        ("record", _yaml_files(REPO_ROOT / "sdl_gate/templates/security/records")),
        ("policy", [REPO_ROOT / "sdl_gate/templates/security/policy.yaml"]),
        ("waivers", [REPO_ROOT / "sdl_gate/templates/security/waivers.yaml"]),
    ],
)
def test_shipped_files_validate_against_the_published_schemas(schema: str, files: list[Path]) -> None:
    assert files
    validator = jsonschema.Draft202012Validator(load_schema(schema))
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        # YAML turns dates into date objects; JSON documents carry them as strings.
        errors = [e.message for e in validator.iter_errors(_dates_as_text(document))]
        assert not errors, f"{path.name}: {errors}"


def _dates_as_text(value: object) -> object:
    import datetime

    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


@pytest.mark.slow
def test_wheel_ships_policies_catalogue_schemas_and_templates(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("sdl_gate-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "sdl_gate/policies/iec62443-4-1-ml2.yaml",
        "sdl_gate/policies/iec62443-4-1-ml3.yaml",
        "sdl_gate/policies/iec62443-4-1-ml4.yaml",
        "sdl_gate/catalogue/iec62443-4-1.json",
        "sdl_gate/schemas/assessment.schema.json",
        "sdl_gate/templates/security/records/training.yaml",
        "sdl_gate/py.typed",
        "sdl_gate/hooks/pre-commit",  # plain git hooks and the example pre-commit config, for install-hooks/init
        "sdl_gate/hooks/pre-push",
        "sdl_gate/hooks/pre-commit-config.yaml",
    ):
        assert expected in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "sdl-gate = sdl_gate._entry:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
