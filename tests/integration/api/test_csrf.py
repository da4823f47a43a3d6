"""Cookie sessions against cross-site requests: what a browser sends on its own (the token cookies) never
suffices for a request that changes something; the CSRF token and the Origin checks must come with it.

Django's test client skips CSRF checks unless told otherwise; these tests tell it.
"""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import Client, override_settings

from adapters.cognito.user_pool_administration import CognitoUserPoolAdministration
from adapters.embedded_pool.user_pool_administration import EmbeddedUserPoolAdministration
from django_shell.accounts.models import User
from domain.values import Username
from tests.integration.api.conftest import basic
from tests.pools import CognitoBackend, EmbeddedBackend, Gap, skip_if

USERNAME, PASSWORD = "ola@example.com", "Correct-Horse-9"
VICTIM, VICTIM_PASSWORD = "val@example.com", "Battery-Staple-7"
EVIL = "https://evil.example"
HERE = "http://testserver"
RENAME = {"user_attributes": [{"Name": "given_name", "Value": "Mallory"}]}

# What a page on another site can make a browser send with the victim's cookies attached: every
# request that changed something for the attacker.
CROSS_SITE_REQUESTS = [
    ("post", "/auth/logout", None),
    ("post", "/auth/mfa/totp", {"password": PASSWORD}),
    ("post", "/auth/me/verify_email/resend", None),
    ("delete", "/auth/me", None),
    ("patch", "/auth/me", RENAME),
    ("post", "/auth/me/passkeys/options", {"password": PASSWORD}),
    ("post", "/auth/me/passkeys", {"credential": {}}),
    ("delete", "/auth/me/passkeys/hT4mPUpwo-eWf6hcbQbAMbVK3tJeFVCuaOKdHIFQ8J4", None),
]


def send(client, method, path, body=None, **meta):
    data = "" if body is None else json.dumps(body)
    return getattr(client, method)(path, data=data, content_type="application/json", **meta)


def error_of(response):
    return response.status_code, response.json()["code"]


def sign_up(client, backend, username, password):
    assert send(client, "post", "/auth/signup", HTTP_AUTHORIZATION=basic(username, password)).status_code == 201
    code = backend.sign_up_code(username)
    assert send(client, "post", "/auth/confirm_signup", {"username": username, "code": code}).status_code == 200


@pytest.fixture
def browser(backend):
    """A browser signed in as `USERNAME`: Django's test client holding the cookies of the sign-in, and
    checking CSRF as a real request is checked."""
    client = Client(enforce_csrf_checks=True)
    sign_up(client, backend, USERNAME, PASSWORD)
    signed_in = send(client, "post", "/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert signed_in.status_code == 200
    assert {"access_token", "refresh_token", "csrftoken"} <= set(client.cookies)
    return client


def profile(client):
    response = client.get("/auth/me")
    assert response.status_code == 200
    return response.json()


class TestCrossSiteRequests:
    @pytest.mark.parametrize(("method", "path", "body"), CROSS_SITE_REQUESTS)
    def test_the_cookies_alone_change_nothing(self, browser, method, path, body):
        refused = send(browser, method, path, body, HTTP_ORIGIN=EVIL)

        assert error_of(refused) == (403, "CsrfFailed")
        assert "access_token" not in refused.cookies
        me = profile(browser)
        assert me["username"] == USERNAME
        assert me["given_name"] != "Mallory"

    @pytest.mark.parametrize(("method", "path", "body"), CROSS_SITE_REQUESTS)
    def test_nor_do_the_cookies_with_the_csrf_token_from_another_origin(self, browser, method, path, body):
        token = browser.cookies["csrftoken"].value
        refused = send(browser, method, path, body, HTTP_ORIGIN=EVIL, HTTP_X_CSRFTOKEN=token)
        assert error_of(refused) == (403, "CsrfFailed")

    def test_a_same_origin_request_without_the_csrf_token_is_refused(self, browser):
        assert error_of(send(browser, "patch", "/auth/me", RENAME, HTTP_ORIGIN=HERE)) == (403, "CsrfFailed")

    def test_an_administrators_cookies_alone_disable_nobody(self, backend, container):
        administration = (
            EmbeddedUserPoolAdministration(backend.provider)
            if isinstance(backend, EmbeddedBackend)
            else CognitoUserPoolAdministration(backend.client, user_pool_id=backend.pool.pool_id)
        )
        assert isinstance(backend, EmbeddedBackend | CognitoBackend)
        client = Client(enforce_csrf_checks=True)
        sign_up(client, backend, VICTIM, VICTIM_PASSWORD)
        sign_up(client, backend, USERNAME, PASSWORD)
        assert send(client, "post", "/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)).status_code == 200
        User.objects.filter(username=USERNAME).update(is_staff=True)

        with container.user_pool_administration.override(administration):
            refused = send(client, "post", f"/admin-api/users/{VICTIM}/disable", HTTP_ORIGIN=EVIL)
            assert error_of(refused) == (403, "CsrfFailed")
            assert administration.get_user(Username(VICTIM)).enabled

            token = client.cookies["csrftoken"].value
            disabled = send(
                client, "post", f"/admin-api/users/{VICTIM}/disable", HTTP_ORIGIN=HERE, HTTP_X_CSRFTOKEN=token
            )
            assert disabled.status_code == 200


class TestThePagesOwnRequests:
    def test_pass_with_the_csrf_token_from_the_cookie(self, browser):
        token = browser.cookies["csrftoken"].value
        renamed = send(browser, "patch", "/auth/me", RENAME, HTTP_ORIGIN=HERE, HTTP_X_CSRFTOKEN=token)
        assert renamed.status_code == 200
        assert profile(browser)["given_name"] == "Mallory"

    def test_pass_with_the_csrf_token_from_get_auth_csrf(self, browser):
        answered = browser.get("/auth/csrf")
        assert answered.status_code == 200
        token = answered.json()["csrf_token"]

        logged_out = send(browser, "post", "/auth/logout", HTTP_ORIGIN=HERE, HTTP_X_CSRFTOKEN=token)

        assert logged_out.status_code == 200
        assert logged_out.cookies["access_token"].value == ""

    def test_pass_from_a_trusted_origin(self, browser):
        token = browser.cookies["csrftoken"].value
        origin = "https://app.example.com"
        with override_settings(CSRF_TRUSTED_ORIGINS=[origin]):
            assert (
                send(browser, "patch", "/auth/me", RENAME, HTTP_ORIGIN=origin, HTTP_X_CSRFTOKEN=token).status_code
                == 200
            )
        assert error_of(send(browser, "patch", "/auth/me", RENAME, HTTP_ORIGIN=origin, HTTP_X_CSRFTOKEN=token)) == (
            403,
            "CsrfFailed",
        )

    def test_safe_methods_need_no_csrf_token(self, browser):
        assert browser.get("/auth/me", HTTP_ORIGIN=EVIL).status_code == 200


class TestTokenHeaders:
    """A page on another site cannot make a browser send the token headers: they need no CSRF token."""

    def test_the_access_token_header_needs_no_csrf_token(self, browser, backend):
        access_token = send(browser, "post", "/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))["AccessToken"]
        renamed = send(browser, "patch", "/auth/me", RENAME, HTTP_ORIGIN=EVIL, HTTP_ACCESSTOKEN=access_token)
        assert renamed.status_code == 200

    def test_nor_does_the_bearer_header(self, browser, backend):
        access_token = send(browser, "post", "/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))["AccessToken"]
        response = send(browser, "post", "/auth/logout", HTTP_ORIGIN=EVIL, HTTP_AUTHORIZATION=f"Bearer {access_token}")
        assert response.status_code == 200


def test_exactly_the_requests_whose_tokens_come_from_cookies_need_the_csrf_token(backend):
    """Every way of carrying the two tokens, cross-site: refused for CSRF exactly when no access token
    is in a header and a cookie would authenticate (the access token's, or the refresh token's with no
    `RefreshToken` header)."""
    client = Client(enforce_csrf_checks=True)
    sign_up(client, backend, USERNAME, PASSWORD)
    signed_in = send(client, "post", "/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    access_token, refresh_token = signed_in["AccessToken"], signed_in["RefreshToken"]
    access_headers = {
        "none": {},
        "AccessToken": {"HTTP_ACCESSTOKEN": access_token},
        "Bearer": {"HTTP_AUTHORIZATION": f"Bearer {access_token}"},
    }
    for access_header, refresh_header, access_cookie, refresh_cookie in itertools.product(
        access_headers, (False, True), (False, True), (False, True)
    ):
        client.cookies.clear()
        if access_cookie:
            client.cookies["access_token"] = access_token
        if refresh_cookie:
            client.cookies["refresh_token"] = refresh_token
        meta = {**access_headers[access_header], **({"HTTP_REFRESHTOKEN": refresh_token} if refresh_header else {})}

        response = send(client, "patch", "/auth/me", RENAME, HTTP_ORIGIN=EVIL, **meta)

        from_cookies = access_header == "none" and (access_cookie or (refresh_cookie and not refresh_header))
        refused = response.status_code == 403 and response.json()["code"] == "CsrfFailed"
        assert refused == from_cookies, (access_header, refresh_header, access_cookie, refresh_cookie)


class TestRefreshFromCookies:
    def test_an_expired_cookie_is_not_refreshed_for_a_cross_site_request(self, browser, backend):
        skip_if(backend, Gap.TOKENS_STAMPED_WITH_WALL_CLOCK)
        backend.let_time_pass(2 * 3600)

        refused = send(browser, "patch", "/auth/me", RENAME, HTTP_ORIGIN=EVIL)

        assert error_of(refused) == (403, "CsrfFailed")
        assert "access_token" not in refused.cookies
        assert "AccessToken" not in refused
        token = browser.cookies["csrftoken"].value
        served = send(browser, "patch", "/auth/me", RENAME, HTTP_ORIGIN=HERE, HTTP_X_CSRFTOKEN=token)
        assert served.status_code == 200
        assert served.cookies["access_token"].value

    def test_post_auth_refresh_with_the_cookie_needs_the_csrf_token(self, browser, backend):
        assert error_of(send(browser, "post", "/auth/refresh", HTTP_ORIGIN=EVIL)) == (403, "CsrfFailed")

        token = browser.cookies["csrftoken"].value
        refreshed = send(browser, "post", "/auth/refresh", HTTP_ORIGIN=HERE, HTTP_X_CSRFTOKEN=token)
        assert refreshed.status_code == 200

    def test_post_auth_refresh_with_the_header_needs_none(self, browser, backend):
        refresh_token = browser.cookies["refresh_token"].value
        browser.cookies.clear()
        access_token = send(browser, "post", "/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))["AccessToken"]
        browser.cookies.clear()
        refreshed = send(
            browser,
            "post",
            "/auth/refresh",
            HTTP_ORIGIN=EVIL,
            HTTP_REFRESHTOKEN=refresh_token,
            HTTP_ACCESSTOKEN=access_token,
        )
        assert refreshed.status_code == 200


class TestTheCsrfCookie:
    def test_a_sign_in_sets_a_fresh_one(self, browser):
        before = browser.cookies["csrftoken"].value
        again = send(browser, "post", "/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        assert again.cookies["csrftoken"].value not in {"", before}

    def test_get_auth_csrf_sets_it_and_answers_a_token_it_accepts(self, backend):
        client = Client(enforce_csrf_checks=True)
        answered = client.get("/auth/csrf")
        assert answered.status_code == 200
        assert client.cookies["csrftoken"].value
        assert answered.json()["csrf_token"]
