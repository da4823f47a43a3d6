"""Two server processes sharing one Redis spend one budget of failed sign-ins, not one each, with the
production budgets; behind a trusted proxy, a forged X-Forwarded-For buys no fresh one."""

from __future__ import annotations

import base64
import contextlib
import random
import uuid

import pytest

from tests.live_server import running_service, service_environment

PER_ACCOUNT = 5
PER_IP = 10


def wrong_login(username: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:Wrong-Horse-1".encode()).decode()}


@pytest.fixture
def servers(redis_url, tmp_path):
    environment = service_environment(
        LOCAL_POOL_FILE=str(tmp_path / "pool.sqlite3"),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        REDIS_URL=redis_url,
        DJANGO_SECRET_KEY="shared-by-both-processes",
        # Both sit behind one proxy, which appends the address it saw.
        TRUSTED_PROXY_HOPS="1",
    )
    with contextlib.ExitStack() as stack:
        yield stack.enter_context(running_service(environment)), stack.enter_context(running_service(environment))


@pytest.fixture
def client_ip() -> str:
    """A client address of this run's own: Redis keeps budgets for a window, across test runs too."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_two_processes_spend_one_budget_per_account(servers, client_ip):
    username = f"{uuid.uuid4().hex}@example.com"
    headers = wrong_login(username) | {"X-Forwarded-For": client_ip}
    answers = [servers[n % 2].post("/auth/login", headers=headers) for n in range(2 * PER_ACCOUNT)]
    assert [answer.status for answer in answers] == [401] * PER_ACCOUNT + [429] * PER_ACCOUNT
    assert all(1 <= int(answer.headers["Retry-After"]) <= 300 for answer in answers[PER_ACCOUNT:])


def test_two_processes_spend_one_budget_per_client_whatever_it_forges(servers, client_ip):
    def attempt(n: int) -> int:
        forged = f"192.0.2.{n}, {client_ip}"
        headers = wrong_login(f"{uuid.uuid4().hex}@example.com") | {"X-Forwarded-For": forged}
        return servers[n % 2].post("/auth/login", headers=headers).status

    assert [attempt(n) for n in range(PER_IP + 4)] == [401] * PER_IP + [429] * 4
