"""CORS (django-cors-headers): browser apps on the origins of `CORS_ALLOWED_ORIGINS` may call the API
with cookies and the token headers and read the tokens from the answers; any other origin gets no CORS
header, so the browser keeps its answers from the page."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

APP = "https://app.example.com"


def preflight(origin, method="PATCH", headers="accesstoken, x-csrftoken, content-type"):
    return Client().options(
        "/auth/me",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def cors_headers(response):
    return {
        name.lower(): value for name, value in response.headers.items() if name.lower().startswith("access-control")
    }


@pytest.fixture
def allow_list():
    with override_settings(CORS_ALLOWED_ORIGINS=[APP]):
        yield


@pytest.mark.usefixtures("allow_list")
def test_a_listed_origin_may_send_cookies_and_the_token_headers():
    allowed = cors_headers(preflight(APP))

    assert allowed["access-control-allow-origin"] == APP
    assert allowed["access-control-allow-credentials"] == "true"
    assert {"accesstoken", "refreshtoken", "idtoken", "x-csrftoken"} <= {
        name.strip() for name in allowed["access-control-allow-headers"].split(",")
    }
    assert "PATCH" in allowed["access-control-allow-methods"]


@pytest.mark.usefixtures("allow_list")
def test_a_listed_origin_reads_the_token_headers():
    answered = Client().get("/auth/csrf", HTTP_ORIGIN=APP)
    exposed = {name.strip().lower() for name in answered["Access-Control-Expose-Headers"].split(",")}
    assert {"accesstoken", "refreshtoken", "idtoken", "retry-after"} <= exposed


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "https://app.example.com.evil.example", "http://app.example.com", "null"]
)
@pytest.mark.usefixtures("allow_list")
def test_any_other_origin_gets_no_cors_header(origin):
    assert cors_headers(preflight(origin)) == {}
    assert cors_headers(Client().get("/auth/csrf", HTTP_ORIGIN=origin)) == {}


def test_no_origin_is_listed_by_default():
    assert cors_headers(preflight(APP)) == {}
