"""Only regular files inside the project are read: links to /dev/stdin, FIFOs, links out of the project and
oversized files among the files a pull request can add are refused with exit 2 naming the file, never a hang.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sdl_gate._files import MAX_INPUT_BYTES, read_bytes_limited
from sdl_gate.errors import InputError
from sdl_gate.evidence import EvidenceKind, EvidenceStore, Rejection
from sdl_gate.sast.engine import Cache
from tests.conftest import ProjectFactory, RunCli, write

#: Far more than a refusal takes; the old code waited here until the test runner gave up.
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Target:
    """A file the repository supplies, valid content for it, and the command that reads it."""

    relative: str
    content: str
    command: tuple[str, ...]
    config: str = ""
    companions: tuple[tuple[str, str], ...] = ()


TARGETS = {
    "waivers": Target("security/waivers.yaml", "version: 1\nwaivers: []\n", ("records", "check")),
    "record": Target(
        "security/records/course.yaml",
        "version: 1\nid: course\nkind: training\ntitle: Secure coding\nrequirements: [SM-4]\n"
        "date: 2026-01-10\nauthor: Alice Example <alice@example.com>\n",
        ("records", "check"),
    ),
    "threat-model": Target(
        "security/threat-model.yaml", "version: 1\nproduct:\n  name: widget\n", ("threat-model", "check", "--path")
    ),
    "security-requirements": Target(
        "security/requirements.yaml",
        "version: 1\nrequirements: []\n",
        ("threat-model", "check", "--path"),
        companions=(("security/threat-model.yaml", "version: 1\nproduct:\n  name: widget\n"),),
    ),
    "test-map": Target(
        "security/test-map.yaml",
        "version: 1\ntests:\n  t: [SR-1]\n",
        ("threat-model", "check", "--path"),
        companions=(
            ("security/threat-model.yaml", "version: 1\nproduct:\n  name: widget\n"),
            (
                "security/requirements.yaml",
                "version: 1\nrequirements:\n  - {id: SR-1, statement: S., verification: test}\n",
            ),
        ),
    ),
    "policy": Target(
        "security/policy.yaml",
        "version: 1\nname: widget\nextends: iec62443-4-1-ml2\n",
        ("records", "check"),
        config='policy = "security/policy.yaml"\n',
    ),
    "config": Target("pyproject.toml", '[project]\nname = "widget"\nversion = "2.0.0"\n', ("records", "check")),
    "dependency-include": Target(
        "extra.txt", "idna==3.10\n", ("sbom",), companions=(("requirements.txt", "-r extra.txt\n"),)
    ),
}


def _stdin_link(path: Path, target: Target, outside: Path) -> None:
    path.symlink_to("/dev/stdin")


def _fifo(path: Path, target: Target, outside: Path) -> None:
    os.mkfifo(path)


def _link_out_of_the_project(path: Path, target: Target, outside: Path) -> None:
    # A valid file, so reading it would succeed: only the link's way out of the project is wrong.
    source = write(outside / path.name, target.content)
    path.symlink_to(source)


def _too_large(path: Path, target: Target, outside: Path) -> None:
    path.write_text(target.content + "#" * (MAX_INPUT_BYTES + 1) + "\n", encoding="utf-8")


VARIANTS: dict[str, Callable[[Path, Target, Path], None]] = {
    "link-to-stdin": _stdin_link,
    "fifo": _fifo,
    "link-out-of-the-project": _link_out_of_the_project,
    "too-large": _too_large,
}


#: Variants that cannot block a reader, so they run in this process; a link to stdin or a FIFO could, so those
#: run in a subprocess whose stdin stays open (a test worker's stdin is its connection to the test runner).
IN_PROCESS_VARIANTS = frozenset({"link-out-of-the-project", "too-large"})


def _run_with_open_stdin(args: list[str], cwd: Path, tmp_path: Path) -> tuple[int, str]:
    """Run the CLI with a stdin pipe nobody writes to or closes, as on a CI runner; return (code, stderr)."""
    read_end, write_end = os.pipe()
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    try:
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "sdl_gate", *args], cwd=cwd, stdin=read_end, stdout=out, stderr=err
            )
            try:
                code = process.wait(timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                pytest.fail(f"sdl-gate {' '.join(args)} hung reading a file from the repository")
    finally:
        os.close(read_end)
        os.close(write_end)
    return code, stderr.read_text(encoding="utf-8")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_repository_file_that_is_not_a_regular_file_inside_the_project_is_refused(
    name: str, variant: str, project: ProjectFactory, tmp_path: Path, run_cli_in_process: RunCli
) -> None:
    target = TARGETS[name]
    if target.config:
        project.pyproject(target.config)
    for relative, content in target.companions:
        write(project.root / relative, content)
    path = project.root / target.relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    VARIANTS[variant](path, target, tmp_path / "outside")
    args = [*target.command, str(project.root)]
    if variant in IN_PROCESS_VARIANTS:
        result = run_cli_in_process(*args, cwd=project.root)
        code, stderr = result.code, result.stderr
    else:
        code, stderr = _run_with_open_stdin(args, project.root, tmp_path)
    assert code == 2, stderr
    named = path.name in stderr
    if name == "dependency-include":
        # An include refused where it is written names the including file and its line, never the target's content.
        named = named or "requirements.txt:1" in stderr
    assert named, "the error must name the file"
    assert not (project.root / ".sdl-gate").exists(), "nothing is written for refused input"


def test_a_link_inside_the_project_is_followed(project: ProjectFactory, run_cli_in_process: RunCli) -> None:
    real = write(project.root / "registers" / "waivers.yaml", TARGETS["waivers"].content)
    (project.root / "security").mkdir()
    (project.root / "security" / "waivers.yaml").symlink_to(real)
    result = run_cli_in_process("records", "check", project.root)
    assert result.code == 0, result.stderr


def test_a_directory_link_out_of_the_project_is_refused(
    project: ProjectFactory, tmp_path: Path, run_cli_in_process: RunCli
) -> None:
    outside = tmp_path / "elsewhere"
    write(outside / "records" / "course.yaml", TARGETS["record"].content)
    (project.root / "security").symlink_to(outside, target_is_directory=True)
    result = run_cli_in_process("records", "check", project.root)
    assert result.code == 2, result.stderr
    assert "course.yaml" in result.stderr


@pytest.fixture
def open_stdin() -> Iterator[None]:
    """Make this process's stdin a pipe nobody writes to or closes, as on a CI runner."""
    read_end, write_end = os.pipe()
    saved = os.dup(0)
    os.dup2(read_end, 0)
    try:
        yield
    finally:
        os.dup2(saved, 0)
        for fd in (saved, read_end, write_end):
            os.close(fd)


@pytest.mark.usefixtures("open_stdin")
@pytest.mark.parametrize("variant", ["fifo", "link-to-stdin"])
def test_operator_files_are_refused_without_blocking_too(variant: str, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    VARIANTS[variant](path, TARGETS["policy"], tmp_path)
    error = _within(TIMEOUT_SECONDS, lambda: read_bytes_limited(path))
    assert isinstance(error, InputError) and error.path == str(path)


def _within(seconds: float, call: Callable[[], object]) -> object:
    """Return what ``call`` returns (or raises), failing the test if it blocks longer than ``seconds``."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    assert outcome, "blocked reading a file from the checkout"
    return outcome[0]


@pytest.mark.usefixtures("open_stdin")
@pytest.mark.parametrize("variant", ["fifo", "link-to-stdin"])
def test_a_pointer_in_the_checkouts_evidence_store_cannot_hang_the_run(variant: str, tmp_path: Path) -> None:
    """``.sdl-gate/`` lives in the checkout, so a pull request can commit a pointer there."""
    root = tmp_path / "proj"
    store = EvidenceStore(root)
    pointer = store.pointer_path(EvidenceKind.SAST)
    pointer.parent.mkdir(parents=True)
    VARIANTS[variant](pointer, Target(pointer.name, '{"id": "sha256:' + "0" * 64 + '"}', ()), tmp_path / "outside")
    found = _within(TIMEOUT_SECONDS, lambda: store.latest(EvidenceKind.SAST))
    assert isinstance(found, Rejection), found


@pytest.mark.usefixtures("open_stdin")
@pytest.mark.parametrize("variant", ["fifo", "link-to-stdin"])
def test_a_sast_cache_entry_in_the_checkout_is_a_miss(variant: str, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "proj" / ".sdl-gate" / "cache" / "sast")
    key = "ab" * 32
    entry = cache.directory / key[:2] / f"{key}.json"
    entry.parent.mkdir(parents=True)
    VARIANTS[variant](entry, Target(entry.name, "{}", ()), tmp_path / "outside")
    assert _within(TIMEOUT_SECONDS, lambda: cache.get(key)) is None
    assert cache.corrupt == 1
