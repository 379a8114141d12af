"""An OSV-compatible API on loopback (``POST /v1/query``, ``POST /v1/querybatch``, ``GET /v1/vulns/{id}``)."""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from sdl_gate.vulndb.store import VulnDatabase

LOOPBACK = "127.0.0.1"
MAX_REQUEST_BYTES = 1024 * 1024
MAX_BATCH = 1000
#: A client that sends nothing for this long is dropped; pip-audit's queries take milliseconds.
CONNECTION_TIMEOUT_SECONDS = 10.0
#: Connections served at once; one more is closed unanswered rather than given another thread.
MAX_CONNECTIONS = 32


class _BadRequest(Exception):
    status = HTTPStatus.BAD_REQUEST


class _TooLarge(_BadRequest):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class _TimedOut(_BadRequest):
    status = HTTPStatus.REQUEST_TIMEOUT


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

    def setup(self) -> None:
        """Give the connection the server's timeout, so a stalled client cannot keep its thread forever."""
        super().setup()
        self.connection.settimeout(self.server.connection_timeout)

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
            data = self.rfile.read(length)
        except TimeoutError:
            # Half a body: answer once and drop the connection rather than wait on it again.
            self.close_connection = True
            raise _TimedOut(f"request body not received within {self.server.connection_timeout:g} seconds") from None
        try:
            return json.loads(data or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError):
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
    """A threaded HTTP server bound to 127.0.0.1 that answers from a :class:`VulnDatabase`.

    Every connection has a socket timeout and at most ``max_connections`` are served at once, so
    clients that connect and send nothing (or half a request) cannot pile up threads; closing the
    server closes the connections still open, so their threads end with it.
    """

    daemon_threads = True
    # A burst of connections waits in the kernel's queue to be served or refused, not dropped and retried.
    request_queue_size = 128

    def __init__(
        self,
        database: VulnDatabase,
        port: int = 0,
        *,
        connection_timeout: float = CONNECTION_TIMEOUT_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.database = database
        self.connection_timeout = connection_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        # shutdown() writes to this pair to wake the serving loop at once, instead of letting it notice a flag
        # at its next poll (serve_forever's half a second was a third of a whole offline audit).
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        super().__init__((LOOPBACK, port), _Handler)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Serve until :meth:`shutdown`, which wakes the loop at once rather than at its next poll."""
        self._stopped.clear()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self._stopping.is_set():
                    ready = selector.select(poll_interval)
                    if self._stopping.is_set():
                        break
                    if any(key.fileobj is self for key, _ in ready):
                        # What BaseServer.serve_forever calls once the socket is readable; typeshed omits it.
                        self._handle_request_noblock()  # type: ignore[attr-defined]
                    self.service_actions()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait until it has returned (at once when it is not running)."""
        self._stopping.set()
        with contextlib.suppress(OSError):  # already woken and closed
            self._wake_writer.send(b"\0")
        self._stopped.wait()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread of its own, or close it at once when every slot is taken."""
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            self.shutdown_request(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Serve one connection, then give its slot back."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def _release(self, request: socket.socket) -> None:
        with self._open_lock:
            if request not in self._open:
                return
            self._open.discard(request)
        self._slots.release()

    @property
    def open_connections(self) -> int:
        """How many connections are being served now."""
        with self._open_lock:
            return len(self._open)

    def server_close(self) -> None:
        """Stop listening and cut the connections still open, so no handler thread outlives the server."""
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):  # the client went away already
                connection.shutdown(socket.SHUT_RDWR)

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

    def __init__(
        self,
        database: VulnDatabase,
        port: int = 0,
        *,
        connection_timeout: float = CONNECTION_TIMEOUT_SECONDS,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.server = OsvServer(database, port, connection_timeout=connection_timeout, max_connections=max_connections)
        self._thread = threading.Thread(target=self.server.serve_forever, name="sdl-gate-osv", daemon=True)

    def __enter__(self) -> OsvServer:
        self._thread.start()
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


def serve_database(database: VulnDatabase, port: int) -> OsvServer:
    """An OSV API server for ``database`` on 127.0.0.1:``port``, not yet serving.

    A missing or empty database is an InputError (serving it would answer "no vulnerability" to every query);
    a port that cannot be listened on is a ToolError.
    """
    from sdl_gate.errors import InputError, ToolError

    if database.status().records == 0:
        raise InputError(
            "the vulnerability database is missing or empty; run `sdl-gate vulndb import SRC`", path=database.path
        )
    try:
        return OsvServer(database, port)
    except OSError as exc:
        raise ToolError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
