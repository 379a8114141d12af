"""``# nosec`` read with bandit's own parser: what bandit silences, what the comment names, and what is unjustified."""

from __future__ import annotations

import pytest

from sdl_gate.sast.engine import parse_nosec
from sdl_gate.sast.findings import suppression_problems
from sdl_gate.sast.models import NosecComment, SuppressionProblem

# Spellings bandit treats as a nosec that silences every test on the line: anything after "nosec" that does
# not resolve to a test id or name leaves bandit with an empty set, which it reads as "all".
BLANKET = [
    "# nosec",
    "# nosecurity",
    "#nosec0",
    "# nosec_ok",
    "# nosec:",
    "#  nosec   ",
    "# noqa: S602 #nosec",
    "# nosec-ish",
    "# nosec b602 -- bandit does not resolve a lower-case id",
    "# nosec B999 -- there is no such test",
    "# nosec B6O2 -- a letter O, not a zero",
]

# Spellings that look like a nosec but that bandit does not honour: its pattern is case-sensitive and needs
# the '#' right before "nosec".
NOT_NOSEC = ["#NOSEC", "# NOSEC B602 -- upper case", "# NoSec", "# see nosec", "# no sec"]


@pytest.mark.parametrize("comment", BLANKET)
def test_every_spelling_bandit_reads_as_blanket_is_an_unjustified_suppression(comment: str) -> None:
    parsed = parse_nosec(comment)
    assert parsed is not None, "bandit treats this comment as # nosec"
    assert parsed.tests == ()
    problems = suppression_problems(parsed)
    assert SuppressionProblem.NO_TEST_IDS in problems


@pytest.mark.parametrize("comment", NOT_NOSEC)
def test_comments_bandit_does_not_honour_are_no_suppression(comment: str) -> None:
    assert parse_nosec(comment) is None


@pytest.mark.parametrize(
    ("comment", "tests", "named", "justification"),
    [
        ("# nosec B602", ("B602",), ("B602",), None),
        ("# nosec B602 -- input is a constant", ("B602",), ("B602",), "input is a constant"),
        ("#nosec: B602, b603 -- constant argv", ("B602",), ("B602",), "constant argv"),
        (
            "# noqa: S602 # nosec subprocess_popen_with_shell_equals_true -- fixed",
            ("B602",),
            ("B602",),
            "fixed",
        ),
        ("# nosec B602 --", ("B602",), ("B602",), None),
        ("# nosec B602 # -- after a second '#', bandit stops reading", ("B602",), ("B602",), None),
        # bandit's pattern keeps only the last id of a list joined by commas without spaces.
        ("# nosec B602,B404 -- both", ("B404",), ("B404",), "both"),
        # bandit reads test names up to the next '#', the justification included.
        (
            "# nosec B404 -- subprocess_popen_with_shell_equals_true is fine here",
            ("B404", "B602"),
            ("B404",),
            "subprocess_popen_with_shell_equals_true is fine here",
        ),
    ],
)
def test_what_bandit_silences_what_the_comment_names_and_why(
    comment: str, tests: tuple[str, ...], named: tuple[str, ...], justification: str | None
) -> None:
    parsed = parse_nosec(comment)
    assert parsed is not None
    assert (parsed.tests, parsed.named, parsed.justification) == (tests, named, justification)


def _comment(tests: tuple[str, ...], named: tuple[str, ...], justification: str | None) -> NosecComment:
    return NosecComment(line=1, tests=tests, named=named, justification=justification)


@pytest.mark.parametrize(
    ("comment", "problems"),
    [
        (_comment(("B602",), ("B602",), "argv is a constant list"), ()),
        (_comment(("B602",), ("B602",), None), (SuppressionProblem.NO_JUSTIFICATION,)),
        (_comment((), (), None), (SuppressionProblem.NO_TEST_IDS, SuppressionProblem.NO_JUSTIFICATION)),
        (_comment((), (), "a reason, but it silences every test"), (SuppressionProblem.NO_TEST_IDS,)),
        (
            NosecComment(line=1, tests=(), named=(), unknown=("urity",), justification=None),
            (SuppressionProblem.NO_TEST_IDS, SuppressionProblem.UNKNOWN_TEST, SuppressionProblem.NO_JUSTIFICATION),
        ),
        (_comment(("B404", "B602"), ("B404",), "only the import"), (SuppressionProblem.SILENCES_UNNAMED_TESTS,)),
    ],
)
def test_the_justification_rule_is_judged_on_what_bandit_silences(
    comment: NosecComment, problems: tuple[SuppressionProblem, ...]
) -> None:
    assert suppression_problems(comment) == problems
