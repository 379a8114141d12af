"""Dependency source readers: includes stay inside the project, every source and every pin is kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sdl_gate.errors import InputError
from sdl_gate.sbom.sources import (
    SourceKind,
    SourceReason,
    discover,
    from_pylock,
    from_requirements,
    from_uv_lock,
    load_source,
    merge,
    pin_conflicts,
)
from tests.conftest import write

MARKER = "sdl-gate-test-secret-4f1c9e"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file beside the project holding a secret, as a CI runner's files or credentials would."""
    return write(tmp_path / "outside.txt", f"TOKEN={MARKER}\nidna==3.10\n")


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "work" / "proj"
    root.mkdir(parents=True)
    return root


@pytest.mark.parametrize(
    "include",
    [
        "-r /proc/self/environ",
        "--requirement=/proc/self/environ",
        "-r ../../outside.txt",
        "-r../../outside.txt",
        "--requirement ../../outside.txt",
        "-c /etc/passwd",
        "--constraint=../../outside.txt",
        "-r https://example.com/requirements.txt",
        "-r ~/outside.txt",
    ],
)
def test_an_include_leaving_the_project_names_file_and_line_and_never_its_target(
    tmp_path: Path, outside: Path, include: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SDL_GATE_TEST_MARKER", MARKER)
    root = _project(tmp_path)
    requirements = write(root / "requirements.txt", f"idna==3.10\n{include}\n")
    with pytest.raises(InputError) as caught:
        from_requirements(requirements, root)
    assert (caught.value.path, caught.value.line) == (str(requirements), 2)
    assert MARKER not in caught.value.diagnostics()
    assert "TOKEN" not in caught.value.diagnostics()


@pytest.mark.parametrize("option", ["-r", "-c", "--requirement"])
def test_an_include_that_is_a_symbolic_link_out_of_the_project_is_refused(
    tmp_path: Path, outside: Path, option: str
) -> None:
    root = _project(tmp_path)
    (root / "nested").mkdir()
    (root / "nested" / "base.txt").symlink_to(outside)
    requirements = write(root / "requirements.txt", f"# pinned\n\n{option} nested/base.txt\n")
    with pytest.raises(InputError) as caught:
        from_requirements(requirements, root)
    assert (caught.value.path, caught.value.line) == (str(requirements), 3)
    assert MARKER not in caught.value.diagnostics()


def test_a_requirements_file_that_is_itself_a_link_out_of_the_project_is_refused(tmp_path: Path, outside: Path) -> None:
    root = _project(tmp_path)
    (root / "requirements.txt").symlink_to(outside)
    with pytest.raises(InputError) as caught:
        from_requirements(root / "requirements.txt", root)
    assert caught.value.path == str(root / "requirements.txt")
    assert MARKER not in caught.value.diagnostics()


def test_an_include_nested_in_an_included_file_is_confined_to_the_project_too(tmp_path: Path, outside: Path) -> None:
    root = _project(tmp_path)
    base = write(root / "requirements" / "base.txt", "idna==3.10\n-r ../../../outside.txt\n")
    requirements = write(root / "requirements.txt", "-r requirements/base.txt\n")
    with pytest.raises(InputError) as caught:
        from_requirements(requirements, root)
    assert (caught.value.path, caught.value.line) == (str(base.resolve()), 2)


def test_includes_inside_the_project_are_read_and_listed(tmp_path: Path) -> None:
    root = _project(tmp_path)
    write(root / "requirements" / "base.txt", "idna==3.10\n")
    write(root / "constraints.txt", "idna==3.10\n")
    requirements = write(root / "requirements" / "prod.txt", "-r base.txt\n-c ../constraints.txt\nrequests==2.32.3\n")
    inventory = from_requirements(requirements, root)
    assert [(c.key, c.version) for c in inventory.components] == [("idna", "3.10"), ("requests", "2.32.3")]
    assert inventory.includes == (str((root / "requirements" / "base.txt").resolve()),)
    assert inventory.entries == 2


def test_a_line_that_is_not_a_requirement_is_named_without_its_content(tmp_path: Path) -> None:
    requirements = write(tmp_path / "requirements.txt", f"idna==3.10\nPATH=/usr/bin:{MARKER}\n")
    with pytest.raises(InputError) as caught:
        from_requirements(requirements)
    assert (caught.value.path, caught.value.line) == (str(requirements), 2)
    assert MARKER not in caught.value.diagnostics()


@pytest.mark.parametrize("name", ["uv.lock", "pylock.toml"])
def test_a_lock_file_that_does_not_parse_is_named_without_its_content(tmp_path: Path, name: str) -> None:
    lock = write(tmp_path / name, f'version = 1\n[[package]]\nname = "x"\n"{MARKER}" = \n')
    with pytest.raises(InputError) as caught:
        load_source(SourceKind.UV_LOCK if name == "uv.lock" else SourceKind.PYLOCK, lock)
    assert (caught.value.path, caught.value.line) == (str(lock), 4)
    assert MARKER not in caught.value.diagnostics()


def test_every_source_is_found_and_configured_files_add_to_them(tmp_path: Path) -> None:
    root = _project(tmp_path)
    for name in ("uv.lock", "pylock.toml", "pylock.dev.toml", "requirements.txt", "requirements-dev.txt"):
        write(root / name, "")
    write(root / "deploy" / "requirements.txt", "idna==3.10\n")
    write(root / "pyproject.toml", '[project]\nname = "p"\ndependencies = ["idna==3.10"]\n')
    found = discover(root, ["deploy/requirements.txt"])
    assert [(f.path.relative_to(root).as_posix(), f.reason) for f in found] == [
        ("deploy/requirements.txt", SourceReason.CONFIGURED),
        ("uv.lock", SourceReason.DISCOVERED),
        ("pylock.toml", SourceReason.DISCOVERED),
        ("pylock.dev.toml", SourceReason.DISCOVERED),
        ("requirements-dev.txt", SourceReason.DISCOVERED),
        ("requirements.txt", SourceReason.DISCOVERED),
        ("pyproject.toml", SourceReason.DISCOVERED),
    ]


def test_a_pyproject_without_dependencies_is_a_source_only_alone(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "p"\n')
    assert [f.kind for f in discover(tmp_path)] == [SourceKind.PYPROJECT]
    write(tmp_path / "requirements.txt", "idna==3.10\n")
    assert [f.kind for f in discover(tmp_path)] == [SourceKind.REQUIREMENTS]


def test_conflicting_pins_are_all_kept_and_reported(tmp_path: Path) -> None:
    vulnerable = from_requirements(write(tmp_path / "requirements.txt", "pyyaml==5.3\nidna==3.10\n"))
    safe = from_requirements(write(tmp_path / "requirements-dev.txt", "PyYAML==6.0.1\nidna==3.10\n"))
    merged = merge([safe, vulnerable])  # the order discovery reads them in: "-dev" sorts first
    assert [(c.key, c.version) for c in merged.components] == [
        ("idna", "3.10"),
        ("pyyaml", "5.3"),
        ("pyyaml", "6.0.1"),
    ]
    conflicts = pin_conflicts([("requirements-dev.txt", safe), ("requirements.txt", vulnerable)])
    assert [(c.name, [(p.version, p.sources) for p in c.pins]) for c in conflicts] == [
        ("pyyaml", [("5.3", ("requirements.txt",)), ("6.0.1", ("requirements-dev.txt",))])
    ]


def test_declared_ranges_are_resolved_by_the_lock_but_declared_pins_stay(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "p"\ndependencies = ["idna>=3", "pyyaml==5.3"]\n')
    declared = load_source(SourceKind.PYPROJECT, tmp_path / "pyproject.toml")
    lock = from_requirements(write(tmp_path / "requirements.txt", "idna==3.10\npyyaml==6.0.1\n"))
    merged = merge([lock, declared])
    assert [(c.key, c.version) for c in merged.components] == [
        ("idna", "3.10"),
        ("pyyaml", "5.3"),
        ("pyyaml", "6.0.1"),
    ]
    assert [(c.key, c.version) for c in merge([declared]).components] == [("idna", None), ("pyyaml", "5.3")]


@pytest.mark.parametrize(
    ("name", "text", "reader"),
    [
        ("uv.lock", "", from_uv_lock),
        ("uv.lock", "version = 1\n", from_uv_lock),
        ("pylock.toml", "", from_pylock),
        ("pylock.toml", 'lock-version = "1.0"\npackages = []\n', from_pylock),
        ("requirements.txt", "# nothing pinned here\n--index-url https://pypi.org/simple\n", from_requirements),
    ],
)
def test_an_empty_source_lists_nothing(tmp_path: Path, name: str, text: str, reader: object) -> None:
    inventory = reader(write(tmp_path / name, text))  # type: ignore[operator]
    assert (inventory.entries, inventory.components) == (0, ())


def test_a_source_listing_only_the_project_itself_is_not_empty(tmp_path: Path) -> None:
    requirements = from_requirements(write(tmp_path / "requirements.txt", "-e .\n"))
    uv = from_uv_lock(
        write(tmp_path / "uv.lock", 'version = 1\n[[package]]\nname = "p"\nversion = "1"\nsource = { virtual = "." }\n')
    )
    assert (requirements.entries, requirements.components) == (1, ())
    assert (uv.entries, uv.components) == (1, ())


def test_uv_forked_resolutions_keep_both_versions(tmp_path: Path) -> None:
    lock = write(
        tmp_path / "uv.lock",
        """
        version = 1
        [[package]]
        name = "numpy"
        version = "1.26.4"
        source = { registry = "https://pypi.org/simple" }
        [[package]]
        name = "numpy"
        version = "2.1.0"
        source = { registry = "https://pypi.org/simple" }
        """,
    )
    assert [c.purl for c in from_uv_lock(lock).components] == ["pkg:pypi/numpy@1.26.4", "pkg:pypi/numpy@2.1.0"]


def test_fifo_or_device_include_is_never_opened(tmp_path: Path) -> None:
    root = _project(tmp_path)
    os.mkfifo(root / "pipe.txt")
    requirements = write(root / "requirements.txt", "-r pipe.txt\n")
    with pytest.raises(InputError) as caught:
        from_requirements(requirements, root)  # opening a FIFO would block forever
    assert caught.value.line == 1
