"""Log lines that say which request they belong to, one access line per request, as text or JSON.

`RequestLogMiddleware` runs outermost: it takes the request's id (the `X-Request-ID` it came with when
that is a sane value, else a new one), keeps the request in a context variable for as long as it is
served, echoes the id on the response and writes the access line. `RequestContextFilter`, on the
handler, copies the id, method, path and the user's `sub` of the current request onto every record
logged meanwhile, by any logger; the formatters show them.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import attrs
from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# What proxies and clients put there (UUIDs, hex, base64 of a few dozen bytes) fits; whatever else
# comes (control characters, a second header smuggled after a line break, a megabyte) does not.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}")

access_logger = logging.getLogger("cognito_auth.access")


@attrs.define
class _RequestInProgress:
    request: HttpRequest
    request_id: str
    path: str


_current: contextvars.ContextVar[_RequestInProgress | None] = contextvars.ContextVar("request", default=None)


def request_id_of(header: str | None) -> str:
    """The id a request is logged under: its `X-Request-ID` when sane, else a new random one."""
    if header is not None and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        in_progress = _RequestInProgress(request, request_id_of(request.headers.get(REQUEST_ID_HEADER)), request.path)
        reset = _current.set(in_progress)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = in_progress.request_id
            if response.status_code >= 400:
                # What Django's handler would log once this middleware has returned, outside the
                # request's context; logged here it carries the request's id (and is not repeated).
                log_response("%s: %s", response.reason_phrase, in_progress.path, response=response, request=request)
            milliseconds = (time.perf_counter() - started) * 1000
            access_logger.info(
                "%s %s %d %.1f ms",
                request.method,
                in_progress.path,
                response.status_code,
                milliseconds,
                extra={"status": response.status_code, "duration_ms": round(milliseconds, 1)},
            )
            return response
        finally:
            _current.reset(reset)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        # A signed profile-image URL is a credential for as long as it lasts: its token stays out of the logs.
        in_progress = _current.get()
        if in_progress is not None and "token" in kwargs:
            in_progress.path = in_progress.path.replace(kwargs["token"], "<token>")


class RequestContextFilter(logging.Filter):
    """Adds `request_id`, `method`, `path` and, once the request is authenticated, `user_sub` to
    records logged while a request is served; other records pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        in_progress = _current.get()
        if in_progress is not None:
            record.request_id = in_progress.request_id
            record.method = in_progress.request.method
            record.path = in_progress.path
            sub = _user_sub(in_progress.request)
            if sub is not None:
                record.user_sub = sub
        return True


def _user_sub(request: HttpRequest) -> str | None:
    # Only what is known already: loading a session's user here would query the database for a log
    # line, and fail the request when the database is down.
    authenticated = getattr(request, "token_authentication", None)
    if authenticated is not None:
        return str(authenticated.claims.sub)
    user = getattr(request, "_cached_user", None)  # Django's AuthenticationMiddleware, once loaded
    return getattr(user, "sub", None) if user is not None and user.is_authenticated else None


def text_formatter() -> logging.Formatter:
    return logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s", defaults={"request_id": "-"}
    )


def json_formatter() -> logging.Formatter:
    """One JSON object per line: `time` (ISO 8601, UTC), `level`, `logger`, `message`, what the
    filter adds, and the extras a line was logged with (`status`, `duration_ms` on access lines)."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        # Django's request log passes the request object itself; its path is there already.
        reserved_attrs=[*RESERVED_ATTRS, "taskName", "request"],
    )
