"""The offline OSV database: SQLite, one row per advisory, indexed by (ecosystem, package), repository and alias."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdl_gate._files import sha256_file
from sdl_gate.vulndb.ecosystems import OsvAffected, Target, normalise_repository, parse_entries
from sdl_gate.vulndb.matching import PYPI, Affected, normalise_name, parse_record_affected, record_affects

DB_FILENAME = "osv.sqlite3"
MAX_PARSED_CACHE = 50_000
SCHEMA_VERSION = "3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vulns (
    id TEXT PRIMARY KEY,
    modified TEXT NOT NULL,
    published TEXT,
    withdrawn TEXT,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS packages (vuln_id TEXT NOT NULL, ecosystem TEXT NOT NULL, package TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS packages_name ON packages (ecosystem, package);
CREATE INDEX IF NOT EXISTS packages_vuln ON packages (vuln_id);
CREATE TABLE IF NOT EXISTS repositories (vuln_id TEXT NOT NULL, repo TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS repositories_repo ON repositories (repo);
CREATE INDEX IF NOT EXISTS repositories_vuln ON repositories (vuln_id);
CREATE TABLE IF NOT EXISTS aliases (vuln_id TEXT NOT NULL, alias TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS aliases_vuln ON aliases (vuln_id);
CREATE TABLE IF NOT EXISTS ecosystems (vuln_id TEXT NOT NULL, ecosystem TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ecosystems_vuln ON ecosystems (vuln_id);
"""

# Which id of a merged group is shown first: the PyPI advisory database's own ids, then GitHub's, then CVE.
_PREFERENCE = ("PYSEC-", "GHSA-", "OSV-")


def user_cache_dir() -> Path:
    """Return the user's cache directory: ``$XDG_CACHE_HOME/sdl-gate``, else ``~/.cache/sdl-gate``."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "sdl-gate"


def default_cache_dir() -> Path:
    """Return the cache directory: ``SDL_GATE_CACHE_DIR``, else :func:`user_cache_dir`."""
    explicit = os.environ.get("SDL_GATE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return user_cache_dir()


def open_database(cache_dir: Path | None) -> VulnDatabase:
    """The offline database in ``cache_dir``, else in the default cache directory (SDL_GATE_CACHE_DIR or the user's)."""
    return VulnDatabase(database_path(cache_dir or default_cache_dir()))


def database_path(cache_dir: Path) -> Path:
    """Return the database file inside ``cache_dir``."""
    return cache_dir / "vulndb" / DB_FILENAME


@dataclass(frozen=True)
class EcosystemStatus:
    """The advisories of one ecosystem (``PyPI``, ``npm``, ``Debian``): how many are in force, the newest change."""

    ecosystem: str
    records: int
    newest_modified: str | None


@dataclass(frozen=True)
class DatabaseStatus:
    """What the database holds: advisory count, when it was last imported, the newest advisory change.

    ``ecosystems`` counts the advisories in force (not withdrawn) per ecosystem; it is empty for a database
    written before they were recorded (import again).
    """

    path: str
    records: int
    withdrawn: int
    imported_at: str | None
    newest_modified: str | None
    source: str | None
    ecosystems: tuple[EcosystemStatus, ...] = ()


@dataclass(frozen=True)
class StoredRecord:
    """One advisory as stored, with its parsed PyPI entries and its entries of every ecosystem."""

    id: str
    record: dict[str, Any]
    affected: tuple[Affected, ...]
    aliases: frozenset[str]
    entries: tuple[OsvAffected, ...] = ()


def record_ecosystems(record: Mapping[str, Any]) -> set[str]:
    """Return the ecosystems a record's ``affected[]`` entries name, without their release (``Debian:7``)."""
    found: set[str] = set()
    entries = record.get("affected")
    for entry in entries if isinstance(entries, list) else []:
        package = entry.get("package") if isinstance(entry, Mapping) else None
        ecosystem = package.get("ecosystem") if isinstance(package, Mapping) else None
        if isinstance(ecosystem, str) and ecosystem.strip():
            found.add(ecosystem.split(":", 1)[0].strip())
    return found


def _preference(vuln_id: str) -> tuple[int, str]:
    for rank, prefix in enumerate(_PREFERENCE):
        if vuln_id.startswith(prefix):
            return rank, vuln_id
    return len(_PREFERENCE), vuln_id


def merge_aliases(records: Iterable[StoredRecord]) -> list[dict[str, Any]]:
    """Merge records that are aliases of one another into one record each (ids joined in ``aliases``)."""
    groups: list[tuple[set[str], list[StoredRecord]]] = []
    for item in records:
        names = {item.id, *item.aliases}
        joined = [g for g in groups if g[0] & names]
        merged_names = set(names)
        merged_items = [item]
        for group in joined:
            merged_names |= group[0]
            merged_items += group[1]
            groups.remove(group)
        groups.append((merged_names, merged_items))
    merged: list[dict[str, Any]] = []
    for names, items in groups:
        primary = min(items, key=lambda r: _preference(r.id))
        document = dict(primary.record)
        document["aliases"] = sorted(names - {primary.id})
        merged.append(document)
    merged.sort(key=lambda d: str(d["id"]))
    return merged


class VulnDatabase:
    """An OSV database file; every method opens its own connection so threads can share one instance."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Parsed advisories by (id, modified): parsing version lists is most of a query's cost.
        self._parsed: dict[tuple[str, str], StoredRecord] = {}
        self._lock = threading.Lock()

    def exists(self) -> bool:
        """Return whether the database file exists."""
        return self.path.is_file()

    @contextmanager
    def _connect(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        else:
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        with closing(connection):
            yield connection

    def replace_all(self, records: Mapping[str, dict[str, Any]], *, source: str, imported_at: str) -> int:
        """Insert or update ``records`` in one transaction (all or nothing); return how many were written."""
        with self._connect(write=True) as db:
            db.executescript(_SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            try:
                stored = dict(db.execute("SELECT key, value FROM meta").fetchall()).get("schema_version")
                if stored is not None and stored != SCHEMA_VERSION:
                    _backfill_ecosystems(db)
                    _backfill_packages(db)
                for vuln_id, record in records.items():
                    db.execute("DELETE FROM packages WHERE vuln_id = ?", (vuln_id,))
                    db.execute("DELETE FROM repositories WHERE vuln_id = ?", (vuln_id,))
                    db.execute("DELETE FROM aliases WHERE vuln_id = ?", (vuln_id,))
                    db.execute("DELETE FROM ecosystems WHERE vuln_id = ?", (vuln_id,))
                    db.execute(
                        "INSERT OR REPLACE INTO vulns (id, modified, published, withdrawn, record) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (
                            vuln_id,
                            str(record["modified"]),
                            _optional_str(record.get("published")),
                            _optional_str(record.get("withdrawn")),
                            json.dumps(record, sort_keys=True, separators=(",", ":")),
                        ),
                    )
                    _index_packages(db, vuln_id, record)
                    db.executemany(
                        "INSERT INTO ecosystems (vuln_id, ecosystem) VALUES (?, ?)",
                        [(vuln_id, ecosystem) for ecosystem in sorted(record_ecosystems(record))],
                    )
                    aliases = {str(a) for a in record.get("aliases", []) or []}
                    db.executemany(
                        "INSERT INTO aliases (vuln_id, alias) VALUES (?, ?)",
                        [(vuln_id, alias) for alias in sorted(aliases)],
                    )
                meta = {"schema_version": SCHEMA_VERSION, "imported_at": imported_at, "source": source}
                db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items()))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return len(records)

    def status(self) -> DatabaseStatus:
        """Return what the database holds (an empty status when the file does not exist)."""
        if not self.exists():
            return DatabaseStatus(str(self.path), 0, 0, None, None, None)
        with self._connect() as db:
            try:
                count, withdrawn, newest = db.execute(
                    "SELECT COUNT(*), COUNT(withdrawn), MAX(modified) FROM vulns"
                ).fetchone()
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            except sqlite3.DatabaseError:
                return DatabaseStatus(str(self.path), 0, 0, None, None, None)
            try:
                rows = db.execute(
                    "SELECT e.ecosystem, SUM(v.withdrawn IS NULL), MAX(v.modified) "
                    "FROM ecosystems e JOIN vulns v ON v.id = e.vuln_id GROUP BY e.ecosystem ORDER BY e.ecosystem"
                ).fetchall()
            except sqlite3.DatabaseError:  # written before ecosystems were recorded
                rows = []
        return DatabaseStatus(
            str(self.path),
            int(count),
            int(withdrawn),
            meta.get("imported_at"),
            newest,
            meta.get("source"),
            tuple(EcosystemStatus(str(name), int(records or 0), modified) for name, records, modified in rows),
        )

    def digest(self) -> str:
        """Return the SHA-256 of the database file: which database an audit ran against, exactly."""
        return sha256_file(self.path)

    def _load(self, db: sqlite3.Connection, ids: Iterable[str]) -> list[StoredRecord]:
        loaded: list[StoredRecord] = []
        for vuln_id in sorted(set(ids)):
            row = db.execute("SELECT record FROM vulns WHERE id = ?", (vuln_id,)).fetchone()
            if row is None:
                continue
            record = json.loads(row[0])
            loaded.append(
                StoredRecord(
                    id=vuln_id,
                    record=record,
                    affected=tuple(parse_record_affected(record)),
                    aliases=frozenset(str(a) for a in record.get("aliases", []) or []),
                    entries=tuple(parse_entries(record)),
                )
            )
        return loaded

    def _records(self, db: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> list[StoredRecord]:
        """The parsed records of ``(id, modified)`` keys, from the cache where they are in it."""
        with self._lock:
            cached = {key: self._parsed.get(key) for key in keys}
        missing = [key[0] for key, value in cached.items() if value is None]
        loaded = {(r.id, str(r.record["modified"])): r for r in self._load(db, missing)}
        if loaded:
            with self._lock:
                if len(self._parsed) + len(loaded) > MAX_PARSED_CACHE:
                    self._parsed.clear()
                self._parsed.update(loaded)
        found = [value or loaded.get(key) for key, value in cached.items()]
        return [r for r in found if r is not None]

    def query(self, package: str, version: str) -> list[dict[str, Any]]:
        """Return the PyPI advisories affecting ``package`` at ``version``, withdrawn ones excluded, aliases merged."""
        name = normalise_name(package)
        with self._connect() as db:
            keys = db.execute(
                "SELECT DISTINCT v.id, v.modified FROM packages p JOIN vulns v ON v.id = p.vuln_id "
                "WHERE p.ecosystem = ? AND p.package = ? AND v.withdrawn IS NULL ORDER BY v.id",
                (PYPI, name),
            ).fetchall()
            records = self._records(db, map(tuple, keys))
        matched = [r for r in records if record_affects(r.affected, name, version)]
        return merge_aliases(matched)

    def candidates(self, targets: Iterable[Target]) -> list[list[StoredRecord]]:
        """Return, per target, the advisories in force that name its (ecosystem, package) or its repository.

        One indexed look-up per target over one connection; matching the versions is the caller's.
        """
        results: list[list[StoredRecord]] = []
        with self._connect() as db:
            for target in targets:
                keys: set[tuple[str, str]] = set()
                if target.ecosystem is not None and target.package is not None:
                    keys.update(
                        db.execute(
                            "SELECT v.id, v.modified FROM packages p JOIN vulns v ON v.id = p.vuln_id "
                            "WHERE p.ecosystem = ? AND p.package = ? AND v.withdrawn IS NULL",
                            (target.ecosystem, target.package),
                        ).fetchall()
                    )
                if target.repository is not None and target.commit is not None:
                    keys.update(
                        db.execute(
                            "SELECT v.id, v.modified FROM repositories r JOIN vulns v ON v.id = r.vuln_id "
                            "WHERE r.repo = ? AND v.withdrawn IS NULL",
                            (target.repository,),
                        ).fetchall()
                    )
                results.append(self._records(db, sorted(keys)))
        return results

    def coverage(self) -> tuple[frozenset[str], bool]:
        """Return the ecosystems (with release, ``Debian:12``) that advisories in force name, and whether any
        advisory has a GIT range; an audit in an ecosystem the database lacks has audited nothing."""
        with self._connect() as db:
            ecosystems = frozenset(
                str(row[0])
                for row in db.execute(
                    "SELECT DISTINCT p.ecosystem FROM packages p JOIN vulns v ON v.id = p.vuln_id "
                    "WHERE v.withdrawn IS NULL"
                )
            )
            git = db.execute("SELECT 1 FROM repositories LIMIT 1").fetchone() is not None
        return ecosystems, git

    def schema_current(self) -> bool:
        """Whether the database was written by this sdl-gate's schema (else: import again)."""
        try:
            with self._connect() as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError:
            return False
        return row is not None and row[0] == SCHEMA_VERSION

    def get(self, vuln_id: str) -> dict[str, Any] | None:
        """Return one advisory by its id, or by an alias when no advisory has that id."""
        with self._connect() as db:
            found = self._load(db, [vuln_id])
            if not found:
                owners = [row[0] for row in db.execute("SELECT vuln_id FROM aliases WHERE alias = ?", (vuln_id,))]
                found = self._load(db, owners[:1])
        return found[0].record if found else None


def _backfill_ecosystems(db: sqlite3.Connection) -> None:
    """Record the ecosystems of advisories imported before they were recorded (inside the import's transaction)."""
    rows = db.execute("SELECT id, record FROM vulns WHERE id NOT IN (SELECT vuln_id FROM ecosystems)").fetchall()
    for vuln_id, text in rows:
        record = json.loads(text)
        db.executemany(
            "INSERT INTO ecosystems (vuln_id, ecosystem) VALUES (?, ?)",
            [(vuln_id, ecosystem) for ecosystem in sorted(record_ecosystems(record))],
        )


def _index_packages(db: sqlite3.Connection, vuln_id: str, record: Mapping[str, Any]) -> None:
    """Index one record by the (ecosystem, normalised name) of every entry and the repository of every GIT range."""
    entries = parse_entries(record)
    names = {(e.ecosystem, e.package) for e in entries if e.ecosystem and e.package}
    db.executemany(
        "INSERT INTO packages (vuln_id, ecosystem, package) VALUES (?, ?, ?)",
        [(vuln_id, ecosystem, package) for ecosystem, package in sorted(names)],
    )
    repositories = {normalise_repository(r.repo) for e in entries for r in e.ranges if r.repo}
    db.executemany(
        "INSERT INTO repositories (vuln_id, repo) VALUES (?, ?)", [(vuln_id, repo) for repo in sorted(repositories)]
    )


def _backfill_packages(db: sqlite3.Connection) -> None:
    """Index every stored advisory by ecosystem and repository (a database written by an earlier schema)."""
    db.execute("DROP TABLE IF EXISTS affected")
    db.execute("DELETE FROM packages")
    db.execute("DELETE FROM repositories")
    for vuln_id, text in db.execute("SELECT id, record FROM vulns").fetchall():
        _index_packages(db, vuln_id, json.loads(text))


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
