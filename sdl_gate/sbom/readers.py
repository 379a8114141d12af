"""Readers of SBOMs other generators write: CycloneDX JSON and XML (1.4 to 1.6) and SPDX JSON (2.2, 2.3).

syft, cdxgen, Yocto's ``create-spdx``, cyclonedx-npm, -maven and -gomod all write one of these. Each reader
turns a document into one :class:`SbomDocument` of plain facts (the components as :class:`Component` with the
purl exactly as written, and what the NTIA minimum elements need), so one check serves every format. The
file is untrusted input: it is size-limited, XML is parsed with defusedxml (no entities, no DTD), nesting is
bounded, and a value of the wrong type is an :class:`InputError` naming the file and the place.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from sdl_gate._files import read_bytes_limited
from sdl_gate._model import FrozenModel
from sdl_gate._yaml import parse_json_text
from sdl_gate.errors import InputError
from sdl_gate.sbom.sources import MAX_VERSION_CHARS, Component, Hash, Inventory, SourceKind, _sorted

#: A whole firmware image's SBOM runs to tens of megabytes; nothing legitimate comes close to this.
MAX_SBOM_BYTES = 64 * 1024 * 1024
#: CycloneDX nests components (an image's packages' files); real documents stay within a few levels.
MAX_COMPONENT_DEPTH = 32
MAX_COMPONENTS = 200_000
#: Names, purls, CPEs and references: generous for real values, bounded for hostile ones.
MAX_TEXT_CHARS = 4096

CYCLONEDX_VERSIONS = ("1.4", "1.5", "1.6")
SPDX_VERSIONS = ("SPDX-2.2", "SPDX-2.3")
_CYCLONEDX_NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}bom$")
#: A full git (SHA-1 or SHA-256) revision at the end of a VCS URL: ``git+https://host/repo@<sha>``, ``...#<sha>``.
_URL_COMMIT = re.compile(r"[@#]([0-9a-fA-F]{40}|[0-9a-fA-F]{64})/?$")
_COMMIT = re.compile(r"^([0-9a-fA-F]{7,64})$")
_SPDX_DEPENDENCY = {
    # relationship type -> True when spdxElementId depends on relatedSpdxElement, False for the reverse
    "DEPENDS_ON": True,
    "CONTAINS": True,
    "STATIC_LINK": True,
    "DYNAMIC_LINK": True,
    "HAS_PREREQUISITE": True,
    "DEPENDENCY_OF": False,
    "RUNTIME_DEPENDENCY_OF": False,
    "BUILD_DEPENDENCY_OF": False,
    "DEV_DEPENDENCY_OF": False,
    "OPTIONAL_DEPENDENCY_OF": False,
    "PROVIDED_DEPENDENCY_OF": False,
    "TEST_DEPENDENCY_OF": False,
    "PREREQUISITE_FOR": False,
    "CONTAINED_BY": False,
}


class SbomFormat(str, enum.Enum):
    """The SBOM formats sdl-gate reads."""

    CYCLONEDX_JSON = "cyclonedx-json"
    CYCLONEDX_XML = "cyclonedx-xml"
    SPDX_JSON = "spdx-json"


class SbomEntry(FrozenModel):
    """One component of an SBOM with the NTIA facts the component model does not carry.

    ``label`` names it in reports (``name@version``, else its reference); ``identified`` says whether it has a
    unique identifier (purl, CPE or SWID); ``invalid_purl`` is a purl text that does not parse (the component
    then has no purl and cannot be audited).
    """

    component: Component
    label: str
    identified: bool
    in_graph: bool
    invalid_purl: str | None = None


class SbomDocument(FrozenModel):
    """What one SBOM says: its format, who wrote it and when, and its components (sorted by label)."""

    path: str | None
    format: SbomFormat
    spec_version: str
    has_author: bool
    has_timestamp: bool
    entries: tuple[SbomEntry, ...]
    graph: bool

    def named(self, origin: str) -> SbomDocument:
        """The same document under another name (the project-relative path), which its components take as origin."""
        entries = tuple(
            entry.model_copy(update={"component": entry.component.model_copy(update={"origin": origin})})
            for entry in self.entries
        )
        return self.model_copy(update={"path": origin, "entries": entries})

    @property
    def inventory(self) -> Inventory:
        """The components as an inventory of kind ``sbom``, each keeping this file as its origin."""
        return Inventory(
            kind=SourceKind.SBOM,
            path=self.path,
            components=_sorted(entry.component for entry in self.entries),
            graph=self.graph,
            entries=len(self.entries),
        )


@dataclass(frozen=True)
class _Place:
    """The file being read and the place in it, for errors."""

    path: Path

    def error(self, message: str, location: str | None = None, line: int | None = None) -> InputError:
        return InputError(message, path=self.path, location=location, line=line)


def _text(place: _Place, value: Any, location: str, *, limit: int = MAX_TEXT_CHARS) -> str | None:
    """An optional string field: absent or empty is None; another type or an outsized one is bad input."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise place.error(f"expected a string, found {type(value).__name__}", location)
    if len(value) > limit:
        raise place.error(f"a string of {len(value)} characters; at most {limit} are accepted", location)
    return value.strip() or None


def _list(place: _Place, value: Any, location: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise place.error(f"expected a list, found {type(value).__name__}", location)
    return value


def _object(place: _Place, value: Any, location: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise place.error(f"expected an object, found {type(value).__name__}", location)
    return value


def _purl(place: _Place, value: Any, location: str) -> tuple[str | None, str | None]:
    """Return ``(purl, invalid_text)``: the purl as written when it parses, else the text that did not."""
    from packageurl import PackageURL

    text = _text(place, value, location)
    if text is None:
        return None, None
    try:
        PackageURL.from_string(text)
    except ValueError:
        return None, text
    return text, None


def _commit_from_url(url: str | None) -> str | None:
    found = _URL_COMMIT.search(url or "")
    return found.group(1).lower() if found else None


def _hash(alg: str | None, value: str | None) -> Hash | None:
    if not alg or not value:
        return None
    return Hash(alg=alg.lower().replace("-", ""), value=value.lower())


# --- CycloneDX ---------------------------------------------------------------------------------------


def _cdx_supplier(place: _Place, raw: dict[str, Any], where: str) -> str | None:
    """The component's supplier, manufacturer or author as one name (NTIA: supplier name)."""
    for key in ("supplier", "manufacturer"):
        entity = _object(place, raw.get(key), f"{where}.{key}")
        if name := _text(place, entity.get("name"), f"{where}.{key}.name"):
            return name
    if author := _text(place, raw.get("author"), f"{where}.author"):
        return author
    for index, item in enumerate(_list(place, raw.get("authors"), f"{where}.authors")):
        entity = _object(place, item, f"{where}.authors[{index}]")
        if name := _text(place, entity.get("name"), f"{where}.authors[{index}].name"):
            return name
    return None


def _cdx_commit(place: _Place, raw: dict[str, Any], where: str) -> str | None:
    """The VCS revision of a component: ``pedigree.commits[].uid``, else a ``vcs`` reference ending in one."""
    pedigree = _object(place, raw.get("pedigree"), f"{where}.pedigree")
    for index, item in enumerate(_list(place, pedigree.get("commits"), f"{where}.pedigree.commits")):
        commit = _object(place, item, f"{where}.pedigree.commits[{index}]")
        uid = _text(place, commit.get("uid"), f"{where}.pedigree.commits[{index}].uid")
        if uid and _COMMIT.match(uid):
            return uid.lower()
    for index, item in enumerate(_list(place, raw.get("externalReferences"), f"{where}.externalReferences")):
        reference = _object(place, item, f"{where}.externalReferences[{index}]")
        if reference.get("type") == "vcs":
            found = _commit_from_url(_text(place, reference.get("url"), f"{where}.externalReferences[{index}].url"))
            if found:
                return found
    return None


def _cdx_licenses(place: _Place, raw: dict[str, Any], where: str) -> tuple[str, ...]:
    found: list[str] = []
    for index, item in enumerate(_list(place, raw.get("licenses"), f"{where}.licenses")):
        choice = _object(place, item, f"{where}.licenses[{index}]")
        if expression := _text(place, choice.get("expression"), f"{where}.licenses[{index}].expression"):
            found.append(expression)
            continue
        license_ = _object(place, choice.get("license"), f"{where}.licenses[{index}].license")
        for key in ("id", "name"):
            if text := _text(place, license_.get(key), f"{where}.licenses[{index}].license.{key}"):
                found.append(text)
                break
    return tuple(dict.fromkeys(found))


def _cdx_hashes(place: _Place, raw: dict[str, Any], where: str) -> tuple[Hash, ...]:
    hashes: list[Hash] = []
    for index, item in enumerate(_list(place, raw.get("hashes"), f"{where}.hashes")):
        entry = _object(place, item, f"{where}.hashes[{index}]")
        found = _hash(
            _text(place, entry.get("alg"), f"{where}.hashes[{index}].alg"),
            _text(place, entry.get("content"), f"{where}.hashes[{index}].content"),
        )
        if found is not None:
            hashes.append(found)
    return tuple(sorted(set(hashes), key=lambda h: (h.alg, h.value)))


def _cdx_components(place: _Place, document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every component, nested ones included, with its place; iterative, so depth cannot exhaust the stack."""
    stack: list[tuple[str, Any, int]] = [
        (f"components[{i}]", c, 1) for i, c in enumerate(_list(place, document.get("components"), "components"))
    ]
    stack.reverse()
    count = 0
    while stack:
        where, raw, depth = stack.pop()
        component = _object(place, raw, where)
        count += 1
        if count > MAX_COMPONENTS:
            raise place.error(f"more than {MAX_COMPONENTS} components; refused", where)
        yield where, component
        nested = _list(place, component.get("components"), f"{where}.components")
        if nested and depth >= MAX_COMPONENT_DEPTH:
            raise place.error(f"components nested deeper than {MAX_COMPONENT_DEPTH} levels; refused", where)
        stack += reversed([(f"{where}.components[{i}]", c, depth + 1) for i, c in enumerate(nested)])


def from_cyclonedx(document: dict[str, Any], path: Path, fmt: SbomFormat = SbomFormat.CYCLONEDX_JSON) -> SbomDocument:
    """Read a parsed CycloneDX document (JSON, or XML turned into the same shape)."""
    place = _Place(path)
    spec = document.get("specVersion")
    if spec not in CYCLONEDX_VERSIONS:
        shown = repr(spec)[:40]
        raise place.error(
            f"CycloneDX specVersion {shown} is not supported (supported: {', '.join(CYCLONEDX_VERSIONS)})",
            "specVersion",
        )
    metadata = _object(place, document.get("metadata"), "metadata")
    has_author = bool(_list(place, metadata.get("authors"), "metadata.authors")) or any(
        _text(place, _object(place, metadata.get(key), f"metadata.{key}").get("name"), f"metadata.{key}.name")
        for key in ("manufacture", "manufacturer", "supplier")
    )
    has_timestamp = _text(place, metadata.get("timestamp"), "metadata.timestamp") is not None
    root = _object(place, metadata.get("component"), "metadata.component")
    root_ref = _text(place, root.get("bom-ref"), "metadata.component.bom-ref")
    depends: dict[str, list[str]] = {}
    for index, item in enumerate(_list(place, document.get("dependencies"), "dependencies")):
        entry = _object(place, item, f"dependencies[{index}]")
        ref = _text(place, entry.get("ref"), f"dependencies[{index}].ref")
        if ref is None:
            raise place.error("a dependency names no ref", f"dependencies[{index}].ref")
        targets = [
            _text(place, target, f"dependencies[{index}].dependsOn[{n}]")
            for n, target in enumerate(_list(place, entry.get("dependsOn"), f"dependencies[{index}].dependsOn"))
        ]
        depends.setdefault(ref, []).extend(t for t in targets if t)
    referenced = {ref for refs in depends.values() for ref in refs}
    origin = str(path)
    walked = list(_cdx_components(place, document))
    names: dict[str, str] = {}
    for where, raw in walked:
        ref = _text(place, raw.get("bom-ref"), f"{where}.bom-ref")
        if ref is not None:
            names.setdefault(ref, canonicalize_name(_text(place, raw.get("name"), f"{where}.name") or ""))
    entries: list[SbomEntry] = []
    for where, raw in walked:
        name = _text(place, raw.get("name"), f"{where}.name") or ""
        version = _text(place, raw.get("version"), f"{where}.version", limit=MAX_VERSION_CHARS)
        ref = _text(place, raw.get("bom-ref"), f"{where}.bom-ref")
        purl, invalid = _purl(place, raw.get("purl"), f"{where}.purl")
        cpe = _text(place, raw.get("cpe"), f"{where}.cpe")
        swid = raw.get("swid")
        if swid is not None and not isinstance(swid, dict):
            raise place.error(f"expected an object, found {type(swid).__name__}", f"{where}.swid")
        component = Component(
            name=name,
            version=version,
            licenses=_cdx_licenses(place, raw, where),
            hashes=_cdx_hashes(place, raw, where),
            supplier=_cdx_supplier(place, raw, where),
            purl=purl,
            origin=origin,
            commit=_cdx_commit(place, raw, where),
            dependencies=_targets(ref, depends, names),
        )
        label = f"{name}@{version}" if name and version else name or ref or where
        # A component is placed in the graph when something depends on it or it has its own entry.
        in_graph = ref is not None and (ref in referenced or ref in depends or ref == root_ref)
        identified = bool(purl or invalid or cpe or swid)
        entries.append(
            SbomEntry(component=component, label=label, identified=identified, in_graph=in_graph, invalid_purl=invalid)
        )
    return _document(place, fmt, str(spec), has_author, has_timestamp, entries, bool(depends))


def _targets(ref: str | None, depends: dict[str, list[str]], names: dict[str, str]) -> tuple[str, ...]:
    """The names of what ``ref`` depends on (a reference to nothing known is left out)."""
    if ref is None or ref not in depends:
        return ()
    return tuple(sorted({names[t] for t in depends[ref] if t in names and t != ref}))


def _document(
    place: _Place,
    fmt: SbomFormat,
    spec: str,
    has_author: bool,
    has_timestamp: bool,
    entries: list[SbomEntry],
    graph: bool,
) -> SbomDocument:
    """The document with its components sorted."""
    entries.sort(key=lambda e: (e.component.key, e.component.version or "", e.label, e.component.purl or ""))
    return SbomDocument(
        path=str(place.path),
        format=fmt,
        spec_version=spec,
        has_author=has_author,
        has_timestamp=has_timestamp,
        entries=tuple(entries),
        graph=graph,
    )


# --- CycloneDX XML -----------------------------------------------------------------------------------

_XML_LISTS = {
    # container element -> (JSON key, child element); the JSON shape the reader above understands
    "components": ("components", "component"),
    "authors": ("authors", "author"),
    "hashes": ("hashes", "hash"),
    "commits": ("commits", "commit"),
    "externalReferences": ("externalReferences", "reference"),
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_component(element: Any, depth: int, place: _Place) -> dict[str, Any]:
    """One ``<component>`` (or ``<metadata>`` part) in the JSON shape: only the fields the reader uses."""
    if depth > MAX_COMPONENT_DEPTH:
        raise place.error(f"components nested deeper than {MAX_COMPONENT_DEPTH} levels; refused")
    out: dict[str, Any] = {}
    if element.get("bom-ref") is not None:
        out["bom-ref"] = element.get("bom-ref")
    for child in element:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        tag = _local(child.tag)
        text = (child.text or "").strip()
        if tag in ("name", "version", "purl", "cpe", "author", "timestamp", "uid"):
            out[tag] = text
        elif tag == "swid":
            out["swid"] = {"tagId": child.get("tagId")}
        elif tag in ("supplier", "manufacturer", "manufacture"):
            names = [(n.text or "").strip() for n in child if isinstance(n.tag, str) and _local(n.tag) == "name"]
            out[tag] = {"name": names[0] if names else ""}
        elif tag == "pedigree":
            out["pedigree"] = _xml_component(child, depth + 1, place)
        elif tag == "licenses":
            licenses: list[dict[str, Any]] = []
            for item in child:
                if not isinstance(item.tag, str):
                    continue
                if _local(item.tag) == "expression":
                    licenses.append({"expression": (item.text or "").strip()})
                elif _local(item.tag) == "license":
                    fields = {_local(f.tag): (f.text or "").strip() for f in item if isinstance(f.tag, str)}
                    licenses.append({"license": {k: v for k, v in fields.items() if k in ("id", "name")}})
            out["licenses"] = licenses
        elif tag in _XML_LISTS:
            key, item_tag = _XML_LISTS[tag]
            items: list[dict[str, Any]] = []
            for item in child:
                if not isinstance(item.tag, str) or _local(item.tag) != item_tag:
                    continue
                if item_tag == "component":
                    items.append(_xml_component(item, depth + 1, place))
                elif item_tag == "hash":
                    items.append({"alg": item.get("alg"), "content": (item.text or "").strip()})
                elif item_tag == "reference":
                    urls = [(u.text or "").strip() for u in item if isinstance(u.tag, str) and _local(u.tag) == "url"]
                    items.append({"type": item.get("type"), "url": urls[0] if urls else None})
                else:
                    items.append(_xml_component(item, depth + 1, place))
            out[key] = items
    return out


def _xml_to_json(root: Any, spec: str, place: _Place) -> dict[str, Any]:
    document: dict[str, Any] = {"bomFormat": "CycloneDX", "specVersion": spec}
    for child in root:
        if not isinstance(child.tag, str):
            continue
        tag = _local(child.tag)
        if tag == "metadata":
            metadata = _xml_component(child, 0, place)
            for part in child:
                if isinstance(part.tag, str) and _local(part.tag) == "component":
                    metadata["component"] = _xml_component(part, 1, place)
            document["metadata"] = metadata
        elif tag == "components":
            document["components"] = [
                _xml_component(c, 1, place) for c in child if isinstance(c.tag, str) and _local(c.tag) == "component"
            ]
        elif tag == "dependencies":
            entries: list[dict[str, Any]] = []
            stack = [child]
            while stack:  # nested <dependency> elements: the parent depends on each child
                parent = stack.pop()
                for dependency in parent:
                    if not isinstance(dependency.tag, str) or _local(dependency.tag) != "dependency":
                        continue
                    targets = [
                        d.get("ref") for d in dependency if isinstance(d.tag, str) and _local(d.tag) == "dependency"
                    ]
                    entries.append({"ref": dependency.get("ref"), "dependsOn": targets})
                    stack.append(dependency)
            document["dependencies"] = entries
    return document


def from_cyclonedx_xml(data: bytes, path: Path) -> SbomDocument:
    """Read a CycloneDX XML document with defusedxml: entities and DTDs are refused, never expanded."""
    import defusedxml.ElementTree as SafeTree
    from defusedxml import DefusedXmlException

    place = _Place(path)
    try:
        root = SafeTree.fromstring(data)
    except DefusedXmlException as exc:
        raise place.error(f"refused XML: {type(exc).__name__} (entities and DTDs are not allowed)") from None
    except SafeTree.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise place.error(f"malformed XML: {exc}", line=line) from None
    except (LookupError, ValueError) as exc:  # an unknown encoding in the XML declaration
        raise place.error(f"malformed XML: {exc}", line=1) from None
    except RecursionError:
        raise place.error("XML nested too deeply; refused") from None
    found = _CYCLONEDX_NAMESPACE.match(str(root.tag))
    if found is None:
        raise place.error(f"not a CycloneDX XML document: the root element is {str(root.tag)[:80]!r}", line=1)
    return from_cyclonedx(_xml_to_json(root, found.group(1), place), path, SbomFormat.CYCLONEDX_XML)


# --- SPDX --------------------------------------------------------------------------------------------


def _spdx_party(value: str | None) -> str | None:
    """``Organization: Name (email)`` or ``Person: Name`` as the name; NOASSERTION as unknown."""
    if not value or value.strip() in ("NOASSERTION", "NONE"):
        return None
    _, _, name = value.partition(":")
    return (name or value).strip() or None


def _spdx_relationships(place: _Place, document: dict[str, Any]) -> tuple[dict[str, list[str]], set[str], set[str]]:
    """Return what depends on what, every element in a dependency relationship, and what the document describes."""
    described = {
        _text(place, d, f"documentDescribes[{i}]")
        for i, d in enumerate(_list(place, document.get("documentDescribes"), "documentDescribes"))
    }
    depends: dict[str, list[str]] = {}
    related: set[str] = set()
    for index, item in enumerate(_list(place, document.get("relationships"), "relationships")):
        where = f"relationships[{index}]"
        entry = _object(place, item, where)
        element = _text(place, entry.get("spdxElementId"), f"{where}.spdxElementId")
        kind = _text(place, entry.get("relationshipType"), f"{where}.relationshipType")
        target = _text(place, entry.get("relatedSpdxElement"), f"{where}.relatedSpdxElement")
        if not element or not kind or not target:
            raise place.error("a relationship needs spdxElementId, relationshipType and relatedSpdxElement", where)
        if kind == "DESCRIBES" and element == "SPDXRef-DOCUMENT":
            described.add(target)
        elif kind == "DESCRIBED_BY" and target == "SPDXRef-DOCUMENT":
            described.add(element)
        forward = _SPDX_DEPENDENCY.get(kind)
        if forward is None:
            continue
        source, dependency = (element, target) if forward else (target, element)
        depends.setdefault(source, []).append(dependency)
        related |= {source, dependency}
    return depends, related, {d for d in described if d}


def _spdx_identifiers(place: _Place, package: dict[str, Any], where: str) -> tuple[str | None, str | None, bool]:
    """Return the purl of a PACKAGE-MANAGER reference, an unparseable purl text, and whether any identifier
    (purl, CPE, SWID) is present."""
    purl: str | None = None
    invalid: str | None = None
    identified = False
    for n, item in enumerate(_list(place, package.get("externalRefs"), f"{where}.externalRefs")):
        ref_where = f"{where}.externalRefs[{n}]"
        reference = _object(place, item, ref_where)
        category = _text(place, reference.get("referenceCategory"), f"{ref_where}.referenceCategory") or ""
        ref_type = _text(place, reference.get("referenceType"), f"{ref_where}.referenceType") or ""
        locator = _text(place, reference.get("referenceLocator"), f"{ref_where}.referenceLocator")
        package_manager = category.replace("_", "-") == "PACKAGE-MANAGER"
        if package_manager and ref_type == "purl" and purl is None:
            purl, bad = _purl(place, locator, f"{ref_where}.referenceLocator")
            invalid = invalid or bad
        # npm, maven-central and the like identify a package too, though only a purl can be audited.
        if locator and (package_manager or ref_type in ("cpe22Type", "cpe23Type", "swid")):
            identified = True
    return purl, invalid, identified


def _spdx_package(
    place: _Place, package: dict[str, Any], where: str, dependencies: tuple[str, ...]
) -> tuple[Component, str | None, bool]:
    """One package as a component, with an unparseable purl text and whether it has a unique identifier."""
    name = _text(place, package.get("name"), f"{where}.name") or ""
    version = _text(place, package.get("versionInfo"), f"{where}.versionInfo", limit=MAX_VERSION_CHARS)
    purl, invalid, identified = _spdx_identifiers(place, package, where)
    checksums: list[Hash] = []
    for n, item in enumerate(_list(place, package.get("checksums"), f"{where}.checksums")):
        checksum = _object(place, item, f"{where}.checksums[{n}]")
        found = _hash(
            _text(place, checksum.get("algorithm"), f"{where}.checksums[{n}].algorithm"),
            _text(place, checksum.get("checksumValue"), f"{where}.checksums[{n}].checksumValue"),
        )
        if found is not None:
            checksums.append(found)
    licenses = [
        text
        for key in ("licenseConcluded", "licenseDeclared")
        if (text := _text(place, package.get(key), f"{where}.{key}")) and text not in ("NOASSERTION", "NONE")
    ]
    supplier = _spdx_party(_text(place, package.get("supplier"), f"{where}.supplier")) or _spdx_party(
        _text(place, package.get("originator"), f"{where}.originator")
    )
    component = Component(
        name=name,
        version=version,
        licenses=tuple(dict.fromkeys(licenses)),
        hashes=tuple(sorted(set(checksums), key=lambda h: (h.alg, h.value))),
        supplier=supplier,
        purl=purl,
        origin=str(place.path),
        commit=_commit_from_url(_text(place, package.get("downloadLocation"), f"{where}.downloadLocation")),
        dependencies=dependencies,
    )
    return component, invalid, identified


def from_spdx(document: dict[str, Any], path: Path) -> SbomDocument:
    """Read an SPDX 2.2/2.3 JSON document: packages, purls from PACKAGE-MANAGER refs, relationships."""
    place = _Place(path)
    spec = document.get("spdxVersion")
    if spec not in SPDX_VERSIONS:
        shown = repr(spec)[:40]
        raise place.error(
            f"spdxVersion {shown} is not supported (supported: {', '.join(SPDX_VERSIONS)})", "spdxVersion"
        )
    creation = _object(place, document.get("creationInfo"), "creationInfo")
    creators = [
        _text(place, c, f"creationInfo.creators[{i}]")
        for i, c in enumerate(_list(place, creation.get("creators"), "creationInfo.creators"))
    ]
    has_timestamp = _text(place, creation.get("created"), "creationInfo.created") is not None
    depends, related, described = _spdx_relationships(place, document)
    packages = _list(place, document.get("packages"), "packages")
    if len(packages) > MAX_COMPONENTS:
        raise place.error(f"more than {MAX_COMPONENTS} packages; refused", "packages")
    names: dict[str, str] = {}
    for index, raw in enumerate(packages):
        package = _object(place, raw, f"packages[{index}]")
        spdx_id = _text(place, package.get("SPDXID"), f"packages[{index}].SPDXID")
        if spdx_id is not None:
            names.setdefault(
                spdx_id, canonicalize_name(_text(place, package.get("name"), f"packages[{index}].name") or "")
            )
    ids = set(names)
    # The package the document describes is the product (CycloneDX's metadata.component), not one of its
    # components, unless it is the only package (Yocto writes one document per recipe).
    subjects = described & ids if len(packages) > 1 else set()
    entries: list[SbomEntry] = []
    for index, raw in enumerate(packages):
        where = f"packages[{index}]"
        package = _object(place, raw, where)
        spdx_id = _text(place, package.get("SPDXID"), f"{where}.SPDXID")
        if spdx_id in subjects:
            continue
        component, invalid, identified = _spdx_package(place, package, where, _targets(spdx_id, depends, names))
        name, version = component.name, component.version
        label = f"{name}@{version}" if name and version else name or spdx_id or where
        in_graph = spdx_id is not None and (spdx_id in related or spdx_id in described)
        entries.append(
            SbomEntry(component=component, label=label, identified=identified, in_graph=in_graph, invalid_purl=invalid)
        )
    return _document(place, SbomFormat.SPDX_JSON, str(spec), any(creators), has_timestamp, entries, bool(depends))


# --- any format --------------------------------------------------------------------------------------


def parse_sbom(data: bytes, path: Path) -> SbomDocument:
    """Read an SBOM of any supported format from its bytes, telling the format by its content."""
    start = data.lstrip()[:1]
    if data.startswith(b"\xef\xbb\xbf"):
        start = data[3:].lstrip()[:1]
    if start == b"<":
        return from_cyclonedx_xml(data, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("not valid UTF-8 text", path=path, line=data[: exc.start].count(b"\n") + 1) from None
    try:
        document = parse_json_text(text, path)
    except InputError as exc:
        raise InputError(f"SBOM is not valid JSON: {exc.message}", path=path, line=exc.line) from None
    if not isinstance(document, dict):
        raise InputError("not an SBOM: expected a JSON object (CycloneDX or SPDX)", path=path)
    if document.get("bomFormat") == "CycloneDX":
        return from_cyclonedx(document, path)
    if "spdxVersion" in document:
        return from_spdx(document, path)
    raise InputError('not a CycloneDX or SPDX JSON document (no bomFormat "CycloneDX" and no spdxVersion)', path=path)


def read_sbom(path: Path, *, root: Path | None = None) -> SbomDocument:
    """Read an SBOM file of any supported format (size-limited; with ``root``, only a file inside it)."""
    return parse_sbom(read_bytes_limited(path, MAX_SBOM_BYTES, root=root), path)
