"""A validation error's `fields` name what the client sent, never the domain's own names for it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.api.conftest import basic
from tests.integration.api.test_administration_apis import signed_in

# Values that pass as JSON strings and that the domain's value objects refuse.
SPACED = "two words"  # no username, code or group name holds a space
CONTROL = "Pass\x07word-1"  # no password holds a control character


@pytest.fixture
def token(api, backend) -> str:
    return signed_in(api, backend, "staff@example.com", "Staff-Pass-9", staff=True)


def send(api, method: str, path: str, body: Any, token: str | None = None, **meta: str):
    if token:
        meta["HTTP_ACCESSTOKEN"] = token
    return api.client.generic(method, path, json.dumps(body), "application/json", **meta)


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
class TestEveryEndpoint:
    @pytest.mark.parametrize(
        ("method", "path", "body", "fields"),
        [
            ("POST", "/auth/confirm_signup", {"username": SPACED, "password": SPACED}, {"username", "password"}),
            ("POST", "/auth/confirm_signup", {"username": "lee", "code": SPACED}, {"code"}),
            ("POST", "/auth/resend_code", {"username": SPACED}, {"username"}),
            ("POST", "/auth/signup", {"username": SPACED}, {"username"}),
            (
                "POST",
                "/auth/login",
                {"username": SPACED, "preferred_challenge": SPACED},
                {"username", "preferred_challenge"},
            ),
            ("POST", "/auth/login", {"username": SPACED, "session": 7}, {"username", "session"}),
            (
                "POST",
                "/auth/confirm_login",
                {"username": SPACED, "challenge_name": "NEW_PASSWORD_REQUIRED", "responses": {"NEW_PASSWORD": CONTROL}},
                {"username", "responses", "session"},
            ),
            ("POST", "/auth/forgot_password", {"email": SPACED}, {"email"}),
            (
                "POST",
                "/auth/confirm_forgot_password",
                {"email": SPACED, "new_password": CONTROL, "code": SPACED},
                {"email", "new_password", "code"},
            ),
            ("POST", "/auth/me/password", {"old_password": CONTROL, "new_password": CONTROL}, None),
            ("POST", "/auth/me/verify_email", {"code": SPACED}, None),
            ("POST", "/auth/mfa/totp/verify", {"code": SPACED}, None),
            ("POST", "/admin-api/users", {"username": SPACED, "temporary_password": CONTROL}, None),
            ("POST", "/admin-api/groups", {"name": SPACED}, None),
            ("POST", "/admin-api/users/someone/groups", {"group": SPACED}, None),
        ],
    )
    def test_a_refused_value_is_named_as_it_was_sent(self, api, token, method, path, body, fields):
        response = send(api, method, path, body, token)
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "ValidationError"
        assert set(response.json()["fields"]) == (fields or set(body))

    def test_a_refused_new_password_of_a_challenge_is_named_by_its_key(self, api, token):
        body = {"username": "lee", "challenge_name": "NEW_PASSWORD_REQUIRED", "responses": {"NEW_PASSWORD": CONTROL}}
        response = send(api, "POST", "/auth/confirm_login", {**body, "session": "s"})
        assert response.json()["fields"] == {"responses": {"NEW_PASSWORD": "must not contain control characters"}}

    def test_sign_up_names_the_parts_of_the_basic_credentials(self, api, backend):
        response = api.post("/auth/signup", HTTP_AUTHORIZATION=basic(SPACED, "Good-Pass-1"))
        assert (response.status_code, response.json()["fields"]) == (
            400,
            {"username": "must not contain spaces or control characters"},
        )

    @pytest.mark.parametrize(
        ("path", "name"),
        [("/admin-api/users/two%20words", "username"), ("/admin-api/users/someone/groups/two%20words", "group")],
    )
    def test_a_refused_path_parameter_is_named_as_in_the_path(self, api, token, path, name):
        response = api.client.generic("DELETE", path, HTTP_ACCESSTOKEN=token)
        assert (response.status_code, set(response.json()["fields"])) == (400, {name})


def _json_operations() -> list[tuple[str, str, set[str]]]:
    """Every operation that takes a JSON object, with the names of its body's fields and of its path."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            properties = components[body["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]
            names = set(properties) | {
                parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "path"
            }
            operations.append((method.upper(), path, names))
    return operations


OPERATIONS = _json_operations()
strings = st.sampled_from([SPACED, CONTROL, "", " ", "x" * 300, "ok-value", "a@b.c"]) | st.text(max_size=20)
values = (
    strings
    | st.integers()
    | st.booleans()
    | st.none()
    | st.lists(strings, max_size=2)
    | st.dictionaries(strings, strings, max_size=2)
)


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
class TestAnyBody:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_every_field_named_in_an_error_is_one_the_operation_takes(self, api, token, data):
        method, template, names = data.draw(st.sampled_from(OPERATIONS))
        body = data.draw(st.dictionaries(st.sampled_from(sorted(names)), values, max_size=len(names)))
        path = template
        for name in names:
            path = path.replace("{" + name + "}", data.draw(st.sampled_from(["someone", "two%20words"])))
        response = send(api, method, path, body, token)
        if response.status_code == 400 and response.json()["code"] == "ValidationError":
            assert set(response.json()["fields"]) <= names | {"body"}, (method, path, body, response.json())
