"""Package URLs as the purl specification writes them, and none for what did not come from the index."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from packageurl import PackageURL

from sdl_gate.sbom.build import Product, SpecVersion, build_sbom
from sdl_gate.sbom.sources import Component, Inventory, SourceKind, from_environment


@pytest.mark.parametrize(
    ("name", "written"),
    [("ruamel.yaml", "pkg:pypi/ruamel.yaml@0.18.6"), ("Foo_Bar", "pkg:pypi/foo-bar@0.18.6"), ("zope.interface", None)],
)
def test_dotted_names_keep_their_dots_as_packageurl_writes_them(name: str, written: str | None) -> None:
    purl = Component(name=name, version="0.18.6").purl
    assert purl == PackageURL(type="pypi", name=name, version="0.18.6").to_string()
    if written is not None:
        assert purl == written


def _dist(site: Path, name: str, version: str, direct_url: dict[str, object] | None = None) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")


def test_a_distribution_installed_from_a_directory_gets_no_pypi_purl(tmp_path: Path) -> None:
    _dist(tmp_path, "ruamel.yaml", "0.18.6")
    _dist(tmp_path, "widget", "2.0.0", {"url": "file:///src/widget", "dir_info": {"editable": True}})
    components = {c.name: c for c in from_environment([str(tmp_path)]).components}
    assert components["ruamel.yaml"].purl == "pkg:pypi/ruamel.yaml@0.18.6"
    assert components["widget"].purl is None

    inventory = Inventory(kind=SourceKind.ENVIRONMENT, path=None, components=tuple(components.values()), graph=True)
    product = Product(name="widget", version="2.0.0", authors=())
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
    document = json.loads(build_sbom(inventory, product, spec=SpecVersion.V1_6, timestamp=stamp))
    written = {c["name"]: c.get("purl") for c in document["components"]}
    assert written == {"ruamel.yaml": "pkg:pypi/ruamel.yaml@0.18.6", "widget": None}
