"""SBOMs: dependency sources, deterministic CycloneDX output, NTIA quality and cross-checks, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from sdl_gate.errors import InputError
from sdl_gate.run import assess_project
from sdl_gate.sbom.sources import from_environment, from_pylock, from_requirements, from_uv_lock, interpreter_paths
from tests.conftest import ProjectFactory, RunCli, sha256_of, write

CERTIFI_SDIST = "bec941d2aa8195e248a60b31ff9f0558284cf01a52591ceda73ea9afffd69fd9"
UV_LOCK = f"""
version = 1
requires-python = ">=3.10"

[[package]]
name = "certifi"
version = "2024.8.30"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "https://files.example/certifi-2024.8.30.tar.gz", hash = "sha256:{CERTIFI_SDIST}", size = 168507 }}

[[package]]
name = "idna"
version = "3.10"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "Requests"
version = "2.32.3"
source = {{ registry = "https://pypi.org/simple" }}
dependencies = [{{ name = "certifi" }}, {{ name = "idna" }}]

[[package]]
name = "widget"
version = "2.0.0"
source = {{ editable = "." }}
dependencies = [{{ name = "requests" }}]
"""

IDNA_SDIST = "12f65c9b470abda6dc35cf8e63cc574b1c52b11df2c86030af0ac09b01b13ea9"
PYLOCK = f"""
lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "idna"
version = "3.10"
sdist = {{ name = "idna-3.10.tar.gz", url = "https://f.example/idna.tgz", hashes = {{ sha256 = "{IDNA_SDIST}" }} }}

[[packages]]
name = "urllib3"
version = "2.2.3"
"""


@pytest.fixture
def run_cli(run_cli_in_process: RunCli) -> RunCli:
    """The commands run in this process: these tests are about what the gate decides, not how sdl-gate
    starts (tests/integration/test_cli.py runs it as a subprocess)."""
    return run_cli_in_process


def test_requirements_keep_hashes_follow_includes_and_flag_unpinned(tmp_path: Path) -> None:
    write(tmp_path / "base.txt", "idna==3.10\n")
    path = write(
        tmp_path / "requirements.txt",
        f"""
        -r base.txt
        --index-url https://pypi.org/simple
        certifi==2024.8.30 \\
            --hash=sha256:{CERTIFI_SDIST.upper()}  # pinned with its sdist hash
        requests[socks]>=2.31 ; python_version >= "3.8"
        -e .
        rfc8785 @ git+https://github.com/trailofbits/rfc8785.py@v0.1.2
        """,
    )
    inventory = from_requirements(path)
    by_name = {c.key: c for c in inventory.components}
    assert sorted(by_name) == ["certifi", "idna", "requests", "rfc8785"]  # the local project is not listed
    assert [(h.alg, h.value) for h in by_name["certifi"].hashes] == [("sha256", CERTIFI_SDIST)]
    assert by_name["idna"].purl == "pkg:pypi/idna@3.10"
    assert [c.key for c in inventory.unpinned] == ["requests", "rfc8785"]


def test_bad_requirement_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "requirements.txt", "idna==3.10\nnot a requirement ==\n")
    with pytest.raises(InputError) as caught:
        from_requirements(path)
    assert (Path(str(caught.value.path)).name, caught.value.line) == ("requirements.txt", 2)


def test_uv_lock_and_pylock_give_versions_hashes_and_graph(tmp_path: Path) -> None:
    uv = from_uv_lock(write(tmp_path / "uv.lock", UV_LOCK))
    assert [(c.key, c.version) for c in uv.components] == [
        ("certifi", "2024.8.30"),
        ("idna", "3.10"),
        ("requests", "2.32.3"),
    ]  # the project itself (editable source) is not a third-party component
    assert next(c for c in uv.components if c.key == "requests").dependencies == ("certifi", "idna")
    pylock = from_pylock(write(tmp_path / "pylock.toml", PYLOCK))
    assert [c.purl for c in pylock.components] == ["pkg:pypi/idna@3.10", "pkg:pypi/urllib3@2.2.3"]
    assert pylock.components[0].hashes[0].value.startswith("12f65c9b")


def test_environment_inventory_matches_importlib_metadata() -> None:
    inventory = from_environment()
    by_name = {c.key: c for c in inventory.components}
    assert by_name["pydantic"].version == metadata.version("pydantic")
    assert "pydantic-core" in by_name["pydantic"].dependencies  # the graph comes from Requires-Dist


def _sbom(run_cli: RunCli, project: ProjectFactory, *extra: str) -> tuple[str, dict[str, Any]]:
    result = run_cli("sbom", project.root, *extra, env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert result.code == 0, result.stderr
    return result.stdout, json.loads(result.stdout)


@pytest.mark.slow
def test_sbom_from_a_lock_is_valid_deterministic_and_complete(project: ProjectFactory, run_cli: RunCli) -> None:
    write(project.root / "uv.lock", UV_LOCK)
    first, document = _sbom(run_cli, project, "--from", "lock", "--file", project.root / "uv.lock")
    second, _ = _sbom(run_cli, project, "--from", "lock", "--file", project.root / "uv.lock")
    assert first == second
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(first) is None
    assert document["metadata"]["timestamp"] == "2026-01-01T00:00:00+00:00"
    assert document["metadata"]["component"]["purl"] == "pkg:pypi/widget@2.0.0"
    assert [t["name"] for t in document["metadata"]["tools"]["components"]] == ["sdl-gate"]
    assert sorted(c["purl"] for c in document["components"]) == [
        "pkg:pypi/certifi@2024.8.30",
        "pkg:pypi/idna@3.10",
        "pkg:pypi/requests@2.32.3",
    ]
    graph = {d["ref"]: d.get("dependsOn", []) for d in document["dependencies"]}
    assert graph["pkg:pypi/widget@2.0.0"] == ["pkg:pypi/requests@2.32.3"]
    assert graph["pkg:pypi/requests@2.32.3"] == ["pkg:pypi/certifi@2024.8.30", "pkg:pypi/idna@3.10"]
    by_purl = {c["purl"]: c for c in document["components"]}
    assert by_purl["pkg:pypi/requests@2.32.3"]["name"] == "Requests"  # declared name kept, purl normalised
    certifi = by_purl["pkg:pypi/certifi@2024.8.30"]
    assert certifi["hashes"] == [{"alg": "SHA-256", "content": CERTIFI_SDIST}]
    _, older = _sbom(run_cli, project, "--from", "lock", "--file", project.root / "uv.lock", "--spec", "1.5")
    assert older["specVersion"] == "1.5"


def test_sbom_check_reports_ntia_gaps_and_lock_mismatches(
    project: ProjectFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"timestamp": "2026-01-01T00:00:00Z"},
        "components": [
            {"type": "library", "name": "idna", "version": "3.9", "purl": "pkg:pypi/idna@3.9", "bom-ref": "a"},
            {"type": "library", "name": "extra-thing", "bom-ref": "b"},
        ],
        "dependencies": [{"ref": "a"}],
    }
    path = write(tmp_path / "supplied.cdx.json", json.dumps(sbom))
    lock = write(tmp_path / "pylock.toml", PYLOCK)
    result = run_cli("sbom-check", path, "--lock", lock)
    assert result.code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert "  gap       (document): no author" in lines
    assert "  gap       idna@3.9: no supplier" in lines
    assert "  gap       extra-thing: no version" in lines
    assert "  gap       extra-thing: no unique identifier" in lines
    assert "  gap       extra-thing: no dependency relationships" in lines
    assert any(line.startswith("  mismatch  idna: version_mismatch (SBOM 3.9") for line in lines)
    assert any(line.startswith("  mismatch  urllib3: missing_from_sbom") for line in lines)
    assert any(line.startswith("  mismatch  extra-thing: not_in_source") for line in lines)


def test_supplied_sbom_that_disagrees_with_the_lock_fails_sm9(
    project: ProjectFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.pyproject('sbom = "sbom.cdx.json"\noffline = true\n')
    write(project.root / "pylock.toml", PYLOCK)
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"timestamp": "2026-01-01T00:00:00Z", "authors": [{"name": "Widget Team"}]},
        "components": [
            {"type": "library", "name": "idna", "version": "3.10", "purl": "pkg:pypi/idna@3.10", "bom-ref": "i"},
        ],
        "dependencies": [{"ref": "i"}],
    }
    write(project.root / "sbom.cdx.json", json.dumps(sbom))
    monkeypatch.setenv("SDL_GATE_CACHE_DIR", str(tmp_path / "no-db"))
    result = assess_project(project.root, store=False, today=date(2026, 6, 1))
    sm9 = next(r for r in result.assessment.requirements if r.id == "SM-9")
    finding = next(f for f in sm9.findings if f.criterion == "sbom_current")
    assert finding.outcome.value == "fail"
    assert "urllib3 2.2.3 is missing from the SBOM" in finding.message


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"bomFormat": "CycloneDX",\n  "specVersion": ', "bad.cdx.json:2: SBOM is not valid JSON"),
        ('{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": "one"}', "not a valid CycloneDX 1.6 SBOM"),
        ('{"bomFormat": "CycloneDX", "specVersion": "0.9"}', "specVersion '0.9' is not supported"),
    ],
)
def test_corrupt_sbom_is_invalid_input(run_cli: RunCli, tmp_path: Path, content: str, expected: str) -> None:
    path = write(tmp_path / "bad.cdx.json", content)
    result = run_cli("sbom-check", path)
    assert result.code == 2
    assert expected in result.stderr


def test_lock_file_that_does_not_parse_is_invalid_input(project: ProjectFactory, run_cli: RunCli) -> None:
    lock = write(project.root / "uv.lock", 'version = 1\n[[package]]\nname = "x\n')
    result = run_cli("sbom", project.root, "--from", "lock", "--file", lock)
    assert result.code == 2
    assert "uv.lock:3: lock file does not parse" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"sbom.cdx.json": '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": 3}'}, "sbom.cdx.json"),
        ({"requirements.txt": "idna==3.10\nidna==\n"}, "requirements.txt:2: not a valid requirement"),
    ],
)
def test_check_refuses_a_corrupt_sbom_or_requirements_file(
    project: ProjectFactory, run_cli: RunCli, files: dict[str, str], expected: str
) -> None:
    project.pyproject('sbom = "sbom.cdx.json"\n' if "sbom.cdx.json" in files else "")
    for name, text in files.items():
        write(project.root / name, text)
    result = run_cli("check", project.root)
    assert result.code == 2, result.stdout
    assert expected in result.stderr


# --- SBOMs of other generators ---------------------------------------------------------------------------


def test_sbom_check_reads_cyclonedx_xml_and_spdx_and_names_gaps_and_unauditable(
    run_cli: RunCli, tmp_path: Path
) -> None:
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat

    from tests.unit.sbom._documents import firmware_bom, spdx_document

    firmware = write(
        tmp_path / "image.cdx.xml",
        make_outputter(firmware_bom(), OutputFormat.XML, SchemaVersion.V1_4).output_as_string(),
    )
    web = write(tmp_path / "sbom.spdx.json", json.dumps(spdx_document()))
    result = run_cli("sbom-check", firmware, web)
    assert result.code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert f"{firmware}: CycloneDX XML 1.4, 3 components" in lines
    assert f"{web}: SPDX-2.3, 3 components" in lines
    assert "  gap       wifi-blob: no version" in lines
    assert "  gap       vendored-chart-lib: no unique identifier" in lines
    assert "  unauditable busybox@1.36.1: no package URL" in lines
    assert not any("lodash" in line for line in lines)
    # Cross-checking a Python lock against several SBOMs would only list the other ecosystems: refused.
    assert run_cli("sbom-check", firmware, web, "--lock", web).code == 2


def test_sbom_check_refuses_xml_entities_naming_the_file(run_cli: RunCli, tmp_path: Path) -> None:
    from tests.unit.sbom._documents import LAUGHS

    path = write(tmp_path / "evil.cdx.xml", LAUGHS)
    result = run_cli("sbom-check", path)
    assert result.code == 2
    assert str(path) in result.stderr
    assert "aaaa" not in result.stdout + result.stderr


@pytest.mark.slow
def test_collect_merges_configured_sboms_into_the_evidence(project: ProjectFactory, run_cli: RunCli) -> None:
    from tests.unit.sbom._documents import spdx_document

    project.pyproject('sboms = ["web/*.spdx.json"]\n')
    write(project.root / "requirements.txt", "idna==3.10\n")
    write(project.root / "web" / "sbom.spdx.json", json.dumps(spdx_document()))
    result = run_cli("collect", project.root, env={"SDL_GATE_CACHE_DIR": str(project.root.parent / "no-db")})
    assert result.code == 0, result.stderr
    evidence_id = next(line.split()[1] for line in result.stdout.splitlines() if line.startswith("sbom "))
    stored = json.loads((project.root / ".sdl-gate" / "evidence" / "objects" / f"{evidence_id[7:]}.json").read_text())
    payload = stored["evidence"]["payload"]
    assert payload["purls"] == ["pkg:pypi/idna@3.10"]
    assert [(c["name"], c["origin"]) for c in payload["inventory"]] == [
        ("lodash", "web/sbom.spdx.json"),
        ("minimist", "web/sbom.spdx.json"),
        ("vendored-chart-lib", "web/sbom.spdx.json"),
    ]
    assert [u["name"] for u in payload["unauditable"]] == ["vendored-chart-lib"]
    assert {"path": "web/sbom.spdx.json", "sha256": sha256_of(project.root / "web" / "sbom.spdx.json")} in stored[
        "evidence"
    ]["subject"]["files"]

    write(project.root / "web" / "sbom.spdx.json", json.dumps(spdx_document(packages=[{"name": 3}])))
    broken = run_cli("collect", project.root, env={"SDL_GATE_CACHE_DIR": str(project.root.parent / "no-db")})
    assert broken.code == 2
    assert "sbom.spdx.json" in broken.stderr and "packages[0].name" in broken.stderr


@pytest.mark.slow
def test_environment_purls_are_written_as_cyclonedx_py_writes_them(tmp_path: Path) -> None:
    cyclonedx = shutil.which("cyclonedx-py") or str(Path(sys.executable).parent / "cyclonedx-py")
    if not Path(cyclonedx).is_file():
        pytest.skip("cyclonedx-py (the dev extra) is not installed")
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = str(env / "bin" / "python")
    site = Path(
        subprocess.run(
            [python, "-c", "import site; print(site.getsitepackages()[0])"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
    )
    for name, direct in (("ruamel.yaml", None), ("zope.interface", None), ("widget", {"dir_info": {"editable": True}})):
        info = site / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
        if direct is not None:
            (info / "direct_url.json").write_text(json.dumps({"url": "file:///src/widget", **direct}), encoding="utf-8")
    theirs = subprocess.run([cyclonedx, "environment", python], check=True, capture_output=True, timeout=120)
    expected = {c["name"]: c.get("purl") for c in json.loads(theirs.stdout)["components"]}
    ours = {c.name: c.purl for c in from_environment(interpreter_paths(python)).components}
    assert ours == expected
    assert ours["ruamel.yaml"] == "pkg:pypi/ruamel.yaml@1.0" and ours["widget"] is None
