"""The OpenAPI schema: valid, complete for every endpoint, and served with its documentation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import openapi_spec_validator
import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from django_shell.errors import ERROR_STATUSES
from domain.errors import DomainError
from domain.values import Password, PasswordPolicy, Username
from tests.live_server import service_environment

TOKEN_HEADERS = {"AccessToken", "RefreshToken", "IdToken", "HTTP_ACCESSTOKEN", "HTTP_REFRESHTOKEN"}
ACCESS = [{"AccessToken": []}, {"bearerAuth": []}, {"accessTokenCookie": []}]
REFRESH = [{"RefreshToken": []}, {"refreshTokenCookie": []}]
# What a JSON body and a call to the pool can go wrong with, besides each endpoint's own answers.
BODY = {400, 406, 413, 415}
PROVIDER = {429, 503}

# Every status each operation answers with: the contract of the README's error table.
EXPECTED_STATUSES = {
    ("/auth/signup/", "post"): {201, 409} | BODY | PROVIDER,
    # No 401: an unknown or confirmed account reads as a wrong code (400), telling nobody it exists.
    ("/auth/confirm_signup/", "post"): {200} | BODY | PROVIDER,
    ("/auth/resend_code/", "post"): {200} | BODY | PROVIDER,
    ("/auth/login/", "post"): {200, 401, 403} | BODY | PROVIDER,
    ("/auth/confirm_login/", "post"): {200, 401} | BODY | PROVIDER,
    ("/auth/refresh/", "post"): {200, 401, 403} | BODY | PROVIDER,
    ("/auth/logout/", "post"): {200, 401, 403} | BODY | PROVIDER,
    ("/auth/forgot_password/", "post"): {200} | BODY | PROVIDER,
    ("/auth/confirm_forgot_password/", "post"): {200} | BODY | PROVIDER,
    ("/auth/me/", "get"): {200, 400, 401, 406} | PROVIDER,
    ("/auth/me/", "patch"): {200, 401, 403, 409} | BODY | PROVIDER,
    ("/auth/me/verify_email/", "post"): {200, 401, 403} | BODY | PROVIDER,
    ("/auth/me/verify_email/resend/", "post"): {200, 400, 401, 403, 406} | PROVIDER,
    ("/api/schema/", "get"): {200, 400, 406},
    ("/healthz/", "get"): {200, 400, 406},
    ("/readyz/", "get"): {200, 400, 406, 503},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The schema as the documented command writes it; the command fails on any warning or on an
    invalid OpenAPI document."""
    path = tmp_path_factory.mktemp("openapi") / "schema.json"
    subprocess.run(  # noqa: S603 -- our own interpreter, fixed arguments
        [
            sys.executable,
            "-m",
            "django_shell.manage",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--format",
            "openapi-json",
            "--file",
            str(path),
        ],
        env=service_environment(),
        check=True,
        timeout=120,
    )
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def resolved(schema: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    name = reference["$ref"].removeprefix("#/components/schemas/")
    component: dict[str, Any] = schema["components"]["schemas"][name]
    return component


def response_body(operation: dict[str, Any], status: int) -> dict[str, Any]:
    body: dict[str, Any] = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    return body


def url_patterns(patterns: list[Any]) -> Iterator[URLPattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            # The admin and the account pages are HTML, not part of the API.
            if pattern.namespace not in ("admin", "account_pages"):
                yield from url_patterns(pattern.url_patterns)
        else:
            yield pattern


class TestValidity:
    def test_is_openapi_3(self, schema):
        assert schema["openapi"].startswith("3.")
        assert schema["info"]["title"] == "cognito-auth"

    def test_standard_tools_accept_it(self, schema):
        # Stricter than spectacular's `--validate`, whose meta-schema let duplicate enum values through.
        openapi_spec_validator.validate(schema)

    def test_every_reference_names_a_component(self, schema):
        references = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(schema)))
        assert references <= set(schema["components"]["schemas"])


class TestCompleteness:
    def test_every_url_of_the_service_is_an_operation(self, schema):
        documented = {resolve(path).func for path in schema["paths"]}
        served = {
            pattern.callback
            for pattern in url_patterns(get_resolver().url_patterns)
            # Swagger UI is the schema's HTML rendering, not an API operation.
            if pattern.name != "docs"
        }
        assert served - documented == set()

    @pytest.mark.parametrize(("path", "method"), EXPECTED_STATUSES)
    def test_the_account_operations_answer_with_the_statuses_of_the_contract(self, schema, path, method):
        assert {int(status) for status in schema["paths"][path][method]["responses"]} == EXPECTED_STATUSES[path, method]

    def test_every_error_response_is_the_error_body_with_the_codes_of_its_status(self, schema):
        for path, method, operation in operations(schema):
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                content = response["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method, status)
                codes = [example["value"]["code"] for example in content["examples"].values()]
                assert codes, (path, method, status)
                assert len(set(codes)) == len(codes), (path, method, status)
                assert {ERROR_STATUSES[code] for code in codes} == {int(status)}, (path, method, status)
                assert all(f"`{code}`" in response["description"] for code in codes), (path, method, status)

    def test_every_operation_can_refuse_a_query_string_or_host_it_cannot_take(self, schema):
        for path, method, operation in operations(schema):
            assert {"400", "406"} <= set(operation["responses"]), (path, method)

    def test_every_answer_to_a_token_carries_the_current_tokens(self, schema):
        for path, method, operation in operations(schema):
            if {"AccessToken": []} in operation.get("security", []):
                for status, response in operation["responses"].items():
                    if int(status) < 400:
                        assert set(response.get("headers", {})) >= TOKEN_HEADERS, (path, method, status)

    def test_every_request_body_can_be_refused_as_malformed_too_large_or_not_json(self, schema):
        for path, method, operation in operations(schema):
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= set(operation["responses"]), (path, method)

    def test_every_operation_that_takes_a_token_can_refuse_it_401(self, schema):
        token_schemes = {name for requirement in ACCESS + REFRESH for name in requirement}
        for path, method, operation in operations(schema):
            if token_schemes & {name for requirement in operation.get("security", []) for name in requirement}:
                assert "401" in operation["responses"], (path, method)

    def test_429_and_503_say_when_to_retry(self, schema):
        for path, method, operation in operations(schema):
            for status in ("429", "503"):
                if status in operation["responses"]:
                    header = operation["responses"][status]["headers"]["Retry-After"]
                    assert header["required"] is True, (path, method, status)
                    assert header["schema"]["type"] == "integer"

    @pytest.mark.parametrize(
        ("component", "fields"),
        [
            ("MeOutput", ["email", "given_name", "family_name", "phone_number", "last_login", "image_url"]),
            ("CodeDelivery", ["destination", "delivery_medium", "attribute_name"]),
            ("Group", ["description"]),
        ],
    )
    def test_values_that_may_be_absent_are_nullable(self, schema, component, fields):
        properties = schema["components"]["schemas"][component]["properties"]
        assert {name: properties[name].get("nullable") for name in fields} == dict.fromkeys(fields, True)

    def test_401_names_its_challenge(self, schema):
        answering_401 = [(path, method, op) for path, method, op in operations(schema) if "401" in op["responses"]]
        assert answering_401
        for path, method, operation in answering_401:
            header = operation["responses"]["401"]["headers"]["WWW-Authenticate"]
            assert header["required"] is True, (path, method)

    def test_request_strings_that_may_not_be_blank_say_so(self, schema):
        attribute = schema["components"]["schemas"]["Attribute"]["properties"]
        assert attribute["Name"]["minLength"] == 1
        assert "minLength" not in attribute["Value"]

    def test_a_patch_body_keeps_its_required_fields(self, schema):
        body = schema["paths"]["/auth/me/"]["patch"]["requestBody"]
        assert body["required"] is True
        assert resolved(schema, body["content"]["application/json"]["schema"])["required"] == ["user_attributes"]

    def test_the_error_body_lists_every_stable_code(self, schema):
        error = schema["components"]["schemas"]["Error"]
        assert error["required"] == ["error", "code"]
        assert set(error["properties"]) == {"error", "code", "fields"}
        assert error["properties"]["code"]["enum"] == sorted(ERROR_STATUSES)


def _accepts(rule: dict[str, Any], value: str) -> bool:
    # As ECMAScript reads the pattern: its `$` is the end, Python's also matches before a final newline.
    pattern = rule["pattern"].removesuffix("$") + r"\Z"
    return rule["minLength"] <= len(value) <= rule["maxLength"] and re.search(pattern, value) is not None


def _refuses(check: Any, value: str) -> bool:
    try:
        check(value)
    except DomainError:
        return True
    return False


printable_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)


class TestRequestConstraints:
    """The schema states what the server refuses, so a generated client can check before sending."""

    @settings(max_examples=300)
    # ASCII: the pattern's letters and digits are Cognito's (A-Z, a-z, 0-9); the embedded pool's
    # policy counts any Unicode letter or digit.
    @given(password=printable_ascii)
    @example(password="Soft\xadHyphen-1")
    @example(password="No\xa0Break-Space1")
    def test_a_new_password_fits_the_schema_when_the_policy_takes_it(self, schema, password):
        rule = resolved(schema, {"$ref": "#/components/schemas/ConfirmForgotPasswordInput"})["properties"]
        policy = PasswordPolicy()
        taken = not _refuses(lambda value: policy.check(Password(value)), password)
        assert _accepts(rule["new_password"], password) == taken, password

    @settings(max_examples=300)
    @example(username="soft\xadhyphen")
    @example(username="no\xa0break")
    @given(username=printable_ascii | st.text(st.characters(max_codepoint=0xFF), max_size=12))
    def test_a_username_fits_the_schema_when_the_domain_takes_it(self, schema, username):
        for component, field in [("ResendCodeInput", "username"), ("ForgotPasswordInput", "email")]:
            rule = resolved(schema, {"$ref": f"#/components/schemas/{component}"})["properties"][field]
            assert _accepts(rule, username) == (not _refuses(Username, username)), (component, username)


class TestSignIn:
    @pytest.mark.parametrize("path", ["/auth/login/", "/auth/confirm_login/", "/auth/refresh/"])
    def test_issues_the_tokens_as_response_headers(self, schema, path):
        assert set(schema["paths"][path]["post"]["responses"]["200"]["headers"]) >= TOKEN_HEADERS

    def test_the_current_tokens_come_back_from_a_protected_endpoint(self, schema):
        assert set(schema["paths"]["/auth/me/"]["get"]["responses"]["200"]["headers"]) >= TOKEN_HEADERS

    @pytest.mark.parametrize("path", ["/auth/login/", "/auth/confirm_login/"])
    def test_answers_with_a_welcome_or_a_challenge(self, schema, path):
        result = resolved(schema, response_body(schema["paths"][path]["post"], 200))
        welcome, challenge = (resolved(schema, choice) for choice in result["oneOf"])
        assert welcome["required"] == ["msg"]
        assert sorted(challenge["required"]) == ["challenge", "parameters", "session"]

    def test_signup_answers_201_with_the_sub_and_where_the_code_went(self, schema):
        created = resolved(schema, response_body(schema["paths"]["/auth/signup/"]["post"], 201))
        assert set(created["required"]) == {"msg", "user_sub", "user_confirmed", "code_delivery"}
        assert created["properties"]["code_delivery"]["nullable"] is True


class TestSecurity:
    def test_declares_basic_the_token_headers_bearer_and_the_cookies(self, schema):
        schemes = schema["components"]["securitySchemes"]
        assert schemes["basicAuth"] == schemes["basicAuth"] | {"type": "http", "scheme": "basic"}
        assert schemes["bearerAuth"] == schemes["bearerAuth"] | {"type": "http", "scheme": "bearer"}
        for name, place, carrier in [
            ("AccessToken", "header", "AccessToken"),
            ("RefreshToken", "header", "RefreshToken"),
            ("accessTokenCookie", "cookie", "access_token"),
            ("refreshTokenCookie", "cookie", "refresh_token"),
        ]:
            assert schemes[name] == schemes[name] | {"type": "apiKey", "in": place, "name": carrier}

    @pytest.mark.parametrize("path", ["/auth/signup/", "/auth/login/"])
    def test_credentials_come_as_basic_or_not_at_all_without_a_password(self, schema, path):
        assert schema["paths"][path]["post"]["security"] == [{"basicAuth": []}, {}]

    def test_the_profile_takes_the_access_token_any_of_three_ways(self, schema):
        assert schema["paths"]["/auth/me/"]["get"]["security"] == ACCESS

    def test_logout_takes_the_access_or_the_refresh_token(self, schema):
        assert schema["paths"]["/auth/logout/"]["post"]["security"] == ACCESS + REFRESH

    def test_refresh_takes_the_refresh_token_or_the_field(self, schema):
        assert schema["paths"]["/auth/refresh/"]["post"]["security"] == [*REFRESH, {}]

    @pytest.mark.parametrize(
        "path",
        ["/auth/confirm_signup/", "/auth/resend_code/", "/auth/forgot_password/", "/auth/confirm_forgot_password/"],
    )
    def test_the_code_endpoints_need_no_token(self, schema, path):
        assert "security" not in schema["paths"][path]["post"]


class TestReading:
    """What a person meets in Swagger UI: operations in the order a user needs them, the token
    header first in the Authorize dialog."""

    def test_tags_come_in_the_order_a_user_meets_them(self, schema):
        tags = [tag["name"] for tag in schema["tags"]]
        assert tags[:2] == ["sign-up", "sign-in"]
        assert tags[-2:] == ["administration", "documentation"]
        for path, method, operation in operations(schema):
            assert len(operation["tags"]) == 1 and operation["tags"][0] in tags, (path, method)

    def test_operations_come_in_the_order_of_their_tags_sign_up_first(self, schema):
        tags = [tag["name"] for tag in schema["tags"]]
        places = [tags.index(operation["tags"][0]) for _, _, operation in operations(schema)]
        assert places == sorted(places)
        assert next(operations(schema))[2]["operationId"] == "sign_up"

    def test_the_authorize_dialog_leads_with_the_access_token_header(self, schema):
        schemes = list(schema["components"]["securitySchemes"])
        assert schemes[0] == "AccessToken"
        assert schemes[-2:] == ["accessTokenCookie", "refreshTokenCookie"]


def _inlined(schema: dict[str, Any], node: Any) -> Any:
    """`node` with every `$ref` to a component replaced by the component."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inlined(schema, resolved(schema, node))
        if node.get("nullable") and len(node.get("allOf", ())) == 1:
            # spectacular's nullable reference, read as generators read it: the component, or null.
            return {**_inlined(schema, node["allOf"][0]), "nullable": True}
        return {key: _inlined(schema, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(schema, item) for item in node]
    return node


def _examples(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Each JSON body of the schema (`where`, its schema, its examples)."""
    for path, method, operation in operations(schema):
        if operation["operationId"] == "get_schema":
            continue  # its answer is this very document
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(status, response) for status, response in operation["responses"].items()]
        for status, body in bodies:
            content = body.get("content", {}).get("application/json")
            if content is not None:
                yield f"{method} {path} {status}", content["schema"], content.get("examples", {})


class TestExamples:
    """Swagger UI's "Try it out" starts from a body the server takes, and every answer shows one."""

    def test_every_json_body_has_an_example(self, schema):
        missing = [where for where, _, examples in _examples(schema) if not examples]
        assert missing == []

    def test_every_example_is_valid_for_its_schema(self, schema):
        for where, body_schema, examples in _examples(schema):
            validator = OAS30Validator(_inlined(schema, body_schema))
            for name, shown in examples.items():
                errors = [error.message for error in validator.iter_errors(shown["value"])]
                assert errors == [], (where, name)


class TestServing:
    @pytest.mark.parametrize("path", ["/api/schema", "/api/schema/"])
    def test_the_schema_is_served_to_anyone(self, path):
        response = Client().get(path, HTTP_ACCESSTOKEN="not-a-token")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.oai.openapi")

    def test_the_served_schema_is_the_generated_one(self, schema):
        served = Client().get("/api/schema", {"format": "json"}).json()
        assert served["paths"] == schema["paths"]

    @pytest.mark.parametrize("path", ["/api/docs", "/api/docs/"])
    def test_swagger_ui_is_served_from_local_static_files(self, path):
        response = Client().get(path)
        assert response.status_code == 200
        page = response.content.decode()
        assert "/api/schema" in page
        assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
        assert {asset.rsplit("/", 1)[-1] for asset in assets} >= {"swagger-ui.css", "swagger-ui-bundle.js"}
        assert all(finders.find(asset) for asset in assets), assets
        assert "https://" not in page
