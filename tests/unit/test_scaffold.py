"""``sdl-gate init``'s scaffold: what it writes into a project."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib

from sdl_gate.scaffold import scaffold
from tests.conftest import write


@pytest.mark.parametrize("existing", [None, '[project]\nname = "fresh"\nversion = "0.1"\n'])
def test_the_section_written_into_pyproject_does_not_ask_to_be_copied_there(
    tmp_path: Path, existing: str | None
) -> None:
    if existing is not None:
        write(tmp_path / "pyproject.toml", existing)
    scaffold(tmp_path)
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert "sdl-gate" in tomllib.loads(text)["tool"]
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert comments, "the section explains its keys"
    assert not [line for line in comments if "copy" in line.lower()]
