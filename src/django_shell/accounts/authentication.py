"""DRF's view of the token authentication that `TokenAuthenticationMiddleware` performed."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request


class TokenAuthentication(BaseAuthentication):
    """Any DRF view with this class (the default) and `IsAuthenticated` is protected by the tokens."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        django_request = request._request
        error = getattr(django_request, "token_error", None)
        if error is not None:
            raise error
        authenticated = getattr(django_request, "token_authentication", None)
        if authenticated is None:
            return None
        return django_request.user, authenticated.claims

    def authenticate_header(self, request: Request) -> str:
        # Its presence makes DRF answer 401 rather than 403 to unauthenticated requests.
        return 'Bearer realm="cognito-auth"'
