"""SBOM documents for the reader, collector and CLI tests: a firmware image written by cyclonedx-python-lib, an
SPDX 2.3 document in the shape syft writes, and hostile XML."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cyclonedx.model import ExternalReference, ExternalReferenceType, HashAlgorithm, HashType, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Commit, ComponentType, Pedigree
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.contact import OrganizationalContact, OrganizationalEntity
from cyclonedx.schema import SchemaVersion
from packageurl import PackageURL

ANGULAR_PURL = "pkg:npm/%40angular/core@16.2.0"
ANGULAR_COMMIT = "0123456789abcdef0123456789abcdef01234567"
BUSYBOX_COMMIT = "f" * 40
SCHEMAS = {"1.4": SchemaVersion.V1_4, "1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}


def firmware_bom() -> Bom:
    """A firmware image: an npm package with a purl and a pedigree commit, busybox with a CPE only, a blob."""
    root = CdxComponent(name="fw-image", version="1.0", type=ComponentType.FIRMWARE, bom_ref="root")
    metadata = BomMetaData(
        timestamp=datetime(2026, 1, 1, tzinfo=timezone.utc),
        component=root,
        authors=[OrganizationalContact(name="Firmware Team")],
    )
    bom = Bom(metadata=metadata)
    angular = CdxComponent(
        name="@angular/core",
        version="16.2.0",
        bom_ref="angular",
        purl=PackageURL.from_string(ANGULAR_PURL),
        supplier=OrganizationalEntity(name="Google"),
        pedigree=Pedigree(commits=[Commit(uid=ANGULAR_COMMIT)]),
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content="ab" * 32)],
    )
    busybox = CdxComponent(
        name="busybox",
        version="1.36.1",
        bom_ref="busybox",
        cpe="cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*",
        supplier=OrganizationalEntity(name="BusyBox"),
        external_references=[
            ExternalReference(
                type=ExternalReferenceType.VCS, url=XsUri(f"git+https://git.busybox.net/busybox@{BUSYBOX_COMMIT}")
            )
        ],
    )
    blob = CdxComponent(name="wifi-blob", bom_ref="blob")  # no version, no supplier, no identifier, no graph
    for component in (angular, busybox, blob):
        bom.components.add(component)
    bom.register_dependency(root, [angular, busybox])
    bom.register_dependency(angular, [busybox])
    return bom


def spdx_document(**changes: Any) -> dict[str, Any]:
    """An SPDX 2.3 document in the shape syft writes: a described root, packages with purls, relationships."""
    document: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "web-ui",
        "documentNamespace": "https://anchore.com/syft/dir/web-ui-0b9e",
        "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Organization: Anchore, Inc", "Tool: syft"]},
        "packages": [
            {
                "SPDXID": "SPDXRef-DocumentRoot-Directory-web-ui",
                "name": "web-ui",
                "downloadLocation": "NOASSERTION",
                "supplier": "NOASSERTION",
            },
            {
                "SPDXID": "SPDXRef-Package-npm-lodash-1",
                "name": "lodash",
                "versionInfo": "4.17.20",
                "supplier": "Person: John-David Dalton (john.david.dalton@gmail.com)",
                "downloadLocation": "git+https://github.com/lodash/lodash.git@" + "a" * 40,
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": "MIT",
                "checksums": [{"algorithm": "SHA256", "checksumValue": "CD" * 32}],
                "externalRefs": [
                    {
                        "referenceCategory": "SECURITY",
                        "referenceType": "cpe23Type",
                        "referenceLocator": "cpe:2.3:a:lodash:lodash:4.17.20:*:*:*:*:*:*:*",
                    },
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": "pkg:npm/lodash@4.17.20",
                    },
                ],
            },
            {
                "SPDXID": "SPDXRef-Package-npm-minimist-2",
                "name": "minimist",
                "versionInfo": "1.2.5",
                "supplier": "Organization: substack",
                "downloadLocation": "NOASSERTION",
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE_MANAGER",  # SPDX 2.2 spelling
                        "referenceType": "purl",
                        "referenceLocator": "pkg:npm/minimist@1.2.5",
                    }
                ],
            },
            {"SPDXID": "SPDXRef-Package-vendored", "name": "vendored-chart-lib", "downloadLocation": "NONE"},
        ],
        "relationships": [
            {
                "spdxElementId": "SPDXRef-DOCUMENT",
                "relationshipType": "DESCRIBES",
                "relatedSpdxElement": "SPDXRef-DocumentRoot-Directory-web-ui",
            },
            {
                "spdxElementId": "SPDXRef-DocumentRoot-Directory-web-ui",
                "relationshipType": "CONTAINS",
                "relatedSpdxElement": "SPDXRef-Package-npm-lodash-1",
            },
            {
                "spdxElementId": "SPDXRef-Package-npm-minimist-2",
                "relationshipType": "DEPENDENCY_OF",
                "relatedSpdxElement": "SPDXRef-Package-npm-lodash-1",
            },
        ],
    }
    document.update(changes)
    return document


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE bom [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component><name>&c;</name></component></components></bom>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component><name>&secret;</name></component></components></bom>
"""
