"""One error body for every failure: `{"error": message, "code": StableCode}` (+ `fields`).

Domain errors map to statuses by class; DRF's failures map to their own status under a stable code;
Django's (a bad Host header, too many parameters, a body too large, ...) are first turned into DRF's,
whether a DRF view or Django's own handler (`handler400` ...) meets them. Anything else is a defect:
logged here and answered 500 without a trace of its insides. Error bodies are always JSON, whatever
representation the view would have rendered.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.core import exceptions as django
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404
from rest_framework import exceptions, status

from domain import errors as domain

logger = logging.getLogger("cognito_auth.errors")

_DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.ValidationError: status.HTTP_400_BAD_REQUEST,
    domain.InvalidPassword: status.HTTP_400_BAD_REQUEST,
    domain.CodeMismatch: status.HTTP_400_BAD_REQUEST,
    domain.ExpiredCode: status.HTTP_400_BAD_REQUEST,
    domain.ExpiredSession: status.HTTP_400_BAD_REQUEST,
    domain.NotAuthorized: status.HTTP_401_UNAUTHORIZED,
    domain.NotAuthenticated: status.HTTP_401_UNAUTHORIZED,
    domain.TokenInvalid: status.HTTP_401_UNAUTHORIZED,
    domain.TokenExpired: status.HTTP_401_UNAUTHORIZED,
    domain.UserNotConfirmed: status.HTTP_403_FORBIDDEN,
    domain.PasswordResetRequired: status.HTTP_403_FORBIDDEN,
    domain.StepUpRequired: status.HTTP_403_FORBIDDEN,
    domain.PasskeyRejected: status.HTTP_400_BAD_REQUEST,
    domain.PasskeyNotFound: status.HTTP_404_NOT_FOUND,
    domain.UsernameExists: status.HTTP_409_CONFLICT,
    domain.ImageTooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    domain.TooManyRequests: status.HTTP_429_TOO_MANY_REQUESTS,
    domain.ProviderUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    domain.UserNotFound: status.HTTP_404_NOT_FOUND,
    domain.GroupNotFound: status.HTTP_404_NOT_FOUND,
    domain.GroupExists: status.HTTP_409_CONFLICT,
    domain.UserStatusConflict: status.HTTP_409_CONFLICT,
}


class BadRequest(exceptions.APIException):
    """Malformed HTTP input (headers, framing) that never reached a use-case."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request is malformed."
    default_code = "BadRequest"


class CsrfFailed(exceptions.APIException):
    """A request authenticated by cookie that Django's CSRF protection refuses (token or origin)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "CSRF Failed."
    default_code = "CsrfFailed"


class DatabaseUnavailable(exceptions.APIException):
    """PostgreSQL refused, failed or did not answer in time (see django_shell/database.py)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service's database is unavailable; try again later."
    default_code = "DatabaseUnavailable"
    retry_after = 5


# What Django raises when the database cannot be reached or the connection breaks; the other
# database errors (a missing table, a constraint) are bugs, and stay 500.
DATABASE_FAILURES = (OperationalError, InterfaceError)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "PayloadTooLarge"


class InternalError(exceptions.APIException):
    """A defect: never raised on purpose, only answered."""

    default_detail = "Internal error."
    default_code = "InternalError"


# DRF's failures and ours under their stable codes, each with the status of its class. A subclass
# takes its base's code (most specific first, as `isinstance` walks the table in order).
_API_CODES: dict[type[exceptions.APIException], str] = {
    BadRequest: "BadRequest",
    PayloadTooLarge: "PayloadTooLarge",
    InternalError: "InternalError",
    exceptions.ParseError: "BadRequest",
    exceptions.ValidationError: "ValidationError",
    exceptions.AuthenticationFailed: "NotAuthenticated",
    exceptions.NotAuthenticated: "NotAuthenticated",
    exceptions.PermissionDenied: "PermissionDenied",
    exceptions.NotFound: "NotFound",
    exceptions.MethodNotAllowed: "MethodNotAllowed",
    exceptions.NotAcceptable: "NotAcceptable",
    exceptions.UnsupportedMediaType: "UnsupportedMediaType",
    exceptions.Throttled: "TooManyRequests",
    CsrfFailed: "CsrfFailed",
    DatabaseUnavailable: "DatabaseUnavailable",
}

# Every `code` an error body can hold, with its status: the OpenAPI schema's list of them.
ERROR_STATUSES: dict[str, int] = {
    **{kind.__name__: status_code for kind, status_code in _DOMAIN_STATUS.items()},
    **{code: kind.status_code for kind, code in _API_CODES.items()},
}

# A message each code is answered with, for the schema's examples: the domain's where both have one.
ERROR_MESSAGES: dict[str, str] = {
    **{
        code: str(kind.default_detail).format(method="TRACE", media_type="text/plain")
        for kind, code in reversed(_API_CODES.items())
    },
    **{kind.__name__: kind.default_message for kind in _DOMAIN_STATUS},
}


def error_body(message: str, code: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "code": code}
    if fields:
        body["fields"] = fields
    return body


# The realm every challenge names (RFC 7235 §2.2).
REALM = "cognito-auth"
# What RFC 6750 lets an `error_description` hold: printable ASCII but `"` and `\`.
_DESCRIBABLE = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> JsonResponse:
    """DRF's `EXCEPTION_HANDLER`."""
    response = _response(exc, context)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = _challenge(exc, json.loads(response.content), context)
    return response


def _challenge(exc: Exception, body: dict[str, Any], context: dict[str, Any]) -> str:
    """What a 401 must name (RFC 7235 §3.1): the scheme that would let the request in. Views that take
    a username and password say `challenge_scheme = "Basic"`; the rest take a bearer token. A bearer
    token that came and was refused is `invalid_token`, with why (RFC 6750 §3); a request without one
    gets the bare challenge, as is a wrong password at a view that says `password_in_body`."""
    view = context.get("view")
    if getattr(view, "challenge_scheme", "Bearer") == "Basic":
        return f'Basic realm="{REALM}", charset="UTF-8"'
    request = context.get("request")
    refused_by_middleware = request is not None and exc is getattr(request._request, "token_error", None)
    refused_here = body["code"] in ("TokenInvalid", "TokenExpired") or (
        body["code"] == "NotAuthorized" and not getattr(view, "password_in_body", False)
    )
    if not (refused_by_middleware or refused_here):
        return f'Bearer realm="{REALM}"'
    description = "".join(char for char in body["error"] if char in _DESCRIBABLE)
    return f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'


def _response(exc: Exception, context: dict[str, Any]) -> JsonResponse:
    if isinstance(exc, domain.DomainError):
        return _domain_response(exc)
    if isinstance(exc, django.SuspiciousOperation):
        # Django logs the suspicious requests it refuses itself; those a view meets are logged alike.
        logging.getLogger(f"django.security.{type(exc).__name__}").error("%s", exc)
    api_exception = as_api_exception(exc)
    if api_exception is None:
        logger.error("unexpected error in %s", type(context.get("view")).__name__, exc_info=exc)
        api_exception = InternalError()
    return _api_response(api_exception)


def as_api_exception(exc: BaseException | None) -> exceptions.APIException | None:
    """`exc` as the DRF failure that answers it; None for what no client can cause (a defect)."""
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, DATABASE_FAILURES):
        logger.warning("The database failed (%s: %s); answering 503.", type(exc).__name__, str(exc).strip())
        return DatabaseUnavailable()
    if isinstance(exc, django.RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, django.TooManyFieldsSent | django.TooManyFilesSent):
        return BadRequest("The request has too many query or form parameters.")
    if isinstance(exc, django.DisallowedHost):
        return BadRequest("The Host header names no host this service answers for.")
    # Django's messages for these may quote the request; the fixed one quotes nothing.
    if isinstance(exc, django.SuspiciousOperation | django.BadRequest | MultiPartParserError):
        return BadRequest()
    if isinstance(exc, Resolver404):
        return exceptions.NotFound("No such endpoint.")
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, django.PermissionDenied):
        return exceptions.PermissionDenied()
    return None


def _domain_response(exc: domain.DomainError) -> JsonResponse:
    status_code = next(code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind))
    fields = exc.fields if isinstance(exc, domain.ValidationError) else None
    response = JsonResponse(error_body(exc.message, exc.code, fields), status=status_code)
    if isinstance(exc, domain.TooManyRequests | domain.ProviderUnavailable):
        response["Retry-After"] = str(exc.retry_after)
    return response


def api_error_code(exc: exceptions.APIException) -> str:
    """The stable code of a DRF failure; one outside the table is named after its status."""
    code = next((code for kind, code in _API_CODES.items() if isinstance(exc, kind)), None)
    if code is not None:
        return code
    try:
        return "".join(char for char in HTTPStatus(exc.status_code).phrase.title() if char.isalnum())
    except ValueError:
        return f"Status{exc.status_code}"


def _api_response(exc: exceptions.APIException) -> JsonResponse:
    code = api_error_code(exc)
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("Some fields are invalid.", code, _flatten(exc.detail))
    else:
        body = error_body(str(exc.detail), code)
    response = JsonResponse(body, status=exc.status_code)
    if isinstance(exc, exceptions.Throttled):
        # The stubs leave out the `wait` that DRF sets.
        wait: float | None = getattr(exc, "wait", None)
        response["Retry-After"] = str(math.ceil(wait or 1))
    if isinstance(exc, DatabaseUnavailable):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _flatten(detail: Any) -> dict[str, Any]:
    """DRF's nested error lists as `{field: "first message"}`; non-field errors under `body`."""
    if isinstance(detail, dict):
        return {
            ("body" if key == "non_field_errors" else str(key)): _first_message(value) for key, value in detail.items()
        }
    return {"body": _first_message(detail)}


def _first_message(detail: Any) -> Any:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict):
        return _flatten(detail)
    return str(detail)


def json_error_view(default: type[exceptions.APIException]) -> Callable[..., JsonResponse]:
    """A Django error handler (`handler400` ...) answering in the one error body: the failure that
    Django met, as `exception_handler` would answer it, or `default` where it passes none."""

    def view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
        return _api_response(as_api_exception(exception) or default())

    return view


class DatabaseFailureMiddleware:
    """Answers 503 `DatabaseUnavailable` when a view outside DRF (the Django admin's) meets a failing
    database: DRF's views and the account pages answer it themselves, Django's own handler would
    answer 500 and log a traceback for what is an outage, not a defect."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> JsonResponse | None:
        if not isinstance(exception, DATABASE_FAILURES):
            return None
        return _api_response(as_api_exception(exception) or DatabaseUnavailable())
