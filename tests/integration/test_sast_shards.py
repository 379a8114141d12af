"""A SAST run split into shards (a CI matrix) and merged back with real bandit: same result, fail closed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sdl_gate._git import git_commit
from sdl_gate.config import load_project
from sdl_gate.sast.analyse import analyse, analyse_shard
from sdl_gate.sast.findings import bandit_json
from sdl_gate.sast.shards import SastShard, ShardError, ShardSpec, write_shard
from tests.conftest import ProjectFactory, RunCli, commit_all, write

COUNT = 3


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_GATE_SAST_CACHE_DIR", str(tmp_path / "sast-cache"))


def _sources(root: Path) -> None:
    for n in range(9):
        write(root / "pkg" / f"shell_{n}.py", f"import subprocess\n\nsubprocess.call(CMD_{n}, shell=True)\n")
    write(root / "pkg" / "pickled.py", "import pickle\n\npickle.loads(DATA)\n")
    write(root / "pkg" / "silenced.py", "import pickle\n\npickle.loads(DATA)  # nosec B301 -- trusted cache\n")
    write(root / "pkg" / "broken.py", "def f(:\n")
    write(root / "pkg" / "clean.py", "def add(x, y):\n    return x + y\n")


def _shards(root: Path, directory: Path, count: int = COUNT) -> dict[int, Path]:
    """Write every shard of a ``count``-way split of the project into ``directory``, as the matrix jobs would."""
    project = load_project(root)
    written: dict[int, Path] = {}
    for index in range(1, count + 1):
        spec = ShardSpec(index, count)
        part = analyse_shard(project, spec, commit=git_commit(root), jobs=1)
        written[index] = directory / spec.file_name
        write_shard(part, written[index])
    return written


@pytest.fixture
def sharded(project: ProjectFactory, tmp_path: Path) -> tuple[Path, Path, dict[int, Path]]:
    """A committed project with findings, a # nosec and a syntax error, and every shard of it."""
    root = project.root
    _sources(root)
    commit_all(root)
    directory = tmp_path / "shards"
    return root, directory, _shards(root, directory)


def test_the_merged_shards_give_what_an_unsharded_run_gives(sharded: tuple[Path, Path, dict[int, Path]]) -> None:
    root, directory, written = sharded
    parts = [SastShard.model_validate_json(path.read_text()) for path in written.values()]
    assert all(part.files for part in parts)  # each job had work
    assert sum(len(part.files) for part in parts) == 13
    project = load_project(root)
    whole = analyse(project, jobs=1, use_cache=False)
    merged = analyse(project, shards=directory, commit=git_commit(root))
    assert merged.report == whole.report
    assert bandit_json(merged.run) == bandit_json(whole.run)
    assert {f.test_id for f in merged.report.findings} >= {"B602", "B301"}


def _drop(directory: Path, written: dict[int, Path]) -> None:
    written[2].unlink()


def _duplicate(directory: Path, written: dict[int, Path]) -> None:
    shutil.copy(written[2], directory / "copy-of-shard-2.json")


def _edit(shard: int, **changes: object) -> Callable[[Path, dict[int, Path]], None]:
    def change(_directory: Path, written: dict[int, Path]) -> None:
        data = json.loads(written[shard].read_text())
        data.update(changes)
        written[shard].write_text(json.dumps(data))

    return change


def _drop_a_file(_directory: Path, written: dict[int, Path]) -> None:
    data = json.loads(written[2].read_text())
    data["files"] = data["files"][1:]
    written[2].write_text(json.dumps(data))


def _forge_a_result(_directory: Path, written: dict[int, Path]) -> None:
    # A result for other bytes: the file's digest no longer matches what the checkout holds.
    data = json.loads(written[2].read_text())
    data["files"][0]["sha256"] = "0" * 64
    written[2].write_text(json.dumps(data))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_drop, id="missing"),
        pytest.param(_duplicate, id="duplicated"),
        pytest.param(_edit(2, commit="0" * 40), id="other-commit"),
        pytest.param(_edit(2, configuration="f" * 64), id="other-configuration"),
        pytest.param(_edit(2, selection="e" * 64), id="other-file-set"),
        pytest.param(_edit(2, scanner_version="0.0.1"), id="other-bandit"),
        pytest.param(_drop_a_file, id="incomplete"),
        pytest.param(_forge_a_result, id="other-content"),
    ],
)
def test_a_shard_that_does_not_fit_is_refused_naming_it(
    sharded: tuple[Path, Path, dict[int, Path]], damage: Callable[[Path, dict[int, Path]], None]
) -> None:
    root, directory, written = sharded
    damage(directory, written)
    with pytest.raises(ShardError) as raised:
        analyse(load_project(root), shards=directory, commit=git_commit(root))
    assert f"2/{COUNT}" in raised.value.message


def test_a_shard_outside_its_split_is_refused(sharded: tuple[Path, Path, dict[int, Path]]) -> None:
    root, directory, written = sharded
    _edit(2, index=COUNT + 1)(directory, written)
    with pytest.raises(ShardError) as raised:
        analyse(load_project(root), shards=directory, commit=git_commit(root))
    assert raised.value.path == str(written[2])


def test_shards_of_another_split_are_refused(sharded: tuple[Path, Path, dict[int, Path]], tmp_path: Path) -> None:
    root, directory, written = sharded
    other = _shards(root, tmp_path / "two-way", count=2)
    written[1].unlink()
    shutil.copy(other[1], directory)
    with pytest.raises(ShardError) as raised:
        analyse(load_project(root), shards=directory, commit=git_commit(root))
    assert "1/2" in raised.value.message and f"2/{COUNT}" in raised.value.message


def test_a_changed_checkout_refuses_the_shards_of_its_commit(sharded: tuple[Path, Path, dict[int, Path]]) -> None:
    root, directory, _written = sharded
    write(root / "pkg" / "clean.py", "import os\nos.system(CMD)\n")  # not committed: the bytes differ
    with pytest.raises(ShardError):
        analyse(load_project(root), shards=directory, commit=git_commit(root))


@pytest.mark.parametrize("content", ["", "{", '{"format": 1}', "[]", "x" * 100])
def test_a_malformed_shard_file_is_refused_naming_the_file(
    sharded: tuple[Path, Path, dict[int, Path]], content: str
) -> None:
    root, directory, written = sharded
    written[3].write_text(content)
    with pytest.raises(ShardError) as raised:
        analyse(load_project(root), shards=directory, commit=git_commit(root))
    assert raised.value.path == str(written[3])


def test_an_empty_or_absent_directory_is_refused(project: ProjectFactory, tmp_path: Path) -> None:
    _sources(project.root)
    (tmp_path / "empty").mkdir()
    for directory in (tmp_path / "empty", tmp_path / "absent"):
        with pytest.raises(ShardError):
            analyse(load_project(project.root), shards=directory, commit=None)


# --- Through the CLI -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_shards_then_merges_and_refuses_a_missing_shard(
    project: ProjectFactory, tmp_path: Path, run_cli: RunCli
) -> None:
    root = project.root
    _sources(root)
    commit_all(root)
    directory = tmp_path / "shards"
    for index in range(1, COUNT + 1):
        out = directory / f"part-{index}.json"
        done = run_cli("collect", root, "--kind", "sast", "--shard", f"{index}/{COUNT}", "--output", out)
        assert done.code == 0, done.stderr
        assert SastShard.model_validate_json(out.read_text()).index == index
    assert not (root / ".sdl-gate" / "evidence").exists()  # a shard is partial: nothing is stored or assessed

    merged = run_cli("collect", root, "--kind", "sast", "--merge-shards", directory)
    assert merged.code == 0, merged.stderr
    assert merged.stdout.startswith("sast")

    (directory / "part-2.json").unlink()
    refused = run_cli("collect", root, "--kind", "sast", "--merge-shards", directory)
    assert refused.code == 2
    assert f"2/{COUNT}" in refused.stderr

    gated = run_cli("check", root, "--merge-shards", directory, "--format", "json")
    assert gated.code == 1
    assessment = json.loads(gated.stdout)
    si1 = next(r for r in assessment["requirements"] if r["id"] == "SI-1")
    unavailable = [f for f in si1["findings"] if f["outcome"] == "not_available"]
    assert unavailable and any(f"2/{COUNT}" in f["message"] for f in unavailable)


def test_cli_refuses_a_shard_without_kind_sast(project: ProjectFactory, run_cli_in_process: RunCli) -> None:
    for args in (["--shard", "1/2"], ["--kind", "sbom", "--shard", "1/2"], ["--kind", "sast", "--shard", "3/2"]):
        done = run_cli_in_process("collect", project.root, *args)
        assert done.code == 2, args
    assert not (project.root / ".sdl-gate").exists()
