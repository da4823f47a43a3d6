"""Authenticating every request that carries tokens, for DRF and plain Django views alike."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.http import HttpRequest, HttpResponse

from application.use_cases.authenticate import Authenticated, AuthenticateRequestCommand
from django_shell.accounts import credentials, csrf
from django_shell.errors import DATABASE_FAILURES, CsrfFailed, DatabaseUnavailable
from domain.errors import DomainError, NotAuthorized

logger = logging.getLogger("cognito_auth.mirror")


class TokenAuthenticationMiddleware:
    """Sets `request.user` to the mirrored user of a valid access token, refreshing an expired one
    when a refresh token comes with it, and sends the current tokens back on the response.

    A failure is kept on the request (`token_error`) rather than answered here: whether it matters
    is the view's business (DRF's `TokenAuthentication` raises it). A cookie-authenticated request
    that fails the CSRF check is such a failure, found before the tokens are verified or refreshed.
    Views that handle tokens themselves (login, logout, refresh, ...) say so with
    `handles_tokens_itself` and are skipped. Views that say `tokens_in_cookies_only` (the account
    pages) get refreshed tokens as cookies, and no token as a header: their answers are for a browser,
    whose scripts must not read the tokens.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.container = apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        authenticated: Authenticated | None = getattr(request, "token_authentication", None)
        if authenticated is None:
            return response
        if getattr(request, "tokens_in_cookies_only", False):
            if authenticated.refreshed is not None:
                credentials.set_token_cookies(response, authenticated.refreshed)
        else:
            _send_current_tokens(response, authenticated)
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        view_class = getattr(view, "view_class", view)
        if getattr(view_class, "handles_tokens_itself", False):
            return
        request.tokens_in_cookies_only = getattr(view_class, "tokens_in_cookies_only", False)  # type: ignore[attr-defined]
        try:
            access_token, refresh_token = credentials.access_token(request), credentials.refresh_token(request)
            if access_token is None and refresh_token is None:
                return
            # Before the tokens are used: a cross-site request must not even get them refreshed.
            csrf.enforce_for_cookies(request)
            authenticated = self.container.authenticate_request()(
                AuthenticateRequestCommand(access_token, refresh_token)
            )
        except (DomainError, CsrfFailed) as error:
            request.token_error = error  # type: ignore[attr-defined]
            return
        try:
            user = self.container.mirrored_users().for_claims(authenticated.claims)
        except DATABASE_FAILURES as error:
            logger.warning("The database failed (%s: %s); answering 503.", type(error).__name__, str(error).strip())
            # Outside DRF's exception handler: kept for the view to raise, as a token error is.
            request.token_error = DatabaseUnavailable()  # type: ignore[attr-defined]
            return
        if not user.is_active:
            # A user disabled through the administration API was refused earlier, by the revocation
            # list; the flag also lets staff lock a user out from Django's admin (in every process
            # within the mirror cache's 60 s).
            request.token_error = NotAuthorized("User is disabled.")  # type: ignore[attr-defined]
            return
        request.token_authentication = authenticated  # type: ignore[attr-defined]
        request.user = user


def _send_current_tokens(response: HttpResponse, authenticated: Authenticated) -> None:
    if authenticated.refreshed is not None:
        credentials.attach_tokens(response, authenticated.refreshed)
        return
    # Unchanged tokens go back as headers only, the cookies stand; and under the names clients send
    # them by, not also under the seed's: those came with the tokens when they were issued, and
    # repeating them on every answer doubled its headers (see docs/decisions.md).
    response["AccessToken"] = authenticated.access_token
    if authenticated.refresh_token:
        response["RefreshToken"] = authenticated.refresh_token
