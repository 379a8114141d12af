"""``[tool.sdl-gate]`` in pyproject.toml: defaults, validation and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.config import ToolConfig, load_project
from sdl_gate.errors import ConfigError, InputError
from tests.conftest import ProjectFactory, write


def config_error(project: ProjectFactory, tool_section: str) -> ConfigError:
    path = project.pyproject(tool_section)
    with pytest.raises(ConfigError) as info:
        load_project(project.root)
    assert info.value.path == str(path)
    return info.value


def test_no_pyproject_gives_defaults(tmp_path: Path) -> None:
    root = tmp_path / "plain-dir"
    root.mkdir()
    project = load_project(root)
    assert project.config == ToolConfig()
    assert project.config.policy == "iec62443-4-1-ml2"
    assert project.config.security_dir == "security"
    assert project.config.guidelines == {}
    assert project.config_source is None
    assert project.name == "plain-dir"
    assert project.version is None
    assert project.security_dir == root / "security"


def test_pyproject_without_section_gives_defaults_and_names_project(project: ProjectFactory) -> None:
    loaded = load_project(project.root)
    assert loaded.config == ToolConfig()
    assert loaded.config_source is None
    assert loaded.name == "widget"
    assert loaded.version == "2.0.0"


def test_section_values_are_read(project: ProjectFactory) -> None:
    path = project.pyproject(
        """
        policy = "security/policy.yaml"
        security-dir = "compliance"

        [tool.sdl-gate.guidelines]
        SG-1 = "docs/hardening.md"
        sg-2 = "docs/integration.md"
        """
    )
    loaded = load_project(project.root)
    assert loaded.config.policy == "security/policy.yaml"
    assert loaded.config.security_dir == "compliance"
    assert loaded.config.guidelines == {"SG-1": "docs/hardening.md", "SG-2": "docs/integration.md"}
    assert loaded.config_source == path
    assert loaded.security_dir == project.root / "compliance"


def test_unknown_key_rejected_with_line(project: ProjectFactory) -> None:
    # Lines: 1-3 [project], 4 blank, 5 [tool.sdl-gate], 6 policy, 7 the unknown key.
    error = config_error(project, 'policy = "iec62443-4-1-ml3"\nthreshold = 3\n')
    assert error.message == "invalid [tool.sdl-gate]: unknown key 'threshold'"
    assert error.line == 7
    assert error.location == "tool.sdl-gate.threshold"


def test_non_guideline_id_rejected(project: ProjectFactory) -> None:
    error = config_error(project, '[tool.sdl-gate.guidelines]\nSM-1 = "docs/process.md"\n')
    assert "'SM-1'" in error.message
    assert "SG-1 to SG-6" in error.message
    assert error.location == "tool.sdl-gate.guidelines.SM-1"
    assert error.line == 7


def test_sg7_is_not_a_user_guideline(project: ProjectFactory) -> None:
    error = config_error(project, '[tool.sdl-gate.guidelines]\nSG-7 = "docs/x.md"\n')
    assert "'SG-7'" in error.message


def test_unknown_guideline_id_rejected(project: ProjectFactory) -> None:
    error = config_error(project, '[tool.sdl-gate.guidelines]\nXX-1 = "docs/x.md"\n')
    assert "'XX-1'" in error.message


def test_wrong_type_rejected(project: ProjectFactory) -> None:
    error = config_error(project, "policy = 5\n")
    assert error.location == "tool.sdl-gate.policy"
    assert error.line == 6


def test_section_that_is_not_a_table_rejected(project: ProjectFactory) -> None:
    write(project.root / "pyproject.toml", '[project]\nname = "w"\n\n[tool]\nsdl-gate = "strict"\n')
    with pytest.raises(ConfigError) as info:
        load_project(project.root)
    assert "must be a table" in info.value.message


def test_malformed_toml_is_a_config_error(project: ProjectFactory) -> None:
    path = write(project.root / "pyproject.toml", '[project\nname = "w"\n')
    with pytest.raises(ConfigError) as info:
        load_project(project.root)
    assert info.value.message.startswith("malformed TOML")
    assert info.value.path == str(path)


def test_config_error_is_an_input_error(project: ProjectFactory) -> None:
    error = config_error(project, "bogus = true\n")
    assert isinstance(error, InputError)
    assert error.diagnostics().startswith(f"{project.root / 'pyproject.toml'}:6 at tool.sdl-gate.bogus:")


def test_root_that_is_a_file_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "w"\n')
    with pytest.raises(InputError) as info:
        load_project(path)
    assert not isinstance(info.value, ConfigError)
    assert "not a directory" in info.value.message
    assert info.value.path == str(path)


def test_missing_root_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_project(tmp_path / "absent")
    assert info.value.message == "project directory not found"


def test_non_utf8_pyproject_rejected(project: ProjectFactory) -> None:
    (project.root / "pyproject.toml").write_bytes(b'[project]\nname = "caf\xe9"\n')
    with pytest.raises(InputError) as info:
        load_project(project.root)
    assert "UTF-8" in info.value.message
    assert info.value.line == 2


def test_same_guideline_in_two_cases_rejected(project: ProjectFactory) -> None:
    config_error(project, '[tool.sdl-gate.guidelines]\nSG-1 = "docs/a.md"\nsg-1 = "docs/b.md"\n')
