"""Reports from release-evidence bundles, the report inside a bundle, and the zones-and-conduits diagram."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from sdl_gate._files import sha256_bytes
from sdl_gate.attest.keys import load_private_key
from sdl_gate.attest.manifest import KeyManifestSigner
from sdl_gate.attest.statement import BUNDLE_MANIFEST_PREDICATE, statement
from sdl_gate.evidence import Evidence, EvidenceKind, Subject, ToolInfo
from sdl_gate.render.zones import UNZONED_NAME, diagram_from_evidence, diagram_from_model
from sdl_gate.threatmodel.model import ThreatModel
from tests.conftest import DEMO_PROJECT, RunCli, cli_in_process

pytestmark = pytest.mark.slow  # the demo's signed bundles come from two real `bundle create` runs
PASSPHRASE = "report bundle tests"  # noqa: S105 - the passphrase of a throwaway test key
ENV = {"SOURCE_DATE_EPOCH": "1772323200", "SDL_GATE_KEY_PASSPHRASE": PASSPHRASE}
AS_OF = "2026-03-01"
DEMO_ZONES = (
    "Control zone (PLCs)",
    "Edge zone (gateway host)",
    "Site operations zone (broker, historian, dashboards)",
    "Management zone (jump host, administrator workstations, update staging)",
)


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in this process (in ``cwd`` when given), as the module's fixture and tests share."""
    previous = Path.cwd()
    os.chdir(cwd or previous)
    try:
        done = cli_in_process(*args, env=ENV)
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess([str(arg) for arg in args], done.code, done.stdout, done.stderr)


@dataclass(frozen=True)
class DemoRelease:
    """The demo project bundled twice with a key, and that key."""

    root: Path
    bundle: Path
    again: Path
    private: Path
    public: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRelease:
    base = tmp_path_factory.mktemp("demo-release")
    root = base / "demo-project"
    # A copy, so the runs do not write evidence into the source tree.
    shutil.copytree(DEMO_PROJECT, root, ignore=shutil.ignore_patterns(".sdl-gate"))
    keys = _run("keygen", "--output", base / "release")
    assert keys.returncode == 0, keys.stderr
    bundles = []
    for name in ("one", "two"):
        output = base / name / "release-1.4.0.zip"
        created = _run(
            "bundle", "create", root, "--output", output, "--sign", "key", "--key", base / "release.pem",
            "--as-of", AS_OF,
        )  # fmt: skip
        assert created.returncode == 1, created.stderr  # the demo fails its gate on purpose
        bundles.append(output)
    return DemoRelease(root, bundles[0], bundles[1], base / "release.pem", base / "release.pub.pem")


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in sorted(entries.items()):
            archive.writestr(name, data)
    return path


def _resign(entries: dict[str, bytes], private: Path) -> dict[str, bytes]:
    """Rebuild and re-sign the manifest: what an insider holding the key could do."""
    body = {n: d for n, d in entries.items() if not n.startswith("manifest.json")}
    manifest = statement(
        [(n, sha256_bytes(d)) for n, d in sorted(body.items())], BUNDLE_MANIFEST_PREDICATE, {"format": 1}
    ).to_bytes()
    signer = KeyManifestSigner(load_private_key(private, PASSPHRASE.encode()))
    return {**body, "manifest.json": manifest, "manifest.json.dsse.json": signer.sign(manifest)}


def _assert_demo_diagram(html: str) -> None:
    svg = html[html.index('<svg class="diagram"') : html.index("</svg>", html.index('<svg class="diagram"'))]
    for zone in DEMO_ZONES:
        assert zone in svg, zone
    assert "Gateway service" in svg and "MQTT broker" in svg
    assert "CD-2 / mqtt-tls" in svg  # the flow to the broker, labelled with its conduit
    assert svg.count('<g class="zone">') == 4
    assert "No zones-and-conduits diagram data" not in html


# --- check --format html ---------------------------------------------------------------------------------


def test_check_html_draws_the_demo_threat_model(run_cli: RunCli, tmp_path: Path) -> None:
    root = tmp_path / "demo-project"
    shutil.copytree(DEMO_PROJECT, root, ignore=shutil.ignore_patterns(".sdl-gate"))
    out = tmp_path / "report.html"
    result = run_cli("check", root, "--format", "html", "--output", out)
    assert result.code == 1, result.stderr
    _assert_demo_diagram(out.read_text(encoding="utf-8"))


# --- the report inside the bundle ------------------------------------------------------------------------


def test_bundle_carries_its_report_deterministically_and_verify_checks_it(demo: DemoRelease) -> None:
    assert demo.bundle.read_bytes() == demo.again.read_bytes()
    entries = _entries(demo.bundle)
    manifest = json.loads(entries["manifest.json"])
    listed = {s["name"]: s["digest"]["sha256"] for s in manifest["subject"]}
    assert listed["report.html"] == sha256_bytes(entries["report.html"])
    html = entries["report.html"].decode("utf-8")
    _assert_demo_diagram(html)
    assert "Rendered by `sdl-gate bundle create` into the release-evidence bundle of modbus-mqtt-gateway 1.4.0" in html
    assert "<code>evidence/objects/" in html  # evidence digests name their path in the bundle
    verified = _run("bundle", "verify", demo.bundle, "--key", demo.public)
    assert verified.returncode == 0, verified.stdout
    assert "report: report.html is the report of the re-derived assessment" in verified.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda html: html.replace(b"Control zone (PLCs)", b"Control zone"), "report.html is not the report"),
        (None, "report.html is missing"),
    ],
)
def test_a_resigned_bundle_with_an_edited_or_missing_report_fails(
    demo: DemoRelease, tmp_path: Path, change: object, message: str
) -> None:
    entries = _entries(demo.bundle)
    if change is None:
        del entries["report.html"]
    else:
        entries["report.html"] = change(entries["report.html"])  # type: ignore[operator]
    forged = _write_zip(tmp_path / "forged.zip", _resign(entries, demo.private))
    result = _run("bundle", "verify", forged, "--key", demo.public)
    assert result.returncode == 1
    assert f"FAILED: {message}" in result.stdout
    # And `report` will not render it.
    refused = _run("report", forged, "--key", demo.public, "--output", tmp_path / "r.html")
    assert refused.returncode == 2
    assert message in refused.stderr
    assert not (tmp_path / "r.html").exists()


# --- sdl-gate report BUNDLE ------------------------------------------------------------------------------


def test_report_renders_a_verified_bundle_in_every_format(demo: DemoRelease, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = _run("report", demo.bundle, "--key", demo.public, "--output", out)
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    _assert_demo_diagram(html)
    digest = sha256_bytes(demo.bundle.read_bytes())
    assert (
        f"Rendered from the release-evidence bundle release-1.4.0.zip (sha256:{digest}, manifest signed by key" in html
    )
    assert "re-derived identically from its evidence" in html
    assert "<code>evidence/objects/" in html
    assert "not been verified" not in html
    markdown = _run("report", demo.bundle, "--key", demo.public, "--format", "markdown")
    assert markdown.returncode == 0 and "release-1.4.0.zip" in markdown.stdout
    as_json = _run("report", demo.bundle, "--key", demo.public, "--format", "json")
    assert as_json.stdout.encode() == _entries(demo.bundle)["assessment.json"]


def test_report_refuses_a_bundle_that_does_not_verify(demo: DemoRelease, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("previous report", encoding="utf-8")
    entries = _entries(demo.bundle)
    entries["files/security/waivers.yaml"] += b"\n# edited\n"
    tampered = _write_zip(tmp_path / "tampered.zip", entries)
    result = _run("report", tampered, "--key", demo.public, "--output", out)
    assert result.returncode == 2
    assert "tampered.zip: release-evidence bundle did not verify" in result.stderr
    assert "files/security/waivers.yaml: sha256" in result.stderr
    assert "bundle verify" in result.stderr  # the hint
    stranger = _run("keygen", "--output", tmp_path / "stranger")
    assert stranger.returncode == 0
    wrong_key = _run("report", demo.bundle, "--key", tmp_path / "stranger.pub.pem", "--output", out)
    assert wrong_key.returncode == 2
    assert "manifest signature: no signature in the envelope verifies" in wrong_key.stderr
    unsigned = tmp_path / "unsigned.zip"
    created = _run("bundle", "create", demo.root, "--output", unsigned, "--as-of", AS_OF)
    assert created.returncode == 1, created.stderr
    refused = _run("report", unsigned, "--key", demo.public, "--output", out)
    assert refused.returncode == 2
    assert "the manifest is not signed" in refused.stderr
    assert out.read_text(encoding="utf-8") == "previous report"


def test_report_of_a_hostile_archive_is_refused_without_extracting(demo: DemoRelease, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    hostile = _write_zip(work / "hostile.zip", {"../escape.html": b"x", "manifest.json": b"{}"})
    result = _run("report", hostile, "--key", demo.public, cwd=work)
    assert result.returncode == 2
    assert "entry '../escape.html': '..' or '.' path segment" in result.stderr
    assert sorted(p.name for p in work.iterdir()) == ["hostile.zip"]
    assert not (tmp_path / "escape.html").exists()


def test_report_needs_trust_for_a_bundle_and_none_for_an_assessment(demo: DemoRelease, tmp_path: Path) -> None:
    no_trust = _run("report", demo.bundle)
    assert no_trust.returncode == 2
    assert "is a release-evidence bundle; say whom to trust to verify it" in no_trust.stderr
    assessment = tmp_path / "assessment.json"
    assessment.write_bytes(_entries(demo.bundle)["assessment.json"])
    misplaced = _run("report", assessment, "--key", demo.public)
    assert misplaced.returncode == 2
    assert "is not a release-evidence bundle" in misplaced.stderr
    half = _run("report", demo.bundle, "--identity", "release@example.com")
    assert half.returncode == 2
    assert "--identity needs --issuer" in half.stderr


# --- the adapter from a threat model to the diagram -----------------------------------------------------


def test_components_without_a_zone_get_a_column_of_their_own() -> None:
    model = ThreatModel.model_validate(
        {
            "version": 1,
            "zones": [{"id": "Z-1", "name": "Plant", "sl_t": 3}],
            "components": [{"id": "C-1", "name": "PLC", "zone": "Z-1"}, {"id": "C-2", "name": "Laptop"}],
            "flows": [{"id": "F-1", "from": "C-2", "to": "C-1", "protocol": "https"}],
        }
    )
    diagram = diagram_from_model(model)
    assert diagram is not None
    assert [(z.name, z.security_level) for z in diagram.zones] == [("Plant", 3), (UNZONED_NAME, None)]
    assert [(f.source, f.target, f.protocol) for f in diagram.flows] == [("C-2", "C-1", "https")]
    assert diagram_from_model(ThreatModel.model_validate({"version": 1, "zones": diagram.zones[:0]})) is None


def test_threat_model_evidence_without_a_model_draws_nothing_and_a_broken_one_is_refused() -> None:
    def evidence(payload: dict[str, object]) -> Evidence:
        return Evidence(
            kind=EvidenceKind.THREAT_MODEL,
            tool=ToolInfo(name="sdl-gate", version="0"),
            subject=Subject(commit=None),
            payload=payload,
        )

    assert diagram_from_evidence([evidence({"present": False, "path": "security/threat-model.yaml"})]) is None
    dangling = {
        "version": 1,
        "zones": [{"id": "Z-1", "name": "Plant"}],
        "components": [{"id": "C-1", "name": "PLC", "zone": "Z-9"}],
    }
    with pytest.raises(ValueError, match="unknown zone 'Z-9'"):
        diagram_from_evidence([evidence({"present": True, "path": "security/threat-model.yaml", "model": dangling})])


def test_diagram_keeps_parallel_flows_apart_routes_long_ones_below_and_wraps_long_names() -> None:
    import re

    from sdl_gate.render.diagram import Component, Flow, Zone, ZoneDiagram, render_diagram_svg

    long_name = "Site operations zone with the broker, the historian, every dashboard and the archive of the plant"
    diagram = ZoneDiagram(
        zones=[Zone(id="a", name="A"), Zone(id="b", name="B"), Zone(id="c", name=long_name, security_level=2)],
        components=[
            Component(id="x", name="X", zone="a"),
            Component(id="y", name="Y", zone="b"),
            Component(id="z", name="Z", zone="c"),
        ],
        flows=[
            Flow(source="x", target="y", conduit="C1", protocol="p"),
            Flow(source="y", target="x", conduit="C1", protocol="q"),
            Flow(source="x", target="z", conduit="C9", protocol="r"),
        ],
    )
    svg = render_diagram_svg(diagram)
    paths = re.findall(r'<g class="flow crossing"><path d="([^"]+)"', svg)
    assert len(paths) == 3
    # The two flows between x and y are drawn at different heights, not on top of each other.
    heights = [{float(y) for y in re.findall(r",([\d.]+)", path)} for path in paths[:2]]
    assert heights[0] != heights[1]
    # The flow from zone a to zone c runs below the zones instead of through zone b.
    zone_bottom = max(
        float(y) + float(h) for y, h in re.findall(r'<rect x="\d+" y="(\d+)" width="230" height="(\d+)"', svg)
    )
    assert max(float(y) for y in re.findall(r",([\d.]+)", paths[2])) > zone_bottom
    # A long zone name is wrapped onto lines; its full text stays in the zone's title.
    assert f"<title>{long_name} (SL-T 2)</title>" in svg
    start = svg.index(f"<title>{long_name}")
    header = svg[start : svg.index("</g>", start)]
    assert header.count("<tspan") == 4  # three lines of name (the last cut with an ellipsis) and the SL-T
    assert "\u2026</tspan>" in header
