"""Loading OSV records into the database: a directory, an osv.dev export (``<Ecosystem>/all.zip``), the whole set
(a directory or zip of per-ecosystem zips) or an advisory-database checkout."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from sdl_gate._files import MAX_INPUT_BYTES, read_bytes_limited
from sdl_gate._yaml import check_yaml_depth
from sdl_gate.errors import InputError, ToolError
from sdl_gate.vulndb.ecosystems import parse_entries
from sdl_gate.vulndb.matching import MatchError, parse_record_affected
from sdl_gate.vulndb.store import VulnDatabase, record_ecosystems

RECORD_SUFFIXES = (".json", ".yaml", ".yml")
ARCHIVE_SUFFIX = ".zip"
MAX_RECORDS = 1_000_000
MAX_ZIP_BYTES = 4 * 1024 * 1024 * 1024

try:  # The C loader is several times faster on large advisory sets.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    source: str
    records: int
    withdrawn: int
    files: int
    ecosystems: tuple[tuple[str, int], ...] = ()


def _plain(value: Any) -> Any:
    """Turn YAML timestamps back into the RFC 3339 strings OSV uses."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _rfc3339(value: Any, origin: str, key: str) -> str:
    """Normalise an RFC 3339 time to UTC with ``Z``, the form OSV clients (pip-audit among them) parse."""
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InputError(f"{value!r} is not an RFC 3339 time", path=origin, location=key) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    moment = moment.astimezone(dt.timezone.utc)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(pattern)


def parse_record(data: bytes, name: str, origin: str) -> dict[str, Any]:
    """Parse and validate one OSV record; ``origin`` names the file (and zip member) in errors."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8", path=origin) from None
    if not name.endswith(".json"):
        check_yaml_depth(text, origin)
    try:
        document = json.loads(text) if name.endswith(".json") else yaml.load(text, Loader=_Loader)  # noqa: S506  # nosec B506 -- safe loader
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        line = getattr(exc, "lineno", None)
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            line = mark.line + 1
        raise InputError(f"malformed OSV record: {exc}".splitlines()[0], path=origin, line=line) from None
    except RecursionError:
        raise InputError("OSV record nested too deeply; refused", path=origin) from None
    except ValueError as exc:
        # PyYAML constructs timestamps: "2024-13-01" raises ValueError ("month must be in 1..12").
        raise InputError(f"malformed OSV record: {exc}", path=origin) from None
    try:
        document = _plain(document)
    except RecursionError:
        raise InputError("OSV record nested too deeply; refused", path=origin) from None
    if not isinstance(document, dict):
        raise InputError("an OSV record must be a mapping", path=origin)
    for key in ("modified", "published", "withdrawn"):
        if document.get(key) is not None:
            document[key] = _rfc3339(document[key], origin, key)
    vuln_id = document.get("id")
    if not isinstance(vuln_id, str) or not vuln_id.strip():
        raise InputError("OSV record without an id", path=origin, location="id")
    if not isinstance(document.get("modified"), str):
        raise InputError("OSV record without a modified time", path=origin, location="modified")
    aliases = document.get("aliases", [])
    if aliases is not None and (not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases)):
        raise InputError("aliases must be a list of ids", path=origin, location="aliases")
    try:
        parse_record_affected(document)
        parse_entries(document)
    except MatchError as exc:
        raise InputError(exc.message, path=origin, location=exc.where) from None
    return document


def _safe_member(name: str, archive: str) -> bool:
    """Return whether a zip member is a record file or an archive; refuse names that would escape a root."""
    if name.endswith("/"):
        return False
    pure = PurePosixPath(name.replace("\\", "/"))
    if (
        name.startswith(("/", "\\"))
        or pure.is_absolute()
        or ".." in pure.parts
        or not pure.parts
        or ":" in pure.parts[0]
    ):
        raise InputError(f"zip member {name!r} has a path escaping the archive root; refused", path=archive)
    return pure.suffix in (*RECORD_SUFFIXES, ARCHIVE_SUFFIX)


_MEMBER_ERRORS = (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError, NotImplementedError, RuntimeError)


def _from_zip(archive: Path, shown: str, *, nested: bool = False) -> Iterator[tuple[bytes, str, str]]:
    """The records of a zip export; a member that is itself a zip (the whole set: one ``all.zip`` per
    ecosystem) is read one level deep, from a temporary file, under the same limits."""
    try:
        handle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        # A member name that is not UTF-8 although flagged so raises UnicodeDecodeError (a ValueError).
        raise InputError(f"not a readable zip archive: {exc}", path=shown) from None
    with handle:
        members = handle.infolist()
        if len(members) > MAX_RECORDS:
            raise InputError(f"more than {MAX_RECORDS} members; refused", path=shown)
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise InputError("uncompressed size is over the limit; refused", path=shown)
        wanted = [m for m in members if _safe_member(m.filename, shown)]
        for member in wanted:
            origin = f"{shown}!{member.filename}"
            if member.filename.endswith(ARCHIVE_SUFFIX):
                if nested:
                    raise InputError("a zip inside a zip inside a zip; refused (one level of nesting)", path=origin)
                yield from _from_nested_zip(handle, member, origin)
                continue
            if member.file_size > MAX_INPUT_BYTES:
                raise InputError(f"record is larger than {MAX_INPUT_BYTES} bytes", path=origin)
            try:
                data = handle.read(member)
            except _MEMBER_ERRORS as exc:
                raise InputError(f"cannot read member: {exc}", path=origin) from None
            yield data, member.filename, origin


def _from_nested_zip(handle: zipfile.ZipFile, member: zipfile.ZipInfo, origin: str) -> Iterator[tuple[bytes, str, str]]:
    """The records of a per-ecosystem zip inside the whole-set zip, copied to a temporary file first."""
    with tempfile.TemporaryDirectory(prefix="sdl-gate-osv-") as scratch:
        inner = Path(scratch) / "inner.zip"
        try:
            with handle.open(member) as stream, inner.open("wb") as out:
                shutil.copyfileobj(stream, out)
        except _MEMBER_ERRORS as exc:
            raise InputError(f"cannot read member: {exc}", path=origin) from None
        yield from _from_zip(inner, origin, nested=True)


def _from_directory(directory: Path) -> Iterator[tuple[bytes, str, str]]:
    count = 0
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        # Skip .git and other hidden trees of an advisory-database checkout.
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix not in (*RECORD_SUFFIXES, ARCHIVE_SUFFIX) or not path.is_file() or path.is_symlink():
            continue
        count += 1
        if count > MAX_RECORDS:
            raise InputError(f"more than {MAX_RECORDS} record files; refused", path=directory)
        if path.suffix == ARCHIVE_SUFFIX:  # the whole set downloaded as <Ecosystem>/all.zip files
            yield from _from_zip(path, str(path))
            continue
        yield read_bytes_limited(path), path.name, str(path)


def read_source(source: Path) -> tuple[dict[str, dict[str, Any]], int]:
    """Read every record under ``source``; return them by id (the newest ``modified`` wins) and the file count."""
    if source.is_dir():
        # A checkout of the PyPI advisory database keeps its records under vulns/; the rest is tooling.
        items = _from_directory(source / "vulns" if (source / "vulns").is_dir() else source)
    elif source.is_file() and zipfile.is_zipfile(source):
        items = _from_zip(source, str(source))
    elif source.is_file() and source.suffix in RECORD_SUFFIXES:
        items = iter([(read_bytes_limited(source), source.name, str(source))])
    elif not source.exists():
        raise InputError("not found; expected a directory of OSV records, a zip export or one record", path=source)
    else:
        raise InputError("expected a directory of OSV records, a zip export or a .json/.yaml record", path=source)
    records: dict[str, dict[str, Any]] = {}
    files = 0
    for data, name, origin in items:
        files += 1
        record = parse_record(data, name, origin)
        vuln_id = str(record["id"])
        previous = records.get(vuln_id)
        if previous is None or str(record["modified"]) >= str(previous["modified"]):
            records[vuln_id] = record
    return records, files


def import_records(source: Path, database: VulnDatabase, *, imported_at: str) -> ImportResult:
    """Validate every record first, then write them all in one transaction; the database is unchanged on error."""
    records, files = read_source(source)
    if not records:
        raise InputError("no OSV records (.json, .yaml) found", path=source)
    try:
        database.replace_all(records, source=source.name, imported_at=imported_at)
    except OSError as exc:
        raise ToolError(f"cannot write the vulnerability database {database.path}: {exc.strerror}") from None
    except sqlite3.DatabaseError as exc:
        raise ToolError(
            f"the vulnerability database {database.path} is unusable ({exc}); remove it and import again"
        ) from None
    withdrawn = sum(1 for r in records.values() if r.get("withdrawn"))
    counts: dict[str, int] = {}
    for record in records.values():
        for ecosystem in record_ecosystems(record):
            counts[ecosystem] = counts.get(ecosystem, 0) + 1
    return ImportResult(
        source=str(source),
        records=len(records),
        withdrawn=withdrawn,
        files=files,
        ecosystems=tuple(sorted(counts.items())),
    )


def import_now(source: Path, database: VulnDatabase) -> ImportResult:
    """Import ``source`` as :func:`import_records` does, stamped with the real time now (never SOURCE_DATE_EPOCH)."""
    from sdl_gate._clock import current_time

    return import_records(source, database, imported_at=current_time().isoformat().replace("+00:00", "Z"))
