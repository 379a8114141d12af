"""`sdl-gate vulndb`: the offline vulnerability database."""

from __future__ import annotations

from pathlib import Path

import click

from sdl_gate.cli._output import GROUP_EPILOG


@click.group(epilog=GROUP_EPILOG)
def vulndb() -> None:
    """The offline OSV vulnerability database for air-gapped sites, and its loopback OSV API."""


_CACHE_DIR_OPTION = click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Cache directory (default: SDL_GATE_CACHE_DIR, else the user cache directory).",
)


@vulndb.command(
    "import", epilog="Exit codes: 0 imported, 2 invalid SOURCE (the database is left as it was), 3 database error."
)
@click.argument("source", type=click.Path(path_type=Path))
@_CACHE_DIR_OPTION
def vulndb_import(source: Path, cache_dir: Path | None) -> None:
    """Load OSV records from SOURCE in one transaction: a directory, an osv.dev export (<Ecosystem>/all.zip), the
    whole set (a directory or zip of per-ecosystem zips) or an advisory-database checkout."""
    from sdl_gate.vulndb.importer import import_now
    from sdl_gate.vulndb.store import open_database

    database = open_database(cache_dir)
    result = import_now(source, database)
    status = database.status()
    click.echo(
        f"imported {result.records} advisories ({result.withdrawn} withdrawn) from {result.files} files; "
        f"{status.records} in {status.path}"
    )
    for ecosystem, count in result.ecosystems:
        click.echo(f"  {ecosystem:<12} {count} advisories imported")


@vulndb.command("status", epilog="Exit codes: 0 shown, 2 unreadable database, 3 internal error.")
@_CACHE_DIR_OPTION
def vulndb_status(cache_dir: Path | None) -> None:
    """Show what the offline database holds: advisories per ecosystem, the newest change, its digest."""
    from sdl_gate.vulndb.store import open_database

    database = open_database(cache_dir)
    status = database.status()
    click.echo(f"database   {status.path}")
    click.echo(f"advisories {status.records} ({status.withdrawn} withdrawn)")
    click.echo(f"imported   {status.imported_at or 'never'} from {status.source or '-'}")
    click.echo(f"newest     {status.newest_modified or '-'}")
    for ecosystem in status.ecosystems:
        click.echo(f"  {ecosystem.ecosystem:<12} {ecosystem.records} advisories, newest {ecosystem.newest_modified}")
    if status.records:
        click.echo(f"sha256     {database.digest()}")


@vulndb.command(
    "serve", epilog="Exit codes: 0 stopped (Ctrl-C), 2 the database is missing or empty, 3 cannot listen on the port."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0 picks a free port.")
@_CACHE_DIR_OPTION
def vulndb_serve(port: int, cache_dir: Path | None) -> None:
    """Serve the offline database as an OSV API on 127.0.0.1 (POST /v1/query, /v1/querybatch, GET /v1/vulns/ID)."""
    from sdl_gate.vulndb.server import serve_database
    from sdl_gate.vulndb.store import open_database

    database = open_database(cache_dir)
    server = serve_database(database, port)
    click.echo(f"serving {database.path} on {server.base_url} (pip-audit: --osv-url {server.base_url}/v1/query)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
