"""Every test module with a module- or session-scoped fixture runs whole on one xdist worker."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT, SHARED_FIXTURE_MODULES

_SHARED_SCOPE = re.compile(r"@pytest\.fixture\([^)]*scope=\"(?:module|session)\"")


def test_every_module_with_a_shared_fixture_is_scheduled_whole() -> None:
    # Split over two workers, such a module would build its fixture twice.
    shared = {
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "tests").rglob("test_*.py")
        if _SHARED_SCOPE.search(path.read_text(encoding="utf-8"))
    }
    assert shared == SHARED_FIXTURE_MODULES
