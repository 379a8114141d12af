"""SBOMs of other generators: CycloneDX JSON and XML 1.4 to 1.6 (written by cyclonedx-python-lib), SPDX JSON in the
shapes syft and Yocto write, the NTIA gaps of each, and hostile input refused with the file and place named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from sdl_gate.errors import InputError
from sdl_gate.sbom import readers
from sdl_gate.sbom.quality import Element, assess_document
from sdl_gate.sbom.readers import SbomDocument, SbomFormat, read_sbom
from sdl_gate.sbom.sources import SourceKind, merge
from tests.conftest import write
from tests.unit.sbom._documents import (
    ANGULAR_COMMIT,
    ANGULAR_PURL,
    BUSYBOX_COMMIT,
    EXTERNAL,
    LAUGHS,
    SCHEMAS,
    firmware_bom,
    spdx_document,
)


def _write_bom(tmp_path: Path, spec: str, output: OutputFormat) -> Path:
    suffix = "json" if output is OutputFormat.JSON else "xml"
    text = make_outputter(firmware_bom(), output, SCHEMAS[spec]).output_as_string(indent=2)
    return write(tmp_path / f"fw-{spec}.cdx.{suffix}", text)


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_sbom(path)
    return caught.value


@pytest.mark.parametrize("spec", ["1.4", "1.5", "1.6"])
@pytest.mark.parametrize("output", [OutputFormat.JSON, OutputFormat.XML])
def test_cyclonedx_from_cyclonedx_python_lib_is_read_in_every_version(
    tmp_path: Path, spec: str, output: OutputFormat
) -> None:
    path = _write_bom(tmp_path, spec, output)
    document = read_sbom(path)
    assert document.format is (SbomFormat.CYCLONEDX_JSON if output is OutputFormat.JSON else SbomFormat.CYCLONEDX_XML)
    assert document.spec_version == spec
    by_name = {entry.component.name: entry for entry in document.entries}
    assert set(by_name) == {"@angular/core", "busybox", "wifi-blob"}
    angular = by_name["@angular/core"].component
    assert angular.purl == ANGULAR_PURL  # as written: percent-encoded, never rewritten
    assert (angular.version, angular.origin, angular.commit, angular.supplier) == (
        "16.2.0",
        str(path),
        ANGULAR_COMMIT,
        "Google",
    )
    assert angular.dependencies == ("busybox",)
    assert [(h.alg, h.value) for h in angular.hashes] == [("sha256", "ab" * 32)]
    busybox = by_name["busybox"]
    assert (busybox.component.purl, busybox.identified, busybox.component.commit) == (None, True, BUSYBOX_COMMIT)
    gaps = {(gap.component, gap.element) for gap in assess_document(document).gaps}
    assert gaps == {
        ("wifi-blob", Element.SUPPLIER),
        ("wifi-blob", Element.VERSION),
        ("wifi-blob", Element.UNIQUE_IDENTIFIER),
    }  # cyclonedx-python-lib gives every component its own dependency entry: "depends on nothing" is stated


def test_spdx_in_the_shape_syft_writes(tmp_path: Path) -> None:
    path = write(tmp_path / "web" / "sbom.spdx.json", json.dumps(spdx_document()))
    document = read_sbom(path)
    assert (document.format, document.spec_version, document.has_author, document.has_timestamp) == (
        SbomFormat.SPDX_JSON,
        "SPDX-2.3",
        True,
        True,
    )
    by_name = {entry.component.name: entry for entry in document.entries}
    assert set(by_name) == {"lodash", "minimist", "vendored-chart-lib"}  # the described root is the product
    lodash = by_name["lodash"].component
    assert (lodash.purl, lodash.version, lodash.supplier, lodash.commit) == (
        "pkg:npm/lodash@4.17.20",
        "4.17.20",
        "John-David Dalton (john.david.dalton@gmail.com)",
        "a" * 40,
    )
    assert lodash.licenses == ("MIT",)
    assert lodash.dependencies == ("minimist",)  # minimist is a DEPENDENCY_OF lodash
    assert [(h.alg, h.value) for h in lodash.hashes] == [("sha256", "cd" * 32)]
    assert by_name["minimist"].component.purl == "pkg:npm/minimist@1.2.5"
    vendored = by_name["vendored-chart-lib"]
    assert vendored.component.purl is None
    gaps = {(gap.component, gap.element) for gap in assess_document(document).gaps}
    assert gaps == {
        ("vendored-chart-lib", Element.SUPPLIER),
        ("vendored-chart-lib", Element.VERSION),
        ("vendored-chart-lib", Element.UNIQUE_IDENTIFIER),
        ("vendored-chart-lib", Element.DEPENDENCY_RELATIONSHIPS),
    }


def test_spdx_of_one_yocto_recipe_keeps_its_only_package(tmp_path: Path) -> None:
    """Yocto's create-spdx writes one SPDX 2.2 document per recipe: the described package is the component."""
    document = {
        "spdxVersion": "SPDX-2.2",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "recipe-openssl",
        "creationInfo": {
            "created": "2026-01-01T00:00:00Z",
            "creators": ["Tool: OpenEmbedded Core create-spdx.bbclass"],
        },
        "documentDescribes": ["SPDXRef-Recipe-openssl"],
        "packages": [
            {
                "SPDXID": "SPDXRef-Recipe-openssl",
                "name": "openssl",
                "versionInfo": "3.0.13",
                "supplier": "Organization: OpenEmbedded ()",
                "downloadLocation": "http://www.openssl.org/source/openssl-3.0.13.tar.gz",
                "externalRefs": [
                    {
                        "referenceCategory": "SECURITY",
                        "referenceType": "cpe23Type",
                        "referenceLocator": "cpe:2.3:*:openssl:openssl:3.0.13:*:*:*:*:*:*:*",
                    }
                ],
            }
        ],
    }
    path = write(tmp_path / "recipe-openssl.spdx.json", json.dumps(document))
    read = read_sbom(path)
    assert [(e.component.name, e.component.version, e.component.supplier) for e in read.entries] == [
        ("openssl", "3.0.13", "OpenEmbedded ()")
    ]
    entry = read.entries[0]
    assert (entry.component.purl, entry.identified, entry.in_graph) == (None, True, True)
    assert assess_document(read).gaps == ()


def test_several_sboms_merge_into_one_inventory_each_component_keeping_its_origin(tmp_path: Path) -> None:
    firmware = read_sbom(_write_bom(tmp_path, "1.6", OutputFormat.XML))
    web = read_sbom(write(tmp_path / "web.spdx.json", json.dumps(spdx_document())))
    again = read_sbom(write(tmp_path / "again.spdx.json", json.dumps(spdx_document())))
    inventory = merge([firmware.inventory, web.inventory, again.inventory])
    assert inventory.kind is SourceKind.SBOM
    lodash = [(c.origin, c.purl) for c in inventory.components if c.name == "lodash"]
    assert lodash == [
        (str(tmp_path / "again.spdx.json"), "pkg:npm/lodash@4.17.20"),
        (str(tmp_path / "web.spdx.json"), "pkg:npm/lodash@4.17.20"),
    ]
    assert {c.origin for c in inventory.components if c.name in ("busybox", "wifi-blob")} == {
        str(tmp_path / "fw-1.6.cdx.xml")
    }
    assert len(inventory.components) == 3 + 3 + 3


def test_an_spdx_package_manager_reference_other_than_purl_identifies_but_cannot_be_audited(tmp_path: Path) -> None:
    package = {
        "SPDXID": "SPDXRef-npm-left-pad",
        "name": "left-pad",
        "versionInfo": "1.3.0",
        "externalRefs": [
            {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "npm", "referenceLocator": "left-pad@1.3.0"}
        ],
    }
    document = read_sbom(write(tmp_path / "old.spdx.json", json.dumps(spdx_document(packages=[package]))))
    entry = document.entries[0]
    assert (entry.component.purl, entry.identified) == (None, True)


def test_a_purl_that_does_not_parse_leaves_the_component_unauditable(tmp_path: Path) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "components": [{"type": "library", "name": "x", "version": "1", "purl": "not a purl"}],
    }
    entry = read_sbom(write(tmp_path / "b.json", json.dumps(bom))).entries[0]
    assert (entry.component.purl, entry.invalid_purl, entry.identified) == (None, "not a purl", True)


# --- hostile and malformed input -----------------------------------------------------------------------


def _cdx(components: Any) -> str:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": components})


@pytest.mark.parametrize(
    ("text", "location"),
    [
        (_cdx("all of them"), "components"),
        (_cdx([{"name": 7}]), "components[0].name"),
        (_cdx([{"name": "a", "purl": ["pkg:npm/a@1"]}]), "components[0].purl"),
        (
            _cdx([{"name": "a", "components": [{"name": "b", "version": {"v": 1}}]}]),
            "components[0].components[0].version",
        ),
        (_cdx([{"name": "a", "version": "1" * 2000}]), "components[0].version"),
        (_cdx([{"name": "a", "supplier": "ACME"}]), "components[0].supplier"),
        (
            json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "dependencies": [{"dependsOn": ["a"]}]}),
            "dependencies[0].ref",
        ),
        (json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.2"}), "specVersion"),
        (json.dumps({"bomFormat": "CycloneDX", "specVersion": 1.6}), "specVersion"),
        (
            json.dumps(spdx_document(packages=[{"SPDXID": "p", "name": "a", "versionInfo": 3}])),
            "packages[0].versionInfo",
        ),
        (
            json.dumps(spdx_document(packages=[{"SPDXID": "p", "name": "a", "externalRefs": {"purl": "x"}}])),
            "packages[0].externalRefs",
        ),
        (json.dumps(spdx_document(relationships=[{"spdxElementId": "a"}])), "relationships[0]"),
        (json.dumps(spdx_document(spdxVersion="SPDX-3.0")), "spdxVersion"),
    ],
)
def test_wrong_types_are_refused_naming_the_place(tmp_path: Path, text: str, location: str) -> None:
    path = write(tmp_path / "bad.json", text)
    error = _error(path)
    assert (error.path, error.location) == (str(path), location)


def test_components_nested_too_deeply_are_refused(tmp_path: Path) -> None:
    component: dict[str, Any] = {"name": "leaf"}
    for level in range(readers.MAX_COMPONENT_DEPTH + 5):
        component = {"name": f"c{level}", "components": [component]}
    error = _error(write(tmp_path / "deep.json", _cdx([component])))
    assert error.location is not None and error.location.startswith("components[0].components[0]")


@pytest.mark.parametrize("levels", [50, 100_000])
def test_deep_xml_is_refused(tmp_path: Path, levels: int) -> None:
    text = '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>'
    text += '<component type="library"><name>x</name><components>' * levels
    text += "</components></component>" * levels + "</components></bom>"
    error = _error(write(tmp_path / "deep.xml", text))
    assert error.path == str(tmp_path / "deep.xml")


def test_deep_json_is_refused(tmp_path: Path) -> None:
    error = _error(
        write(tmp_path / "deep.json", '{"bomFormat": "CycloneDX", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    )
    assert error.path == str(tmp_path / "deep.json")


@pytest.mark.parametrize("text", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_xml_entities_are_refused_not_expanded(tmp_path: Path, text: str) -> None:
    error = _error(write(tmp_path / "evil.cdx.xml", text))
    assert error.path == str(tmp_path / "evil.cdx.xml")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('<bom xmlns="http://cyclonedx.org/schema/bom/1.6">\n<components>\n</bom>', 3),
        ('{"bomFormat": "CycloneDX",\n "specVersion": ', 2),
    ],
)
def test_malformed_documents_name_the_line(tmp_path: Path, text: str, line: int) -> None:
    error = _error(write(tmp_path / "broken", text))
    assert (error.path, error.line) == (str(tmp_path / "broken"), line)


@pytest.mark.parametrize(
    "text",
    [
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.3"/>',
        "<project><name>x</name></project>",
        '{"name": "not an sbom"}',
        '["CycloneDX"]',
    ],
)
def test_documents_that_are_no_supported_sbom_are_refused(tmp_path: Path, text: str) -> None:
    assert _error(write(tmp_path / "other.json", text)).path == str(tmp_path / "other.json")


def test_an_sbom_over_the_size_limit_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_SBOM_BYTES", 1024)
    path = write(tmp_path / "big.cdx.json", _cdx([{"name": f"c{i}"} for i in range(100)]))
    assert _error(path).path == str(path)


def test_too_many_components_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_COMPONENTS", 10)
    path = write(tmp_path / "many.cdx.json", _cdx([{"name": f"c{i}"} for i in range(11)]))
    error = _error(path)
    assert (error.path, error.location) == (str(path), "components[10]")


def test_the_document_model_is_frozen(tmp_path: Path) -> None:
    document = read_sbom(write(tmp_path / "web.spdx.json", json.dumps(spdx_document())))
    assert isinstance(document, SbomDocument)
    with pytest.raises(ValueError):
        document.entries[0].component.purl = "pkg:npm/other@1"  # type: ignore[misc]


_SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=6) | st.just("pkg:npm/a@1")
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "version",
                    "purl",
                    "bom-ref",
                    "components",
                    "supplier",
                    "SPDXID",
                    "externalRefs",
                    "referenceCategory",
                    "referenceType",
                    "referenceLocator",
                    "versionInfo",
                    "ref",
                    "dependsOn",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, database=None)
@given(
    components=_VALUES,
    dependencies=_VALUES,
    spdx=st.booleans(),
)
def test_any_json_shape_is_read_or_refused_as_bad_input_never_a_crash(
    components: Any, dependencies: Any, spdx: bool
) -> None:
    if spdx:
        document: dict[str, Any] = {"spdxVersion": "SPDX-2.3", "packages": components, "relationships": dependencies}
    else:
        document = {
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "components": components,
            "dependencies": dependencies,
        }
    try:
        readers.parse_sbom(json.dumps(document).encode(), Path("fuzz.json"))
    except InputError as error:
        assert error.path == "fuzz.json"
