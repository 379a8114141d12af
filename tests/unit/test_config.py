"""``[tool.sdl-gate]`` in pyproject.toml: defaults, validation and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.config import ENVIRONMENT_OVERRIDES, PrePushMode, ToolConfig, load_project
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


# --- The operator's environment overrides the repository ------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No SDL_GATE_* override from the environment the tests run in."""
    for name in ENVIRONMENT_OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_environment_overrides_the_section(project: ProjectFactory, clean_environment: pytest.MonkeyPatch) -> None:
    project.pyproject(
        """
        artifacts = ["wheelhouse/*"]
        offline = false

        [tool.sdl-gate.signing]
        identity = "repo@example.com"
        issuer = "https://repo.example"
        """
    )
    clean_environment.setenv("SDL_GATE_ARTIFACTS", "dist/*.whl\n\n  dist/*.tar.gz  \n")
    clean_environment.setenv(
        "SDL_GATE_SIGNING_IDENTITY", "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1"
    )
    clean_environment.setenv("SDL_GATE_SIGNING_ISSUER", "https://token.actions.githubusercontent.com")
    clean_environment.setenv("SDL_GATE_OFFLINE", "1")
    config = load_project(project.root).config
    assert config.artifacts == ["dist/*.whl", "dist/*.tar.gz"]
    assert config.signing.identity == "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1"
    assert config.signing.issuer == "https://token.actions.githubusercontent.com"
    assert config.offline is True


def test_empty_environment_values_change_nothing(
    project: ProjectFactory, clean_environment: pytest.MonkeyPatch
) -> None:
    project.pyproject('artifacts = ["dist/*"]\n')
    for name in ENVIRONMENT_OVERRIDES:
        clean_environment.setenv(name, "  ")
    assert load_project(project.root).config.artifacts == ["dist/*"]


def test_environment_applies_without_a_pyproject(tmp_path: Path, clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("SDL_GATE_OFFLINE", "true")
    assert load_project(tmp_path).config.offline is True


def test_an_invalid_environment_value_names_the_variable(
    project: ProjectFactory, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("SDL_GATE_OFFLINE", "perhaps")
    with pytest.raises(ConfigError) as info:
        load_project(project.root)
    assert "SDL_GATE_OFFLINE" in info.value.message
    assert info.value.path is None


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ('osv-url = "ftp://mirror.example/osv"\n', "tool.sdl-gate.osv-url"),
        ("sast-jobs = 1000\n", "tool.sdl-gate.sast-jobs"),
        ('pre-push = "sometimes"\n', "tool.sdl-gate.pre-push"),
        ('threat-model-format = "visio"\n', "tool.sdl-gate.threat-model-format"),
        ('[tool.sdl-gate.signing]\nrepository = "not a repo"\n', "tool.sdl-gate.signing.repository"),
        ('[tool.sdl-gate.signing]\nkeyfile = "k.pem"\n', "tool.sdl-gate.signing.keyfile"),
    ],
)
def test_invalid_values_name_their_key(project: ProjectFactory, body: str, location: str) -> None:
    error = config_error(project, body)
    assert error.location == location
    assert error.line is not None


def test_dashed_keys_and_nested_tables_are_read(project: ProjectFactory) -> None:
    project.pyproject(
        """
        threat-model = "security/model.json"
        threat-model-format = "threat-dragon"
        dependency-files = ["uv.lock"]
        sast-jobs = 4
        pre-push = "blocking"

        [tool.sdl-gate.signing]
        repository = "owner/name"
        ref = "refs/tags/v1"
        staging = true
        """
    )
    loaded = load_project(project.root)
    config = loaded.config
    assert (config.threat_model, config.threat_model_format) == ("security/model.json", "threat-dragon")
    assert config.dependency_files == ["uv.lock"]
    assert config.sast_jobs == 4
    assert config.pre_push is PrePushMode.BLOCKING
    assert (config.signing.repository, config.signing.ref, config.signing.staging) == (
        "owner/name",
        "refs/tags/v1",
        True,
    )
    assert loaded.sast_baseline == project.root / "security" / "sast-baseline.json"
