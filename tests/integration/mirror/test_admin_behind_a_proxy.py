"""Signing in to the admin through a TLS-terminating reverse proxy, configured from the environment.

The browser is at https://auth.example.com; the proxy speaks plain HTTP to the service and says what
it did in X-Forwarded-* headers. Django's CSRF protection compares the form's Origin with the origin
it believes it serves: without the proxy settings, http://<internal host>, and the sign-in is refused.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings

from django_shell.accounts.models import User
from django_shell.settings import base
from tests.integration.mirror.conftest import PASSWORD

USERNAME = "ada@example.com"
ORIGIN = "https://auth.example.com"
INTERNAL_HOST = "app.internal:8000"
# What the proxy adds to every request it passes on.
FORWARDED = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "auth.example.com"}
PROXY_SETTINGS = ("SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS", "USE_X_FORWARDED_HOST")

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integration.mirror.urls")]


@pytest.fixture
def settings_from(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Django's settings as `base` computes them from the environment `variables`, for the test's duration."""

    def apply(variables: dict[str, str]):
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        computed = importlib.reload(base)
        return override_settings(
            ALLOWED_HOSTS=["auth.example.com", "app.internal"],
            **{name: getattr(computed, name) for name in PROXY_SETTINGS},
        )

    yield apply
    monkeypatch.undo()
    importlib.reload(base)


@pytest.fixture
def staff(confirmed_user) -> None:
    User.objects.create_superuser(confirmed_user(USERNAME), USERNAME)


def sign_in_through_the_proxy(headers: dict[str, str]):
    """The admin's login form as a browser fills it in behind the proxy: CSRF checks on."""
    browser = Client(enforce_csrf_checks=True, HTTP_HOST=INTERNAL_HOST, **headers)
    form = browser.get("/admin/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token, form
    return browser.post(
        "/admin/login/",
        {"username": USERNAME, "password": PASSWORD, "next": "/admin/", "csrfmiddlewaretoken": token[1]},
        HTTP_ORIGIN=ORIGIN,
        HTTP_REFERER=f"{ORIGIN}/admin/login/",
    )


@pytest.mark.usefixtures("staff")
class TestAdminSignInBehindAProxy:
    def test_is_refused_without_the_proxy_settings(self, settings_from, caplog):
        with settings_from({}), caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = sign_in_through_the_proxy(FORWARDED)

        assert response.status_code == 403
        assert "Origin checking failed" in caplog.text

    @pytest.mark.parametrize(
        ("variables", "headers"),
        [
            pytest.param(
                {"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto", "USE_X_FORWARDED_HOST": "true"},
                FORWARDED,
                id="the proxy forwards host and scheme",
            ),
            pytest.param(
                {"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto", "CSRF_TRUSTED_ORIGINS": ORIGIN},
                {"HTTP_X_FORWARDED_PROTO": "https"},
                id="the proxy forwards the scheme only",
            ),
        ],
    )
    def test_succeeds_with_them(self, settings_from, variables, headers):
        with settings_from(variables):
            response = sign_in_through_the_proxy(headers)

        assert (response.status_code, response["Location"]) == (302, "/admin/")

    def test_takes_the_scheme_from_the_proxy_only_when_told_to(self, settings_from):
        with settings_from({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}):
            secure = Client(HTTP_HOST=INTERNAL_HOST, HTTP_X_FORWARDED_PROTO="https").get("/admin/login/")
            plain = Client(HTTP_HOST=INTERNAL_HOST, HTTP_X_FORWARDED_PROTO="http").get("/admin/login/")
            # Asked while the settings hold: the request reads them each time.
            assert secure.wsgi_request.is_secure()
            assert not plain.wsgi_request.is_secure()
