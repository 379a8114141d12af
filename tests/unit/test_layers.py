"""Imports point downward only, and no package reaches into another's private modules.

The layer table lives in ``scripts/module-map`` (the one place it is written down); this test loads that script
and reads every module's imports with ``ast``: module level, inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import textwrap
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "module-map"


def _module_map() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("module_map", str(SCRIPT))
    spec = importlib.util.spec_from_loader("module_map", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the class is made.
    sys.modules.setdefault("module_map", module)
    loader.exec_module(module)
    return module


MAP = _module_map()


@cache
def _package_imports() -> tuple[Any, ...]:
    """Every import of the package, read once per process (three tests read them)."""
    return tuple(MAP.all_imports(REPO))


def _describe(found: list[Any]) -> str:
    return "\n".join(f"{i.importer} (line {i.line}) imports {i.imported}" for i in found)


def test_every_module_has_a_layer() -> None:
    """A new package or top-level module must be placed in the table, not slip through unplaced."""
    unplaced = []
    for item in _package_imports():
        for module in (item.importer, item.imported):
            try:
                MAP.layer_of(module)
            except KeyError:
                unplaced.append(module)
    assert not unplaced, f"modules without a layer in scripts/module-map LAYER_OF: {sorted(set(unplaced))}"


def test_no_import_runs_upward() -> None:
    """Every sdl_gate import targets the importer's own layer or a lower one."""
    wrong = MAP.upward(list(_package_imports()))
    assert not wrong, "upward imports:\n" + _describe(wrong)


def test_no_private_module_is_imported_from_another_package() -> None:
    """A ``_module`` is imported only from inside the package that holds it."""
    wrong = MAP.private_reaches(list(_package_imports()))
    assert not wrong, "private modules reached from another package:\n" + _describe(wrong)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "sdl_gate" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "source",
    [
        "from sdl_gate.render.json import render_json\n",
        "import sdl_gate.render.json\n",
        "def late():\n    from sdl_gate.render import json\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sdl_gate.render.json import X\n",
        "from ..render.json import render_json\n",
    ],
    ids=["from", "import", "function-local", "type-checking", "relative"],
)
def test_the_reader_sees_an_upward_import_however_it_is_written(tmp_path: Path, source: str) -> None:
    """Checks importing a renderer is caught at module level, in a function, for typing and relatively."""
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "render/__init__.py": "",
            "render/json.py": "X = 1\n",
            "checks/__init__.py": "",
            "checks/sm.py": source,
        },
    )
    wrong = MAP.upward(MAP.all_imports(root))
    assert [(i.importer, i.imported) for i in wrong] == [("sdl_gate.checks.sm", "sdl_gate.render.json")]


def test_a_private_module_is_reachable_from_its_own_package_only(tmp_path: Path) -> None:
    """``checks._criteria`` may be imported by ``checks.sm`` but not by ``assess``; ``sdl_gate._files`` by all."""
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "_files.py": "",
            "checks/__init__.py": "",
            "checks/_criteria.py": "from sdl_gate._files import x\n",
            "checks/sm.py": "from sdl_gate.checks._criteria import record\n",
            "assess.py": "from sdl_gate.checks._criteria import record\n",
        },
    )
    wrong = MAP.private_reaches(MAP.all_imports(root))
    assert [(i.importer, i.imported) for i in wrong] == [("sdl_gate.assess", "sdl_gate.checks._criteria")]
