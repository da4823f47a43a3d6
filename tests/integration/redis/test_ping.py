"""RedisPing against a real Redis behind a proxy that is cut, and behind one that accepts and never answers;
and `/readyz` over it."""

from __future__ import annotations

import time

import pytest
import redis
from django.apps import apps
from django.test import Client

from adapters.redis.ping import RedisPing
from django_shell.health import check_database
from tests.fault_server import Fault, running_fault_server

# What /readyz promises, whatever Redis does.
READINESS_BOUND_SECONDS = 2.0


@pytest.fixture
def readiness_over():
    """Wires /readyz to the database and to `ping` as its cache check."""
    container = apps.get_app_config("cognito_auth").container

    def wire(ping: RedisPing):
        return container.readiness_checks.override({"database": check_database, "cache": ping})

    return wire


def readyz() -> tuple[int, dict]:
    started = time.monotonic()
    response = Client().get("/readyz")
    elapsed = time.monotonic() - started
    assert elapsed < READINESS_BOUND_SECONDS, f"{elapsed:.2f} s"
    return response.status_code, response.json()


class TestRedisPing:
    def test_returns_while_redis_answers(self, redis_url):
        RedisPing.from_url(redis_url)()

    def test_raises_once_the_connection_is_cut_and_returns_once_it_is_back(self, proxied_redis_url):
        url, proxy = proxied_redis_url
        ping = RedisPing.from_url(url)
        ping()

        proxy.refuse()
        with pytest.raises(redis.ConnectionError):
            ping()

        proxy.restore()
        ping()

    def test_gives_up_by_itself_on_a_redis_that_never_answers(self):
        with running_fault_server(Fault.BLACKHOLE) as frozen:
            ping = RedisPing.from_url(frozen.endpoint_url.replace("http://", "redis://"), timeout=0.2)
            with pytest.raises(redis.TimeoutError):
                ping()

        assert frozen.connections == 1


@pytest.mark.django_db
class TestReadyzOverRedis:
    def test_is_ready_then_not_while_cut_then_ready_again(self, proxied_redis_url, readiness_over):
        url, proxy = proxied_redis_url
        with readiness_over(RedisPing.from_url(url)):
            assert readyz()[0] == 200

            proxy.refuse()
            status, body = readyz()
            assert status == 503
            assert body["error"] == "Not ready: cache."
            assert body["checks"]["cache"]["error"] == "ConnectionError"
            assert body["checks"]["database"]["status"] == "ok"

            proxy.restore()
            assert readyz()[0] == 200

    def test_answers_503_within_the_bound_while_redis_is_frozen(self, readiness_over):
        with running_fault_server(Fault.BLACKHOLE) as frozen:
            ping = RedisPing.from_url(frozen.endpoint_url.replace("http://", "redis://"))
            with readiness_over(ping):
                status, body = readyz()

        assert status == 503
        assert body["checks"]["cache"]["status"] == "failed"
        assert body["checks"]["cache"]["error"] in {"TimeoutError", "Timeout"}
