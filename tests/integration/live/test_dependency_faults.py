"""The service as a real server process with PostgreSQL and Redis behind a proxy that fails on
purpose (`tests/tcp_proxy.py`): refusing, hung (a black hole), frozen, restarted, then restored.

Every request of these tests must be answered within `REPLY_WITHIN` seconds, 503s included: the
HTTP client gives up after that and the test fails. The service is configured so that its own
budgets fit well inside (see each fixture); no test waits for a worker timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import psycopg2
import pytest

from tests.integration.live.test_multi_process import basic
from tests.live_server import LiveServer, Reply, running_service, service_environment
from tests.tcp_proxy import FaultyProxy, running_proxy

# The bound: a request ends within 5 s whatever PostgreSQL or Redis do.
REPLY_WITHIN = 5.0


def confirmed(server: LiveServer, username: str) -> None:
    """A confirmed account the service has never signed in: its mirror row does not exist yet."""
    assert server.post("/auth/signup", headers=basic(username)).status == 201
    code = re.findall(rf"sign-up confirmation code for {re.escape(username)}: (\d+)", server.log())[-1]
    assert server.post("/auth/confirm_signup", {"username": username, "code": code}).status == 200


def signed_in(server: LiveServer, username: str) -> dict[str, str]:
    confirmed(server, username)
    reply = server.post("/auth/login", headers=basic(username))
    assert reply.status == 200, reply.body
    return {"AccessToken": reply.headers["AccessToken"], "RefreshToken": reply.headers["RefreshToken"]}


def access_only(tokens: dict[str, str]) -> dict[str, str]:
    return {"AccessToken": tokens["AccessToken"]}


def refused(reply: Reply, code: str) -> bool:
    return reply.status == 503 and reply.body["code"] == code and int(reply.headers["Retry-After"]) > 0


def eventually(request: Callable[[], Reply], status: int, patience: float = 10.0) -> Reply:
    """The first reply with `status`, asking again until `patience` runs out (a recovery in progress)."""
    give_up = time.monotonic() + patience
    while (reply := request()).status != status:
        assert time.monotonic() < give_up, f"still {reply.status} {reply.body} after {patience} s"
        time.sleep(0.2)
    return reply


# --- PostgreSQL ---


@attrs.frozen
class PostgreSQL:
    host: str
    port: int
    user: str
    password: str

    def connect(self, dbname: str) -> psycopg2.extensions.connection:
        connection = psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=dbname
        )
        connection.autocommit = True
        return connection


@pytest.fixture(scope="module")
def postgresql_server() -> PostgreSQL:
    """The PostgreSQL server the suite is configured with; skipped without one, failed under CI."""
    if not os.environ.get("DB_NAME"):
        reason = "needs PostgreSQL (set DB_NAME, DB_USERNAME, DB_HOST)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return PostgreSQL(
        host=os.environ.get("DB_HOST", "127.0.0.1"),
        port=int(os.environ.get("DB_PORT", "5432")),
        user=os.environ["DB_USERNAME"],
        password=os.environ.get("DB_PASSWORD", ""),
    )


@pytest.fixture(scope="module")
def fault_database(postgresql_server: PostgreSQL) -> Iterator[str]:
    """A database of this module's own, dropped afterwards."""
    name = f"{os.environ['DB_NAME']}_faults"
    with contextlib.closing(postgresql_server.connect("postgres")) as connection, connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with contextlib.closing(postgresql_server.connect("postgres")) as connection, connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def postgresql_proxy(postgresql_server: PostgreSQL) -> Iterator[FaultyProxy]:
    with running_proxy((postgresql_server.host, postgresql_server.port)) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def database_server(
    tmp_path_factory: pytest.TempPathFactory,
    postgresql_server: PostgreSQL,
    fault_database: str,
    postgresql_proxy: FaultyProxy,
) -> Iterator[LiveServer]:
    """One gunicorn sync worker, which keeps its database connection between requests as in a
    deployment, on the database through the proxy. Its budget for PostgreSQL is 1 + 1 s per
    request, and a user stays in its cache 1 s, so that a test can let the entry expire."""
    directory = tmp_path_factory.mktemp("database-faults")
    environment = service_environment(
        DB_NAME=fault_database,
        DB_HOST="127.0.0.1",
        DB_PORT=str(postgresql_proxy.port),
        DB_USERNAME=postgresql_server.user,
        DB_PASSWORD=postgresql_server.password,
        DB_CONNECT_TIMEOUT_SECONDS="1",
        DB_STATEMENT_TIMEOUT_SECONDS="1",
        USER_CACHE_SECONDS="1",
        LOCAL_POOL_FILE=str(directory / "pool.sqlite3"),
        DJANGO_SECRET_KEY="database-faults",
    )
    with running_service(environment, gunicorn=True) as server:
        yield attrs.evolve(server, timeout=REPLY_WITHIN)
        assert "Traceback" not in server.log()


@pytest.fixture
def database(database_server: LiveServer, postgresql_proxy: FaultyProxy) -> Iterator[FaultyProxy]:
    """The proxy in front of the server's database; every test leaves it passing again."""
    yield postgresql_proxy
    postgresql_proxy.restore()


class TestPostgreSQLFaults:
    def test_a_refusing_database_answers_503_and_the_first_request_after_it_returns_succeeds(
        self, database_server, database
    ):
        confirmed(database_server, "refused@example.com")
        unseen = signed_in(database_server, "unseen@example.com")  # mirrored, but not in the cache

        database.refuse()
        reply = database_server.post("/auth/login", headers=basic("refused@example.com"))
        assert refused(reply, "DatabaseUnavailable"), (reply.status, reply.body)
        reply = database_server.get("/auth/me", access_only(unseen))
        assert refused(reply, "DatabaseUnavailable"), (reply.status, reply.body)

        database.restore()
        assert database_server.post("/auth/login", headers=basic("refused@example.com")).status == 200

    @pytest.mark.parametrize("fault", ["blackhole", "freeze"])
    def test_a_hung_database_answers_503_in_seconds_and_known_users_are_still_served(
        self, database_server, database, fault
    ):
        warm = signed_in(database_server, f"warm-{fault}@example.com")
        assert database_server.get("/auth/me", access_only(warm)).status == 200  # this process knows them now
        cold = f"cold-{fault}@example.com"
        confirmed(database_server, cold)

        getattr(database, fault)()
        time.sleep(1.1)  # past USER_CACHE_SECONDS: the known user's entry has expired
        assert database_server.get("/auth/me", access_only(warm)).status == 200
        reply = database_server.post("/auth/login", headers=basic(cold))
        assert refused(reply, "DatabaseUnavailable"), (reply.status, reply.body)
        reply = database_server.request(
            "PATCH", "/auth/me", b'{"user_attributes": [{"Name": "given_name", "Value": "Hung"}]}', access_only(warm)
        )
        assert refused(reply, "DatabaseUnavailable"), (reply.status, reply.body)
        assert database_server.get("/auth/me", access_only(warm)).status == 200

        database.restore()
        assert database_server.post("/auth/login", headers=basic(cold)).status == 200
        assert database_server.get("/auth/me", access_only(warm)).status == 200

    def test_the_django_admin_answers_503_while_the_database_refuses(self, database_server, database):
        # A session cookie makes the admin read its session, and the user it names, from the database.
        session = {"Cookie": "sessionid=" + "s" * 32}
        signed_in(database_server, "admin-page@example.com")

        database.refuse()
        reply = database_server.get("/admin/", session)
        assert refused(reply, "DatabaseUnavailable"), (reply.status, reply.body)

        database.restore()
        assert database_server.post("/auth/login", headers=basic("admin-page@example.com")).status == 200

    def test_after_a_database_restart_the_first_request_succeeds(self, database_server, database):
        signed_in(database_server, "restart@example.com")  # the worker now keeps a connection

        database.reset_connections()  # what a restart does to it

        assert database_server.post("/auth/login", headers=basic("restart@example.com")).status == 200


# --- Redis ---


def redis_environment(directory: Path, redis_url: str, **overrides: str) -> dict[str, str]:
    return service_environment(
        LOCAL_POOL_FILE=str(directory / "pool.sqlite3"),
        SQLITE_PATH=str(directory / "db.sqlite3"),
        REDIS_URL=redis_url,
        DJANGO_SECRET_KEY="redis-faults",
        **overrides,
    )


class TestRedisFaults:
    @pytest.mark.parametrize("fault", ["refuse", "blackhole"])
    def test_a_process_started_while_redis_is_unreachable_accepts_no_token_until_it_has_the_list(
        self, tmp_path, proxied_redis_url, fault
    ):
        url, proxy = proxied_redis_url
        environment = redis_environment(tmp_path, url)
        with running_service(environment) as first:
            revoked = signed_in(first, f"revoked-{fault}@example.com")
            live = signed_in(first, f"live-{fault}@example.com")
            assert first.post("/auth/logout", headers=revoked).status == 200

            getattr(proxy, fault)()
            with running_service(environment) as started:
                started = attrs.evolve(started, timeout=REPLY_WITHIN)
                for tokens in (revoked, live):
                    reply = started.get("/auth/me", access_only(tokens))
                    assert refused(reply, "ProviderUnavailable"), (reply.status, reply.body)

                proxy.restore()
                eventually(lambda: started.get("/auth/me", access_only(live)), 200)
                reply = started.get("/auth/me", access_only(revoked))
                assert (reply.status, reply.body["code"]) == (401, "TokenInvalid")

    @pytest.mark.parametrize("fault", ["refuse", "blackhole", "freeze"])
    def test_logout_while_redis_fails_answers_503_in_seconds_once_and_then_at_once(
        self, tmp_path, proxied_redis_url, fault
    ):
        url, proxy = proxied_redis_url
        with running_service(redis_environment(tmp_path, url)) as server:
            server = attrs.evolve(server, timeout=REPLY_WITHIN)
            leaving, staying = signed_in(server, "leaving@example.com"), signed_in(server, "staying@example.com")
            assert server.get("/auth/me", access_only(staying)).status == 200

            getattr(proxy, fault)()
            for _ in range(3):
                reply = server.post("/auth/logout", headers=leaving)
                assert refused(reply, "ProviderUnavailable"), (reply.status, reply.body)
            # One timeout opened the breaker; the other logouts did not try Redis at all.
            assert server.log().count("Redis failed") == 1
            # Requests that need nothing from Redis are not held by it.
            assert server.get("/auth/me", access_only(staying)).status == 200

            proxy.restore()
            eventually(lambda: server.post("/auth/logout", headers=leaving), 200)
            assert server.get("/auth/me", access_only(leaving)).body["code"] == "TokenInvalid"

    @pytest.mark.parametrize("fault", ["blackhole", "freeze"])
    def test_a_transparent_refresh_while_redis_hangs_is_served_in_seconds(self, tmp_path, proxied_redis_url, fault):
        url, proxy = proxied_redis_url
        environment = redis_environment(
            tmp_path, url, LOCAL_POOL_ACCESS_TOKEN_SECONDS="2", COGNITO_TOKEN_LEEWAY_SECONDS="0"
        )
        with running_service(environment) as server:
            server = attrs.evolve(server, timeout=REPLY_WITHIN)
            tokens = signed_in(server, "refreshing@example.com")
            assert server.get("/auth/me", access_only(tokens)).status == 200  # the process has the list now
            time.sleep(3)  # the access token expires

            getattr(proxy, fault)()
            with ThreadPoolExecutor(max_workers=5) as pool:
                replies = list(pool.map(lambda _: server.get("/auth/me", tokens), range(5)))

            assert [reply.status for reply in replies] == [200] * 5
            fresh_tokens = {reply.headers["AccessToken"] for reply in replies}
            # One refresh for all: the requests of one process share it without Redis.
            assert len(fresh_tokens) == 1
            assert fresh_tokens != {tokens["AccessToken"]}
