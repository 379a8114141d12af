"""Dependency sources: requirements files, uv.lock, pylock.toml, pyproject.toml and installed distributions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sdl_gate._files import MAX_INPUT_BYTES
from sdl_gate.errors import InputError
from sdl_gate.sbom.sources import (
    MAX_INCLUDE_DEPTH,
    Component,
    Hash,
    Inventory,
    SourceKind,
    from_environment,
    from_pylock,
    from_pyproject,
    from_requirements,
    from_uv_lock,
    load_source,
    lock_kind,
)
from tests.conftest import write

SHA_A = "a" * 64
SHA_B = "b" * 64


def _pins(inventory: Inventory) -> list[tuple[str, str | None]]:
    return [(c.name, c.version) for c in inventory.components]


def _error(call: Callable[[Path], object], path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        call(path)
    return caught.value


# --- requirements files ----------------------------------------------------------------------------------


def test_requirements_pins_hashes_and_unpinned_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "requirements.txt",
        f"""
        # comment line
        --index-url https://pypi.org/simple
        requests==2.19.0 \\
            --hash=sha256:{SHA_B} \\
            --hash=SHA256:{SHA_A.upper()}
        PyYAML===5.3  # trailing comment
        Jinja2>=2.10
        urllib3==1.*
        click[colors]==8.1.7 ; python_version >= "3.8"
        -c constraints.txt
        """,
    )
    inventory = from_requirements(path)
    assert inventory.kind is SourceKind.REQUIREMENTS
    assert inventory.path == str(path)
    assert inventory.graph is False
    # Sorted by normalised name; only == and === give a version; a wildcard is not a pin.
    assert _pins(inventory) == [
        ("click", "8.1.7"),
        ("Jinja2", None),
        ("PyYAML", "5.3"),
        ("requests", "2.19.0"),
        ("urllib3", None),
    ]
    requests = inventory.components[3]
    assert requests.hashes == (Hash(alg="sha256", value=SHA_A), Hash(alg="sha256", value=SHA_B))
    assert requests.purl == "pkg:pypi/requests@2.19.0"
    assert [c.name for c in inventory.unpinned] == ["Jinja2", "urllib3"]
    assert inventory.components[2].key == "pyyaml"


def test_includes_are_followed_once_and_every_pin_of_a_name_is_kept(tmp_path: Path) -> None:
    write(tmp_path / "base.txt", "-r requirements.txt\nidna==3.7\nrequests==2.0.0\n")
    write(tmp_path / "sub" / "extra.txt", "--requirement=../base.txt\ncertifi==2024.2.2\n")
    path = write(tmp_path / "requirements.txt", "requests==2.19.0\n-r sub/extra.txt\n")
    # A second pin of a name never hides the first: both versions are audited.
    expected = [("certifi", "2024.2.2"), ("idna", "3.7"), ("requests", "2.0.0"), ("requests", "2.19.0")]
    assert _pins(from_requirements(path)) == expected


def test_includes_nested_too_deeply_are_refused_naming_the_line(tmp_path: Path) -> None:
    for level in range(MAX_INCLUDE_DEPTH + 1):
        write(tmp_path / f"r{level}.txt", f"pkg{level}==1.0\n-r r{level + 1}.txt\n")
    write(tmp_path / f"r{MAX_INCLUDE_DEPTH + 1}.txt", "last==1.0\n")
    with pytest.raises(InputError) as caught:
        from_requirements(tmp_path / "r0.txt")
    assert caught.value.path == str(tmp_path / f"r{MAX_INCLUDE_DEPTH}.txt")
    assert caught.value.line == 2


def test_a_missing_include_names_the_including_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "requirements.txt", "requests==2.19.0\n-r absent.txt\n")
    error = _error(from_requirements, path)
    assert error.path == str(path)
    assert error.line == 2


def test_urls_editables_and_local_paths(tmp_path: Path) -> None:
    path = write(
        tmp_path / "requirements.txt",
        """
        -e git+https://example.com/repo.git#egg=forked-lib
        https://example.com/archive.tar.gz#egg=archived
        pinned @ https://example.com/pinned-1.0.tar.gz
        ./local/package
        -e .
        file:../other
        """,
    )
    # A VCS or URL checkout is a component without a released version; a local path is the project's own code.
    assert _pins(from_requirements(path)) == [("archived", None), ("forked-lib", None), ("pinned", None)]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("requests==2.19.0\nnot a requirement!\n", 2),
        ("ok==1.0\n\n# comment\nbad==\n", 4),
        ("a==1 \\\n  --hash=sha256:00\nb===\n", 3),
    ],
)
def test_an_invalid_requirement_names_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path / "requirements.txt", text)
    error = _error(from_requirements, path)
    assert error.path == str(path)
    assert error.line == line


def test_requirements_that_are_not_utf8_or_too_large_are_refused(tmp_path: Path) -> None:
    latin1 = tmp_path / "requirements.txt"
    latin1.write_bytes(b"requests==2.19.0\ncaf\xe9==1.0\n")
    assert _error(from_requirements, latin1).line == 2
    huge = tmp_path / "requirements-huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(MAX_INPUT_BYTES + 1)
    assert _error(from_requirements, huge).path == str(huge)


# --- uv.lock -----------------------------------------------------------------------------------------------

UV_LOCK = f"""\
version = 1
requires-python = ">=3.11"

[[package]]
name = "widget"
version = "2.0.0"
source = {{ editable = "." }}
dependencies = [
    {{ name = "requests" }},
]

[[package]]
name = "requests"
version = "2.19.0"
source = {{ registry = "https://pypi.org/simple" }}
dependencies = [
    {{ name = "idna" }},
    {{ name = "Charset_Normalizer" }},
    {{ name = "idna", marker = "python_version < '3.12'" }},
]
sdist = {{ url = "https://files.example/requests-2.19.0.tar.gz", hash = "sha256:{SHA_A}", size = 1 }}
wheels = [
    {{ url = "https://files.example/requests-2.19.0-py3-none-any.whl", hash = "sha256:{SHA_B}", size = 1 }},
]

[[package]]
name = "idna"
version = "3.7"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "charset-normalizer"
version = "3.3.2"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "docs-only"
version = "0.1.0"
source = {{ virtual = "docs" }}
"""


def test_uv_lock_packages_hashes_and_graph(tmp_path: Path) -> None:
    inventory = from_uv_lock(write(tmp_path / "uv.lock", UV_LOCK))
    assert inventory.kind is SourceKind.UV_LOCK
    assert inventory.graph is True
    # The project itself (editable) and workspace members (virtual) are not third-party components.
    assert _pins(inventory) == [("charset-normalizer", "3.3.2"), ("idna", "3.7"), ("requests", "2.19.0")]
    requests = inventory.components[2]
    assert requests.hashes == (Hash(alg="sha256", value=SHA_A),)
    assert requests.dependencies == ("charset-normalizer", "idna")


@pytest.mark.parametrize(
    ("text", "location", "line"),
    [
        ("version = 1\n[[package]]\nname = \n", None, 3),
        ("version = 1\npackage = 3\n", "package", None),
        ('version = 1\npackage = ["requests"]\n', "package[0]", None),
        ('version = 1\n[[package]]\nversion = "1.0"\n', "package[0].name", None),
        ('version = 1\n[[package]]\nname = ""\n', "package[0].name", None),
    ],
)
def test_uv_lock_errors_name_file_and_place(tmp_path: Path, text: str, location: str | None, line: int | None) -> None:
    path = write(tmp_path / "uv.lock", text)
    error = _error(from_uv_lock, path)
    assert error.path == str(path)
    assert (error.location, error.line) == (location, line)


# --- pylock.toml (PEP 751) ---------------------------------------------------------------------------------

PYLOCK = f"""\
lock-version = "1.0"
requires-python = ">=3.11"
created-by = "pip"

[[packages]]
name = "attrs"
version = "25.1.0"

[[packages.wheels]]
url = "https://files.example/attrs-25.1.0-py3-none-any.whl"
hashes = {{ sha256 = "{SHA_B}" }}

[[packages]]
name = "cattrs"
version = "24.1.2"
dependencies = [{{ name = "Attrs" }}]
sdist = {{ url = "https://files.example/cattrs-24.1.2.tar.gz", hashes = {{ sha256 = "{SHA_A}", blake2b = "CC" }} }}

[[packages]]
name = "from-git"
vcs = {{ type = "git", url = "https://example.com/x.git", commit-id = "{SHA_A[:40]}" }}
"""


def test_pylock_packages_hashes_and_graph(tmp_path: Path) -> None:
    inventory = from_pylock(write(tmp_path / "pylock.toml", PYLOCK))
    assert inventory.kind is SourceKind.PYLOCK
    assert inventory.graph is True
    assert _pins(inventory) == [("attrs", "25.1.0"), ("cattrs", "24.1.2"), ("from-git", None)]
    cattrs = inventory.components[1]
    assert cattrs.hashes == (Hash(alg="blake2b", value="cc"), Hash(alg="sha256", value=SHA_A))
    assert cattrs.dependencies == ("attrs",)


def test_pylock_without_dependency_lists_has_no_graph(tmp_path: Path) -> None:
    text = 'lock-version = "1.0"\n[[packages]]\nname = "attrs"\nversion = "25.1.0"\n'
    assert from_pylock(write(tmp_path / "pylock.toml", text)).graph is False


@pytest.mark.parametrize(
    ("text", "location", "line"),
    [
        ('lock-version = "1.0"\n[[packages]\nname = "x"\n', None, 2),
        ('lock-version = "1.0"\npackages = {}\n', "packages", None),
        ('lock-version = "1.0"\npackages = [1]\n', "packages[0]", None),
        ('lock-version = "1.0"\n[[packages]]\nname = 5\n', "packages[0].name", None),
    ],
)
def test_pylock_errors_name_file_and_place(tmp_path: Path, text: str, location: str | None, line: int | None) -> None:
    path = write(tmp_path / "pylock.toml", text)
    error = _error(from_pylock, path)
    assert error.path == str(path)
    assert (error.location, error.line) == (location, line)


# --- pyproject.toml --------------------------------------------------------------------------------------


def test_pyproject_dependencies_only_exact_pins_carry_a_version(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "w"\ndependencies = ["requests==2.19.0", "PyYAML>=6", "click[colors]~=8.1"]\n',
    )
    inventory = from_pyproject(path)
    assert inventory.kind is SourceKind.PYPROJECT
    assert _pins(inventory) == [("click", None), ("PyYAML", None), ("requests", "2.19.0")]


def test_pyproject_without_dependencies_is_empty(tmp_path: Path) -> None:
    assert from_pyproject(write(tmp_path / "pyproject.toml", "[tool.x]\ny = 1\n")).components == ()


@pytest.mark.parametrize(
    ("text", "location"),
    [
        ('[project]\ndependencies = "requests"\n', "project.dependencies"),
        ('[project]\ndependencies = ["ok==1", "not valid!"]\n', "project.dependencies[1]"),
    ],
)
def test_pyproject_errors_name_the_place(tmp_path: Path, text: str, location: str) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    error = _error(from_pyproject, path)
    assert (error.path, error.location) == (str(path), location)


# --- installed distributions -----------------------------------------------------------------------------


def _dist(site: Path, name: str, version: str, *lines: str) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    write(
        info / "METADATA", "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *lines]) + "\n"
    )


def test_environment_reads_versions_licences_suppliers_and_dependencies(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    _dist(
        site,
        "app-lib",
        "1.0",
        "License-Expression: MIT OR Apache-2.0",
        "Author-email: Ann <ann@example.com>",
        "Requires-Dist: helper>=1",
        'Requires-Dist: extra-only; extra == "speed"',
        'Requires-Dist: never-here; python_version < "3"',
        "Requires-Dist: not installed",
    )
    _dist(
        site,
        "helper",
        "2.5",
        "License: BSD",
        "Classifier: License :: OSI Approved :: BSD License",
        "Author: UNKNOWN",
        "Maintainer: Max",
    )
    _dist(site, "extra-only", "0.1", "License: UNKNOWN")
    inventory = from_environment([str(site)])
    assert inventory.kind is SourceKind.ENVIRONMENT and inventory.path is None and inventory.graph is True
    by_name = {c.key: c for c in inventory.components}
    assert by_name["app-lib"] == Component(
        name="app-lib",
        version="1.0",
        licenses=("MIT OR Apache-2.0",),
        dependencies=("helper",),
        supplier="Ann <ann@example.com>",
    )
    assert by_name["helper"].licenses == ("BSD", "BSD License")
    assert by_name["helper"].supplier == "Max"
    assert by_name["extra-only"].licenses == () and by_name["extra-only"].supplier is None


# --- choosing and merging sources --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("uv.lock", SourceKind.UV_LOCK),
        ("pylock.toml", SourceKind.PYLOCK),
        ("pylock.dev.toml", SourceKind.PYLOCK),
        ("requirements-lock.txt", SourceKind.REQUIREMENTS),
    ],
)
def test_lock_kind_by_name(name: str, kind: SourceKind) -> None:
    assert lock_kind(Path(name)) is kind


@pytest.mark.parametrize("name", ["poetry.lock", "Pipfile.lock", "pylock.yaml"])
def test_an_unknown_lock_file_is_refused(name: str) -> None:
    with pytest.raises(InputError) as caught:
        lock_kind(Path(name))
    assert caught.value.path == name


def test_load_source_needs_an_existing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_source(SourceKind.UV_LOCK, None)
    with pytest.raises(InputError) as caught:
        load_source(SourceKind.REQUIREMENTS, tmp_path / "absent.txt")
    assert caught.value.path == str(tmp_path / "absent.txt")
    path = write(tmp_path / "requirements.txt", "a==1\n")
    assert _pins(load_source(SourceKind.REQUIREMENTS, path)) == [("a", "1")]
