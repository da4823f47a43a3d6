"""Every endpoint that calls Cognito, against a Cognito that refuses, hangs, fails or throttles.

Each answers 503 `ProviderUnavailable` (429 `TooManyRequests` when throttled) with a Retry-After,
within the budget `adapters.cognito.client` documents, after a bounded number of attempts, without
revealing anything of the failure and without writing anything locally.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Any

import attrs
import pytest
from django.db import connection

from django_shell.containers import Container
from domain.errors import NotAuthorized
from domain.values import TokenSet, Username
from tests.fault_server import REQUEST_ID, Fault, running_fault_server
from tests.integration.api.conftest import Api, basic
from tests.integration.faults.conftest import (
    CONNECT_TIMEOUT,
    MAX_ATTEMPTS,
    PASSWORD,
    READ_TIMEOUT,
    FaultyCognito,
    faulty_cognito,
)
from tests.pools import EmbeddedBackend

pytestmark = pytest.mark.django_db

# The rule of `adapters.cognito.client`: attempts times per-attempt timeouts, plus botocore's back-off
# between attempts, which is under one second with two attempts.
BUDGET = MAX_ATTEMPTS * (CONNECT_TIMEOUT + READ_TIMEOUT)
BACKOFF_ALLOWANCE = 1.0
# botocore's standard mode sleeps up to min(1 s * 2**i, 20 s) before the (i+1)-th retry of a throttled
# call. Throttling is answered at once, so that back-off is nearly all a throttled request waits.
THROTTLING_BACKOFF = sum(min(2**retry, 20) for retry in range(MAX_ATTEMPTS - 1))
# Two round trips on the loopback and Django's own work.
LOCAL_OVERHEAD = 0.5

NEWCOMER = "newcomer@example.com"
CODE = "123456"
# At least the 20 characters botocore insists on before sending.
SESSION = "s" * 64


@attrs.frozen
class Call:
    path: str
    operation: str
    """The Cognito operation the endpoint must reach."""
    body: dict[str, Any] | None = None
    basic: bool = False
    tokens: bool = False

    def send(self, api: Api, tokens: TokenSet) -> Any:
        meta = {}
        if self.basic:
            meta["HTTP_AUTHORIZATION"] = basic(NEWCOMER, PASSWORD)
        if self.tokens:
            meta["HTTP_ACCESSTOKEN"] = tokens.access_token
            meta["HTTP_REFRESHTOKEN"] = tokens.refresh_token
        return api.post(self.path, self.body, **meta)


CALLS = {
    "signup": Call("/auth/signup", "SignUp", {"user_attributes": [{"Name": "email", "Value": NEWCOMER}]}, basic=True),
    "confirm_signup": Call("/auth/confirm_signup", "ConfirmSignUp", {"username": NEWCOMER, "code": CODE}),
    "resend_code": Call("/auth/resend_code", "ResendConfirmationCode", {"username": NEWCOMER}),
    "login": Call("/auth/login", "InitiateAuth", basic=True),
    "confirm_login": Call(
        "/auth/confirm_login",
        "RespondToAuthChallenge",
        {
            "username": NEWCOMER,
            "challenge_name": "NEW_PASSWORD_REQUIRED",
            "responses": {"NEW_PASSWORD": PASSWORD},
            "session": SESSION,
        },
    ),
    "refresh": Call("/auth/refresh", "InitiateAuth", tokens=True),
    "logout": Call("/auth/logout", "GlobalSignOut", tokens=True),
    "forgot_password": Call("/auth/forgot_password", "ForgotPassword", {"email": NEWCOMER}),
    "confirm_forgot_password": Call(
        "/auth/confirm_forgot_password",
        "ConfirmForgotPassword",
        {"email": NEWCOMER, "new_password": PASSWORD, "code": CODE},
    ),
}


def row_counts() -> dict[str, int]:
    """Rows in every table of the service's database."""
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 -- names from the schema
            counts[table] = cursor.fetchone()[0]
    return counts


def assert_answered_the_fault(response: Any, fault: Fault, tokens: TokenSet, server_url: str) -> None:
    expected = (429, "TooManyRequests") if fault.is_throttling else (503, "ProviderUnavailable")
    body = response.json()
    assert (response.status_code, body.get("code")) == expected, body
    assert set(body) == {"error", "code"}, body
    assert response["Retry-After"].isdigit()
    assert int(response["Retry-After"]) > 0
    answer = response.content.decode() + "".join(f"{name}: {value}\n" for name, value in response.items())
    for secret in (
        REQUEST_ID,
        "Traceback",
        server_url,
        server_url.removeprefix("http://"),
        "__type",
        "Exception",
        "<!doctype",
        "Rate exceeded",
        tokens.access_token,
        tokens.refresh_token,
        PASSWORD,
    ):
        assert secret not in answer


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_answers_within_the_budget_after_bounded_attempts(
    api: Api, wired: FaultyCognito, tokens: TokenSet, embedded: EmbeddedBackend, call: Call
) -> None:
    rows_before = row_counts()

    started = time.monotonic()
    response = call.send(api, tokens)
    elapsed = time.monotonic() - started

    assert_answered_the_fault(response, wired.fault, tokens, wired.server.endpoint_url)
    assert elapsed <= BUDGET + BACKOFF_ALLOWANCE, f"{elapsed:.2f} s"
    if wired.fault.is_throttling:
        assert elapsed <= THROTTLING_BACKOFF + LOCAL_OVERHEAD, f"{elapsed:.2f} s"

    # Retried, but no more than configured; and what was sent did reach the faulty endpoint.
    assert 1 <= wired.attempts.count <= MAX_ATTEMPTS
    if wired.fault is not Fault.REFUSE:
        assert wired.server.connections == wired.attempts.count
    if wired.fault is not Fault.REFUSE and wired.fault is not Fault.BLACKHOLE:
        assert wired.server.operations == [call.operation] * wired.attempts.count

    # Nothing written locally: not in the database, not in the pool that verifies tokens.
    assert row_counts() == rows_before
    with pytest.raises(NotAuthorized):
        # Looked up as the administrator does: a sign-in would count towards the pool's lock-out.
        embedded.provider.admin_get_user(Username(NEWCOMER))


def test_a_silent_cognito_holds_no_worker_and_no_thread(container: Container) -> None:
    """Requests in parallel against a Cognito that accepts and never answers all come back within
    the budget, each after at most `MAX_ATTEMPTS` connections; stopping the server leaves no thread."""
    threads_before = set(threading.enumerate())
    parallel = 4
    with running_fault_server(Fault.BLACKHOLE) as server:
        cognito = faulty_cognito(server)
        with container.identity_provider.override(cognito.provider):
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
                responses = list(
                    pool.map(
                        lambda _: Api().post("/auth/login", HTTP_AUTHORIZATION=basic(NEWCOMER, PASSWORD)),
                        range(parallel),
                    )
                )
            elapsed = time.monotonic() - started
        assert [response.status_code for response in responses] == [503] * parallel
        assert elapsed <= BUDGET + BACKOFF_ALLOWANCE, f"{elapsed:.2f} s"
        assert parallel <= server.connections <= MAX_ATTEMPTS * parallel
        assert server.connections == cognito.attempts.count
    assert set(threading.enumerate()) == threads_before
