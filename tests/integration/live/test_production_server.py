"""`make serve`'s server as a real process: hostile bodies and headers, slow clients, and its start-up.

Each test bounds itself in seconds: every socket has a deadline, and no test waits for a worker timeout.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.images import JPEG
from tests.live_server import LiveServer, production_server, service_environment

# A normal request must be answered within this while others trickle bodies in (issue 12: 2 s).
ANSWER_DEADLINE = 2.0


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    scratch = tmp_path_factory.mktemp("serve")
    environment = service_environment(
        WEB_CONCURRENCY="1", LOCAL_POOL_FILE=str(scratch / "pool.sqlite3"), SQLITE_PATH=str(scratch / "db.sqlite3")
    )
    with production_server(environment) as running:
        yield running


def exchange(server: LiveServer, raw: bytes, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """Send `raw` as it is; the status, headers (lower-cased names) and body of the answer."""
    address = urlsplit(server.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    if headers.get("transfer-encoding") == "chunked":
        body = unchunked(body)
    return int(status_line.split()[1]), headers, body


def unchunked(framed: bytes) -> bytes:
    body = b""
    while True:
        size_line, _, framed = framed.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return body
        body, framed = body + framed[:size], framed[size + 2 :]


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"", host: str = "127.0.0.1") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(body: bytes, size: int = 4096) -> bytes:
    pieces = [body[start : start + size] for start in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def json_post(path: str, body: bytes, **headers: str) -> bytes:
    return request(
        "POST", path, {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}, body
    )


def chunked_post(path: str, body: bytes, content_type: str = "application/json", size: int = 4096) -> bytes:
    headers = {"Content-Type": content_type, "Transfer-Encoding": "chunked"}
    return request("POST", path, headers, chunked(body, size))


def error_code(body: bytes) -> str:
    return str(json.loads(body)["code"])


class TestHostileBodies:
    @pytest.mark.parametrize("depth", [950, 32_000])
    def test_deeply_nested_json_is_a_bad_request(self, server, depth):
        status, headers, body = exchange(server, json_post("/auth/resend_code", b"[" * depth + b"]" * depth))
        assert (status, error_code(body)) == (400, "BadRequest")
        assert headers["content-type"] == "application/json"
        assert "Traceback" not in server.log()

    def test_a_chunked_json_body_is_read(self, server):
        status, _, body = exchange(
            server, chunked_post("/auth/resend_code", b'{"username": "kai@example.com"}', size=4)
        )
        assert status == 200, body

    def test_a_chunked_image_is_uploaded(self, server):
        username, password = "ivy@example.com", "Correct-Horse-9"
        basic = {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}
        assert server.post("/auth/signup", headers=basic).status == 201
        code = re.findall(rf"sign-up confirmation code for {re.escape(username)}: (\d+)", server.log())[-1]
        assert server.post("/auth/confirm_signup", {"username": username, "code": code}).status == 200
        token = server.post("/auth/login", headers=basic).headers["accesstoken"]  # granian lowers names
        image = request(
            "PUT",
            "/auth/me/image",
            {"Content-Type": "image/jpeg", "Transfer-Encoding": "chunked", "AccessToken": token},
            chunked(JPEG, 16),
        )
        status, _, body = exchange(server, image)
        assert status == 200, body
        assert json.loads(body)["image_url"]

    def test_a_chunked_json_body_over_64_kib_is_too_large(self, server):
        status, _, body = exchange(server, chunked_post("/auth/resend_code", b'{"username": "' + b"a" * 70_000 + b'"}'))
        assert (status, error_code(body)) == (413, "PayloadTooLarge")

    def test_a_chunked_body_over_the_largest_any_endpoint_takes_is_too_large(self, server):
        status, _, body = exchange(
            server, chunked_post("/auth/me/image", b"\xff" * (5 * 1024 * 1024 + 1), "image/jpeg")
        )
        assert (status, error_code(body)) == (413, "PayloadTooLarge")


class TestHeaderLimits:
    def forged_token(self, length: int) -> str:
        """JWT-shaped, `length` characters: the server must let it reach the verifier, which refuses it."""
        header = base64.urlsafe_b64encode(b'{"alg":"RS256","kid":"none"}').rstrip(b"=").decode()
        return f"{header}.{'A' * (length - len(header) - 6)}.c2ln"

    def test_a_token_of_24_kib_reaches_the_verifier(self, server):
        status, _, body = exchange(server, request("GET", "/auth/me", {"AccessToken": self.forged_token(24 * 1024)}))
        assert (status, error_code(body)) == (401, "TokenInvalid")
        assert b"too long" not in body

    def test_a_token_over_the_verifiers_limit_is_refused_as_too_long(self, server):
        status, _, body = exchange(server, request("GET", "/auth/me", {"AccessToken": self.forged_token(40 * 1024)}))
        assert (status, error_code(body)) == (401, "TokenInvalid")
        assert b"too long" in body

    def test_a_host_not_allowed_is_a_json_bad_request(self, server):
        status, headers, body = exchange(server, request("GET", "/auth/me", {}, host="evil.example"))
        assert (status, error_code(body)) == (400, "BadRequest")
        assert headers["content-type"] == "application/json"

    def test_headers_past_the_servers_buffer_are_refused_by_the_server(self, server):
        # granian answers 431 itself, before the application, with an empty body: the one refusal
        # that cannot take the JSON shape (see the README). Its head buffer is 408 KiB, but once a
        # worker has read large bodies it admits larger heads, so the test sends 4 MB. It may close
        # the connection while the head is still arriving, and the 431 is then lost with it.
        address = urlsplit(server.base_url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
            try:
                connection.sendall(request("GET", "/auth/me", {"X-Padding": "p" * 4_000_000}))
                answer = connection.recv(65536)
            except (BrokenPipeError, ConnectionResetError):
                answer = b""
        assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:200]


@contextlib.contextmanager
def trickling(server: LiveServer, clients: int) -> Iterator[None]:
    """`clients` connections, each announcing a 100-byte body of which it has sent one byte."""
    address = urlsplit(server.base_url)
    connections = []
    try:
        for _ in range(clients):
            connection = socket.create_connection((address.hostname, address.port), timeout=5)
            announced = {"Content-Type": "application/json", "Content-Length": "100"}
            connection.sendall(request("POST", "/auth/resend_code", announced) + b"{")
            connections.append(connection)
        yield
    finally:
        for connection in connections:
            connection.close()


def test_a_normal_request_is_answered_while_20_clients_trickle_bodies(server):
    with trickling(server, 20):
        time.sleep(1)  # let the server take every slow connection in
        # Raises socket.timeout (the test fails) if no answer comes within the deadline.
        status, _, body = exchange(server, request("GET", "/auth/me", {}), timeout=ANSWER_DEADLINE)
    assert (status, error_code(body)) == (401, "NotAuthenticated")


class TestStartUp:
    def test_the_banner_says_where_each_kind_of_state_lives(self, server):
        log = server.log()
        assert "identity provider: embedded (user pool in " in log
        assert "revocation and limits: revocations in " in log
        assert "limits per process (no REDIS_URL)" in log
        assert "database: SQLite file " in log
        assert "workers: 1 (WEB_CONCURRENCY)" in log

    @pytest.mark.parametrize(
        ("missing", "environment"),
        [
            ("LOCAL_POOL_FILE", {"REDIS_URL": "redis://127.0.0.1:9/0", "DJANGO_SECRET_KEY": "k"}),
            ("REDIS_URL", {"LOCAL_POOL_FILE": "pool.sqlite3", "DJANGO_SECRET_KEY": "k"}),
            ("DJANGO_SECRET_KEY", {"LOCAL_POOL_FILE": "pool.sqlite3", "REDIS_URL": "redis://127.0.0.1:9/0"}),
        ],
    )
    def test_several_workers_with_per_process_state_stop_with_one_line(self, tmp_path, missing, environment):
        finished = subprocess.run(
            [sys.executable, "-m", "django_shell.serve"],
            env=service_environment(WEB_CONCURRENCY="2", SQLITE_PATH=str(tmp_path / "db.sqlite3"), **environment),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert finished.returncode != 0
        lines = finished.stderr.strip().splitlines()
        assert len(lines) == 1, finished.stderr
        assert lines[0].startswith("configuration error: WEB_CONCURRENCY=2 workers need shared state: set ")
        assert missing in lines[0]
        assert "WEB_CONCURRENCY=1" in lines[0]


def test_several_workers_start_with_shared_state_and_say_so(tmp_path, redis_url):
    environment = service_environment(
        WEB_CONCURRENCY="2",
        REDIS_URL=redis_url,
        DJANGO_SECRET_KEY="several-workers-test",
        LOCAL_POOL_FILE=str(tmp_path / "pool.sqlite3"),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    with production_server(environment) as running:
        assert running.get("/auth/me").status == 401
        log = running.log()
    assert "workers: 2 (WEB_CONCURRENCY)" in log
    assert "revocation and limits: shared in Redis at " in log
    assert "shared by this host's processes" in log
