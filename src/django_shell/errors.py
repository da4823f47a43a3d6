"""One error body for every failure: `{"error": message, "code": StableCode}` (+ `fields`).

Domain errors map to statuses by class; DRF's and Django's own failures are reshaped to the same
body; anything unexpected is logged here and answered 500 without a trace of its insides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

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
    domain.UsernameExists: status.HTTP_409_CONFLICT,
    domain.ImageTooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    domain.TooManyRequests: status.HTTP_429_TOO_MANY_REQUESTS,
    domain.ProviderUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    domain.UserNotFound: status.HTTP_404_NOT_FOUND,
    domain.GroupNotFound: status.HTTP_404_NOT_FOUND,
    domain.GroupExists: status.HTTP_409_CONFLICT,
    domain.UserStatusConflict: status.HTTP_409_CONFLICT,
}

# DRF's failures under our stable codes.
_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: "BadRequest",
    exceptions.ValidationError: "ValidationError",
    exceptions.UnsupportedMediaType: "UnsupportedMediaType",
    exceptions.MethodNotAllowed: "MethodNotAllowed",
    exceptions.NotAcceptable: "NotAcceptable",
    exceptions.NotFound: "NotFound",
    exceptions.NotAuthenticated: "NotAuthenticated",
    exceptions.AuthenticationFailed: "NotAuthenticated",
    exceptions.PermissionDenied: "PermissionDenied",
}


class BadRequest(exceptions.APIException):
    """Malformed HTTP input (headers, framing) that never reached a use-case."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request is malformed."
    default_code = "BadRequest"


class DatabaseUnavailable(exceptions.APIException):
    """PostgreSQL refused, failed or did not answer in time (see django_shell/database.py)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service's database is unavailable; try again later."
    default_code = "DatabaseUnavailable"
    retry_after = 5


# What Django raises when the database cannot be reached or the connection breaks; the other
# database errors (a missing table, a constraint) are bugs, and stay 500.
DATABASE_FAILURES = (OperationalError, InterfaceError)


# Every `code` an error body can hold, with its status: the OpenAPI schema's list of them.
ERROR_STATUSES: dict[str, int] = {
    **{kind.__name__: status_code for kind, status_code in _DOMAIN_STATUS.items()},
    **{code: kind.status_code for kind, code in _DRF_CODES.items()},
    BadRequest.default_code: BadRequest.status_code,
    DatabaseUnavailable.default_code: DatabaseUnavailable.status_code,
    "PayloadTooLarge": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "InternalError": status.HTTP_500_INTERNAL_SERVER_ERROR,
}


def error_body(message: str, code: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "code": code}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, domain.DomainError):
        return _domain_response(exc)
    if isinstance(exc, exceptions.APIException):
        return _drf_response(exc)
    if isinstance(exc, DATABASE_FAILURES):
        logger.warning("The database failed (%s: %s); answering 503.", type(exc).__name__, str(exc).strip())
        return _drf_response(DatabaseUnavailable())
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("The request body is too large.", "PayloadTooLarge"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    logger.exception("unexpected error in %s", type(context.get("view")).__name__)
    return Response(error_body("Internal error.", "InternalError"), status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def _domain_response(exc: domain.DomainError) -> Response:
    status_code = next(code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind))
    fields = exc.fields if isinstance(exc, domain.ValidationError) else None
    response = Response(error_body(exc.message, exc.code, fields), status=status_code)
    if isinstance(exc, domain.TooManyRequests | domain.ProviderUnavailable):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _drf_response(exc: exceptions.APIException) -> Response:
    code = next((code for kind, code in _DRF_CODES.items() if isinstance(exc, kind)), str(exc.default_code))
    if isinstance(exc, exceptions.ValidationError):
        response = Response(error_body("Some fields are invalid.", code, _flatten(exc.detail)), status=exc.status_code)
    else:
        response = Response(error_body(str(exc.detail), code), status=exc.status_code)
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


def json_error_view(status_code: int, message: str, code: str) -> Callable[..., JsonResponse]:
    """A Django error handler (`handler404` ...) answering in the one error body."""

    def view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
        return JsonResponse(error_body(message, code), status=status_code)

    return view
