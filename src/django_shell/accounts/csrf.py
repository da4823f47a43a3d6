"""CSRF protection for requests that a browser authenticates with the token cookies.

A browser adds cookies to cross-site requests too; it cannot add the `AccessToken` or `Authorization`
header to one. So a request whose access token comes from a header needs nothing more, and one that
relies on the cookies must pass Django's CSRF protection (the `csrftoken` cookie echoed in
`X-CSRFToken`, the Origin and Referer checks, `CSRF_TRUSTED_ORIGINS`), exactly as DRF's
`SessionAuthentication` applies it to session cookies.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from django_shell.accounts import credentials
from django_shell.errors import CsrfFailed


def enforce_for_cookies(request: HttpRequest) -> None:
    """Raise `CsrfFailed` for a cookie-authenticated request that Django's CSRF protection refuses.
    Safe methods (GET, HEAD, OPTIONS, TRACE) always pass, as Django lets them."""
    if not credentials.carried_by_cookie(request):
        return
    try:
        # DRF's own check runs Django's CsrfViewMiddleware over the request, whatever the view's
        # csrf_exempt (every APIView is exempt from the middleware itself).
        SessionAuthentication().enforce_csrf(request)  # type: ignore[arg-type]
    except exceptions.PermissionDenied as refused:
        raise CsrfFailed(str(refused.detail)) from None
