"""An OSV-compatible API on loopback (``POST /v1/query``, ``POST /v1/querybatch``, ``GET /v1/vulns/{id}``)."""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from sdl_gate.vulndb.store import VulnDatabase

LOOPBACK = "127.0.0.1"
MAX_REQUEST_BYTES = 1024 * 1024
MAX_BATCH = 1000


class _BadRequest(Exception):
    status = HTTPStatus.BAD_REQUEST


class _TooLarge(_BadRequest):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def _package_version(query: Any) -> tuple[str, str]:
    if not isinstance(query, dict):
        raise _BadRequest("a query is a JSON object")
    version = query.get("version")
    package = query.get("package")
    if not isinstance(package, dict):
        raise _BadRequest("query.package is required (commit queries are not supported)")
    name = package.get("name")
    ecosystem = package.get("ecosystem")
    purl = package.get("purl")
    if isinstance(purl, str) and purl.startswith("pkg:pypi/"):
        body = purl.removeprefix("pkg:pypi/")
        name, _, purl_version = body.partition("@")
        version = version or purl_version.split("?", 1)[0] or None
        ecosystem = "PyPI"
    if ecosystem != "PyPI":
        raise _BadRequest("only the PyPI ecosystem is served")
    if not isinstance(name, str) or not name or not isinstance(version, str) or not version:
        raise _BadRequest("query needs package.name and version")
    return unquote(name), version


class _Handler(BaseHTTPRequestHandler):
    server: OsvServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, every keep-alive answer
    # would wait for the client's delayed ACK (about 40 ms per query).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the gate reports what matters."""

    def _send(self, status: HTTPStatus, body: Any) -> None:
        data = json.dumps(body, sort_keys=True).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise _BadRequest("Content-Length is required")
        try:
            length = int(length_header)
        except ValueError:
            raise _BadRequest("bad Content-Length") from None
        if length < 0 or length > MAX_REQUEST_BYTES:
            # The body is never read, so the connection cannot be reused.
            self.close_connection = True
            raise _TooLarge(f"request body over {MAX_REQUEST_BYTES} bytes")
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _BadRequest("request body is not JSON") from None

    def do_POST(self) -> None:
        """Answer ``/v1/query`` and ``/v1/querybatch``."""
        database = self.server.database
        try:
            body = self._body()
            if self.path == "/v1/query":
                name, version = _package_version(body)
                vulns = database.query(name, version)
                self._send(HTTPStatus.OK, {"vulns": vulns} if vulns else {})
            elif self.path == "/v1/querybatch":
                queries = body.get("queries") if isinstance(body, dict) else None
                if not isinstance(queries, list) or len(queries) > MAX_BATCH:
                    raise _BadRequest(f"querybatch needs a list of at most {MAX_BATCH} queries")
                results = []
                for query in queries:
                    name, version = _package_version(query)
                    found = database.query(name, version)
                    results.append({"vulns": [{"id": v["id"], "modified": v["modified"]} for v in found]})
                self._send(HTTPStatus.OK, {"results": results})
            else:
                self._send(HTTPStatus.NOT_FOUND, {"code": 5, "message": "not found"})
        except _BadRequest as exc:
            self._send(exc.status, {"code": 3, "message": str(exc)})
        except Exception as exc:  # a broken database must surface as an error, never as "no vulnerabilities"
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"code": 13, "message": f"{type(exc).__name__}: {exc}"})

    def do_GET(self) -> None:
        """Answer ``/v1/vulns/{id}``."""
        prefix = "/v1/vulns/"
        if not self.path.startswith(prefix):
            self._send(HTTPStatus.NOT_FOUND, {"code": 5, "message": "not found"})
            return
        try:
            record = self.server.database.get(unquote(self.path[len(prefix) :]))
        except Exception as exc:
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"code": 13, "message": f"{type(exc).__name__}: {exc}"})
            return
        if record is None:
            self._send(HTTPStatus.NOT_FOUND, {"code": 5, "message": "Bug not found."})
        else:
            self._send(HTTPStatus.OK, record)


class OsvServer(ThreadingHTTPServer):
    """A threaded HTTP server bound to 127.0.0.1 that answers from a :class:`VulnDatabase`."""

    daemon_threads = True

    def __init__(self, database: VulnDatabase, port: int = 0) -> None:
        self.database = database
        super().__init__((LOOPBACK, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client goes away mid-answer; the client sees the failure, the gate reports it."""

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{LOOPBACK}:{self.port}"


class BackgroundServer:
    """Runs an :class:`OsvServer` in a thread for the duration of a ``with`` block."""

    def __init__(self, database: VulnDatabase, port: int = 0) -> None:
        self.server = OsvServer(database, port)
        self._thread = threading.Thread(target=self.server.serve_forever, name="sdl-gate-osv", daemon=True)

    def __enter__(self) -> OsvServer:
        self._thread.start()
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
