"""The split of a SAST run into shards: the K/N option, and an assignment of files that is stable and complete."""

from __future__ import annotations

from collections import Counter

import pytest

from sdl_gate.errors import InputError
from sdl_gate.sast.shards import MAX_SHARDS, ShardSpec, shard_of


@pytest.mark.parametrize(("text", "index", "count"), [("2/8", 2, 8), (" 1/1 ", 1, 1), ("256/256", 256, 256)])
def test_a_shard_is_k_of_n(text: str, index: int, count: int) -> None:
    spec = ShardSpec.parse(text)
    assert (spec.index, spec.count) == (index, count)
    assert spec.label == f"{index}/{count}"


@pytest.mark.parametrize("text", ["0/8", "9/8", "8", "1/0", "a/b", "-1/8", "1/257", "1/8/2", "", "2 /8x"])
def test_anything_else_is_refused_naming_the_option(text: str) -> None:
    with pytest.raises(InputError) as raised:
        ShardSpec.parse(text)
    assert raised.value.location == "--shard"


def test_the_assignment_is_a_fixed_function_of_the_path() -> None:
    # Fixed values: every machine of a matrix, on any Python, must compute the same split.
    assert [shard_of(p, 8) for p in ("a.py", "pkg/m1.py", "django/db/models/query.py", "setup.py")] == [4, 1, 6, 6]
    assert [shard_of(p, 3) for p in ("a.py", "pkg/m1.py", "django/db/models/query.py", "setup.py")] == [2, 3, 3, 1]


@pytest.mark.parametrize("count", [1, 2, 8, 13, MAX_SHARDS])
def test_every_file_lands_in_exactly_one_shard_and_the_shards_are_balanced(count: int) -> None:
    paths = [f"src/package_{n // 100}/module_{n}.py" for n in range(20_000)]
    assigned = Counter(shard_of(p, count) for p in paths)
    assert set(assigned) == set(range(1, count + 1))
    assert sum(assigned.values()) == len(paths)
    mean = len(paths) / count
    # A hash split: each shard within a few standard deviations of an even share.
    assert max(abs(n - mean) for n in assigned.values()) <= 5 * mean**0.5 + 1
