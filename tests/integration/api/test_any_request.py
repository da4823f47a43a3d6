"""Whatever the method, path parameters, query string, headers or body, no route answers 5xx.

The routes come from the URL configuration itself, so a route added later is covered without a
change here; each path is drawn from its route's own pattern, parameters included.
"""

from __future__ import annotations

import itertools
import re
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.api.test_administration_apis import signed_in


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """The regular expression of every route's whole path (no leading slash), includes followed, with
    the methods its view takes (a view that does not say takes any)."""
    for pattern in patterns:
        joined = prefix + pattern.pattern.regex.pattern.removeprefix("^")
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, joined)
        else:
            view = getattr(pattern.callback, "view_class", None)
            methods = getattr(pattern.callback, "view_initkwargs", {}).get("http_method_names") or getattr(
                view, "http_method_names", ["get", "post"]
            )
            yield joined, [method.upper() for method in methods]


ROUTE_METHODS = dict(_routes(get_resolver().url_patterns))
ROUTES = sorted(ROUTE_METHODS)
# Django's admin and the account pages answer HTML; every other route is the API, which answers
# errors as JSON.
HTML_ROUTES = [route for route in ROUTES if route.startswith(("admin/", "account/"))]
API_ROUTES = [route for route in ROUTES if route not in HTML_ROUTES]

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
HEADERS = [
    "Accept",
    "Accept-Language",
    "Accept-Encoding",
    "Content-Type",
    "Authorization",
    "AccessToken",
    "RefreshToken",
    "Cookie",
    "Host",
    "Origin",
    "Referer",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Request-ID",
    "X-CSRFToken",
    "If-None-Match",
    "Range",
]
# What a header value can hold on the wire: no line breaks; bytes past ASCII arrive as Latin-1.
any_header_value = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=80
)
# Values that get a request further than the first check, mixed with anything at all.
header_values = (
    st.sampled_from(["application/json", "*/*", "text/html", "testserver", "127.0.0.1", "image/png", ""])
    | any_header_value
)
query_names = st.sampled_from(["format", "limit", "page_token", "attribute", "match", "value", "next"]) | st.text(
    max_size=10
)
query_strings = st.lists(st.tuples(query_names, st.text(max_size=30)), max_size=8).map(urllib.parse.urlencode) | (
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
)
TOO_MANY_PARAMETERS = "&".join(f"p{number}=1" for number in range(1001))


def _path(route: str) -> st.SearchStrategy[str]:
    # Path parameters may hold any character: percent-encoded here, decoded by the server.
    return st.from_regex(route, fullmatch=True).map(
        lambda path: "/" + urllib.parse.quote(path.encode("utf-8", "surrogatepass"), safe="/")
    )


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """A request to any route; `token` says how it carries a valid access token, if at all."""
    route = draw(st.sampled_from(API_ROUTES) | st.sampled_from(HTML_ROUTES))
    return {
        # Mostly a method the route takes, so that most requests reach the view.
        "method": draw(
            st.sampled_from(ROUTE_METHODS[route])
            | st.sampled_from(ROUTE_METHODS[route])
            | st.sampled_from(METHODS)
            | st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True)
        ),
        "route": route,
        "path": draw(_path(route)),
        "query": draw(query_strings),
        "headers": draw(st.dictionaries(st.sampled_from(HEADERS), header_values, max_size=5)),
        "token": draw(st.sampled_from([None, "AccessToken", "Bearer"])),
        "body": draw(st.binary(max_size=200)),
    }


def send(client: Client, request: dict[str, Any], token: str | None = None):
    headers = dict(request["headers"])
    if token is not None:
        headers.update(
            {"AccessToken": token} if request["token"] == "AccessToken" else {"Authorization": f"Bearer {token}"}
        )
    meta = {"QUERY_STRING": request["query"]}
    content_type = headers.pop("Content-Type", "application/json")
    for name, value in headers.items():
        meta[f"HTTP_{name.upper().replace('-', '_')}"] = value
    return client.generic(request["method"], request["path"], request["body"], content_type, **meta)


def assert_not_a_server_error(request: dict[str, Any], response) -> None:
    assert response.status_code < 500, (request, response.content)
    if request["route"] in API_ROUTES and response.status_code >= 400 and request["method"] != "HEAD":
        body = response.json()
        assert {"error", "code"} <= set(body) <= {"error", "code", "fields"}, body


@pytest.fixture
def staff_token(api, backend) -> Callable[[], str]:
    """A new administrator's access token for each call: with it a request gets past authentication
    to every view, whatever the requests before it did to their own administrator (deleted, signed out)."""
    administrators = itertools.count()
    return lambda: signed_in(api, backend, f"staff{next(administrators)}@example.com", "Staff-Pass-9", staff=True)


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
class TestAnyRequest:
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_no_route_answers_a_server_error(self, staff_token, data):
        request = data.draw(requests())
        response = send(Client(), request, staff_token() if request["token"] else None)
        assert_not_a_server_error(request, response)

    @pytest.mark.parametrize("route", API_ROUTES)
    @pytest.mark.parametrize("query", ["format=xml", "format=", TOO_MANY_PARAMETERS], ids=["xml", "blank", "1001"])
    def test_every_api_route_survives_the_query_strings_that_once_failed(self, backend, route, query):
        path = "/" + re.sub(r"\(\?P<\w+>[^)]*\)", "x", route).removesuffix("/?$").replace("\\", "")
        for method in ("GET", "POST"):
            request = {"method": method, "route": route, "path": path, "query": query, "headers": {}, "body": b""}
            assert_not_a_server_error(request, Client().generic(method, path, QUERY_STRING=query))

    @pytest.mark.parametrize(
        ("path", "method"), [("/auth/login", "POST"), ("/auth/me", "GET"), ("/api/schema", "GET"), ("/api/docs", "GET")]
    )
    def test_a_format_the_endpoint_lacks_is_not_acceptable(self, staff_token, path, method):
        response = Client().generic(method, path, QUERY_STRING="format=xml", HTTP_ACCESSTOKEN=staff_token())
        assert response.status_code == 406
        assert response.json()["code"] == "NotAcceptable"

    @pytest.mark.parametrize(("path", "method"), [("/auth/login", "POST"), ("/auth/me", "GET"), ("/api/schema", "GET")])
    def test_more_than_a_thousand_query_parameters_are_a_bad_request(self, staff_token, path, method):
        response = Client().generic(method, path, QUERY_STRING=TOO_MANY_PARAMETERS, HTTP_ACCESSTOKEN=staff_token())
        assert response.status_code == 400
        assert response.json() == {"error": "The request has too many query or form parameters.", "code": "BadRequest"}

    def test_more_than_a_thousand_form_fields_met_by_a_middleware_are_a_bad_request(self, backend):
        # The CSRF middleware reads the admin's form before any view: Django's handler400 answers.
        response = Client().post(
            "/admin/login/", data=TOO_MANY_PARAMETERS, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 400
        assert response.json() == {"error": "The request has too many query or form parameters.", "code": "BadRequest"}
