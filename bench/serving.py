"""The service under a WSGI server on a loopback port, with a signed-in user: what the HTTP benchmarks share.

`served()` migrates a temporary SQLite database, starts one of `SERVERS` (gunicorn's sync workers
unless told) with `bench.settings` and the embedded user pool in a temporary file, and yields a `Served` whose
`access_token` belongs to a user signed up, confirmed and signed in over HTTP. The environment's
Cognito, AWS, database and Redis settings are left out: the benchmarks measure the embedded default.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import attrs

from django_shell.serve import granian_arguments

ROOT = Path(__file__).resolve().parents[1]
USERNAME, PASSWORD = "bench@example.com", "Bench-Pass-42"


@attrs.frozen
class Served:
    port: int
    server: subprocess.Popen[bytes]
    """The process started: the server's master, or the tool wrapping it."""
    access_token: str = attrs.field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self) -> dict[str, tuple[str, dict[str, str]]]:
        """The kinds of request the HTTP benchmarks compare, as (path, headers): `open`, GET
        /bench/open; `padded`, the same with a header as long as the access token that nothing reads,
        which tells what carrying the token costs from what using it does; `auth`, GET
        /bench/protected with the token; `me`, GET /auth/me with the token: the profile from the
        mirror, the service's own warm authenticated path."""
        return {
            "open": ("/bench/open", {}),
            "padded": ("/bench/open", {"X-Pad": "p" * len(self.access_token)}),
            "auth": ("/bench/protected", {"AccessToken": self.access_token}),
            "me": ("/auth/me", {"AccessToken": self.access_token}),
        }


def _gunicorn(worker_class: str, *options: str) -> Callable[[int, int, int], list[str]]:
    def command(port: int, workers: int, timeout: int) -> list[str]:
        return [
            *("-m", "gunicorn", "django_shell.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--worker-class", worker_class, *options, "--timeout", str(timeout)),
            *("--error-logfile", "-", "--log-level", "warning"),
        ]

    return command


def _granian(port: int, workers: int, timeout: int) -> list[str]:
    # `make serve`'s own command; granian has no worker timeout.
    return [*granian_arguments("127.0.0.1", port, workers), "--log-level", "warning"]


# The candidates docs/benchmarks.md compares, as the arguments to python that start them on a port
# with a number of workers and a worker timeout (for the servers that have one).
SERVERS: dict[str, Callable[[int, int, int], list[str]]] = {
    "gunicorn-sync": _gunicorn("sync"),
    # Four threads per worker: gunicorn's documentation suggests 2-4 x cores in all.
    "gunicorn-gthread": _gunicorn("gthread", "--threads", "4"),
    "granian": _granian,
}


@contextmanager
def served(
    workers: int, wrapper: Sequence[str] = (), start_seconds: float = 30.0, server: str = "gunicorn-sync"
) -> Iterator[Served]:
    """`server` (one of `SERVERS`) with `workers` workers, run under `wrapper` (a command prefix such
    as valgrind's, given `start_seconds` to answer and each sign-in request as long again)."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as scratch:
        log_path = Path(scratch) / "server.log"
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("COGNITO_", "AWS_", "DB_", "IDENTITY_PROVIDER", "REDIS_URL"))
        } | {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
            "LOCAL_POOL_FILE": f"{scratch}/pool.sqlite3",
            "SQLITE_PATH": f"{scratch}/db.sqlite3",
            "DJANGO_SECRET_KEY": "bench-only",
            # The sign-up confirmation code is read from the log.
            "LOG_LEVEL": "INFO",
        }
        subprocess.run(
            [sys.executable, "-m", "django_shell.manage", "migrate", "--no-input", "--verbosity", "0"],
            env=environment,
            check=True,
        )
        # A worker under an instrumenting wrapper answers slowly; it must not be taken for hung.
        timeout = max(30, int(start_seconds))
        command = [*wrapper, sys.executable, *SERVERS[server](port, workers, timeout)]
        with log_path.open("w") as log:
            process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            _wait_for(port, start_seconds)
            yield Served(port, process, _sign_in(base_url, log_path, timeout=start_seconds))
        finally:
            # granian's master does not wait for a worker still starting: stop every worker by pid too.
            workers = worker_pids(process.pid) if process.poll() is None else []
            process.terminate()
            try:
                process.wait(start_seconds)
            finally:
                for worker in workers:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(worker, signal.SIGKILL)


def worker_pids(master: int) -> list[int]:
    """The server master's children, its workers (Linux /proc)."""
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server did not start on port {port}")


def _post(url: str, body: object, headers: dict[str, str], timeout: float) -> dict[str, str]:
    request = urllib.request.Request(  # noqa: S310 -- loopback
        url, data=json.dumps(body).encode() if body is not None else b"", method="POST", headers=headers
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        # Header names in any case: HTTP/1.1 says they are case-insensitive, and granian lowers them.
        return {name.lower(): value for name, value in response.headers.items()}


def _sign_in(base_url: str, log_path: Path, timeout: float) -> str:
    basic = {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()}
    _post(f"{base_url}/auth/signup", None, basic, timeout)
    code = re.findall(rf"sign-up confirmation code for {re.escape(USERNAME)}: (\d+)", log_path.read_text())[-1]
    _post(f"{base_url}/auth/confirm_signup", {"username": USERNAME, "code": code}, {}, timeout)
    return _post(f"{base_url}/auth/login", None, basic, timeout)["accesstoken"]
