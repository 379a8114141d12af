"""bandit's configuration as sdl-gate reads it ([tool.bandit], .bandit) and the file selection rules it applies."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.sast.models import Scope
from sdl_gate.sast.settings import (
    DEFAULT_EXCLUDES,
    DEFAULT_INCLUDE_NO_CONFIG,
    DEFAULT_INCLUDE_WITH_CONFIG,
    excluded_by,
    is_included,
    load_settings,
    normalise,
    select,
)
from tests.conftest import write


def _pyproject(root: Path, bandit: str) -> Path:
    return write(root / "pyproject.toml", '[project]\nname = "w"\n\n[tool.bandit]\n' + bandit)


def _error(root: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_settings(root)
    return caught.value


# --- load_settings ---------------------------------------------------------------------------------------


def test_without_configuration_bandit_defaults_apply(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.source is None and settings.config_file is None
    assert (settings.tests, settings.skips) == ((), ())
    assert settings.excludes == DEFAULT_EXCLUDES
    assert settings.include == DEFAULT_INCLUDE_NO_CONFIG
    assert settings.digest.startswith("sha256:") and len(settings.digest) == len("sha256:") + 64
    assert settings.path_sensitive is False


def test_a_pyproject_without_tool_bandit_is_no_configuration(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "w"\n')
    settings = load_settings(tmp_path)
    assert settings.source is None and settings.include == DEFAULT_INCLUDE_NO_CONFIG


def test_tool_bandit_in_pyproject(tmp_path: Path) -> None:
    bandit = 'skips = ["B101", "B311"]\nexclude_dirs = ["tests", "docs"]\n'
    path = _pyproject(tmp_path, bandit + '[tool.bandit.assert_used]\nskips = ["*_test.py"]\n')
    settings = load_settings(tmp_path)
    assert settings.source == "pyproject.toml [tool.bandit]"
    assert settings.config_file == str(path)
    assert settings.skips == ("B101", "B311")
    assert settings.excludes == ("tests", "docs", *DEFAULT_EXCLUDES)
    # With a configuration file bandit scans *.py only, unless it says otherwise.
    assert settings.include == DEFAULT_INCLUDE_WITH_CONFIG
    assert settings.path_sensitive is True


def test_dot_bandit_ini_adds_to_pyproject_and_its_exclude_replaces_the_defaults(tmp_path: Path) -> None:
    _pyproject(tmp_path, 'tests = ["B602"]\n')
    write(tmp_path / ".bandit", "[bandit]\ntests = B603, B602\nexclude = ./build,./vendor\n")
    settings = load_settings(tmp_path)
    assert settings.source == "pyproject.toml [tool.bandit] and .bandit"
    assert settings.tests == ("B602", "B603")
    assert settings.excludes == ("./build", "./vendor")


def test_dot_bandit_alone(tmp_path: Path) -> None:
    write(tmp_path / ".bandit", "[bandit]\nskips: B101\n")
    settings = load_settings(tmp_path)
    assert settings.source == ".bandit"
    assert settings.skips == ("B101",)
    assert settings.include == DEFAULT_INCLUDE_NO_CONFIG


def test_the_digest_follows_the_configuration(tmp_path: Path) -> None:
    first = load_settings(tmp_path).digest
    assert load_settings(tmp_path).digest == first
    _pyproject(tmp_path, 'skips = ["B101"]\n')
    second = load_settings(tmp_path).digest
    assert second != first
    _pyproject(tmp_path, 'skips = ["B102"]\n')
    assert load_settings(tmp_path).digest not in (first, second)


def test_a_configured_include_is_used(tmp_path: Path) -> None:
    _pyproject(tmp_path, 'include = ["*.py", "*.pyi"]\n')
    assert load_settings(tmp_path).include == ("*.py", "*.pyi")


@pytest.mark.parametrize(
    ("files", "bad", "location"),
    [
        ({"pyproject.toml": '[tool.bandit\nskips = ["B101"]\n'}, "pyproject.toml", None),
        ({"pyproject.toml": '[tool]\nbandit = "strict"\n'}, "pyproject.toml", "tool.bandit"),
        ({"pyproject.toml": "[tool.bandit]\nskips = 5\n"}, "pyproject.toml", None),
        ({"pyproject.toml": '[tool.bandit]\ntests = ["B101"]\nskips = ["B101"]\n'}, "pyproject.toml", None),
        ({".bandit": "[flake8]\nmax-line-length = 100\n"}, ".bandit", None),
        ({".bandit": "[bandit]\nskips = B101\nskips = B102\n"}, ".bandit", None),
        ({".bandit": "skips = B101\n"}, ".bandit", None),
    ],
)
def test_invalid_configuration_names_the_file(
    tmp_path: Path, files: dict[str, str], bad: str, location: str | None
) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    error = _error(tmp_path)
    assert error.path == str(tmp_path / bad)
    assert error.location == location


def test_a_duplicate_ini_key_names_its_line(tmp_path: Path) -> None:
    write(tmp_path / ".bandit", "[bandit]\nskips = B101\n\nskips = B102\n")
    assert _error(tmp_path).line == 4


# --- exclusion and inclusion rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "excludes", "expected"),
    [
        ("tests/test_app.py", ("tests",), True),
        ("src/pkg/tests/helper.py", ("tests",), True),
        ("src/contests.py", ("tests",), True),  # bandit's rule is a substring match, and we apply it as bandit does
        ("src/app.py", ("tests",), False),
        ("build/lib/app.py", ("./build",), True),
        ("src/app.py", ("*/app.py",), True),
        ("app.py", ("*/app.py",), True),  # matched through the ./app.py spelling
        ("src/app.py", DEFAULT_EXCLUDES, False),
        ("pkg/__pycache__/x.py", DEFAULT_EXCLUDES, True),
        ("vendor/.git/hooks/x.py", DEFAULT_EXCLUDES, True),
    ],
)
def test_is_excluded(relative: str, excludes: tuple[str, ...], expected: bool) -> None:
    assert (excluded_by(relative, excludes) is not None) is expected


@pytest.mark.parametrize(
    ("relative", "include", "expected"),
    [
        ("src/app.py", DEFAULT_INCLUDE_WITH_CONFIG, True),
        ("src/gui.pyw", DEFAULT_INCLUDE_WITH_CONFIG, False),
        ("src/gui.pyw", DEFAULT_INCLUDE_NO_CONFIG, True),
        ("src/stub.pyi", DEFAULT_INCLUDE_NO_CONFIG, False),
        ("README.md", DEFAULT_INCLUDE_NO_CONFIG, False),
    ],
)
def test_is_included(relative: str, include: tuple[str, ...], expected: bool) -> None:
    assert is_included(relative, include) is expected


# --- paths and explicit file selection (no git) --------------------------------------------------------------


def test_normalise_agrees_on_every_spelling(tmp_path: Path) -> None:
    write(tmp_path / "src" / "app.py", "x = 1\n")
    assert normalise(tmp_path, tmp_path / "src" / "app.py") == "src/app.py"
    assert normalise(tmp_path, tmp_path / "src" / "." / "app.py") == "src/app.py"
    assert normalise(tmp_path, tmp_path / "src" / ".." / "src" / "app.py") == "src/app.py"


def test_a_path_outside_the_project_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    outside = write(tmp_path / "elsewhere.py", "x = 1\n")
    with pytest.raises(InputError) as caught:
        normalise(root, outside)
    assert caught.value.path == str(outside)


def test_explicit_files_and_directories_are_selected_and_exclusions_listed(tmp_path: Path) -> None:
    write(tmp_path / "src" / "app.py", "x = 1\n")
    write(tmp_path / "src" / "gui.pyw", "x = 1\n")
    write(tmp_path / "src" / "notes.md", "text\n")
    write(tmp_path / "tests" / "test_app.py", "x = 1\n")
    write(tmp_path / "scripts" / "tool", "#!/usr/bin/env python\n")
    _pyproject(tmp_path, 'exclude_dirs = ["tests"]\n')
    settings = load_settings(tmp_path)
    selection = select(tmp_path, settings, [tmp_path / "src", tmp_path / "tests", tmp_path / "scripts" / "tool"])
    assert selection.scope is Scope.FILES
    # A file named explicitly is scanned whatever its name; a directory contributes what the include globs match.
    assert [t.relative for t in selection.targets] == ["scripts/tool", "src/app.py"]
    assert all(t.path == tmp_path / t.relative for t in selection.targets)
    # A Python file the include globs leave out of a directory is listed as excluded, never dropped unseen.
    assert selection.excluded == ("src/gui.pyw", "tests/test_app.py")
    assert selection.modified == ()


def test_an_explicit_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        select(tmp_path, load_settings(tmp_path), [tmp_path / "absent.py"])
    assert caught.value.path == str(tmp_path / "absent.py")
