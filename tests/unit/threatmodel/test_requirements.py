"""The product security requirements file (``security/requirements.yaml``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.threatmodel.requirements import Verification, load_requirements
from tests.conftest import write

REQUIREMENTS = """\
version: 1
requirements:
  - id: SR-1
    statement: Clients shall authenticate with certificates.
    category: authentication
    scope: [C-1, F-1]
    sl_c: 2
    threats: [T-1]
    verification: test
  - id: SR-2
    statement: The gateway shall log every configuration change.
    source: IEC 62443-4-2 CR 2.8
"""


def _error(tmp_path: Path, text: str) -> InputError:
    path = write(tmp_path / "requirements.yaml", text)
    with pytest.raises(InputError) as caught:
        load_requirements(path)
    assert caught.value.path == str(path)
    return caught.value


def test_requirements_load_with_their_lines(tmp_path: Path) -> None:
    loaded, lines = load_requirements(write(tmp_path / "requirements.yaml", REQUIREMENTS))
    first, second = loaded.requirements
    assert (first.id, first.sl_c, first.scope, first.threats, first.verification) == (
        "SR-1",
        2,
        ["C-1", "F-1"],
        ["T-1"],
        Verification.TEST,
    )
    assert (second.source, second.verification, second.scope) == ("IEC 62443-4-2 CR 2.8", None, [])
    assert lines.line_for(("requirements", 1, "id")) == 10


def test_an_empty_register_is_valid(tmp_path: Path) -> None:
    loaded, _ = load_requirements(write(tmp_path / "requirements.yaml", "version: 1\n"))
    assert loaded.requirements == []


@pytest.mark.parametrize(
    ("change", "location", "line"),
    [
        (("  - id: SR-2\n", "  - id: SR-1\n"), "requirements[1].id", 10),
        (("sl_c: 2", "sl_c: 5"), "requirements[0].sl_c", 7),
        (("verification: test", "verification: hope"), "requirements[0].verification", 9),
        (("category: authentication", "categories: [authentication]"), "requirements[0].categories", 5),
        (("    statement: The gateway shall log every configuration change.\n", ""), "requirements[1].statement", 10),
        (("scope: [C-1, F-1]", "scope: ['C 1']"), "requirements[0].scope[0]", 6),
        (("version: 1", "version: 2"), "version", 1),
    ],
)
def test_invalid_requirements_name_line_and_place(
    tmp_path: Path, change: tuple[str, str], location: str, line: int
) -> None:
    text = REQUIREMENTS.replace(*change)
    assert text != REQUIREMENTS
    error = _error(tmp_path, text)
    assert (error.location, error.line) == (location, line)


def test_a_list_at_the_top_level_is_refused(tmp_path: Path) -> None:
    assert _error(tmp_path, "- id: SR-1\n").line == 1
