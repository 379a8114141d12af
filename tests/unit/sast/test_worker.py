"""A scan worker loads bandit and nothing of the gate, answers file by file, imports nothing of the checkout,
and keeps no tree it scanned."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from sdl_gate.sast._worker import BOOTSTRAP, READY
from sdl_gate.sast.models import FileScan, ScanStatus

#: The worker's own start, then (once its input has ended) the modules it loaded, on its error output.
_REPORTING_LOADED = (
    BOOTSTRAP + "print(json.dumps(sorted(n for n in sys.modules if n.startswith(('pydantic', 'sdl_gate.')))),"
    " file=sys.stderr)\n"
)


def _serve(requests: list[object], *, cwd: Path, program: str = BOOTSTRAP) -> subprocess.CompletedProcess[bytes]:
    """Run a worker as the engine starts it: its settings line, then one line per file; its input then ends."""
    settings = {"path": sys.path, "config_file": None, "tests": [], "skips": []}
    lines = [json.dumps(settings), *(json.dumps(request) for request in requests)]
    return subprocess.run(
        [sys.executable, "-I", "-c", program],
        input="".join(line + "\n" for line in lines).encode(),
        cwd=cwd,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_a_worker_imports_no_models_and_answers_each_file_with_a_valid_file_scan(tmp_path: Path) -> None:
    call = b"subprocess.call(CMD, shell=True)"
    source = b"import subprocess\n\n" + call + b"\n" + call + b"  # nosec B602 -- constant\n"
    broken = b"def broken(:\n"
    app, bad = tmp_path / "app.py", tmp_path / "bad\nname.py"
    app.write_bytes(source)
    bad.write_bytes(broken)
    requests = [
        [0, str(app), hashlib.sha256(source).hexdigest()],
        [7, str(bad), hashlib.sha256(broken).hexdigest()],
        [9, str(app), hashlib.sha256(b"other content").hexdigest()],
    ]
    done = _serve(requests, cwd=tmp_path, program=_REPORTING_LOADED)
    assert done.returncode == 0, done.stderr
    ready, *answers = done.stdout.splitlines(keepends=True)
    assert ready == READY
    # Each worker holds only bandit: the models (and pydantic) are loaded by the parent that reads the results.
    assert json.loads(done.stderr.splitlines()[-1]) == ["sdl_gate.sast", "sdl_gate.sast._worker"]
    (index, cacheable, scanned), (failed_index, failed_cacheable, failed), changed = (
        answer.rstrip(b"\n").split(b"\t", 2) for answer in answers
    )
    scan = FileScan.model_validate_json(scanned)
    assert (index, cacheable) == (b"0", b"1")
    assert scan.status is ScanStatus.ANALYSED
    assert [(i.test_id, i.line) for i in scan.issues] == [("B404", 1), ("B602", 3)]
    assert [(i.test_id, i.line) for i in scan.silenced] == [("B602", 4)]
    assert [(n.line, n.tests, n.named, n.justification) for n in scan.nosec] == [(4, ("B602",), ("B602",), "constant")]
    assert scan.metrics["loc"] == 3
    failure = FileScan.model_validate_json(failed)
    assert failure.status is ScanStatus.NOT_ANALYSED and failure.reason
    assert (failed_index, failed_cacheable) == (b"7", b"1")
    # A file whose content is not what the parent read: no result, and nothing to cache.
    assert changed == [b"9", b"-", b""]


def test_a_worker_started_in_a_checkout_imports_nothing_from_it(tmp_path: Path) -> None:
    # The working directory is often the checkout under assessment: modules it holds must never be imported.
    marker = tmp_path / "imported"
    for name in ("json/__init__.py", "bandit/__init__.py", "sdl_gate/__init__.py", "tokenize.py"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    app = tmp_path / "app.py"
    app.write_bytes(b"import pickle\n")
    done = _serve([[0, str(app), hashlib.sha256(b"import pickle\n").hexdigest()]], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    assert done.stdout.splitlines()[1].startswith(b"0\t1\t")


def test_a_scanner_keeps_no_tree_of_the_files_it_has_scanned(tmp_path: Path) -> None:
    # bandit links each node to its parent, the parser's shared nodes (one Load, one Add...) included: without
    # care each held the last tree that used it, and the largest files' trees piled up in every worker.
    import ast
    import gc

    from sdl_gate.sast._worker import Scanner

    def trees() -> int:
        gc.collect()
        return sum(1 for thing in gc.get_objects() if isinstance(thing, ast.Module))

    scanner = Scanner(None, (), ())
    before = trees()
    for number in range(3):
        source = f"def f{number}(a, b):\n    return [x + a * b for x in a if not x == b and x < -a]\n".encode()
        path = tmp_path / f"app{number}.py"
        path.write_bytes(source)
        assert scanner.scan(str(path), hashlib.sha256(source).hexdigest()) is not None
    assert trees() == before
