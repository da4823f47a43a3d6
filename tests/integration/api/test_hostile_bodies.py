"""Deeply nested JSON on every endpoint that takes JSON, found from the URL patterns themselves, so that
an endpoint added later is covered without a change here."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from django_shell.accounts.models import User
from django_shell.parsers import MAX_DEPTH, JsonParser
from tests.integration.api.conftest import basic

ADMIN, PASSWORD = "root@example.com", "Correct-Horse-9"
BODY_METHODS = ("post", "put", "patch", "delete")


def json_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation of an APIView that parses JSON, with each URL argument filled in."""
    found = []
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            continue  # Django's admin: HTML forms, not JSON.
        assert isinstance(pattern, URLPattern)
        view = getattr(pattern.callback, "view_class", None)
        if not (isinstance(view, type) and issubclass(view, APIView)):
            continue
        if not any(isinstance(parser, JsonParser) for parser in view().get_parsers()):
            continue
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "someone", pattern.pattern.regex.pattern).strip("^$").replace("/?", "")
        found += [(method, "/" + path) for method in BODY_METHODS if hasattr(view, method)]
    return found


OPERATIONS = json_operations()
# The operations whose request has no body: DRF parses lazily, so they never look at one sent anyway.
READS_NO_BODY = {
    ("delete", "/auth/me"),
    ("post", "/auth/me/verify_email/resend"),
    ("delete", "/auth/me/passkeys/someone"),
    ("delete", "/admin-api/users/someone"),
    ("post", "/admin-api/users/someone/disable"),
    ("post", "/admin-api/users/someone/enable"),
    ("post", "/admin-api/users/someone/reset_password"),
    ("delete", "/admin-api/users/someone/groups/someone"),
}


def nested(depth: int) -> bytes:
    """Arrays `depth` deep: two bytes a level, so 32,000 levels fit the 64 KiB body limit."""
    return b"[" * depth + b"]" * depth


@pytest.fixture
def admin_token(api, backend):
    """An administrator's token, so that every operation gets past authentication to its body."""
    api.post("/auth/signup", HTTP_AUTHORIZATION=basic(ADMIN, PASSWORD))
    api.post("/auth/confirm_signup", {"username": ADMIN, "code": backend.sign_up_code(ADMIN)})
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(ADMIN, PASSWORD))
    User.objects.filter(username=ADMIN).update(is_staff=True, is_superuser=True)
    api.client.cookies.clear()
    return response["AccessToken"]


def test_the_url_patterns_hold_the_json_endpoints():
    """The enumeration finds what it should, so the tests below cannot pass by finding nothing."""
    assert ("post", "/auth/signup") in OPERATIONS
    assert ("patch", "/auth/me") in OPERATIONS
    assert ("post", "/admin-api/users/someone/groups") in OPERATIONS


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 950, 5000, 32_000])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_deeply_nested_body_is_a_bad_request(api, admin_token, method, path, depth, caplog):
    response = getattr(api.client, method)(
        path, data=nested(depth), content_type="application/json", HTTP_ACCESSTOKEN=admin_token
    )
    assert not [record for record in caplog.records if record.levelname == "ERROR"]
    if (method, path) in READS_NO_BODY:
        # Nothing parses the body, so it cannot hurt: the operation answers for its own reasons.
        assert response.status_code not in (400, 500), response.json()
        return
    assert (response.status_code, response.json()["code"]) == (400, "BadRequest"), response.json()
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
def test_a_body_at_the_depth_limit_is_parsed(api, backend):
    response = api.post("/auth/resend_code", {"username": json.loads(nested(MAX_DEPTH - 1))})
    assert response.status_code == 400
    assert response.json()["code"] == "ValidationError"
