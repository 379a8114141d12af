"""Built SBOMs are reused from the operator's cache only for the same inputs; a bad entry is rebuilt."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sdl_gate.sbom import build
from sdl_gate.sbom.build import Product, SpecVersion, build_sbom
from sdl_gate.sbom.sources import Component, Inventory, SourceKind

PRODUCT = Product(name="demo", version="1.0")
WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _inventory(requests_version: str = "2.32.3") -> Inventory:
    components = (Component(name="certifi", version="2024.2.2"), Component(name="requests", version=requests_version))
    return Inventory(kind=SourceKind.REQUIREMENTS, path="requirements.txt", components=components, graph=False)


def _versions(text: str) -> dict[str, str]:
    return {c["name"]: c["version"] for c in json.loads(text)["components"]}


def _entry(cache: Path) -> Path:
    (entry,) = cache.rglob("*.json")
    return entry


def test_the_same_inputs_are_not_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path)
    assert cold == build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN)

    def not_again(*args: object, **kwargs: object) -> str:
        raise AssertionError("built again")

    monkeypatch.setattr(build, "_build_and_validate", not_again)
    assert build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path) == cold


@pytest.mark.parametrize(
    ("inventory", "product", "spec", "timestamp"),
    [
        (_inventory("2.31.0"), PRODUCT, SpecVersion.V1_6, WHEN),
        (_inventory(), Product(name="demo", version="1.1"), SpecVersion.V1_6, WHEN),
        (_inventory(), PRODUCT, SpecVersion.V1_5, WHEN),
        (_inventory(), PRODUCT, SpecVersion.V1_6, WHEN.replace(day=2)),
    ],
)
def test_other_inputs_get_their_own_sbom(
    tmp_path: Path, inventory: Inventory, product: Product, spec: SpecVersion, timestamp: datetime
) -> None:
    build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path)
    warm = build_sbom(inventory, product, spec=spec, timestamp=timestamp, cache=tmp_path)
    assert warm == build_sbom(inventory, product, spec=spec, timestamp=timestamp)


def test_another_sdl_gate_version_builds_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path)
    monkeypatch.setattr(build, "__version__", "0.0.0-other")
    build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path)
    assert len(list(tmp_path.rglob("*.json"))) == 2


def test_an_entry_whose_body_does_not_match_its_digest_is_rebuilt(tmp_path: Path) -> None:
    cold = build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path)
    entry = _entry(tmp_path)
    head = entry.read_bytes().partition(b"\n")[0]
    forged = cold.replace('"2.32.3"', '"9.9.9"')
    entry.write_bytes(head + b"\n" + json.dumps({"sbom": forged}).encode())
    warm = build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path)
    assert _versions(warm)["requests"] == "2.32.3"
    assert warm == cold


@pytest.mark.parametrize("body", [{"sbom": 5}, {"other": "x"}, ["x"], "x"])
def test_an_entry_of_another_shape_is_rebuilt(tmp_path: Path, body: object) -> None:
    cold = build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path)
    key = _entry(tmp_path).stem
    build.write_entry(tmp_path, key, body)
    assert build_sbom(_inventory(), PRODUCT, spec=SpecVersion.V1_6, timestamp=WHEN, cache=tmp_path) == cold


def test_the_default_cache_is_the_operators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_GATE_SBOM_CACHE_DIR", str(tmp_path / "explicit"))
    assert build.default_cache_dir() == tmp_path / "explicit"
