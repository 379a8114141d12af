import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*$")


def test_dependencies_are_pinned_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert all(PIN.match(dep) for dep in project["dependencies"])
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    pins = [line for line in lines if line and not line.startswith("#")]
    assert pins and all(PIN.match(pin) for pin in pins)
    assert {dep.lower() for dep in project["dependencies"]} <= {pin.lower() for pin in pins}


def test_unit_file_is_sandboxed():
    unit = (ROOT / "packaging" / "modbus-mqtt-gateway.service").read_text(encoding="utf-8")
    for setting in ("User=mmgw", "NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=\n"):
        assert setting in unit


def test_release_workflow_signs_with_pinned_actions():
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    uses = re.findall(r"uses:\s*(\S+)", workflow)
    assert uses and all(re.search(r"@[0-9a-f]{40}$", ref) for ref in uses)
    assert any(ref.startswith("sigstore/gh-action-sigstore-python@") for ref in uses)
    assert "id-token: write" in workflow
    assert "permissions: {}" in workflow
