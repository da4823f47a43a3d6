"""The embedded default without Redis (`make run`): revocations are kept beside the pool in its file,
so a restarted server, or a second one on the same file, refuses what the first one revoked."""

from __future__ import annotations

import base64
import contextlib
import re
import sqlite3
from pathlib import Path

import pytest

from tests.live_server import LiveServer, running_service, service_environment

USERNAME = "pat@example.com"
ADMIN = "root@example.com"
PASSWORD = "Correct-Horse-9"


def basic(username: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()}


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """`make run`'s set-up: the pool in a file, SQLite for the mirror, no Redis."""
    return service_environment(
        LOCAL_POOL_FILE=str(tmp_path / "pool.sqlite3"),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        DJANGO_SECRET_KEY="kept-across-restarts",
    )


def signed_in(server: LiveServer, username: str = USERNAME) -> dict[str, str]:
    assert server.post("/auth/signup", headers=basic(username)).status == 201
    code = re.findall(rf"sign-up confirmation code for {re.escape(username)}: (\d+)", server.log())[-1]
    assert server.post("/auth/confirm_signup", {"username": username, "code": code}).status == 200
    reply = server.post("/auth/login", headers=basic(username))
    assert reply.status == 200, reply.body
    return {"AccessToken": reply.headers["AccessToken"], "RefreshToken": reply.headers["RefreshToken"]}


def test_a_logged_out_token_stays_refused_after_a_restart(environment):
    with running_service(environment) as server:
        tokens = signed_in(server)
        access_only = {"AccessToken": tokens["AccessToken"]}
        assert server.get("/auth/me", access_only).status == 200
        assert server.post("/auth/logout", headers=tokens).status == 200

    with running_service(environment) as restarted:
        reply = restarted.get("/auth/me", access_only)

        assert (reply.status, reply.body["code"]) == (401, "TokenInvalid")
        assert restarted.post("/auth/login", headers=basic(USERNAME)).status == 200


def test_a_disabled_users_token_stays_refused_after_a_restart(environment, tmp_path):
    with running_service(environment) as server:
        admin = signed_in(server, ADMIN)
        with contextlib.closing(sqlite3.connect(tmp_path / "db.sqlite3")) as connection, connection:
            connection.execute("UPDATE cognito_auth_user SET is_staff = 1 WHERE username = ?", (ADMIN,))
        access_only = {"AccessToken": signed_in(server)["AccessToken"]}
        disabled = server.post(f"/admin-api/users/{USERNAME}/disable", headers={"AccessToken": admin["AccessToken"]})
        assert disabled.status in {200, 204}, disabled.body

    with running_service(environment) as restarted:
        reply = restarted.get("/auth/me", access_only)

        assert (reply.status, reply.body["code"]) == (401, "TokenInvalid")


def test_a_second_server_on_the_file_refuses_what_the_first_revoked(environment):
    with running_service(environment) as first, running_service(environment) as second:
        tokens = signed_in(first)
        access_only = {"AccessToken": tokens["AccessToken"]}
        assert second.get("/auth/me", access_only).status == 200

        assert first.post("/auth/logout", headers=tokens).status == 200

        assert second.get("/auth/me", access_only).body["code"] == "TokenInvalid"
