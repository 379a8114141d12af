"""Scanning one shard and writing it for the merging job (``sast.analyse.collect_shard``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.sast.analyse import collect_shard
from sdl_gate.sast.shards import SastShard, ShardSpec
from tests.conftest import write


def _project(root: Path) -> Path:
    write(root / "pyproject.toml", '[project]\nname = "widget"\nversion = "1.0"\n')
    write(root / "app.py", "import subprocess\nsubprocess.call('ls', shell=True)\n")
    write(root / "util.py", "VALUE = 1\n")
    return root


def test_a_shard_is_written_where_the_merge_looks_for_it(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    written = collect_shard(root, ShardSpec.parse("1/1"))
    assert written.path == root / ".sdl-gate" / "shards" / ShardSpec.parse("1/1").file_name
    stored = SastShard.model_validate_json(written.path.read_text(encoding="utf-8"))
    assert stored == written.shard
    assert {entry.path for entry in stored.files} == {"app.py", "util.py"}


def test_a_directory_as_the_target_is_refused_naming_it(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(InputError) as raised:
        collect_shard(root, ShardSpec.parse("1/2"), target)
    assert raised.value.path == str(target)
    assert list(target.iterdir()) == []


def test_a_missing_project_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        collect_shard(tmp_path / "missing", ShardSpec.parse("1/2"))
    assert raised.value.path == str(tmp_path / "missing")
