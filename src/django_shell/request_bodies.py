"""Request bodies sent without a Content-Length (`Transfer-Encoding: chunked`), made ordinary.

Django reads exactly CONTENT_LENGTH bytes of a body and takes a request without one for bodiless,
so a chunked JSON body would be parsed as empty ("field required") and a chunked image as no
image. The server (granian, gunicorn) undoes the chunked framing; this WSGI wrapper reads the
decoded body, at most one byte past the largest body any endpoint takes, and hands it on with
its length, so that every limit and parser works as for a body sent with a Content-Length.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from django_shell.errors import error_body

WsgiApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_TOO_LARGE = json.dumps(error_body("The request body is too large.", "PayloadTooLarge")).encode()


def read_at_most(stream: Any, limit: int) -> bytes:
    """Up to `limit` bytes of `stream`, fewer only at its end."""
    # A WSGI server's read(n) may return fewer bytes than asked for before the end.
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0 and (chunk := stream.read(remaining)):
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class ChunkedBodies:
    """Wraps a WSGI application: a chunked body of at most `limit` bytes reaches it with its
    CONTENT_LENGTH; a longer one is answered 413 `PayloadTooLarge` without reading further."""

    def __init__(self, application: WsgiApplication, limit: int) -> None:
        self.application = application
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked or environ.get("CONTENT_LENGTH"):
            return self.application(environ, start_response)
        body = read_at_most(environ["wsgi.input"], self.limit + 1)
        if len(body) > self.limit:
            start_response(
                "413 Content Too Large",
                [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(_TOO_LARGE))),
                    ("Connection", "close"),
                ],
            )
            return [_TOO_LARGE]
        return self.application(
            {**environ, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}, start_response
        )
