"""Which tests verify which security requirements, for test runners whose reports carry no links (SVV-1).

``security/test-map.yaml`` (``version: 1``) maps a test id, as the test-results evidence records it, to the
requirement ids it verifies. CTest, Jest, Go and Surefire reports have no per-test properties, so this file
is how their tests are traced. A listed test counts for its requirements exactly like a test a mitigation lists
in the threat model: it must have run and passed, and one that never ran is named as missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from sdl_gate._model import FrozenModel
from sdl_gate._yaml import LineMap, load_yaml, validate
from sdl_gate.errors import InputError
from sdl_gate.threatmodel.model import ElementId

TestId = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class TestMapFile(FrozenModel):
    """The test map: each test id with the requirement ids it verifies (at least one)."""

    __test__ = False  # not a pytest test class
    model_config = ConfigDict(title="sdl-gate test-to-requirement map")

    version: Literal[1]
    tests: dict[TestId, Annotated[list[ElementId], Field(min_length=1)]] = Field(
        min_length=1,
        description="Test id (a pytest node id, a CTest or jest-junit test name, or classname::name for other "
        "runners) to the ids of the security requirements it verifies.",
    )


def load_test_map(path: Path, *, root: Path | None = None) -> tuple[TestMapFile, LineMap]:
    """Load and validate a test map; errors name the file and line."""
    data, lines = load_yaml(path, root=root)
    return validate(TestMapFile, data, path, lines, "test map"), lines


def check_test_map(test_map: TestMapFile, lines: LineMap, path: Path, requirement_ids: set[str], shown: str) -> None:
    """Refuse a requirement id the requirements file does not define (a typo would leave a requirement untested)."""
    for test_id, requirements in test_map.tests.items():
        for position, requirement in enumerate(requirements):
            if requirement not in requirement_ids:
                raise InputError(
                    f"test {test_id!r} names requirement {requirement!r}, which {shown} does not define",
                    path=path,
                    line=lines.line_for(("tests", test_id, position)),
                    location=f"tests[{test_id!r}][{position}]",
                )


def listed_for(tests: dict[str, list[str]], requirement: str) -> list[str]:
    """The test ids a map (as stored in evidence) lists for ``requirement``."""
    return [test_id for test_id, requirements in tests.items() if requirement in requirements]
