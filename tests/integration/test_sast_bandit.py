"""Our sharded bandit run reports exactly what the bandit CLI reports, honours the configuration, survives bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from sdl_gate.config import load_project
from sdl_gate.sast import engine
from sdl_gate.sast.analyse import analyse
from sdl_gate.sast.engine import run_scan
from sdl_gate.sast.models import ScanStatus
from sdl_gate.sast.settings import load_settings, select
from tests.conftest import ProjectFactory, RunCli, child_processes, write

CLICK_DIR = Path(click.__file__).resolve().parent

Key = tuple[Any, ...]


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def bandit_cli(*args: str, cwd: Path) -> dict[str, Any]:
    """Run the real bandit command line with JSON output."""
    completed = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-f", "json", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    document: dict[str, Any] = json.loads(completed.stdout)
    return document


def keys(results: list[dict[str, Any]], strip: str = "") -> set[Key]:
    """The identity of each result: file, test, place, ranks and bandit's code excerpt."""
    return {
        (
            r["filename"].removeprefix(strip).removeprefix("./"),
            r["test_id"],
            r["line_number"],
            tuple(r["line_range"]),
            r["col_offset"],
            r["issue_severity"],
            r["issue_confidence"],
            r["code"],
        )
        for r in results
    }


@pytest.mark.slow
def test_same_findings_as_the_bandit_cli_on_click_in_one_process_and_in_a_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = bandit_cli("-r", str(CLICK_DIR), cwd=CLICK_DIR.parent)
    assert expected["results"], "click should give bandit something to report"
    settings = load_settings(CLICK_DIR)
    selection = select(CLICK_DIR, settings)
    in_process = run_scan(settings, selection, cache=None, jobs=1)
    monkeypatch.setattr(engine, "IN_PROCESS_BYTES", 0)  # force the process pool even for a small tree
    pooled = run_scan(settings, selection, cache=None, jobs=2)
    from sdl_gate.sast.findings import bandit_json

    ours_single = bandit_json(in_process)
    ours_pooled = bandit_json(pooled)
    want = keys(expected["results"], strip=str(CLICK_DIR) + "/")
    assert keys(ours_single["results"]) == want
    assert keys(ours_pooled["results"]) == want
    assert len(ours_pooled["results"]) == len(expected["results"])
    assert ours_pooled["errors"] == [] == expected["errors"]
    assert {r["more_info"] for r in ours_pooled["results"]} == {r["more_info"] for r in expected["results"]}


def _app(root: Path, name: str, body: str = "import subprocess\n\nsubprocess.call(CMD, shell=True)\n") -> Path:
    return write(root / name, body)


def test_configuration_and_excludes_match_bandit_and_hold_for_explicit_files(
    project: ProjectFactory, run_cli: RunCli
) -> None:
    root = project.root
    with (root / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[tool.bandit]\nexclude_dirs = ["vendor"]\nskips = ["B404"]\n'
            '\n[tool.bandit.assert_used]\nskips = ["*/tests/*"]\n'
        )
    write(root / "tests" / "test_app.py", "def test_it():\n    assert True\n")
    _app(root, "app.py")
    _app(root, "vendor/lib.py")
    _app(root, "pkg/tool.py", "import pickle\n\npickle.loads(DATA)\nassert DATA\n")

    expected = bandit_cli("-c", "pyproject.toml", "-r", ".", cwd=root)
    result = analyse(load_project(root))
    assert keys(result.bandit["results"]) == keys(expected["results"])
    assert {f.test_id for f in result.report.findings} == {"B602", "B301", "B403", "B101"}  # B404 skipped
    assert {f.path for f in result.report.findings if f.test_id == "B101"} == {"pkg/tool.py"}  # not in tests/
    assert result.report.excluded == ("vendor/lib.py",)
    assert result.report.config.source == "pyproject.toml [tool.bandit]"

    # Named explicitly, in any spelling, an excluded file stays excluded.
    explicit = run_cli("sast", "--format", "json", "./vendor/lib.py", str(root / "app.py"), cwd=root)
    assert explicit.code == 1, explicit.stderr
    report = json.loads(explicit.stdout)
    assert {f["path"] for f in report["findings"]} == {"app.py"}
    assert report["excluded"] == ["vendor/lib.py"]
    assert report["scope"] == "files"


def test_bad_files_are_reported_not_analysed_and_the_rest_is_scanned(project: ProjectFactory, run_cli: RunCli) -> None:
    root = project.root
    _app(root, "good.py")
    write(root / "broken.py", "def broken(:\n    pass\n")
    (root / "binary.py").write_bytes(b"\x7fELF\x00\x01\x02\x00" * 64)
    (root / "loop.py").symlink_to("loop.py")
    (root / "dangling.py").symlink_to("nowhere.py")
    os.mkfifo(root / "pipe.py")
    # A 20 MB generated module: over the default per-file limit.
    (root / "generated.py").write_bytes(b"VALUES = [\n" + b"    1234567890,\n" * 1_300_000 + b"]\n")
    unreadable = _app(root, "secret.py")
    unreadable.chmod(0)
    try:
        result = run_cli("sast", "--format", "json", root)
    finally:
        unreadable.chmod(0o644)
    assert result.code == 1, result.stderr
    report = json.loads(result.stdout)
    reasons = {item["path"]: item["reason"] for item in report["not_analysed"]}
    assert "syntax error" in reasons["broken.py"]
    assert reasons["binary.py"] == "binary content, not Python source"
    assert reasons["loop.py"] == "symlink loop"
    assert "dangling symlink" in reasons["dangling.py"]
    assert reasons["pipe.py"] == "not a regular file"
    assert "larger than the 8388608-byte limit" in reasons["generated.py"]
    if os.geteuid() != 0:  # root reads a mode-000 file anyway
        assert reasons["secret.py"] == "cannot read: Permission denied"
    assert {f["path"] for f in report["findings"]} >= {"good.py"}
    assert report["decision"]["passed"] is False
    assert report["decision"]["not_analysed"] == len(reasons)
    assert "Traceback" not in result.stderr


def test_invalid_bandit_configuration_is_an_input_error(project: ProjectFactory, run_cli: RunCli) -> None:
    write(project.root / ".bandit", "[bandit]\nexclude = a\n  b = c\n[oops\n")
    result = run_cli("sast", project.root)
    assert result.code == 2
    assert ".bandit" in result.stderr
    assert "Traceback" not in result.stderr


def test_workers_that_overrun_the_timeout_are_stopped_and_their_files_not_analysed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "IN_PROCESS_BYTES", 0)
    settings = load_settings(CLICK_DIR)
    selection = select(CLICK_DIR, settings)
    before = child_processes()
    # No worker process can start, import bandit and scan within a millisecond; this process's own share (it
    # is one of the jobs, with bandit already loaded) may finish a file in time, and only such a file counts.
    late = run_scan(settings, selection, cache=None, jobs=2, timeout=0.001)
    reasons = {r.scan.reason for r in late.results}
    assert "bandit did not finish within 0.001 s" in reasons
    assert reasons <= {None, "bandit did not finish within 0.001 s"}
    assert all(r.scan.status is ScanStatus.ANALYSED for r in late.results if r.scan.reason is None)
    assert child_processes() <= before


def _slow_here(_progress: engine.ScanProgress) -> None:
    """A progress sink that slows this process's own share of a scan, so that the worker processes get files."""
    import threading
    import time

    if threading.current_thread().name == "sdl-gate-bandit":
        time.sleep(0.5)


def _crashing_worker(name: str) -> str:
    """The worker's program, except that the worker process exits at once when given a file called ``name``."""
    hook = (
        "import os\n"
        "from sdl_gate.sast import _worker\n"
        "_scan = _worker.Scanner.scan\n"
        f"_worker.Scanner.scan = lambda self, path, digest: os._exit(3) if path.endswith({name!r}) "
        "else _scan(self, path, digest)\n"
    )
    return engine.BOOTSTRAP.replace(
        "from sdl_gate.sast._worker import serve\n", hook + "from sdl_gate.sast._worker import serve\n"
    )


def test_a_worker_that_dies_costs_only_the_file_it_was_scanning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(8):
        _app(tmp_path, f"app{number}.py", "import subprocess\n\nsubprocess.call(CMD, shell=True)\n" * 20)
    _app(tmp_path, "crash.py")  # the smallest, scanned last: by a worker, since this process's share is slowed
    settings = load_settings(tmp_path)
    selection = select(tmp_path, settings)
    alone = run_scan(settings, selection, cache=None, jobs=1)
    monkeypatch.setattr(engine, "IN_PROCESS_BYTES", 0)
    monkeypatch.setattr(engine, "BOOTSTRAP", _crashing_worker("crash.py"))
    before = child_processes()
    pooled = run_scan(settings, selection, cache=None, jobs=2, progress=_slow_here)
    assert child_processes() <= before
    by_name = {r.target.relative: r.scan for r in pooled.results}
    crashed = by_name.pop("crash.py")
    assert crashed.status is ScanStatus.NOT_ANALYSED
    assert crashed.reason is not None and "exit code 3" in crashed.reason
    # Its worker was replaced: every other file was scanned, exactly as in one process.
    assert by_name == {r.target.relative: r.scan for r in alone.results if r.target.relative != "crash.py"}
    assert all(scan.issues for scan in by_name.values())


def test_when_no_worker_can_start_this_process_scans_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(4):
        _app(tmp_path, f"app{number}.py")
    settings = load_settings(tmp_path)
    selection = select(tmp_path, settings)
    monkeypatch.setattr(engine, "IN_PROCESS_BYTES", 0)
    monkeypatch.setattr(engine, "BOOTSTRAP", "raise SystemExit(1)\n")
    run = run_scan(settings, selection, cache=None, jobs=2)
    assert [[issue.test_id for issue in r.scan.issues] for r in run.results] == [["B404", "B602"]] * 4


def test_workers_import_nothing_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # sdl-gate usually runs in the checkout under assessment: a module committed there must never be imported.
    checkout = tmp_path / "checkout"
    marker = tmp_path / "imported"
    for name in ("multiprocessing/__init__.py", "json/__init__.py", "bandit/__init__.py", "sdl_gate/__init__.py"):
        write(checkout / name, f"open({str(marker)!r}, 'a').write({name!r})\n")
    for number in range(4):
        _app(checkout, f"app{number}.py")
    settings = load_settings(checkout)
    selection = select(checkout, settings, [checkout / f"app{number}.py" for number in range(4)])
    monkeypatch.setattr(engine, "IN_PROCESS_BYTES", 0)
    monkeypatch.chdir(checkout)
    scanned_by: set[str] = set()

    def watch(progress: engine.ScanProgress) -> None:
        import threading

        if progress.done:
            scanned_by.add(threading.current_thread().name)
        _slow_here(progress)

    run = run_scan(settings, selection, cache=None, jobs=2, progress=watch)
    assert not marker.exists(), marker.read_text()
    assert "sdl-gate-bandit-worker" in scanned_by  # a worker process did start and scan
    assert [[issue.test_id for issue in r.scan.issues] for r in run.results] == [["B404", "B602"]] * 4


def test_a_missing_explicit_file_is_an_input_error(project: ProjectFactory, run_cli: RunCli) -> None:
    result = run_cli("sast", "--path", project.root, project.root / "nope.py")
    assert result.code == 2
    assert "nope.py: file not found" in result.stderr


def test_one_process_scanning_projects_with_different_plugin_settings_keeps_each_projects_settings(
    tmp_path: Path,
) -> None:
    # bandit keeps plugin settings on its (process-global) plugin functions: a scanner built for one
    # project must not be reused after another project's scanner has replaced them.
    def project(name: str, bandit: str) -> Path:
        root = tmp_path / name
        write(root / "pyproject.toml", f'[project]\nname = "{name}"\nversion = "1"\n\n[tool.bandit]\n{bandit}')
        _app(root, "app.py")
        return root

    default = project("default", "skips = []\n")
    blind = project("blind", "\n[tool.bandit.shell_injection]\nsubprocess = []\n")

    def b602(root: Path) -> list[int]:
        settings = load_settings(root)
        run = run_scan(settings, select(root, settings), cache=None, jobs=1)
        return [issue.line for result in run.results for issue in result.scan.issues if issue.test_id == "B602"]

    assert b602(default) == [3]
    assert b602(blind) == []
    assert b602(default) == [3]


@pytest.mark.slow
def test_the_parent_is_one_of_the_jobs_so_two_jobs_start_one_worker_and_give_the_same_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    settings = load_settings(CLICK_DIR)
    selection = select(CLICK_DIR, settings)
    alone = run_scan(settings, selection, cache=None, jobs=1)
    monkeypatch.setattr(engine, "IN_PROCESS_BYTES", 0)
    before = child_processes()
    workers_seen: list[int] = []
    threads_seen: set[str] = set()

    def watch(_progress: engine.ScanProgress) -> None:
        workers_seen.append(len(child_processes() - before))
        threads_seen.add(threading.current_thread().name)

    shared = run_scan(settings, selection, cache=None, jobs=2, progress=watch)
    assert workers_seen and max(workers_seen) == 1
    assert "sdl-gate-bandit" in threads_seen  # the parent scanned a share itself
    assert [r.scan for r in shared.results] == [r.scan for r in alone.results]
    assert any(r.scan.issues for r in shared.results)
    assert child_processes() <= before
