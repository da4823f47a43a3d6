"""The service as a real process on a loopback port, configured only through its environment."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

_HOST = "127.0.0.1"
_STARTUP_DEADLINE = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@attrs.frozen
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any


@attrs.frozen
class LiveServer:
    base_url: str
    log_path: str
    timeout: float = 30.0
    """How long a request may take before the test fails: `attrs.evolve` a server to bound it tighter."""

    def post(self, path: str, body: Any = None, headers: Mapping[str, str] | None = None) -> Reply:
        return self.request("POST", path, b"" if body is None else json.dumps(body).encode(), headers)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Reply:
        return self.request("GET", path, None, headers)

    def request(self, method: str, path: str, data: bytes | None, headers: Mapping[str, str] | None) -> Reply:
        request = urllib.request.Request(  # noqa: S310 -- a loopback http URL of our own
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return Reply(response.status, dict(response.headers), json.loads(response.read() or b"null"))
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), json.loads(error.read() or b"null"))

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()


# For servers of tests that sign the same accounts in again and again, from one address, within the
# budgets' windows (which Redis keeps across runs): budgets they never reach. The limits have tests
# of their own, with the production budgets (tests/integration/live/test_limits_multi_process.py).
AMPLE_BUDGETS = {
    f"RATE_LIMIT_{kind}_PER_{whom}": "1000/minute"
    for kind in ("PASSWORD", "CODE", "CODE_DELIVERY", "PASSWORD_CHANGE", "PASSKEY")
    for whom in ("IP", "ACCOUNT")
}


def service_environment(**overrides: str) -> dict[str, str]:
    """The test process's environment without any of the service's own settings, plus `overrides`."""
    prefixes = (
        "COGNITO_",
        "AWS_",
        "DB_",
        "DJANGO_",
        "IDENTITY_PROVIDER",
        "LOCAL_POOL_FILE",
        "REDIS_URL",
        "SQLITE_PATH",
        "RATE_LIMIT_",
        "TRUSTED_PROXY_HOPS",
        "CODE_DELIVERY_MIN_MILLISECONDS",
        "WEB_CONCURRENCY",
        "WEBAUTHN_",
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith(prefixes)}
    return environment | overrides


@contextlib.contextmanager
def running_service(environment: Mapping[str, str], *, gunicorn: bool = False) -> Iterator[LiveServer]:
    """`manage.py migrate`, then `runserver` on a free port; its output goes to a file that tests may read.

    With `gunicorn`, one gunicorn sync worker instead, as deployments run it: one thread that keeps
    its database connection from request to request (runserver opens one per request thread).
    """
    subprocess.run(
        [sys.executable, "-m", "django_shell.manage", "migrate", "--no-input", "--verbosity", "0"],
        env=dict(environment),
        check=True,
        timeout=120,
    )
    port = free_port()
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        command = (
            ["gunicorn", "--bind", f"{_HOST}:{port}", "--workers", "1", "django_shell.wsgi"]
            if gunicorn
            else ["django_shell.manage", "runserver", "--noreload", f"{_HOST}:{port}"]
        )
        process = subprocess.Popen(  # noqa: S603 -- our own interpreter, fixed arguments
            [sys.executable, "-m", *command],
            env=dict(environment),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_listening(process, port, log.name)
            yield LiveServer(f"http://{_HOST}:{port}", log.name)
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def production_server(environment: Mapping[str, str]) -> Iterator[LiveServer]:
    """`make serve`'s command, `python -m django_shell.serve`, on a free port (WEB_CONCURRENCY as
    `environment` says); its output goes to a file that tests may read."""
    port = free_port()
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "django_shell.serve"],
            env={**environment, "HOST": _HOST, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_listening(process, port, log.name)
            yield LiveServer(f"http://{_HOST}:{port}", log.name)
        finally:
            # granian's master does not wait for a worker still starting when it is told to stop:
            # the worker would live on, so it is stopped by its own pid.
            workers = _children(process.pid)
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for worker in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    """A process's children (Linux /proc); none once it has ended."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            return [int(child) for child in children.read().split()]
    except FileNotFoundError:
        return []


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log_path: str) -> None:
    deadline = time.monotonic() + _STARTUP_DEADLINE
    while True:
        with contextlib.suppress(OSError), socket.create_connection((_HOST, port), timeout=0.5):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                output = handle.read()[-2000:]
            raise RuntimeError(f"the service did not start on port {port}; its output:\n{output}")
        time.sleep(0.1)
