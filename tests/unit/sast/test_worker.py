"""A scan worker loads bandit and nothing of the gate, sends back valid FileScans and keeps no tree it scanned."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from sdl_gate.sast.models import FileScan, ScanStatus
from tests.conftest import REPO_ROOT

_IN_A_WORKER = """
import json, sys
from sdl_gate.sast._worker import init_worker, scan_batch
init_worker(None, (), ())
out = scan_batch([(0, sys.argv[1], sys.argv[2]), (1, sys.argv[3], sys.argv[4])])
loaded = sorted(name for name in sys.modules if name.startswith(("pydantic", "sdl_gate.")))
print(json.dumps({"out": out, "loaded": loaded}))
"""


def test_a_worker_imports_no_models_and_sends_back_valid_file_scans(tmp_path: Path) -> None:
    call = b"subprocess.call(CMD, shell=True)"
    source = b"import subprocess\n\n" + call + b"\n" + call + b"  # nosec B602 -- constant\n"
    broken = b"def broken(:\n"
    app, bad = tmp_path / "app.py", tmp_path / "bad.py"
    app.write_bytes(source)
    bad.write_bytes(broken)
    argv = [str(app), hashlib.sha256(source).hexdigest(), str(bad), hashlib.sha256(broken).hexdigest()]
    done = subprocess.run(
        [sys.executable, "-c", _IN_A_WORKER, *argv],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    # Each worker holds only bandit: the models (and pydantic) are loaded by the parent that reads the results.
    assert answer["loaded"] == ["sdl_gate.sast", "sdl_gate.sast._worker"]
    (_, scanned, cacheable), (_, failed, failed_cacheable) = answer["out"]
    scan = FileScan.model_validate_json(scanned)
    assert cacheable is True
    assert scan.status is ScanStatus.ANALYSED
    assert [(i.test_id, i.line) for i in scan.issues] == [("B404", 1), ("B602", 3)]
    assert [(i.test_id, i.line) for i in scan.silenced] == [("B602", 4)]
    assert [(n.line, n.tests, n.named, n.justification) for n in scan.nosec] == [(4, ("B602",), ("B602",), "constant")]
    assert scan.metrics["loc"] == 3
    failure = FileScan.model_validate_json(failed)
    assert failure.status is ScanStatus.NOT_ANALYSED and failure.reason
    assert failed_cacheable is True


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
