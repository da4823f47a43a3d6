"""Reading credentials and tokens off a request, and writing tokens onto a response."""

from __future__ import annotations

import base64
import binascii

import attrs
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from adapters.jwt.verifier import MAX_TOKEN_LENGTH
from application.use_cases.authenticate import Authenticated
from django_shell.errors import BadRequest
from domain.errors import NotAuthenticated, TokenInvalid
from domain.values import Claims, TokenSet

# Room for Cognito's longest username (128) and password (256) as UTF-8, base64-encoded.
MAX_BASIC_HEADER_LENGTH = 2048
# Browsers keep at least 4096 bytes of a cookie, name and attributes included (RFC 6265 6.1): a token
# longer than this does not fit one.
MAX_COOKIE_TOKEN_LENGTH = 3800
# Tells a client that the tokens of this answer came as headers only (docs/decisions.md, large tokens).
COOKIE_SESSION_HEADER = "Cookie-Session"

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
ID_COOKIE = "id_token"


@attrs.frozen
class BasicCredentials:
    username: str
    password: str = attrs.field(repr=False)


def sends_authorization(request: HttpRequest) -> bool:
    """Whether the request has an `Authorization` header, which `basic_credentials` then reads."""
    return bool(request.META.get("HTTP_AUTHORIZATION"))


def basic_credentials(request: HttpRequest) -> BasicCredentials:
    """`Authorization: Basic base64(username:password)` (RFC 7617); raises `BadRequest` otherwise."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        raise BadRequest("An Authorization: Basic header with base64(username:password) is required.")
    if len(header) > MAX_BASIC_HEADER_LENGTH:
        raise BadRequest("The Authorization header is too long.")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise BadRequest("The Authorization header must use the Basic scheme.")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise BadRequest("The Basic credentials are not base64-encoded UTF-8.") from None
    username, colon, password = decoded.partition(":")
    if not colon or not username or not password:
        raise BadRequest("The Basic credentials must be username:password, neither of them empty.")
    return BasicCredentials(username, password)


def _token(raw: str | None) -> str | None:
    if not raw:
        return None
    token = raw.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid("The token is too long.")
    return token or None


def _header_access_token(request: HttpRequest) -> str | None:
    scheme, _, bearer = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return request.META.get("HTTP_ACCESSTOKEN") or (bearer if scheme.lower() == "bearer" else None)


def access_token(request: HttpRequest) -> str | None:
    """From the `AccessToken` header, `Authorization: Bearer`, or the cookie, in that order."""
    return _token(_header_access_token(request) or request.COOKIES.get(ACCESS_COOKIE))


def carried_by_cookie(request: HttpRequest) -> bool:
    """Whether the request's tokens come from its cookies, which a browser sends cross-site too: no
    access token in a header, and the access token's cookie, or the refresh token's with no
    `RefreshToken` header."""
    if _header_access_token(request):
        return False
    return bool(request.COOKIES.get(ACCESS_COOKIE)) or (
        not request.META.get("HTTP_REFRESHTOKEN") and bool(request.COOKIES.get(REFRESH_COOKIE))
    )


def refresh_token(request: HttpRequest) -> str | None:
    """From the `RefreshToken` header or the cookie."""
    return _token(request.META.get("HTTP_REFRESHTOKEN") or request.COOKIES.get(REFRESH_COOKIE))


def authenticated_access_token(request: HttpRequest) -> str:
    """The access token the request was authenticated with: the refreshed one when the middleware
    had to refresh, since the pool refuses the expired one it replaced. Raises `NotAuthenticated`
    without one."""
    return _authenticated(request).access_token


def authenticated_claims(request: HttpRequest) -> Claims:
    """The verified claims of that access token. Raises `NotAuthenticated` without one."""
    return _authenticated(request).claims


def _authenticated(request: HttpRequest) -> Authenticated:
    authenticated: Authenticated | None = getattr(request, "token_authentication", None)
    if authenticated is None:
        raise NotAuthenticated()
    return authenticated


def attach_tokens(response: HttpResponse, tokens: TokenSet) -> HttpResponse:
    """Tokens as headers (under the seed's names too) and as HttpOnly cookies when every one of them fits
    a cookie. A user in many groups has tokens too large for one: the cookies are then cleared rather
    than set in part, and `Cookie-Session: unavailable` says so."""
    for name, value in (
        ("AccessToken", tokens.access_token),
        ("RefreshToken", tokens.refresh_token),
        ("IdToken", tokens.id_token),
        ("HTTP_ACCESSTOKEN", tokens.access_token),
        ("HTTP_REFRESHTOKEN", tokens.refresh_token),
    ):
        response[name] = value
    if not set_token_cookies(response, tokens):
        response[COOKIE_SESSION_HEADER] = "unavailable"
    return response


def set_token_cookies(response: HttpResponse, tokens: TokenSet) -> bool:
    """The tokens as HttpOnly cookies, and nothing else; whether they fit. When one does not, every
    token cookie is cleared rather than set in part."""
    if max(len(tokens.access_token), len(tokens.id_token), len(tokens.refresh_token)) > MAX_COOKIE_TOKEN_LENGTH:
        clear_tokens(response)
        return False
    for name, value, max_age in (
        (ACCESS_COOKIE, tokens.access_token, tokens.expires_in),
        (ID_COOKIE, tokens.id_token, tokens.expires_in),
        (REFRESH_COOKIE, tokens.refresh_token, settings.AUTH_REFRESH_COOKIE_MAX_AGE),
    ):
        response.set_cookie(
            name, value, max_age=max_age, secure=settings.AUTH_COOKIE_SECURE, httponly=True, samesite="Lax"
        )
    return True


def clear_tokens(response: HttpResponse) -> HttpResponse:
    for name in (ACCESS_COOKIE, ID_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(name, samesite="Lax")
    return response
