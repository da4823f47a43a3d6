"""Two server processes sharing one embedded pool file and one Redis, as two workers or hosts behind
a load balancer would: logout and refresh must hold across them."""

from __future__ import annotations

import base64
import contextlib
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.live_server import LiveServer, running_service, service_environment

USERNAME = "pat@example.com"
PASSWORD = "Correct-Horse-9"
ACCESS_TOKEN_SECONDS = 2
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()}


@pytest.fixture
def servers(redis_url, tmp_path):
    environment = service_environment(
        LOCAL_POOL_FILE=str(tmp_path / "pool.sqlite3"),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        REDIS_URL=redis_url,
        LOCAL_POOL_ACCESS_TOKEN_SECONDS=str(ACCESS_TOKEN_SECONDS),
        COGNITO_TOKEN_LEEWAY_SECONDS="0",
        DJANGO_SECRET_KEY="shared-by-both-processes",
    )
    with contextlib.ExitStack() as stack:
        yield stack.enter_context(running_service(environment)), stack.enter_context(running_service(environment))


def signed_in(server: LiveServer) -> dict[str, str]:
    assert server.post("/auth/signup", headers=BASIC).status == 201
    code = re.findall(rf"sign-up confirmation code for {re.escape(USERNAME)}: (\d+)", server.log())[-1]
    assert server.post("/auth/confirm_signup", {"username": USERNAME, "code": code}).status == 200
    logged_in = server.post("/auth/login", headers=BASIC)
    assert logged_in.status == 200, logged_in.body
    return {"AccessToken": logged_in.headers["AccessToken"], "RefreshToken": logged_in.headers["RefreshToken"]}


def test_a_token_is_refused_by_the_other_process_within_100_ms_of_logout(servers):
    first, second = servers
    tokens = signed_in(first)
    access_only = {"AccessToken": tokens["AccessToken"]}
    assert second.get("/auth/me", access_only).status == 200  # the second process knows the token now

    assert first.post("/auth/logout", headers=tokens).status == 200
    logged_out_at = time.monotonic()
    while (reply := second.get("/auth/me", access_only)).status == 200:
        assert time.monotonic() - logged_out_at < 1.0, "the second process kept accepting the token"
    refused_after = time.monotonic() - logged_out_at

    assert (reply.status, reply.body["code"]) == (401, "TokenInvalid")
    assert refused_after < 0.1


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
