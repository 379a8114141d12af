"""What the bandit configuration switches off and excludes, recorded with the file and setting that say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.sast.models import Exclusion, Level, SkipReason
from sdl_gate.sast.settings import load_settings, select
from tests.conftest import write

SHELL_TESTS = ("B602", "B603", "B604", "B605", "B606", "B607", "B609")


def _project(root: Path, bandit_toml: str = "", ini: str | None = None) -> Path:
    body = '[project]\nname = "w"\nversion = "1"\n'
    if bandit_toml:
        body += "\n[tool.bandit]\n" + bandit_toml
    write(root / "pyproject.toml", body)
    if ini is not None:
        write(root / ".bandit", ini)
    return root


def _skipped(root: Path) -> dict[str, tuple[SkipReason, str, Level | None]]:
    return {s.test_id: (s.reason, s.source, s.severity) for s in load_settings(root).skipped}


def test_without_configuration_nothing_is_switched_off(tmp_path: Path) -> None:
    assert load_settings(_project(tmp_path)).skipped == ()


def test_skips_in_pyproject_and_in_dot_bandit_are_recorded_with_their_source(tmp_path: Path) -> None:
    root = _project(tmp_path, 'skips = ["B602", "B404"]\n', ini="[bandit]\nskips = B312\n")
    assert _skipped(root) == {
        "B602": (SkipReason.SKIPPED, "pyproject.toml [tool.bandit] skips", None),
        "B404": (SkipReason.SKIPPED, "pyproject.toml [tool.bandit] skips", Level.LOW),
        "B312": (SkipReason.SKIPPED, ".bandit [bandit] skips", Level.HIGH),
    }


def test_b001_skips_every_blacklist_test(tmp_path: Path) -> None:
    skipped = _skipped(_project(tmp_path, 'skips = ["B001"]\n'))
    assert {"B301", "B312", "B404", "B413"} <= set(skipped)
    assert "B602" not in skipped
    assert skipped["B413"] == (SkipReason.SKIPPED, "pyproject.toml [tool.bandit] skips", Level.HIGH)


@pytest.mark.parametrize(
    ("toml", "ini", "source"),
    [
        ('tests = ["B101"]\n', None, "pyproject.toml [tool.bandit] tests"),
        ("", "[bandit]\ntests = B101\n", ".bandit [bandit] tests"),
        ('tests = ["B999"]\n', None, "pyproject.toml [tool.bandit] tests"),  # selects no test at all
    ],
)
def test_a_tests_allow_list_leaves_out_every_other_test(
    tmp_path: Path, toml: str, ini: str | None, source: str
) -> None:
    skipped = _skipped(_project(tmp_path, toml, ini))
    assert skipped["B602"] == (SkipReason.NOT_SELECTED, source, None)
    assert skipped["B312"] == (SkipReason.NOT_SELECTED, source, Level.HIGH)
    assert ("B101" in skipped) is ("B999" in toml)


def test_plugin_settings_that_differ_from_bandits_defaults_count_as_reconfigured(tmp_path: Path) -> None:
    blind = _project(tmp_path / "blind", "\n[tool.bandit.shell_injection]\nsubprocess = []\n")
    skipped = _skipped(blind)
    assert set(skipped) == set(SHELL_TESTS)
    assert {value[:2] for value in skipped.values()} == {
        (SkipReason.RECONFIGURED, "pyproject.toml [tool.bandit.shell_injection]")
    }
    # The same settings as bandit's own defaults change nothing, and say so.
    same = _project(tmp_path / "same", "\n[tool.bandit.try_except_pass]\ncheck_typed_exception = false\n")
    assert _skipped(same) == {}
    asserts = _project(tmp_path / "asserts", '\n[tool.bandit.assert_used]\nskips = ["*/tests/*"]\n')
    assert _skipped(asserts) == {"B101": (SkipReason.RECONFIGURED, "pyproject.toml [tool.bandit.assert_used]", None)}


def test_exclusions_name_the_pattern_and_the_setting_including_bandits_defaults_and_include(tmp_path: Path) -> None:
    root = _project(tmp_path, 'exclude_dirs = ["vendor"]\ninclude = ["*.py", "*.pyx"]\n')
    for name in ("app.py", "vendor/lib.py", "src/CVSutil.py", "tool.pyw", "fast.pyx", "notes.txt"):
        write(root / name, "x = 1\n")
    selection = select(root, load_settings(root))
    assert sorted(t.relative for t in selection.targets) == ["app.py", "fast.pyx"]
    assert selection.exclusions == (
        Exclusion(path="src/CVSutil.py", pattern="CVS", source="bandit's default excludes"),
        Exclusion(
            path="tool.pyw", pattern="not matched by include *.py, *.pyx", source="pyproject.toml [tool.bandit] include"
        ),
        Exclusion(path="vendor/lib.py", pattern="vendor", source="pyproject.toml [tool.bandit] exclude_dirs"),
    )
    assert selection.excluded == ("src/CVSutil.py", "tool.pyw", "vendor/lib.py")


def test_an_exclude_in_dot_bandit_replaces_the_defaults_and_is_named(tmp_path: Path) -> None:
    root = _project(tmp_path, ini="[bandit]\nexclude = lib\n")
    write(root / "lib" / "a.py", "x = 1\n")
    write(root / "CVS" / "b.py", "x = 1\n")
    selection = select(root, load_settings(root))
    assert [t.relative for t in selection.targets] == ["CVS/b.py"]
    assert selection.exclusions == (Exclusion(path="lib/a.py", pattern="lib", source=".bandit [bandit] exclude"),)
