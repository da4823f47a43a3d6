"""Schemathesis against the service running as a process: whatever it is sent, it answers without a
5xx, with a status, content type, headers and body that its own schema documents.

Random input rarely gets past the credentials, so the sign-in flows are walked too, each answer
checked against the schema the same way.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from adapters.clock import SystemClock
from adapters.embedded_pool.code_sender import LoggingCodeSender
from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from domain.values import Attributes, Password, Username
from tests.live_server import AMPLE_BUDGETS, LiveServer, running_service, service_environment

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# As schemathesis hands response headers over: in lower case.
TOKEN_HEADERS = {"accesstoken", "refreshtoken", "idtoken", "http_accesstoken", "http_refreshtoken"}
PASSWORD = "Sturdy-Pass-42"


@pytest.fixture(scope="module")
def pool_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pool") / "pool.sqlite3"


@pytest.fixture(scope="module")
def service(pool_file: Path) -> Iterator[LiveServer]:
    """The embedded pool in a file, as `make run` serves it."""
    directory = pool_file.parent
    environment = service_environment(
        LOCAL_POOL_FILE=str(pool_file),
        SQLITE_PATH=str(directory / "db.sqlite3"),
        LOCAL_MEDIA_DIR=str(directory / "media"),
        **AMPLE_BUDGETS,
    )
    with running_service(environment) as server:
        yield server


@pytest.fixture(scope="module")
def served_schema(service: LiveServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{service.base_url}/api/schema/?format=json")


# schemathesis's own `from_fixture(...).parametrize()` does not run under pytest 9.2 (it sets a node
# attribute pytest no longer has), so each operation is a Hypothesis test of its own, as a subtest.
# schemathesis leaves out the operation that serves the schema; test_schema.py covers it.
@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_the_service_keeps_to_its_schema_whatever_it_is_sent(
    served_schema: schemathesis.BaseSchema, service: LiveServer, mode: GenerationMode, subtests: pytest.Subtests
) -> None:
    for result in served_schema.get_all_operations():
        operation = result.ok()
        with subtests.test(operation.label):
            try:
                _fuzz(operation, mode, service.base_url)
            except Unsatisfiable:
                if mode is GenerationMode.POSITIVE:
                    raise
                pytest.skip("nothing in this operation's requests can be made invalid")


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, base_url: str) -> None:
    # No example database: every operation's test has the same name, and would replay the others'.
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def test(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=base_url, checks=CHECKS)

    test()


class Walk:
    """Calls to the live service, each answer validated against the served schema."""

    def __init__(self, schema: schemathesis.BaseSchema, service: LiveServer) -> None:
        self.schema, self.service = schema, service

    def __call__(self, method: str, path: str, **request: Any) -> Any:
        case = self.schema[path][method].Case(**request)
        return case.call_and_validate(base_url=self.service.base_url, checks=CHECKS)

    def sign_up_code(self, username: str) -> str:
        return self._last_code("sign-up confirmation", username)

    def verification_code(self, username: str) -> str:
        return self._last_code("e-mail verification", username)

    def _last_code(self, purpose: str, username: str) -> str:
        codes: list[str] = re.findall(rf"{purpose} code for {re.escape(username)}: (\d+)", self.service.log())
        return codes[-1]


@pytest.fixture
def walk(served_schema: schemathesis.BaseSchema, service: LiveServer) -> Walk:
    return Walk(served_schema, service)


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def test_the_seed_flow_answers_as_documented(walk: Walk) -> None:
    username = "walker@example.com"
    assert walk("POST", "/auth/signup/", headers=basic(username, PASSWORD)).status_code == 201
    assert walk("POST", "/auth/signup/", headers=basic(username, PASSWORD)).status_code == 409
    assert walk("POST", "/auth/login/", headers=basic(username, PASSWORD)).status_code == 403
    confirm = {"username": username, "code": walk.sign_up_code(username)}
    assert walk("POST", "/auth/confirm_signup/", body=confirm).status_code == 200

    login = walk("POST", "/auth/login/", headers=basic(username, PASSWORD))
    assert login.status_code == 200
    assert set(login.headers) >= TOKEN_HEADERS
    access, refresh = login.headers["accesstoken"][0], login.headers["refreshtoken"][0]

    me = walk("GET", "/auth/me/", headers={"AccessToken": access})
    assert me.status_code == 200
    assert me.headers["accesstoken"] == [access]
    refreshed = walk("POST", "/auth/refresh/", headers={"RefreshToken": refresh, "AccessToken": access})
    assert refreshed.status_code == 200
    assert set(refreshed.headers) >= TOKEN_HEADERS
    assert walk("POST", "/auth/logout/", headers={"AccessToken": access, "RefreshToken": refresh}).status_code == 200
    assert walk("GET", "/auth/me/", headers={"AccessToken": access}).status_code == 401


def test_the_profile_answers_as_documented(walk: Walk) -> None:
    username = "profiled@example.com"
    assert walk("POST", "/auth/signup/", headers=basic(username, PASSWORD)).status_code == 201
    confirm = {"username": username, "code": walk.sign_up_code(username)}
    assert walk("POST", "/auth/confirm_signup/", body=confirm).status_code == 200
    access = {"AccessToken": walk("POST", "/auth/login/", headers=basic(username, PASSWORD)).headers["accesstoken"][0]}
    change = {
        "user_attributes": [{"Name": "given_name", "Value": "Pat"}, {"Name": "email", "Value": "pat@example.org"}]
    }

    changed = walk("PATCH", "/auth/me/", headers=access, body=change)
    assert changed.status_code == 200
    assert (changed.json()["email_verified"], len(changed.json()["code_deliveries"])) == (False, 1)
    immutable = {"user_attributes": [{"Name": "sub", "Value": "someone-else"}]}
    assert walk("PATCH", "/auth/me/", headers=access, body=immutable).status_code == 400
    assert walk("POST", "/auth/me/verify_email/resend/", headers=access).status_code == 200
    assert walk("POST", "/auth/me/verify_email/", headers=access, body={"code": "not-it"}).status_code == 400
    verified = walk("POST", "/auth/me/verify_email/", headers=access, body={"code": walk.verification_code(username)})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True


def test_a_challenge_and_its_answer_answer_as_documented(walk: Walk, pool_file: Path) -> None:
    username = "challenged@example.com"
    # The administrator's operation is no endpoint: it goes to the pool file the service shares.
    EmbeddedIdentityProvider(
        pool_id="us-east-1_local",
        client_id="local-app-client",
        region="us-east-1",
        code_sender=LoggingCodeSender(),
        clock=SystemClock(),
        database=str(pool_file),
    ).admin_create_user(Username(username), Password("Temporary-Pass-1"), Attributes.from_pairs([("email", username)]))

    challenged = walk("POST", "/auth/login/", headers=basic(username, "Temporary-Pass-1"))
    assert challenged.status_code == 200
    challenge = challenged.json()
    assert challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
    answer = {
        "username": username,
        "challenge_name": challenge["challenge"],
        "responses": {"NEW_PASSWORD": PASSWORD},
        "session": challenge["session"],
    }
    answered = walk("POST", "/auth/confirm_login/", body=answer)
    assert answered.status_code == 200
    assert set(answered.headers) >= TOKEN_HEADERS
    assert walk("POST", "/auth/confirm_login/", body=answer).status_code == 400


@pytest.mark.parametrize(
    ("path", "content_type", "data", "status"),
    [
        ("/auth/forgot_password/", "text/plain", b"email=someone", 415),
        ("/auth/forgot_password/", "application/json", b"{not json", 400),
        ("/auth/resend_code/", "application/json", b'{"username": "' + b"x" * 70_000 + b'"}', 413),
    ],
)
def test_bodies_the_parser_refuses_answer_as_documented(
    walk: Walk, path: str, content_type: str, data: bytes, status: int
) -> None:
    response = walk("POST", path, headers={"Content-Type": content_type}, body=data, media_type=content_type)
    assert response.status_code == status
