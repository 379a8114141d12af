"""What runs inside a worker process: one bandit manager scanning files one at a time.

Kept apart from the rest of sdl-gate so that starting a worker imports bandit, pydantic and this module,
nothing else.
"""

from __future__ import annotations

import io
import linecache
import logging
import re
import tokenize
from pathlib import Path
from typing import Any

from sdl_gate._files import sha256_bytes
from sdl_gate.sast.models import BanditIssue, FileScan, NosecComment, ScanStatus

# bandit's reasons for skipping a file that depend only on its content, so they may be cached.
_CONTENT_REASONS = ("syntax error while parsing AST from file", "exception while scanning file")
_NOSEC = re.compile(r"#\s*nosec\b:?(?P<rest>.*)$", re.IGNORECASE)
_NOSEC_BYTES = re.compile(rb"#\s*nosec", re.IGNORECASE)
_TEST_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def parse_nosec(comment: str, known: Any) -> NosecComment | None:
    """Parse one comment token: ``# nosec B602, B603 -- justification`` (None if it is no nosec comment)."""
    match = _NOSEC.search(comment)
    if match is None:
        return None
    rest = match.group("rest")
    ids_part, separator, justification = rest.partition("--")
    # A second '#' ends bandit's test list; whatever follows is commentary, not a justification.
    ids_part = ids_part.split("#", 1)[0]
    tests: list[str] = []
    unknown: list[str] = []
    for token in _TEST_TOKEN.findall(ids_part):
        test_id = token.upper() if re.fullmatch(r"[Bb]\d+", token) else token
        if known(test_id):
            tests.append(test_id)
        else:
            unknown.append(token)
    text = justification.strip() if separator else ""
    return NosecComment(
        line=0,
        tests=tuple(dict.fromkeys(tests)),
        unknown=tuple(dict.fromkeys(unknown)),
        justification=text or None,
    )


def _decode(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding, errors="replace")
    except (SyntaxError, LookupError):
        return data.decode("utf-8", errors="replace")


def _nosec_comments(data: bytes, known: Any) -> tuple[NosecComment, ...]:
    found: list[NosecComment] = []
    if _NOSEC_BYTES.search(data) is None:
        # Tokenizing costs as much as a tenth of bandit's own time; most files have no nosec at all.
        return ()
    try:
        for token in tokenize.tokenize(io.BytesIO(data).readline):
            if token.type == tokenize.COMMENT:
                parsed = parse_nosec(token.string, known)
                if parsed is not None:
                    found.append(parsed.model_copy(update={"line": token.start[0]}))
    except (tokenize.TokenError, SyntaxError):
        pass
    return tuple(found)


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


class Scanner:
    """One bandit manager, reused for every file a process scans."""

    def __init__(self, config_file: str | None, tests: tuple[str, ...], skips: tuple[str, ...]) -> None:
        from bandit.core import config as b_config
        from bandit.core import extension_loader
        from bandit.core import manager as b_manager

        # bandit logs skipped files and unknown nosec names; we report those ourselves.
        logging.getLogger("bandit").setLevel(logging.CRITICAL)
        self._manager = b_manager.BanditManager(
            b_config.BanditConfig(config_file=config_file),
            "file",
            quiet=True,
            profile={"include": set(tests), "exclude": set(skips)},
        )
        extensions = extension_loader.MANAGER
        self._known = lambda test: bool(extensions.check_id(test) or extensions.get_test_id(test))

    def scan(self, path: str, expected_sha256: str) -> tuple[FileScan, bool] | None:
        """Scan one file; return the result and whether it may be cached, or None if it changed meanwhile."""
        from bandit.core import metrics as b_metrics

        manager = self._manager
        manager.results = []
        manager.skipped = []
        manager.scores = []
        manager.metrics = b_metrics.Metrics()
        manager.files_list = [path]
        try:
            manager.run_tests()
            issues = [issue.as_dict(with_code=True, max_lines=3) for issue in manager.results]
            data = Path(path).read_bytes()
        finally:
            linecache.clearcache()
        if sha256_bytes(data) != expected_sha256:
            return None
        if manager.skipped:
            reason = str(manager.skipped[0][1])
            return FileScan(status=ScanStatus.NOT_ANALYSED, reason=f"bandit: {reason}"), reason in _CONTENT_REASONS
        lines = _decode(data).splitlines()
        metrics = {str(k): int(v) for k, v in manager.metrics.data.get(path, {}).items()}
        result = FileScan(
            status=ScanStatus.ANALYSED,
            issues=tuple(
                BanditIssue(
                    test_id=str(d["test_id"]),
                    test_name=str(d["test_name"]),
                    severity=str(d["issue_severity"]),
                    confidence=str(d["issue_confidence"]),
                    cwe=int(d["issue_cwe"]["id"]) if d["issue_cwe"] else None,
                    text=str(d["issue_text"]),
                    line=int(d["line_number"]),
                    line_range=tuple(int(n) for n in d["line_range"]),
                    col_offset=int(d["col_offset"]),
                    end_col_offset=int(d["end_col_offset"]),
                    code=str(d["code"]),
                    flagged=_flagged(lines, list(d["line_range"]), int(d["line_number"])),
                    column=_column(lines, int(d["line_number"]), int(d["col_offset"])),
                )
                for d in issues
            ),
            nosec=_nosec_comments(data, self._known),
            metrics=metrics,
        )
        return result, True


# The worker process's scanner, set once by the pool's initializer.
_WORKER: dict[str, Scanner] = {}


def init_worker(config_file: str | None, tests: tuple[str, ...], skips: tuple[str, ...]) -> None:
    """Pool initializer: build this process's bandit manager once."""
    _WORKER["scanner"] = Scanner(config_file, tests, skips)


def scan_batch(batch: list[tuple[int, str, str]]) -> list[tuple[int, str | None, bool]]:
    """Worker entry point: scan ``(index, path, sha256)`` items; return ``(index, FileScan JSON, cacheable)``."""
    scanner = _WORKER["scanner"]
    out: list[tuple[int, str | None, bool]] = []
    for index, path, digest in batch:
        scanned = scanner.scan(path, digest)
        if scanned is None:
            out.append((index, None, False))
        else:
            out.append((index, scanned[0].model_dump_json(), scanned[1]))
    return out
