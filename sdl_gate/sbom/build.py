"""CycloneDX SBOMs from an inventory, built with cyclonedx-python-lib and validated before they are written."""

from __future__ import annotations

import enum
import functools
import hashlib
import importlib
import json
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sdl_gate import __version__
from sdl_gate._cache import cache_dir, entry_key, read_entry, write_entry
from sdl_gate._files import canonical_json, pretty_json
from sdl_gate.errors import ToolError
from sdl_gate.sbom.sources import Component, Inventory, pypi_purl


class SpecVersion(str, enum.Enum):
    """The CycloneDX versions sdl-gate writes."""

    V1_6 = "1.6"
    V1_5 = "1.5"


_HASH_ALGORITHMS = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512", "sha1": "SHA-1", "md5": "MD5"}


@dataclass(frozen=True)
class Product:
    """The product the SBOM describes (``metadata.component``) and who wrote it (``metadata.authors``)."""

    name: str
    version: str | None
    authors: tuple[str, ...] = ()


def serial_for(inventory: Inventory, product: Product, spec: SpecVersion, timestamp: datetime) -> uuid.UUID:
    """Derive the serial number from the content, so the same inputs give the same SBOM."""
    material = canonical_json(
        {
            # A Python component's purl is its name and version again; origin and commit are never set for one.
            "inventory": inventory.model_dump(
                mode="json", exclude={"path": True, "components": {"__all__": {"purl", "origin", "commit"}}}
            ),
            "product": [product.name, product.version, list(product.authors)],
            "spec": spec.value,
            "timestamp": timestamp.isoformat(),
        }
    )
    return uuid.UUID(bytes=hashlib.sha256(material.encode("utf-8")).digest()[:16], version=5)


#: 1: an entry is the SBOM text of one set of inputs, as ``build_sbom`` returned it.
CACHE_FORMAT = 1
#: Larger than any SBOM sdl-gate writes for a real project; a larger entry is not one it wrote.
MAX_CACHE_BYTES = 64 * 1024 * 1024


def default_cache_dir() -> Path:
    """Where built SBOMs are kept: ``SDL_GATE_SBOM_CACHE_DIR``, else ``sbom`` in the sdl-gate cache directory."""
    return cache_dir("sbom")


def _cache_key(inventory: Inventory, product: Product, spec: SpecVersion, timestamp: datetime) -> str:
    """Everything the SBOM text is a function of: the inputs, and the versions of the code that writes it."""
    from importlib.metadata import version

    material = canonical_json(
        {
            "inventory": inventory.model_dump(mode="json"),
            "product": [product.name, product.version, list(product.authors)],
            "spec": spec.value,
            "timestamp": timestamp.isoformat(),
        }
    )
    return entry_key(f"sbom-v{CACHE_FORMAT}", __version__, version("cyclonedx-python-lib"), material)


def build_sbom(
    inventory: Inventory, product: Product, *, spec: SpecVersion, timestamp: datetime, cache: Path | None = None
) -> str:
    """Return the SBOM as pretty, sorted JSON, after the strict schema validator accepted it.

    With ``cache`` (a directory outside the checkout), an SBOM built and validated before from the same inputs
    by the same versions is reused: a warm gate run neither loads cyclonedx-python-lib nor validates again.
    """
    if cache is None:
        return _build_and_validate(inventory, product, spec=spec, timestamp=timestamp)
    key = _cache_key(inventory, product, spec, timestamp)
    cached = read_entry(cache, key, MAX_CACHE_BYTES)
    if isinstance(cached, dict) and isinstance(cached.get("sbom"), str):
        return str(cached["sbom"])
    final = _build_and_validate(inventory, product, spec=spec, timestamp=timestamp)
    write_entry(cache, key, {"sbom": final})  # only a document the validator accepted is kept
    return final


def _build_and_validate(inventory: Inventory, product: Product, *, spec: SpecVersion, timestamp: datetime) -> str:
    try:  # the factory's home since cyclonedx-python-lib 11.5; the old path warns
        from cyclonedx.contrib.license.factories import LicenseFactory
    except ImportError:  # pragma: no cover - older cyclonedx-python-lib
        from cyclonedx.factory.license import LicenseFactory  # type: ignore[no-redef,unused-ignore]
    from cyclonedx.model import HashAlgorithm, HashType
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component as CdxComponent
    from cyclonedx.model.component import ComponentType
    from cyclonedx.model.contact import OrganizationalContact, OrganizationalEntity
    from cyclonedx.output.json import JsonV1Dot5, JsonV1Dot6
    from packageurl import PackageURL

    licenses = LicenseFactory()
    root_ref = pypi_purl(product.name, product.version)
    root = CdxComponent(
        name=product.name,
        version=product.version,
        type=ComponentType.APPLICATION,
        bom_ref=root_ref,
        purl=PackageURL.from_string(root_ref),
    )
    tool = CdxComponent(name="sdl-gate", version=__version__, type=ComponentType.APPLICATION, bom_ref="sdl-gate")
    metadata = BomMetaData(
        timestamp=timestamp,
        component=root,
        authors=[OrganizationalContact(name=author) for author in product.authors],
    )
    metadata.tools.components.add(tool)
    bom = Bom(serial_number=serial_for(inventory, product, spec, timestamp), metadata=metadata)
    # Two pins of one name (conflicting sources, uv's forked resolutions) are two components; a dependency
    # named in the graph points at every version of that name.
    by_name: dict[str, list[CdxComponent]] = {}
    made: list[tuple[Component, CdxComponent]] = []
    for component in inventory.components:
        cdx = _cdx_component(
            component, licenses, HashType, HashAlgorithm, CdxComponent, ComponentType, OrganizationalEntity, PackageURL
        )
        bom.components.add(cdx)
        by_name.setdefault(component.key, []).append(cdx)
        made.append((component, cdx))
    direct = _direct(inventory)
    bom.register_dependency(root, [cdx for key in direct for cdx in by_name.get(key, [])])
    for component, cdx in made:
        bom.register_dependency(cdx, [target for d in component.dependencies for target in by_name.get(d, [])])
    outputter_class = JsonV1Dot6 if spec is SpecVersion.V1_6 else JsonV1Dot5
    text = outputter_class(bom).output_as_string()
    document = json.loads(text)
    final = pretty_json(document)
    validate_sbom_text(final, spec)
    return final


def _direct(inventory: Inventory) -> list[str]:
    """The product's direct dependencies: components nothing else in the inventory depends on."""
    needed = {d for c in inventory.components for d in c.dependencies}
    keys = list(dict.fromkeys(c.key for c in inventory.components))
    if not inventory.graph:
        return keys
    return [key for key in keys if key not in needed] or keys


def _cdx_component(
    component: Component,
    licenses: Any,
    hash_type: Any,
    hash_algorithm: Any,
    cdx_component: Any,
    component_type: Any,
    entity: Any,
    package_url: Any,
) -> Any:
    purl = component.purl
    hashes = [
        hash_type(alg=hash_algorithm(_HASH_ALGORITHMS[h.alg]), content=h.value)
        for h in component.hashes
        if h.alg in _HASH_ALGORITHMS
    ]
    return cdx_component(
        name=component.name,
        version=component.version,
        type=component_type.LIBRARY,
        # Without a purl (unpinned, or not from the index) the reference is only an identifier within the SBOM.
        bom_ref=purl or f"{component.key}@{component.version or 'unpinned'}",
        purl=package_url.from_string(purl) if purl else None,
        licenses=[licenses.make_from_string(text) for text in component.licenses],
        hashes=hashes,
        supplier=entity(name=component.supplier) if component.supplier else None,
    )


def validate_sbom_text(text: str, spec: SpecVersion) -> None:
    """Validate an SBOM we built with the strict JSON validator; a failure is our bug, so it is a ToolError."""
    problem = schema_problem(text, spec)
    if problem is not None:
        raise ToolError(f"the generated SBOM does not validate against CycloneDX {spec.value}: {problem}")


#: Optional format checkers jsonschema imports when it loads, for formats no CycloneDX schema uses (the
#: schemas use date-time, uri, iri-reference and idn-email). ``rfc3987_syntax`` builds a parser grammar at import
#: time (seconds on a small machine) and serves only ``iri``/``iri-reference``, which sdl-gate's SBOMs do not
#: use; ``isoduration`` (with arrow and dateutil) and the rest cost every gate run their import for nothing.
UNUSED_FORMAT_CHECKERS = ("rfc3987_syntax", "isoduration", "uri_template", "webcolors", "jsonpointer", "fqdn")


def _load_jsonschema() -> None:
    """Import jsonschema without the optional format checkers of formats sdl-gate's documents never use.

    Every structural rule and every format the CycloneDX schemas use still applies.
    """
    if "jsonschema" in sys.modules:
        return
    blocked = [name for name in UNUSED_FORMAT_CHECKERS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes its import fail, as if absent
    try:
        importlib.import_module("jsonschema")
    finally:
        for name in blocked:
            del sys.modules[name]


#: Collectors run in threads and two of them read SBOMs: the import trick above must not run twice at once.
_VALIDATOR_LOCK = threading.Lock()


def _validator(spec: SpecVersion) -> Any:
    with _VALIDATOR_LOCK:
        return _new_validator(spec)


@functools.lru_cache(maxsize=2)
def _new_validator(spec: SpecVersion) -> Any:
    _load_jsonschema()
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_6 if spec is SpecVersion.V1_6 else SchemaVersion.V1_5)


def schema_problem(text: str, spec: SpecVersion) -> str | None:
    """Return why ``text`` is not a valid CycloneDX JSON document of ``spec``, or None when it is."""
    error = _validator(spec).validate_str(text)
    if error is None:
        return None
    data = getattr(error, "data", None)
    path = "/".join(str(p) for p in getattr(data, "absolute_path", []) or [])
    message = getattr(data, "message", None) or str(error)
    return f"{message} (at /{path})" if path else str(message)


def product_from_pyproject(root: Any, fallback_name: str, fallback_version: str | None) -> Product:
    """Return the product named in ``root/pyproject.toml`` (name, version, authors), or the fallback."""
    from sdl_gate.sbom.sources import _toml

    path = Path(root) / "pyproject.toml"
    if not path.is_file():
        return Product(name=fallback_name, version=fallback_version)
    project = _toml(path, Path(root)).get("project", {})
    if not isinstance(project, dict):
        return Product(name=fallback_name, version=fallback_version)
    authors: list[str] = []
    for entry in project.get("authors", []) or []:
        if isinstance(entry, dict):
            text = str(entry.get("name") or "")
            if entry.get("email"):
                text = f"{text} <{entry['email']}>".strip()
            if text:
                authors.append(text)
    name = project.get("name")
    version = project.get("version")
    return Product(
        name=str(name) if isinstance(name, str) else fallback_name,
        version=str(version) if isinstance(version, str) else fallback_version,
        authors=tuple(authors),
    )
