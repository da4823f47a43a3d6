"""A Cognito endpoint that fails on purpose, on a free loopback port, for as long as a `with` block runs.

Stdlib only, in threads of the test process: each fault is a few lines of socket behaviour, which no
emulator offers (moto never throttles, and never hangs). Every mode but `REFUSE` counts what reached
it, so a test can check that retries stay bounded.
"""

from __future__ import annotations

import contextlib
import enum
import http.server
import json
import socket
import socketserver
import threading
from collections.abc import Iterator

import attrs

_HOST = "127.0.0.1"
# How often `serve_forever` looks whether it was asked to stop: the stop takes up to this long.
_POLL_INTERVAL = 0.05
# A request id in the style of AWS's, distinctive enough to find if an answer ever repeats it.
REQUEST_ID = "fa017fa0-1d00-4bad-beef-5e7f1ceab1e5"
_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
_AMZ_JSON = "application/x-amz-json-1.1"
# What moto answers for an operation it does not implement (a Werkzeug error page).
_HTML_500 = (
    b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    b"<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to "
    b"complete your request. Either the server is overloaded or there is an error in the application.</p>\n"
)


class Fault(enum.Enum):
    REFUSE = "refuse"
    """Nothing listens on the port: every connection is refused at once."""
    BLACKHOLE = "blackhole"
    """The connection is accepted and nothing is ever answered."""
    HTTP_500_HTML = "http_500_html"
    HTTP_500_JSON = "http_500_json"
    THROTTLE_TOO_MANY_REQUESTS = "throttle_too_many_requests"
    THROTTLE_LIMIT_EXCEEDED = "throttle_limit_exceeded"

    @property
    def is_throttling(self) -> bool:
        return self in {Fault.THROTTLE_TOO_MANY_REQUESTS, Fault.THROTTLE_LIMIT_EXCEEDED}


# Status, content type and body of each fault that answers at all.
_ANSWERS: dict[Fault, tuple[int, str, bytes]] = {
    Fault.HTTP_500_HTML: (500, "text/html; charset=utf-8", _HTML_500),
    Fault.HTTP_500_JSON: (
        500,
        _AMZ_JSON,
        json.dumps({"__type": "InternalErrorException", "message": "Internal server error."}).encode(),
    ),
    Fault.THROTTLE_TOO_MANY_REQUESTS: (
        400,
        _AMZ_JSON,
        json.dumps({"__type": "TooManyRequestsException", "message": "Rate exceeded"}).encode(),
    ),
    Fault.THROTTLE_LIMIT_EXCEEDED: (
        400,
        _AMZ_JSON,
        json.dumps({"__type": "LimitExceededException", "message": "Rate exceeded"}).encode(),
    ),
}


@attrs.define
class FaultServer:
    """Where the faulty endpoint is, and what reached it."""

    fault: Fault
    endpoint_url: str
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)
    _connections: int = attrs.field(default=0, init=False)
    _operations: list[str] = attrs.field(factory=list, init=False)

    @property
    def connections(self) -> int:
        """TCP connections accepted so far: one per botocore attempt, as no connection outlives an answer."""
        with self._lock:
            return self._connections

    @property
    def operations(self) -> list[str]:
        """The Cognito operations requested so far, one per attempt that was answered."""
        with self._lock:
            return list(self._operations)

    def reset(self) -> None:
        with self._lock:
            self._connections = 0
            self._operations.clear()

    def _connected(self) -> None:
        with self._lock:
            self._connections += 1

    def _requested(self, operation: str) -> None:
        with self._lock:
            self._operations.append(operation)


class _Server(socketserver.ThreadingTCPServer):
    # One thread per connection, joined by `server_close`: no thread outlives the `with` block.
    daemon_threads = False
    block_on_close = True

    def __init__(self, record: FaultServer, handler: type[socketserver.BaseRequestHandler]) -> None:
        super().__init__((_HOST, 0), handler)
        self.record = record
        self.stopping = threading.Event()


class _Blackhole(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.record._connected()
        # Hold the connection open, silent, until the server stops (or the client gives up first).
        self.request.settimeout(_POLL_INTERVAL)
        while not self.server.stopping.is_set():
            try:
                if not self.request.recv(65536):
                    return
            except TimeoutError:
                continue
            except OSError:
                return


class _Answering(http.server.BaseHTTPRequestHandler):
    server: _Server
    # HTTP/1.0: the connection closes after each answer, so no handler thread waits on an idle
    # keep-alive connection when the server stops.
    protocol_version = "HTTP/1.0"

    def setup(self) -> None:
        super().setup()
        self.server.record._connected()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.record._requested(self.headers.get("X-Amz-Target", "").removeprefix(_TARGET_PREFIX))
        status, content_type, body = _ANSWERS[self.server.record.fault]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", REQUEST_ID)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: pytest would show every request among a failing test's output."""


@contextlib.contextmanager
def running_fault_server(fault: Fault) -> Iterator[FaultServer]:
    """Serve `fault` on a free loopback port until the block ends; then stop and join every thread."""
    if fault is Fault.REFUSE:
        with _refusing_port() as port:
            yield FaultServer(fault, f"http://{_HOST}:{port}")
        return
    record = FaultServer(fault, "")
    server = _Server(record, _Blackhole if fault is Fault.BLACKHOLE else _Answering)
    record.endpoint_url = f"http://{_HOST}:{server.server_address[1]}"
    loop = threading.Thread(target=server.serve_forever, args=(_POLL_INTERVAL,), name=f"fault-server-{fault.value}")
    loop.start()
    try:
        yield record
    finally:
        server.stopping.set()
        server.shutdown()
        loop.join()
        server.server_close()


@contextlib.contextmanager
def _refusing_port() -> Iterator[int]:
    """A port that is bound but never listened on: connections to it are refused (RST), and holding it
    bound keeps any other process from starting to listen there meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((_HOST, 0))
        yield holder.getsockname()[1]
