"""What a scan loads: the gate's assessment and signature checks only once the scan is over."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

_LOADED = """
import json, sys
import sdl_gate.cli.sast, sdl_gate.sast.analyse, sdl_gate.sast.engine
print(json.dumps(sorted(sys.modules)))
"""


def test_the_scan_path_holds_none_of_the_gate_while_its_workers_live() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _LOADED], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    # The assessment (every check), the verdict and the signature checks (cryptography) come after the scan.
    assert not loaded & {"sdl_gate.assess", "sdl_gate.sast.console", "sdl_gate.sast.verdict", "sdl_gate.run"}
    assert "sdl_gate.approvals.exceptions" not in loaded
    assert "cryptography" not in loaded
