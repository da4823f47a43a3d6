"""Two server processes sharing one embedded pool file and one Redis, as two workers or hosts behind
a load balancer would: logout, disabling, deletion and refresh must hold across them."""

from __future__ import annotations

import base64
import contextlib
import re
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.live_server import AMPLE_BUDGETS, LiveServer, Reply, running_service, service_environment

USERNAME = "pat@example.com"
ADMIN = "root@example.com"
PASSWORD = "Correct-Horse-9"
ACCESS_TOKEN_SECONDS = 2
# What the issue asks: every process refuses a token within 100 ms of the change.
PROPAGATION_LIMIT = 0.1


def basic(username: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()}


@contextlib.contextmanager
def two_servers(redis_url: str, tmp_path: Path, access_token_seconds: int) -> Iterator[tuple[LiveServer, LiveServer]]:
    environment = service_environment(
        LOCAL_POOL_FILE=str(tmp_path / "pool.sqlite3"),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        REDIS_URL=redis_url,
        LOCAL_POOL_ACCESS_TOKEN_SECONDS=str(access_token_seconds),
        COGNITO_TOKEN_LEEWAY_SECONDS="0",
        DJANGO_SECRET_KEY="shared-by-both-processes",
        **AMPLE_BUDGETS,
    )
    with contextlib.ExitStack() as stack:
        yield stack.enter_context(running_service(environment)), stack.enter_context(running_service(environment))


@pytest.fixture
def servers(redis_url, tmp_path):
    """Two processes whose access tokens expire in seconds, so that a test can wait for it."""
    with two_servers(redis_url, tmp_path, ACCESS_TOKEN_SECONDS) as both:
        yield both


@pytest.fixture
def hour_servers(redis_url, tmp_path):
    """Two processes whose access tokens live an hour, for tests that take longer than seconds to set up."""
    with two_servers(redis_url, tmp_path, 3600) as both:
        yield both


def signed_in(server: LiveServer, username: str = USERNAME) -> dict[str, str]:
    assert server.post("/auth/signup", headers=basic(username)).status == 201
    code = re.findall(rf"sign-up confirmation code for {re.escape(username)}: (\d+)", server.log())[-1]
    assert server.post("/auth/confirm_signup", {"username": username, "code": code}).status == 200
    return logged_in(server, username)


def logged_in(server: LiveServer, username: str = USERNAME) -> dict[str, str]:
    reply = server.post("/auth/login", headers=basic(username))
    assert reply.status == 200, reply.body
    return {"AccessToken": reply.headers["AccessToken"], "RefreshToken": reply.headers["RefreshToken"]}


def staff_signed_in(server: LiveServer, database: Path) -> dict[str, str]:
    """An administrator's access token: staff is set in the shared database, as in Django's admin."""
    tokens = signed_in(server, ADMIN)
    with contextlib.closing(sqlite3.connect(database)) as connection, connection:
        changed = connection.execute("UPDATE cognito_auth_user SET is_staff = 1 WHERE username = ?", (ADMIN,))
        assert changed.rowcount == 1
    return {"AccessToken": tokens["AccessToken"]}


def seconds_until_refused(server: LiveServer, access_only: dict[str, str]) -> tuple[float, Reply]:
    """How long `server` kept accepting the token from now on, and the reply that refused it."""
    start = time.monotonic()
    while (reply := server.get("/auth/me", access_only)).status == 200:
        assert time.monotonic() - start < 1.0, "the other process kept accepting the token"
    return time.monotonic() - start, reply


def test_a_token_is_refused_by_the_other_process_within_100_ms_of_logout(servers):
    first, second = servers
    tokens = signed_in(first)
    access_only = {"AccessToken": tokens["AccessToken"]}
    assert second.get("/auth/me", access_only).status == 200  # the second process knows the token now

    assert first.post("/auth/logout", headers=tokens).status == 200
    refused_after, reply = seconds_until_refused(second, access_only)

    assert (reply.status, reply.body["code"]) == (401, "TokenInvalid")
    assert refused_after < PROPAGATION_LIMIT


@pytest.mark.parametrize("action", ["disable", "delete"])
def test_every_sign_in_is_refused_by_the_other_process_within_100_ms_of_an_administrator(
    hour_servers, tmp_path, action
):
    first, second = hour_servers
    admin = staff_signed_in(first, tmp_path / "db.sqlite3")
    sign_ins = [{"AccessToken": signed_in(first)["AccessToken"]}, {"AccessToken": logged_in(second)["AccessToken"]}]
    for access_only in sign_ins:
        assert second.get("/auth/me", access_only).status == 200  # the second process knows the tokens now

    if action == "disable":
        done = first.post(f"/admin-api/users/{USERNAME}/disable", headers=admin)
    else:
        done = first.request("DELETE", f"/admin-api/users/{USERNAME}", None, admin)
    assert done.status in {200, 204}, done.body
    refused_after, reply = seconds_until_refused(second, sign_ins[0])

    assert (reply.status, reply.body["code"]) == (401, "TokenInvalid")
    assert refused_after < PROPAGATION_LIMIT
    assert second.get("/auth/me", sign_ins[1]).body["code"] == "TokenInvalid"
    with contextlib.closing(sqlite3.connect(tmp_path / "db.sqlite3")) as connection:
        rows = connection.execute("SELECT is_active FROM cognito_auth_user WHERE username = ?", (USERNAME,)).fetchall()
    # A refused token never reaches the mirror, so a deleted user's row does not come back.
    assert rows == ([(0,)] if action == "disable" else [])


def test_concurrent_requests_with_one_expired_token_cause_one_refresh_across_processes(servers):
    first, second = servers
    tokens = signed_in(first)
    time.sleep(ACCESS_TOKEN_SECONDS + 1)
    assert first.get("/auth/me", {"AccessToken": tokens["AccessToken"]}).body["code"] == "TokenExpired"

    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda server: server.get("/auth/me", tokens), [first, second] * 5))

    assert [reply.status for reply in replies] == [200] * 10
    fresh_tokens = {reply.headers["AccessToken"] for reply in replies}
    # Every refresh mints a token of its own (a new jti), so one token for all means one refresh.
    assert len(fresh_tokens) == 1
    assert fresh_tokens != {tokens["AccessToken"]}
