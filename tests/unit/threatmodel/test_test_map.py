"""The test map (``security/test-map.yaml``): test ids to the requirements they verify, and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.threatmodel.test_map import check_test_map, listed_for, load_test_map
from tests.conftest import write

MAP = """\
version: 1
tests:
  mbap_rejects_bad_length: [SR-FW-001]
  com.example.plc.MbapTest::rejectsBadLength: [SR-FW-001, SR-FW-002]
"""


def test_a_map_loads_and_lists_the_tests_of_a_requirement(tmp_path: Path) -> None:
    loaded, lines = load_test_map(write(tmp_path / "test-map.yaml", MAP))
    check_test_map(loaded, lines, tmp_path / "test-map.yaml", {"SR-FW-001", "SR-FW-002"}, "requirements.yaml")
    tests = {k: list(v) for k, v in loaded.tests.items()}
    assert listed_for(tests, "SR-FW-001") == ["mbap_rejects_bad_length", "com.example.plc.MbapTest::rejectsBadLength"]
    assert listed_for(tests, "SR-FW-002") == ["com.example.plc.MbapTest::rejectsBadLength"]
    assert listed_for(tests, "SR-FW-009") == []


def test_an_unknown_requirement_id_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "test-map.yaml", MAP)
    loaded, lines = load_test_map(path)
    with pytest.raises(InputError) as caught:
        check_test_map(loaded, lines, path, {"SR-FW-001"}, "requirements.yaml")
    assert caught.value.path == str(path)
    assert caught.value.line == 4
    assert "SR-FW-002" in caught.value.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("version: 1\ntests:\n  t: []\n", 3),  # a test that verifies nothing
        ("version: 1\ntests: {}\n", 2),  # a map that maps nothing
        ("version: 1\ntests:\n  t: SR-1\n", 3),  # not a list
        ("version: 1\ntests:\n  t: [not an id]\n", 3),
        ("version: 2\ntests:\n  t: [SR-1]\n", 1),
        ("version: 1\ntests:\n  t: [SR-1]\nextra: 1\n", 4),
        ("version: 1\ntests: [\n", None),  # malformed YAML
    ],
)
def test_a_malformed_map_is_refused_naming_the_file(tmp_path: Path, text: str, line: int | None) -> None:
    path = write(tmp_path / "test-map.yaml", text)
    with pytest.raises(InputError) as caught:
        load_test_map(path)
    assert caught.value.path == str(path)
    if line is not None:
        assert caught.value.line == line
