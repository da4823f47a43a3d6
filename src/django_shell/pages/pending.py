"""What a sign-in in progress carries from one page to the next: the challenge it must answer, the
sign-in whose e-mailed code confirms a change, a new authenticator's secret until it is verified, and
a new passkey's creation options. Each lives in a
signed, HttpOnly cookie scoped to the pages, never in a page: a script cannot read it, and a changed
one is refused as none."""

from __future__ import annotations

from typing import Any

import attrs
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from domain.values import Challenge

_PATH = "/account/"
_CHALLENGE_COOKIE = "account_challenge"
_CHALLENGE_SALT = "django_shell.pages.challenge"
# Cognito's challenge sessions last three minutes; a cookie holding a dead one is no use.
_CHALLENGE_SECONDS = 180
_STEP_UP_COOKIE = "account_step_up"
_STEP_UP_SALT = "django_shell.pages.step_up"
_AUTHENTICATOR_COOKIE = "account_totp_setup"
_AUTHENTICATOR_SALT = "django_shell.pages.totp_setup"
# Long enough to open an authenticator app and type a code or two.
_AUTHENTICATOR_SECONDS = 600
_PASSKEY_COOKIE = "account_passkey_options"
_PASSKEY_SALT = "django_shell.pages.passkey_options"
# The creation options' own timeout is a few minutes at most.
_PASSKEY_SECONDS = 300


@attrs.frozen
class PendingChallenge:
    username: str
    challenge: Challenge


def keep_challenge(response: HttpResponse, username: str, challenge: Challenge) -> None:
    value = {
        "username": username,
        "name": challenge.name,
        "session": challenge.session,
        "parameters": challenge.parameters,
        "available_challenges": list(challenge.available_challenges),
        "credential_request_options": challenge.credential_request_options,
    }
    _set(response, _CHALLENGE_COOKIE, signing.dumps(value, salt=_CHALLENGE_SALT, compress=True), _CHALLENGE_SECONDS)


def pending_challenge(request: HttpRequest) -> PendingChallenge | None:
    """The challenge kept by `keep_challenge`; None when there is none, or it is older than a
    session lives, or not as this service signed it."""
    value = _loaded(request, _CHALLENGE_COOKIE, _CHALLENGE_SALT, _CHALLENGE_SECONDS)
    if value is None:
        return None
    return PendingChallenge(
        username=value["username"],
        challenge=Challenge(
            name=value["name"],
            session=value["session"],
            parameters=value["parameters"],
            available_challenges=value["available_challenges"],
            credential_request_options=value["credential_request_options"],
        ),
    )


def forget_challenge(response: HttpResponse) -> None:
    response.delete_cookie(_CHALLENGE_COOKIE, path=_PATH, samesite="Lax")


def keep_step_up(response: HttpResponse, username: str, challenge: Challenge) -> None:
    """The sign-in of `username` whose e-mailed code confirms a change, once the code is typed."""
    value = {"username": username, "name": challenge.name, "session": challenge.session}
    _set(response, _STEP_UP_COOKIE, signing.dumps(value, salt=_STEP_UP_SALT), _CHALLENGE_SECONDS)


def step_up(request: HttpRequest, username: str) -> Challenge | None:
    """The sign-in kept by `keep_step_up` for `username`; None for another user's, or none."""
    value = _loaded(request, _STEP_UP_COOKIE, _STEP_UP_SALT, _CHALLENGE_SECONDS)
    if value is None or value["username"] != username:
        return None
    return Challenge(name=value["name"], session=value["session"])


def forget_step_up(response: HttpResponse) -> None:
    response.delete_cookie(_STEP_UP_COOKIE, path=_PATH, samesite="Lax")


def keep_authenticator_secret(response: HttpResponse, username: str, secret: str, otpauth_uri: str) -> None:
    value = {"username": username, "secret": secret, "otpauth_uri": otpauth_uri}
    _set(response, _AUTHENTICATOR_COOKIE, signing.dumps(value, salt=_AUTHENTICATOR_SALT), _AUTHENTICATOR_SECONDS)


def authenticator_secret(request: HttpRequest, username: str) -> tuple[str, str] | None:
    """The secret and its `otpauth://` URI kept for `username`; None for another user's."""
    value = _loaded(request, _AUTHENTICATOR_COOKIE, _AUTHENTICATOR_SALT, _AUTHENTICATOR_SECONDS)
    if value is None or value["username"] != username:
        return None
    return value["secret"], value["otpauth_uri"]


def forget_authenticator_secret(response: HttpResponse) -> None:
    response.delete_cookie(_AUTHENTICATOR_COOKIE, path=_PATH, samesite="Lax")


def keep_passkey_options(response: HttpResponse, username: str, options: dict[str, Any]) -> None:
    value = {"username": username, "options": options}
    _set(response, _PASSKEY_COOKIE, signing.dumps(value, salt=_PASSKEY_SALT, compress=True), _PASSKEY_SECONDS)


def passkey_options(request: HttpRequest, username: str) -> dict[str, Any] | None:
    """The creation options of a passkey registration `username` started; None for another user's."""
    value = _loaded(request, _PASSKEY_COOKIE, _PASSKEY_SALT, _PASSKEY_SECONDS)
    if value is None or value["username"] != username:
        return None
    options: dict[str, Any] = value["options"]
    return options


def forget_passkey_options(response: HttpResponse) -> None:
    response.delete_cookie(_PASSKEY_COOKIE, path=_PATH, samesite="Lax")


def _set(response: HttpResponse, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=_PATH, secure=settings.AUTH_COOKIE_SECURE, httponly=True, samesite="Lax"
    )


def _loaded(request: HttpRequest, name: str, salt: str, max_age: int) -> Any:
    raw = request.COOKIES.get(name)
    if not raw:
        return None
    try:
        return signing.loads(raw, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
