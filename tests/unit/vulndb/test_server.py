"""The loopback OSV server under clients that connect and stall: timeouts, a bound on threads, prompt shutdown."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from sdl_gate.vulndb.importer import import_records
from sdl_gate.vulndb.server import BackgroundServer, OsvServer
from sdl_gate.vulndb.store import VulnDatabase

QUERY = json.dumps({"package": {"name": "demo-pkg", "ecosystem": "PyPI"}, "version": "1.0"}).encode()
RECORD = {
    "id": "PYSEC-1",
    "modified": "2024-01-01T00:00:00Z",
    "affected": [
        {
            "package": {"name": "demo-pkg", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
        }
    ],
}


def _handler_threads() -> int:
    return sum(1 for thread in threading.enumerate() if "process_request_thread" in thread.name)


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@contextmanager
def _stalled(port: int, count: int, first_bytes: bytes = b"") -> Iterator[list[socket.socket]]:
    """Open ``count`` connections that send ``first_bytes`` (maybe nothing) and then nothing more."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            client = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
            if first_bytes:
                client.sendall(first_bytes)
            sockets.append(client)
        yield sockets


def _closed_by_server(client: socket.socket, within: float) -> bytes | None:
    """Read until the server closes the connection; return what it sent, or None if it stayed open."""
    client.settimeout(within)
    received = b""
    try:
        while chunk := client.recv(4096):
            received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return received


def _answers(port: int) -> bool:
    """Whether the server answers a query with the one advisory it holds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/v1/query", body=QUERY, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status == 200 and [v["id"] for v in json.loads(response.read())["vulns"]] == ["PYSEC-1"]
    finally:
        connection.close()


@pytest.fixture
def database(tmp_path: Path) -> VulnDatabase:
    source = tmp_path / "osv"
    source.mkdir()
    (source / "PYSEC-1.json").write_text(json.dumps(RECORD), encoding="utf-8")
    database = VulnDatabase(tmp_path / "db.sqlite3")
    import_records(source, database, imported_at="2026-01-01T00:00:00Z")
    return database


@pytest.mark.parametrize(
    "first_bytes",
    [
        b"",  # connects and says nothing
        b"POST /v1/query HTTP/1.1\r\nHost: 127.0.0.1\r\n",  # half the headers
        b"GET /v1/vu",  # half a request line
    ],
    ids=["silent", "half-headers", "half-request-line"],
)
def test_stalled_connections_are_closed_after_the_timeout(database: VulnDatabase, first_bytes: bytes) -> None:
    before = _handler_threads()
    with BackgroundServer(database, connection_timeout=0.5) as server, _stalled(server.port, 3, first_bytes) as clients:
        started = time.monotonic()
        for client in clients:
            assert _closed_by_server(client, within=5) is not None, "a stalled connection was kept open"
        assert time.monotonic() - started < 4
        assert _wait_for(lambda: _handler_threads() == before, 5), "handler threads outlived their connections"
        assert _answers(server.port)


def test_half_a_body_is_answered_408_and_the_connection_dropped(database: VulnDatabase) -> None:
    head = b'POST /v1/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"pack'
    with BackgroundServer(database, connection_timeout=0.5) as server, _stalled(server.port, 1, head) as [client]:
        answer = _closed_by_server(client, within=5)
        assert answer is not None, "the connection waiting for the rest of its body was kept open"
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert _wait_for(lambda: server.open_connections == 0, 2)


def test_connections_beyond_the_bound_get_no_thread(database: VulnDatabase) -> None:
    before = _handler_threads()
    with BackgroundServer(database, connection_timeout=30, max_connections=4) as server:
        with _stalled(server.port, 20) as clients:
            assert _wait_for(lambda: server.open_connections == 4, 5)
            assert _handler_threads() - before <= 4
            # The sixteen over the bound are closed at once, unanswered; the first four stay (30 s timeout).
            refused = [client for client in clients[4:] if _closed_by_server(client, within=5) is not None]
            assert len(refused) == 16
            assert _handler_threads() - before <= 4
        # The stalled clients hung up: their slots come back and the server answers again.
        assert _wait_for(lambda: server.open_connections == 0, 5)
        assert _answers(server.port)


def test_closing_the_server_cuts_stalled_connections_at_once(database: VulnDatabase) -> None:
    before = _handler_threads()
    server = OsvServer(database, connection_timeout=60)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    with _stalled(server.port, 5) as clients:
        assert _wait_for(lambda: server.open_connections == 5, 5)
        started = time.monotonic()
        server.shutdown()
        server.server_close()
        serving.join(timeout=5)
        for client in clients:
            assert _closed_by_server(client, within=2) is not None
        assert _wait_for(lambda: _handler_threads() == before, 2)
        assert time.monotonic() - started < 3


def test_shutdown_wakes_the_serving_loop_instead_of_waiting_for_its_poll(database: VulnDatabase) -> None:
    # A poll interval far longer than the join below: shutdown() must wake the loop, not wait for the poll.
    server = OsvServer(database)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 120}, daemon=True)
    serving.start()
    try:
        assert _answers(server.port)
        stopping = threading.Thread(target=server.shutdown, daemon=True)
        stopping.start()
        stopping.join(timeout=20)
        assert not stopping.is_alive(), "shutdown() waited for the serving loop's poll"
        serving.join(timeout=5)
        assert not serving.is_alive()
    finally:
        server.server_close()


def test_shutdown_before_serving_returns_and_serving_then_stops_at_once(database: VulnDatabase) -> None:
    server = OsvServer(database)
    try:
        server.shutdown()
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 120}, daemon=True)
        serving.start()
        serving.join(timeout=20)
        assert not serving.is_alive()
    finally:
        server.server_close()


def test_an_empty_database_is_not_served(tmp_path: Path) -> None:
    from sdl_gate.errors import InputError
    from sdl_gate.vulndb.server import serve_database

    empty = VulnDatabase(tmp_path / "db.sqlite3")
    with pytest.raises(InputError) as raised:
        serve_database(empty, 0)
    assert raised.value.path == str(empty.path)


def test_a_port_in_use_is_a_tool_error(database: VulnDatabase) -> None:
    from sdl_gate.errors import ToolError
    from sdl_gate.vulndb.server import serve_database

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ToolError):
            serve_database(database, taken.getsockname()[1])


def test_a_database_with_records_is_served_on_loopback(database: VulnDatabase) -> None:
    from sdl_gate.vulndb.server import serve_database

    server = serve_database(database, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()
