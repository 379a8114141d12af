"""Resource limits: hostile inputs are refused with bounded memory, and inputs never reach a shell.

Each hostile input is parsed in a child process that reports its peak resident memory
(VmHWM from /proc, else ``resource.getrusage``), so one case cannot hide another's allocation. The child has a generous
wall-clock timeout as a guard against a hang; no assertion is about time.
"""

from __future__ import annotations

import ast
import functools
import json
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from sdl_gate.sbom.sources import from_requirements
from tests.conftest import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Peak resident memory a child may reach while refusing one input (the interpreter with sdl-gate's
#: imports needs well under half of it; expanding any of these inputs would need gigabytes).
MEMORY_LIMIT_KB = 300 * 1024

CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from sdl_gate.errors import SdlGateError

    case, path = sys.argv[1], Path(sys.argv[2])
    outcome = {"error": None, "path": None, "failures": []}
    try:
        if case == "yaml":
            from sdl_gate._yaml import load_yaml
            load_yaml(path)
        elif case == "policy":
            from sdl_gate.policy.loader import load_policy_file
            load_policy_file(path)
        elif case == "json":
            from sdl_gate.render.source import load_report_input
            load_report_input(path)
        elif case == "threat-model":
            from sdl_gate.threatmodel.loader import load_threat_model
            load_threat_model(path)
        elif case == "bundle":
            from sdl_gate.attest.manifest import ManifestVerifier
            from sdl_gate.bundle.verify import verify_bundle
            report = verify_bundle(path, ManifestVerifier())
            outcome["failures"] = report.failures
        elif case == "vulndb":
            from sdl_gate.vulndb.importer import read_source
            read_source(path)
    except SdlGateError as exc:
        outcome["error"] = [cls.__name__ for cls in type(exc).__mro__]
        outcome["path"] = getattr(exc, "path", None)
    # VmHWM belongs to this process's own memory map; ru_maxrss also carries the peak of the parent that
    # forked it (Linux keeps it across exec), which would make a large test runner look like a leak here.
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
        outcome["maxrss_kb"] = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        outcome["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(outcome))
    """
)


def _alias_bomb(path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path.write_text("\n".join(lines) + "\n")


def _deep_json(path: Path) -> None:
    path.write_text("[" * 200_000 + "]" * 200_000)


def _deep_yaml(path: Path) -> None:
    path.write_text("version: 1\nname: " + "[" * 50_000 + "]" * 50_000 + "\n")


def _huge_file(path: Path) -> None:
    with path.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: 2 GiB that costs nothing on disk


def _deep_osv_export(path: Path) -> None:
    path.mkdir()
    (path / "PYSEC-0000-1.yaml").write_text("id: PYSEC-0000-1\naffected: " + "[" * 100_000 + "]" * 100_000 + "\n")


def _long_line(path: Path) -> None:
    path.write_text("version: 1\nname: " + "x" * (5 * 1024 * 1024 - 100) + "\n")


#: 1 GiB of zeros, deflated, and its CRC-32. Every fully flushed MiB of zeros deflates to the same bytes, so
#: the stream is built from two compressed blocks instead of running a GiB through zlib for every case.
BOMB_SIZE = 1024**3
BOMB_CRC32 = 0x5B64C2B0


@functools.cache
def _deflated_zeros() -> bytes:
    chunk = b"\0" * (1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (BOMB_SIZE // len(chunk)) + compressor.flush()


def _zip_bomb(path: Path, member: str) -> None:
    """A real zip archive whose one member expands to 1 GiB of zeros from about 1 MiB."""
    data, name = _deflated_zeros(), member.encode()
    sizes = (BOMB_CRC32, len(data), BOMB_SIZE, len(name))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, zipfile.ZIP_DEFLATED, 0, 0, *sizes, 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, zipfile.ZIP_DEFLATED, 0, 0, *sizes, *[0] * 6)
    central += name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)


def _nested_zip_bomb(path: Path) -> None:
    _zip_bomb(path, "manifest.json")


#: What refusing an input looks like: an ``InputError`` naming the file (or the archive and its member), or a
#: bundle verification that fails naming the entry. ``None``: the input may be accepted, only memory is bounded.
INPUT_ERROR = "input error"
FAILED_VERIFICATION = "failed verification"

CASES: dict[str, tuple[str, str, Callable[[Path], None], str | None]] = {
    # name: (parser, file name, builder, how it is refused)
    "yaml alias bomb": ("yaml", "w.yaml", _alias_bomb, INPUT_ERROR),
    "deeply nested JSON": ("json", "assessment.json", _deep_json, INPUT_ERROR),
    "deeply nested YAML": ("policy", "policy.yaml", _deep_yaml, INPUT_ERROR),
    "huge file": ("threat-model", "tm.yaml", _huge_file, INPUT_ERROR),
    "very long line": ("policy", "policy.yaml", _long_line, None),
    "deeply nested block sequences": ("yaml", "w.yaml", lambda p: p.write_text("- " * 500_000 + "x\n"), INPUT_ERROR),
    "deeply nested OSV record": ("vulndb", "osv", _deep_osv_export, INPUT_ERROR),
    "bundle zip bomb": ("bundle", "bundle.zip", _nested_zip_bomb, FAILED_VERIFICATION),
    "OSV export zip bomb": ("vulndb", "all.zip", lambda p: _zip_bomb(p, "PYSEC-0000-1.json"), INPUT_ERROR),
}


@pytest.mark.slow
@pytest.mark.security(requirements=["SR-SG-004"], threats=["T-04"], mitigations=["M-12"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_inputs_are_refused_quickly_with_bounded_memory(case: str, tmp_path: Path) -> None:
    parser, name, build, refusal = CASES[case]
    path = tmp_path / name
    build(path)
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, parser, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout)
    if refusal == INPUT_ERROR:
        assert outcome["error"] is not None and "InputError" in outcome["error"], outcome
        assert outcome["path"] is not None and outcome["path"].startswith(str(path)), outcome
    elif refusal == FAILED_VERIFICATION:
        assert outcome["error"] is None, outcome
        assert any("manifest.json" in failure for failure in outcome["failures"]), outcome
    assert outcome["maxrss_kb"] < MEMORY_LIMIT_KB, f"{case}: peak {outcome['maxrss_kb'] // 1024} MiB"


@pytest.mark.security(requirements=["SR-SG-005"], threats=["T-05"], mitigations=["M-05"])
def test_no_subprocess_is_started_through_a_shell() -> None:
    """Only _tool.py imports subprocess, with an argument list; nothing uses a shell."""
    importers: list[str] = []
    for source in sorted((REPO_ROOT / "sdl_gate").rglob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        relative = source.relative_to(REPO_ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                if "subprocess" in names:
                    importers.append(relative)
            if isinstance(node, ast.keyword) and node.arg == "shell":
                pytest.fail(f"{relative}:{node.value.lineno} passes shell=")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("system", "popen", "spawnl", "spawnlp", "execl")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                pytest.fail(f"{relative}:{node.lineno} calls os.{node.attr}")
    assert sorted(set(importers)) == ["sdl_gate/_tool.py"], importers


@pytest.mark.security(requirements=["SR-SG-005"], threats=["T-05"], mitigations=["M-13"])
def test_requirements_options_never_reach_the_audit(tmp_path: Path) -> None:
    """Option lines, URLs, markers and hashes in a hostile requirements file become canonical pins or nothing."""
    hostile = tmp_path / "requirements.txt"
    hostile.write_text(
        "--index-url https://evil.example/simple\n"
        "--extra-index-url=https://evil.example/simple\n"
        "--trusted-host evil.example\n"
        "-c constraints-that-do-not-exist.txt\n"
        "Requests==2.31.0 --hash=sha256:" + "a" * 64 + "\n"
        'PyYAML == 6.0.1 ; python_version >= "3"\n'
        "evil @ https://evil.example/evil-1.0.tar.gz\n"
        "-e git+https://evil.example/repo.git#egg=other\n"
    )
    inventory = from_requirements(hostile)
    lines = [f"{c.key}=={c.version}" for c in inventory.pinned]
    assert lines == ["pyyaml==6.0.1", "requests==2.31.0"]
    for component in inventory.pinned:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", component.key)
        assert str(Version(component.version or "")) == component.version
    assert sorted(c.key for c in inventory.components if c.version is None) == ["evil", "other"]


@pytest.mark.security(requirements=["SR-SG-008"], threats=["T-08"], mitigations=["M-08"])
def test_runtime_dependencies_are_pinned_exactly() -> None:
    """requirements-lock.txt pins every runtime dependency (direct ones included) to one exact version."""
    lock = from_requirements(REPO_ROOT / "requirements-lock.txt")
    assert lock.components, "the lock is empty"
    assert all(c.version for c in lock.components), [c.key for c in lock.components if not c.version]
    pinned = {c.key for c in lock.components}
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = {canonicalize_name(re.split(r"[\s\[<>=;!~]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    direct -= {"tomli"}  # only below Python 3.11
    assert direct <= pinned, sorted(direct - pinned)


@pytest.mark.security(requirements=["SR-SG-008"], threats=["T-08"], mitigations=["M-08"])
def test_runtime_lock_pins_what_the_tests_ran_with_hashes() -> None:
    """Every pin of requirements-lock.txt carries its hashes and is the version the dev lock installs for the tests."""
    runtime = from_requirements(REPO_ROOT / "requirements-lock.txt").components
    tested = {c.key: c for c in from_requirements(REPO_ROOT / "requirements-dev-lock.txt").components}
    assert runtime, "the lock is empty"
    assert [c.key for c in runtime if not c.hashes] == []
    assert [c.key for c in runtime if c.key not in tested or tested[c.key].version != c.version] == []
    assert [c.key for c in tested.values() if not c.hashes or not c.version] == []
