"""Deadlines on every wait for PostgreSQL, kept by the client.

libpq's `connect_timeout` and the server's `statement_timeout` bound a slow server, not one that
takes the bytes and never answers (a hung server, a frozen proxy, a route that swallows packets
after the last hop has acknowledged them): libpq would wait on the socket forever, and the
request with it. psycopg2 lets one wait callback do all its waiting (its "green" mode, made for
coroutine libraries); ours waits with a deadline and, past it, raises `OperationalError`, which
makes psycopg2 close the connection. Django answers that 503 (`django_shell.errors`) and opens a
new connection for the next request.

In a request, each wait (connecting; one statement, commit or rollback) has its own deadline, and
all the waits of the request share a budget, so that a request that meets a hung database neither
hangs nor pays one timeout per query: `connect + statement` seconds in all (the failed health
check of a kept connection, then an attempt at a new one cut short by what is left).
Outside requests (migrations, management commands, a test's own set-up) only connecting has a
deadline: their statements may rightly take long, and the server's statement timeout, where the
connection sets one, still bounds them.
"""

from __future__ import annotations

import functools
import math
import select
import threading
import time
from typing import Any

import attrs
import psycopg2
from django.core.signals import request_finished, request_started
from psycopg2 import extensions

# Beyond the server's own statement timeout: the server cancels a slow statement itself, which
# keeps the connection; the client gives up only when no answer at all comes back.
GRACE_SECONDS = 0.5

_POLL_EVENTS = {extensions.POLL_READ: select.POLLIN, extensions.POLL_WRITE: select.POLLOUT}


@attrs.frozen
class Deadlines:
    connect: float
    """Seconds to establish a connection (TCP, TLS, authentication)."""
    statement: float
    """The server's statement timeout, in seconds."""

    @property
    def per_request(self) -> float:
        return self.connect + self.statement


# The end of the current request's budget: absent outside a request, None until its first wait.
_request = threading.local()


def install(deadlines: Deadlines) -> None:
    """Make every psycopg2 connection of the process wait with `deadlines`."""
    extensions.set_wait_callback(functools.partial(_wait, deadlines))
    request_started.connect(_start_request, dispatch_uid="cognito_auth.database.start")
    request_finished.connect(_finish_request, dispatch_uid="cognito_auth.database.finish")


def _start_request(**kwargs: Any) -> None:
    _request.ends = None


def _finish_request(**kwargs: Any) -> None:
    # Connected after Django's `close_old_connections`, so the health check it may run at the end
    # of the request still counts against the request's budget.
    _request.__dict__.pop("ends", None)


def _wait(deadlines: Deadlines, connection: Any) -> None:
    now = time.monotonic()
    connecting = connection.status == extensions.STATUS_SETUP
    in_request = "ends" in _request.__dict__
    if connecting:
        ends = now + deadlines.connect
    elif in_request:
        ends = now + deadlines.statement + GRACE_SECONDS
    else:
        ends = math.inf
    if in_request:
        if _request.ends is None:
            _request.ends = now + deadlines.per_request
        ends = min(ends, _request.ends)
    poller = select.poll()
    registered = None
    while (state := connection.poll()) != extensions.POLL_OK:
        left = ends - time.monotonic()
        if left <= 0:
            raise psycopg2.OperationalError(
                "PostgreSQL could not be reached in time." if connecting else "PostgreSQL did not answer in time."
            )
        if state != registered:
            poller.register(connection.fileno(), _POLL_EVENTS[state])
            registered = state
        poller.poll(None if left == math.inf else left * 1000)
