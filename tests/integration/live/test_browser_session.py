"""A browser's cookie session against a real server process: cookies kept and sent by a cookie jar, as a
browser keeps them, and a page on another site that makes the browser post with them."""

from __future__ import annotations

import base64
import http.cookiejar
import json
import re
import urllib.error
import urllib.request

import pytest

from tests.live_server import LiveServer, running_service, service_environment

USERNAME, PASSWORD = "kit@example.com", "Correct-Horse-9"
EVIL = "https://evil.example"
APP = "https://app.example.com"


class Browser:
    """Sends what a browser would: the jar's cookies on every request, the page's Origin, and only the
    headers a page may add."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method: str, path: str, body=None, **headers: str):
        request = urllib.request.Request(  # noqa: S310 -- a loopback http URL of our own
            self.server.base_url + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json", **headers},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, json.loads(error.read() or b"null")

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.jar if cookie.name == name), None)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    environment = service_environment(
        SQLITE_PATH=str(tmp_path_factory.mktemp("browser") / "db.sqlite3"),
        # Plain http on the loopback: cookies marked Secure would never come back.
        AUTH_COOKIE_SECURE="false",
        CORS_ALLOWED_ORIGINS=APP,
    )
    with running_service(environment) as running:
        yield running


@pytest.fixture
def browser(server):
    """A browser signed in to the server with cookies (the only way a page's script can be, since the
    tokens come back as HttpOnly cookies)."""
    username = USERNAME
    basic = {"Authorization": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()}
    assert server.post("/auth/signup", headers=basic).status == 201
    code = re.findall(rf"sign-up confirmation code for {re.escape(username)}: (\d+)", server.log())[-1]
    assert server.post("/auth/confirm_signup", {"username": username, "code": code}).status == 200
    browser = Browser(server)
    status, _, _ = browser.request("POST", "/auth/login", **basic)
    assert status == 200
    assert browser.cookie("access_token")
    assert browser.cookie("csrftoken")
    return browser


def test_a_cross_site_post_with_the_cookies_is_refused_and_the_page_s_own_passes(server, browser):
    status, _, body = browser.request("POST", "/auth/me/verify_email/resend", Origin=EVIL)
    assert (status, body["code"]) == (403, "CsrfFailed")
    status, _, body = browser.request("DELETE", "/auth/me", Origin=EVIL)
    assert (status, body["code"]) == (403, "CsrfFailed")
    status, _, body = browser.request("POST", "/auth/logout", Origin=EVIL)
    assert (status, body["code"]) == (403, "CsrfFailed")
    assert browser.request("GET", "/auth/me")[0] == 200

    status, _, body = browser.request("GET", "/auth/csrf")
    assert status == 200
    token = body["csrf_token"]
    status, _, _ = browser.request("POST", "/auth/logout", Origin=server.base_url, **{"X-CSRFToken": token})
    assert status == 200
    assert browser.request("GET", "/auth/me")[0] == 401


def test_cors_lets_the_listed_origin_in_and_no_other(server):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-csrftoken"}
    _, listed, _ = Browser(server).request("OPTIONS", "/auth/logout", Origin=APP, **preflight)
    assert listed["Access-Control-Allow-Origin"] == APP
    assert listed["Access-Control-Allow-Credentials"] == "true"

    _, unlisted, _ = Browser(server).request("OPTIONS", "/auth/logout", Origin=EVIL, **preflight)
    assert not [name for name in unlisted if name.lower().startswith("access-control-allow")]
