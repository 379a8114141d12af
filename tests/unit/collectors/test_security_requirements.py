"""The security requirements evidence carries the test map, bound to its digest."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.collectors.base import CollectContext
from sdl_gate.collectors.security_requirements import SecurityRequirementsCollector
from sdl_gate.config import load_project
from sdl_gate.errors import InputError
from sdl_gate.evidence import Evidence
from sdl_gate.policy.waivers import WaiverRegister
from tests.conftest import sha256_of, write

NOW = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
REQUIREMENTS = "version: 1\nrequirements:\n  - {id: SR-1, statement: Frames shall be checked., verification: test}\n"


def _collect(root: Path) -> Evidence:
    context = CollectContext(project=load_project(root), commit=None, now=NOW, waivers=WaiverRegister())
    return SecurityRequirementsCollector().collect(context)


def test_the_test_map_and_its_digest_are_part_of_the_evidence(tmp_path: Path) -> None:
    write(tmp_path / "security" / "requirements.yaml", REQUIREMENTS)
    without = _collect(tmp_path)
    assert "test_map" not in without.payload
    test_map = write(tmp_path / "security" / "test-map.yaml", "version: 1\ntests:\n  mbap_rejects_bad_length: [SR-1]\n")
    evidence = _collect(tmp_path)
    assert evidence.payload["test_map"] == {
        "path": "security/test-map.yaml",
        "sha256": sha256_of(test_map),
        "tests": {"mbap_rejects_bad_length": ["SR-1"]},
    }
    assert ("security/test-map.yaml", sha256_of(test_map)) in {(f.path, f.sha256) for f in evidence.subject.files}


def test_a_configured_map_path_is_read_and_one_outside_the_project_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "security" / "requirements.yaml", REQUIREMENTS)
    write(tmp_path / "ci" / "traces.yaml", "version: 1\ntests:\n  t: [SR-1]\n")
    write(tmp_path / "pyproject.toml", '[tool.sdl-gate]\ntest-requirements = "ci/traces.yaml"\n')
    assert _collect(tmp_path).payload["test_map"]["path"] == "ci/traces.yaml"
    write(tmp_path / "pyproject.toml", '[tool.sdl-gate]\ntest-requirements = "../traces.yaml"\n')
    with pytest.raises(InputError):
        _collect(tmp_path)


def test_a_map_without_a_requirements_file_is_refused(tmp_path: Path) -> None:
    test_map = write(tmp_path / "security" / "test-map.yaml", "version: 1\ntests:\n  t: [SR-1]\n")
    with pytest.raises(InputError) as caught:
        _collect(tmp_path)
    assert caught.value.path == str(test_map)
