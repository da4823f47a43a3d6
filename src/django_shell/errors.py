"""One error body for every failure: `{"error": message, "code": StableCode}` (+ `fields`).

Domain errors map to statuses by class; DRF's and Django's own failures are reshaped to the same
body; anything unexpected is logged here and answered 500 without a trace of its insides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
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
    domain.StepUpRequired: status.HTTP_403_FORBIDDEN,
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


class CsrfFailed(exceptions.APIException):
    """A request authenticated by cookie that Django's CSRF protection refuses (token or origin)."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "CSRF Failed."
    default_code = "CsrfFailed"


# Every `code` an error body can hold, with its status: the OpenAPI schema's list of them.
ERROR_STATUSES: dict[str, int] = {
    **{kind.__name__: status_code for kind, status_code in _DOMAIN_STATUS.items()},
    **{code: kind.status_code for kind, code in _DRF_CODES.items()},
    BadRequest.default_code: BadRequest.status_code,
    CsrfFailed.default_code: CsrfFailed.status_code,
    "PayloadTooLarge": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "InternalError": status.HTTP_500_INTERNAL_SERVER_ERROR,
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


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    response = _response(exc, context)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = _challenge(exc, response.data, context)
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


def _response(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, domain.DomainError):
        return _domain_response(exc)
    if isinstance(exc, exceptions.APIException):
        return _drf_response(exc)
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
