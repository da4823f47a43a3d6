"""A moto server in a process of its own, and readers of the state that only moto reveals.

A separate process rather than moto's in-process decorators or `ThreadedMotoServer`: the adapter
then talks real HTTP to a real socket, and nothing of moto patches botocore inside the test process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

_HOST = "127.0.0.1"
_STARTUP_DEADLINE = 15.0
_STOP_GRACE = 5.0


@attrs.frozen
class MotoServer:
    endpoint_url: str


def _free_port() -> int:
    # The port is released before moto binds it; another process could take it in between, which
    # on a test machine is rare enough to prefer over parsing moto's start-up output.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=0.5):  # noqa: S310 -- a fixed http://127.0.0.1 URL
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


@contextlib.contextmanager
def running_moto_server() -> Iterator[MotoServer]:
    """Start `moto.server` on a free loopback port, wait until it answers, stop it on exit."""
    port = _free_port()
    endpoint_url = f"http://{_HOST}:{port}"
    # Output goes to a file, not a pipe: moto logs every request, and a pipe nobody reads fills up
    # and blocks the server. The file is read only to explain a failed start.
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(  # noqa: S603 -- our own interpreter, fixed arguments
            [sys.executable, "-m", "moto.server", "-H", _HOST, "-p", str(port)],
            # Without it moto accepts any TOTP code, and no test could tell a wrong one from a right one.
            env={**os.environ, "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(process, f"{endpoint_url}/moto-api/", output)
            yield MotoServer(endpoint_url)
        finally:
            process.terminate()
            try:
                process.wait(_STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], url: str, output: Any) -> None:
    deadline = time.monotonic() + _STARTUP_DEADLINE
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            output.seek(0)
            log = output.read().decode(errors="replace")[-2000:]
            state = f"exited with {process.returncode}" if process.poll() is not None else "does not answer"
            raise RuntimeError(
                f"moto server did not start: it {state} at {url} (waited up to {_STARTUP_DEADLINE:.0f} s); "
                f"its output:\n{log}"
            )
        time.sleep(0.05)


_FORGOT_PASSWORD_EVENT = "after-call.cognito-idp.ForgotPassword"
_FORGOT_PASSWORD_HEADER = "x-moto-forgot-password-confirmation-code"


@attrs.define
class ForgotPasswordCodes:
    """The reset codes moto issued, in order."""

    codes: list[str] = attrs.field(factory=list)

    @property
    def last(self) -> str:
        if not self.codes:
            raise LookupError("moto issued no password-reset code through this client")
        return self.codes[-1]


@contextlib.contextmanager
def capturing_forgot_password_codes(client: CognitoIdentityProviderClient) -> Iterator[ForgotPasswordCodes]:
    """Record the code of every ForgotPassword call made through `client` while the block runs.

    Moto returns the code it stored in a response header of the very call. Reading it there is the
    robust way: it belongs to exactly this call, whereas `GET /moto-api/data.json` dumps every model
    of every pool of the session (passwords included) under moto's internal attribute names, which
    change between moto versions, and grows with each test.
    """
    captured = ForgotPasswordCodes()

    def remember(http_response: Any, **kwargs: Any) -> None:
        code = http_response.headers.get(_FORGOT_PASSWORD_HEADER)
        if code:
            captured.codes.append(code)

    client.meta.events.register(_FORGOT_PASSWORD_EVENT, remember)
    try:
        yield captured
    finally:
        client.meta.events.unregister(_FORGOT_PASSWORD_EVENT, remember)
