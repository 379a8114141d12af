"""`sdl-gate sbom-check`'s review of SBOM files (``sbom.quality.review_sboms``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.sbom.project import InventorySource, project_sbom
from sdl_gate.sbom.quality import MismatchKind, review_sboms
from tests.conftest import write


@pytest.fixture
def sbom(tmp_path: Path) -> Path:
    write(tmp_path / "pyproject.toml", '[project]\nname = "widget"\nversion = "1.0"\n')
    write(tmp_path / "requirements.txt", "idna==3.10\n")
    return write(tmp_path / "sbom.json", project_sbom(tmp_path, InventorySource.PROJECT).text)


def test_a_lock_file_pinning_another_version_is_a_mismatch(sbom: Path, tmp_path: Path) -> None:
    lock = write(tmp_path / "lock.txt", "idna==3.9\n")
    (review,) = review_sboms((sbom,), lock_file=lock)
    (compared, mismatch) = review.mismatches[0]
    assert (compared, mismatch.name, mismatch.kind) == (str(lock), "idna", MismatchKind.VERSION_MISMATCH)
    assert review.problems == len(review.report.gaps) + 1


def test_a_component_without_a_package_url_is_unauditable(sbom: Path, tmp_path: Path) -> None:
    document = json.loads(sbom.read_text(encoding="utf-8"))
    for component in document["components"]:
        del component["purl"]
    stripped = write(tmp_path / "stripped.json", json.dumps(document))
    (review,) = review_sboms((stripped,))
    assert [why for _, why in review.unauditable] == ["no package URL"]


def test_cross_checking_several_sboms_is_refused(sbom: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        review_sboms((sbom, sbom), environment=True)


def test_an_unreadable_sbom_is_refused_before_any_is_assessed(sbom: Path, tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.json", "{")
    with pytest.raises(InputError) as raised:
        review_sboms((sbom, broken))
    assert raised.value.path == str(broken)
