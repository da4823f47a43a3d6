"""A warm authenticated request costs nothing beyond this process: no database query, no call to the
identity provider, no shared-cache operation, no command to Redis. Counts, not timings: the figures
are bench/request_costs.py's (docs/benchmarks.md, section c)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs
import pytest
import redis
from bench.instruments import Counting, redis_commands
from django.test import override_settings

from adapters.jwt.caching_verifier import CachingTokenVerifier
from adapters.jwt.verifier import JwksTokenVerifier
from adapters.redis.revocation_list import RedisRevocationList
from tests.integration.api.conftest import basic

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

USERNAME = "warm@example.com"
PASSWORD = "Correct-Horse-9"
WARM_REQUESTS = 20


@attrs.frozen
class Counted:
    provider: Counting
    cache: Counting


@pytest.fixture
def counted(backend, container) -> Iterator[Counted]:
    """The pool and the shared cache behind counting proxies, and the container's own verifier
    composition in front of them: the `backend` fixture's bare verifier would check every token in full,
    which is not the path a request takes in production."""
    provider, cache = Counting(backend.provider), Counting(container.shared_cache())
    verifier = CachingTokenVerifier(
        JwksTokenVerifier(
            issuer=backend.provider.issuer,
            client_id=backend.client_id,
            jwks=provider.jwks,  # a key-set fetch counts as a call to the provider
            clock=backend.clock,
            shared_cache=cache,
        ),
        clock=backend.clock,
    )
    with (
        container.identity_provider.override(provider),
        container.shared_cache.override(cache),
        container.token_verifier.override(verifier),
    ):
        yield Counted(provider, cache)


def sign_in(api, backend) -> str:
    """Signs a new user up and in; their access token, which no protected request has carried yet."""
    api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    api.post("/auth/confirm_signup", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert response.status_code == 200, response.json()
    api.client.cookies.clear()  # the header alone authenticates
    return response["AccessToken"]


def protected(api, token: str) -> Callable[[], None]:
    def send() -> None:
        response = api.client.get("/auth/me", HTTP_ACCESSTOKEN=token)
        assert response.status_code == 200, response.json()

    return send


class TestWarmRequest:
    def test_makes_no_query_no_provider_call_and_no_cache_call(self, api, backend, counted, django_assert_num_queries):
        send = protected(api, sign_in(api, backend))
        send()
        counted.provider.calls.clear()
        counted.cache.calls.clear()

        with django_assert_num_queries(0):
            for _ in range(WARM_REQUESTS):
                send()

        assert counted.provider.calls == {}
        assert counted.cache.calls == {}

    def test_sends_no_command_to_redis(self, api, backend, counted, container, redis_url):
        with _on_redis(redis_url, container, backend.clock) as (url, client_name):
            send = protected(api, sign_in(api, backend))
            send()  # starts the revocation listener, which loads the list from Redis

            with redis_commands(url, client_name) as commands:
                for _ in range(WARM_REQUESTS):
                    send()

        assert commands == {}


class TestColdRequest:
    def test_verifies_a_never_seen_token_without_the_provider(self, api, backend, counted):
        send = protected(api, sign_in(api, backend))
        counted.provider.calls.clear()

        send()

        assert counted.provider.calls == {}


@contextlib.contextmanager
def _on_redis(redis_url: str, container, clock) -> Iterator[tuple[str, str]]:
    """The shared cache and the revocation list on Redis, every connection of theirs named (CLIENT
    SETNAME, from the URL) so that the server can tell their commands from other clients'."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        pytest.skip("MONITOR does not tell Unix-socket clients apart; REDIS_URL is unix://")
    client_name = f"hot-path-{uuid.uuid4().hex}"
    url = parts._replace(query=urlencode([*parse_qsl(parts.query), ("client_name", client_name)])).geturl()
    revocations = RedisRevocationList.from_url(
        url, clock=clock, key=f"{client_name}:revoked", channel=f"{client_name}:revocations"
    )
    cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": client_name}
    try:
        with override_settings(CACHES={"default": cache}), container.revocation_list.override(revocations):
            yield redis_url, client_name
    finally:
        revocations.close()
        with redis.Redis.from_url(redis_url) as client:
            keys = list(client.scan_iter(match=f"{client_name}*"))
            if keys:
                client.delete(*keys)
