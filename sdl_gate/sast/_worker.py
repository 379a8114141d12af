"""What runs inside a worker process: one bandit manager scanning files one at a time (see :func:`serve`).

Kept apart from the rest of sdl-gate so that starting a worker imports bandit and this module, nothing else:
not even pydantic. A worker hands back each file's result as the JSON of a
:class:`~sdl_gate.sast.models.FileScan`, which the parent validates as it reads it, so the models need not be
loaded (about 10 MiB and a third of a second) in every worker.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import io
import json
import linecache
import logging
import tokenize
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from sdl_gate.sast.models import NosecComment

# FileScan's status values (sdl_gate.sast.models.ScanStatus), spelled here so that workers need not import it.
_ANALYSED = "analysed"
_NOT_ANALYSED = "not_analysed"

# bandit's reasons for skipping a file that depend only on its content, so they may be cached.
_CONTENT_REASONS = ("syntax error while parsing AST from file", "exception while scanning file")


def _bandit_nosec() -> Any:
    """bandit's own ``# nosec`` parsing (in ``bandit.core.manager``), so that sdl-gate can never read it otherwise."""
    from bandit.core import manager as b_manager

    needed = ("NOSEC_COMMENT", "NOSEC_COMMENT_TESTS", "_parse_nosec_comment", "_find_test_id_from_nosec_string")
    missing = [name for name in needed if not hasattr(b_manager, name)]
    if missing:
        raise RuntimeError(f"this bandit has no {', '.join(missing)}: sdl-gate cannot read its # nosec comments")
    return b_manager


def parse_nosec(comment: str) -> NosecComment | None:
    """Read one comment token exactly as bandit does; None when bandit does not treat it as ``# nosec``.

    ``tests`` is what bandit silences (its own parse: empty means every test, which is what any spelling it
    cannot resolve to a test id gives, ``# nosecurity`` or ``# nosec b602`` alike); ``named`` is what the
    comment names before ``--``, and ``justification`` what follows it, up to the next ``#``.
    """
    from sdl_gate.sast.models import NosecComment

    fields = _nosec_fields(comment)
    return None if fields is None else NosecComment.model_validate(fields)


def _nosec_fields(comment: str) -> dict[str, Any] | None:
    """:func:`parse_nosec` as the plain fields of a ``NosecComment`` (what a worker sends back)."""
    from bandit.core import extension_loader

    b_manager = _bandit_nosec()
    silenced = b_manager._parse_nosec_comment(comment)
    if silenced is None:
        return None
    match = b_manager.NOSEC_COMMENT.search(comment)
    listed = (match.group("tests") or "") if match is not None else ""
    ids_part, separator, justification = listed.partition("--")
    named: list[str] = []
    unknown: list[str] = []
    for token in b_manager.NOSEC_COMMENT_TESTS.finditer(ids_part):
        word = str(token.group(1))
        test_id = b_manager._find_test_id_from_nosec_string(extension_loader.MANAGER, word)
        if test_id:
            named.append(str(test_id))
        else:
            unknown.append(word)
    text = justification.strip() if separator else ""
    return {
        "line": 0,
        "tests": sorted(str(t) for t in silenced),
        "named": list(dict.fromkeys(named)),
        "unknown": list(dict.fromkeys(unknown)),
        "justification": text or None,
    }


def _decode(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding, errors="replace")
    except (SyntaxError, LookupError):
        return data.decode("utf-8", errors="replace")


def _nosec_comments(data: bytes, nosec_lines: dict[int, Any]) -> list[dict[str, Any]]:
    """The comments on the lines bandit itself parsed as ``# nosec``, each read with bandit's parser."""
    wanted = {line for line, tests in nosec_lines.items() if tests is not None}
    if not wanted:
        return []
    found: dict[int, dict[str, Any]] = {}
    try:
        # The same bytes through the same tokenizer bandit used, so the same comments on the same lines.
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type == tokenize.COMMENT and token.start[0] in wanted:
                parsed = _nosec_fields(token.string)
                if parsed is not None:
                    line = token.start[0]
                    # What bandit silences is taken from the map its tester consults, not re-derived.
                    found[line] = {**parsed, "line": line, "tests": sorted(str(t) for t in nosec_lines[line])}
    except (tokenize.TokenError, SyntaxError):
        pass
    for line in wanted - set(found):
        # bandit silences something here that sdl-gate could not read back: it names nothing and says nothing.
        tests = sorted(str(t) for t in nosec_lines[line])
        found[line] = {"line": line, "tests": tests, "named": [], "unknown": [], "justification": None}
    return [found[line] for line in sorted(found)]


def _column(lines: list[str], line: int, col_offset: int) -> int:
    """Turn the AST's UTF-8 byte offset into a 1-based column in characters (what SARIF counts)."""
    if not 0 < line <= len(lines):
        return col_offset + 1
    prefix = lines[line - 1].encode("utf-8")[:col_offset]
    return len(prefix.decode("utf-8", errors="ignore")) + 1


def _flagged(lines: list[str], line_range: list[int], line: int) -> str:
    numbers = line_range or [line]
    picked = [lines[n - 1] for n in range(min(numbers), max(numbers) + 1) if 0 < n <= len(lines)]
    return " ".join(" ".join(text.split()) for text in picked).strip()


def _recording_manager(config: Any, profile: dict[str, set[str]]) -> Any:
    """bandit's own manager, keeping the ``# nosec`` map it parsed for the file it scanned last."""
    from bandit.core import manager as b_manager

    class RecordingManager(b_manager.BanditManager):  # type: ignore[misc]
        nosec_lines: dict[int, Any]

        def _execute_ast_visitor(self, fname: Any, fdata: Any, data: Any, nosec_lines: dict[int, Any]) -> Any:
            # Exactly the map bandit's tester consults (line -> tests silenced, empty = all), not a second reading.
            self.nosec_lines = dict(nosec_lines)
            return super()._execute_ast_visitor(fname, fdata, data, nosec_lines)

    return RecordingManager(config, "file", quiet=True, profile=profile)


def _issue_key(issue: dict[str, Any]) -> tuple[Any, ...]:
    return (
        issue["test_id"],
        issue["line_number"],
        tuple(issue["line_range"]),
        issue["col_offset"],
        issue["end_col_offset"],
        issue["issue_severity"],
        issue["issue_confidence"],
        issue["issue_text"],
    )


#: Source whose tree holds every node the parser shares between trees: one ``Load``, ``Add``, ``Eq``... each.
_SHARED_NODES_SOURCE = (
    "a = -b + c - d * e / f // g % h ** i @ j << k >> l | m ^ n & o\n"
    "p = not q and r or s\n"
    "t = ~u\n"
    "v = +w\n"
    "del x\n"
    "y = a == b != c < d <= e > f >= g is h is not i in j not in k\n"
)
_SHARED_NODE_TYPES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
#: The attributes bandit's node visitor sets on every node it visits.
_BANDIT_LINKS = ("_bandit_parent", "_bandit_sibling")


def shared_nodes() -> tuple[ast.AST, ...]:
    """The nodes CPython's parser reuses in every tree it builds (contexts and operators), one of each."""
    found = {
        id(node): node for node in ast.walk(ast.parse(_SHARED_NODES_SOURCE)) if isinstance(node, _SHARED_NODE_TYPES)
    }
    return tuple(found.values())


class Scanner:
    """One bandit manager, reused for every file a process scans."""

    def __init__(self, config_file: str | None, tests: tuple[str, ...], skips: tuple[str, ...]) -> None:
        from bandit.core import config as b_config

        #: The size of the file scanned last.
        self.last_bytes = 0
        self._shared_nodes = shared_nodes()
        # Fail at start, not per file, if this bandit cannot tell us which comments it honours.
        _bandit_nosec()
        # bandit logs skipped files and unknown nosec names; we report those ourselves.
        logging.getLogger("bandit").setLevel(logging.CRITICAL)
        self._manager = _recording_manager(
            b_config.BanditConfig(config_file=config_file), {"include": set(tests), "exclude": set(skips)}
        )

    def _run(self, path: str, *, honour_nosec: bool) -> list[dict[str, Any]]:
        from bandit.core import metrics as b_metrics

        manager = self._manager
        manager.results = []
        manager.skipped = []
        manager.scores = []
        manager.metrics = b_metrics.Metrics()
        manager.files_list = [path]
        manager.nosec_lines = {}
        manager.ignore_nosec = not honour_nosec
        try:
            manager.run_tests()
            return [issue.as_dict(with_code=True, max_lines=3) for issue in manager.results]
        finally:
            manager.ignore_nosec = False
            linecache.clearcache()
            # bandit links every node it visits to its parent, the parser's shared nodes (one ``Load`` for every
            # tree) too: each would keep the last node that used it, and through the links that file's whole tree,
            # alive until another file uses it. That held up to five earlier trees, tens of MiB on large files.
            for node in self._shared_nodes:
                for link in _BANDIT_LINKS:
                    node.__dict__.pop(link, None)

    def scan(self, path: str, expected_sha256: str) -> tuple[str, bool] | None:
        """Scan one file; return its ``FileScan`` JSON and whether it may be cached, or None if it changed."""
        manager = self._manager
        issues = self._run(path, honour_nosec=True)
        skipped = list(manager.skipped)
        nosec_lines = dict(manager.nosec_lines)
        metrics = {str(k): int(v) for k, v in manager.metrics.data.get(path, {}).items()}
        silenced: list[dict[str, Any]] = []
        if not skipped and any(tests is not None for tests in nosec_lines.values()):
            # bandit drops what a nosec comment silences without a trace; scanning again with them ignored (its
            # --ignore-nosec) and taking the difference shows exactly those issues. Only files with a nosec pay.
            everything = self._run(path, honour_nosec=False)
            remaining = Counter(_issue_key(issue) for issue in issues)
            for issue in everything:
                key = _issue_key(issue)
                if remaining[key]:
                    remaining[key] -= 1
                else:
                    silenced.append(issue)
        data = Path(path).read_bytes()
        self.last_bytes = len(data)
        if hashlib.sha256(data).hexdigest() != expected_sha256:
            return None
        if skipped:
            reason = str(skipped[0][1])
            return not_analysed(f"bandit: {reason}"), reason in _CONTENT_REASONS
        lines = _decode(data).splitlines()

        def typed(d: dict[str, Any]) -> dict[str, Any]:
            # The fields of a BanditIssue; the parent validates them against the model.
            return {
                "test_id": str(d["test_id"]),
                "test_name": str(d["test_name"]),
                "severity": str(d["issue_severity"]),
                "confidence": str(d["issue_confidence"]),
                "cwe": int(d["issue_cwe"]["id"]) if d["issue_cwe"] else None,
                "text": str(d["issue_text"]),
                "line": int(d["line_number"]),
                "line_range": [int(n) for n in d["line_range"]],
                "col_offset": int(d["col_offset"]),
                "end_col_offset": int(d["end_col_offset"]),
                "code": str(d["code"]),
                "flagged": _flagged(lines, list(d["line_range"]), int(d["line_number"])),
                "column": _column(lines, int(d["line_number"]), int(d["col_offset"])),
            }

        result = {
            "status": _ANALYSED,
            "reason": None,
            "issues": [typed(d) for d in issues],
            "silenced": [typed(d) for d in silenced],
            "nosec": _nosec_comments(data, nosec_lines),
            "metrics": metrics,
        }
        return json.dumps(result), True


def not_analysed(reason: str) -> str:
    """The ``FileScan`` JSON of a file that was not analysed, and why."""
    return json.dumps({"status": _NOT_ANALYSED, "reason": reason})


#: After a file this large a worker collects its garbage at once. bandit links every AST node to its parent, so
#: a file's tree is freed only by a full collection, which the interpreter runs rarely: meanwhile the trees of
#: the last few large files pile up, about 20 MiB more per worker at its peak on Django's source.
COLLECT_AFTER_BYTES = 32 * 1024
#: What a worker prints once its scanner is built, before it reads its first file.
READY = b"ready\n"


def result_line(index: int, scanned: tuple[str, bool] | None) -> bytes:
    """One file's answer on the wire: ``index``, ``1``/``0`` (cacheable) or ``-`` (changed), the ``FileScan`` JSON.

    ``json.dumps`` escapes every control character and non-ASCII one, so the line holds no other newline.
    """
    if scanned is None:
        return f"{index}\t-\t\n".encode("ascii")
    payload, cacheable = scanned
    return f"{index}\t{int(cacheable)}\t{payload}\n".encode("ascii")


def serve(settings: dict[str, Any], requests: BinaryIO, answers: BinaryIO) -> None:
    """Worker main loop: build the scanner, say :data:`READY`, then answer each ``[index, path, sha256]`` line.

    It ends when ``requests`` does: the parent closes the pipe to stop a worker it no longer needs.
    """
    scanner = Scanner(settings["config_file"], tuple(settings["tests"]), tuple(settings["skips"]))
    # What is loaded now lives as long as the worker: frozen, a collection does not walk it again each time.
    gc.freeze()
    answers.write(READY)
    answers.flush()
    for line in requests:
        index, path, digest = json.loads(line)
        answers.write(result_line(int(index), scanner.scan(str(path), str(digest))))
        answers.flush()
        if scanner.last_bytes >= COLLECT_AFTER_BYTES:
            gc.collect()


#: How a worker starts (``python -I -c BOOTSTRAP``): isolated, so neither the working directory (a checkout
#: under assessment) nor PYTHON* variables choose what it imports; the first line the parent sends carries the
#: parent's own ``sys.path`` and the scanner's settings.
BOOTSTRAP = (
    "import json, sys\n"
    "settings = json.loads(sys.stdin.buffer.readline())\n"
    "sys.path[:] = settings['path']\n"
    "from sdl_gate.sast._worker import serve\n"
    "serve(settings, sys.stdin.buffer, sys.stdout.buffer)\n"
)
