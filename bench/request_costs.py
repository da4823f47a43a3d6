"""What one authenticated request costs outside this process: `.venv/bin/python -m bench.request_costs`.

Serves `bench.settings` in this process through Django's test client, with the embedded user pool:
signs a user up and in through /auth/login, then sends GET /bench/protected with the AccessToken
header and counts, per phase, the identity-provider calls (the port's methods and key-set fetches),
the database queries, the shared-cache operations and, with REDIS_URL, the commands Redis executes
for this process. Phases: the first request of a token, `--requests` warm ones, one whose access
token has expired (with the refresh token beside it; the pool's and the service's clock is moved
past the expiry), and `--requests` warm ones with the refreshed token. Then prints the median time
of the middleware's authentication step and of whole requests through the test client.

Environment as for the service: DB_NAME (and DB_USERNAME, ...) for PostgreSQL, in a database of the
bench's own, `<DB_NAME>_request_costs`, created and dropped; else SQLite in memory. REDIS_URL for
the shared cache and the revocation list on Redis; else this process's memory.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs
import django
import jwt
import redis
from dependency_injector import providers
from django.apps import apps
from django.db import connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment
from django.urls import resolve

from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from adapters.redis.revocation_list import RedisRevocationList
from application.ports.clock import Clock
from application.ports.code_sender import CodePurpose, CodeSender
from bench.instruments import Counting, redis_commands
from django_shell.accounts.middleware import TokenAuthenticationMiddleware
from django_shell.shared_cache import DjangoSharedCache

USERNAME, PASSWORD = "costs@example.com", "Bench-Pass-42"
PROTECTED, OPEN = "/bench/protected", "/bench/open"
# Names every Redis connection of this process (CLIENT SETNAME), so the server's view can be kept to them.
CLIENT_NAME = f"request-costs-{os.getpid()}"


class MovableClock(Clock):
    """The system clock plus an offset, so that tokens expire without waiting for them."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class KeptCodes(CodeSender):
    def __init__(self) -> None:
        self.last: dict[str, str] = {}

    def send(self, username: str, destination: str | None, purpose: CodePurpose, code: str) -> None:
        self.last[username] = code


@attrs.frozen
class Costs:
    phase: str
    requests: int
    provider_calls: Counter[str]
    queries: int
    cache_operations: Counter[str]
    redis_commands: Counter[str] | None


@attrs.frozen
class Meter:
    provider: Counting
    cache: Counting
    redis_url: str | None

    def measure(self, phase: str, requests: int, send: Callable[[], HttpResponse]) -> tuple[Costs, HttpResponse]:
        """The costs of `requests` calls of `send`, and the last response."""
        self.provider.calls.clear()
        self.cache.calls.clear()
        with contextlib.ExitStack() as stack:
            queries = [stack.enter_context(CaptureQueriesContext(connection)) for connection in connections.all()]
            commands = stack.enter_context(redis_commands(self.redis_url, CLIENT_NAME)) if self.redis_url else None
            for _ in range(requests):
                response = send()
                assert response.status_code == 200, response.content
        costs = Costs(
            phase,
            requests,
            self.provider.calls.copy(),
            sum(len(captured) for captured in queries),
            self.cache.calls.copy(),
            commands,
        )
        return costs, response


def with_client_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        raise SystemExit("MONITOR does not tell Unix-socket clients apart: give REDIS_URL as redis:// or rediss://")
    return parts._replace(query=urlencode([*parse_qsl(parts.query), ("client_name", CLIENT_NAME)])).geturl()


def configure() -> str | None:
    """Settings for this run, before Django reads them; the Redis URL to watch, if any."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["IDENTITY_PROVIDER"] = "embedded"
    # The pool that AppConfig.ready() builds is replaced at once; it need not open anyone's pool file.
    os.environ.pop("LOCAL_POOL_FILE", None)
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        os.environ["REDIS_URL"] = with_client_name(redis_url)
    django.setup()
    return redis_url


def instrument(container: Any, redis_url: str | None) -> tuple[Meter, MovableClock, KeptCodes]:
    """The container's own composition, rebuilt around a pool that keeps its codes, a movable clock
    and counting proxies in front of the pool and the shared cache."""
    clock, codes = MovableClock(), KeptCodes()
    pool = EmbeddedIdentityProvider(
        pool_id=container.config.user_pool_id(),
        client_id=container.config.app_client_id(),
        region=container.config.aws_region(),
        code_sender=codes,
        clock=clock,
    )
    provider, cache = Counting(pool), Counting(DjangoSharedCache())
    container.clock.override(providers.Object(clock))
    # Both the identity provider and the verifier's key set come from this one: key-set fetches count.
    container.embedded_identity_provider.override(providers.Object(provider))
    container.shared_cache.override(providers.Object(cache))
    # AppConfig.ready() built the verifier on the original pool and clock.
    container.reset_singletons()
    return Meter(provider, cache, redis_url), clock, codes


def sign_in(client: Client, codes: KeptCodes) -> HttpResponse:
    basic = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()

    def post(path: str, body: object = None, **meta: str) -> HttpResponse:
        data = "" if body is None else json.dumps(body)
        response = client.post(path, data, content_type="application/json", **meta)
        assert response.status_code < 300, response.content
        return response

    post("/auth/signup", HTTP_AUTHORIZATION=basic)
    post("/auth/confirm_signup", {"username": USERNAME, "code": codes.last[USERNAME]})
    response = post("/auth/login", HTTP_AUTHORIZATION=basic)
    client.cookies.clear()  # the headers alone authenticate
    return response


def measure(
    meter: Meter, client: Client, clock: MovableClock, leeway: int, signed_in: HttpResponse, requests: int
) -> tuple[list[Costs], str]:
    """The costs of each phase, and the access token that is current at the end."""
    access_token, refresh_token = signed_in["AccessToken"], signed_in["RefreshToken"]

    def with_token(token: str, **more: str) -> Callable[[], HttpResponse]:
        return lambda: client.get(PROTECTED, HTTP_ACCESSTOKEN=token, **more)

    cold, _ = meter.measure("cold: first protected request, new token", 1, with_token(access_token))
    warm, _ = meter.measure("warm", requests, with_token(access_token))
    expires_at = jwt.decode(access_token, options={"verify_signature": False})["exp"]
    clock.offset = expires_at + leeway + 1 - time.time()
    refresh, refreshed = meter.measure(
        "expired access token + refresh token", 1, with_token(access_token, HTTP_REFRESHTOKEN=refresh_token)
    )
    assert refreshed["AccessToken"] != access_token, "the expired access token was not refreshed"
    warm_again, _ = meter.measure("warm, refreshed token", requests, with_token(refreshed["AccessToken"]))
    return [cold, warm, refresh, warm_again], refreshed["AccessToken"]


def median_microseconds(runs: dict[str, Callable[[], object]], times: int) -> dict[str, float]:
    """Each run's median, the runs taking turns, so that a busy moment of a shared machine hits all alike."""
    samples: dict[str, list[int]] = {what: [] for what in runs}
    for _ in range(times):
        for what, run in runs.items():
            started = time.perf_counter_ns()
            run()
            samples[what].append(time.perf_counter_ns() - started)
    return {what: statistics.median(taken) / 1000 for what, taken in samples.items()}


def timings(client: Client, access_token: str, requests: int) -> dict[str, float]:
    """Median µs per warm request: the middleware's step alone, and whole requests with and without it."""
    middleware = TokenAuthenticationMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get(PROTECTED, HTTP_ACCESSTOKEN=access_token)
    view = resolve(PROTECTED).func
    return median_microseconds(
        {
            "TokenAuthenticationMiddleware.process_view": lambda: middleware.process_view(request, view, (), {}),
            f"GET {PROTECTED} through the test client": lambda: client.get(PROTECTED, HTTP_ACCESSTOKEN=access_token),
            f"GET {OPEN} through the test client": lambda: client.get(OPEN),
        },
        requests,
    )


def named(counts: Counter[str]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in sorted(counts.items())) or "none"


def report(rows: list[Costs], times: dict[str, float], redis_url: str | None) -> None:
    connection = connections["default"]
    with connection.cursor():
        database = f"{connection.display_name} {'.'.join(map(str, connection.get_database_version()))}"
    if redis_url:
        with redis.Redis.from_url(redis_url) as client:
            shared = f"Redis {client.info('server')['redis_version']}"
    else:
        shared = "local memory (no REDIS_URL)"
    print(f"{os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, ", end="")
    print(f"Django {django.get_version()}, database {database}, shared cache {shared}")
    print()
    print("Per request:")
    print("| phase | requests | IdP calls | DB queries | cache ops | Redis commands |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        counts = [
            sum(row.provider_calls.values()),
            row.queries,
            sum(row.cache_operations.values()),
            None if row.redis_commands is None else sum(row.redis_commands.values()),
        ]
        cells = ["-" if count is None else f"{count / row.requests:g}" for count in counts]
        print(f"| {row.phase} | {row.requests} | {' | '.join(cells)} |")
    print()
    print("Totals per phase, by name:")
    for row in rows:
        commands = "" if row.redis_commands is None else f"; Redis: {named(row.redis_commands)}"
        print(
            f"- {row.phase}: IdP: {named(row.provider_calls)}; queries: {row.queries}; "
            f"cache: {named(row.cache_operations)}{commands}"
        )
    print()
    print("Median µs per warm request:")
    for what, microseconds in times.items():
        print(f"- {what}: {microseconds:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000, help="requests per warm phase")
    arguments = parser.parse_args()
    if arguments.requests < 1:
        parser.error("--requests must be at least 1")
    redis_url = configure()
    container = apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined]

    setup_test_environment()
    connection = connections["default"]
    if connection.vendor == "postgresql":
        # Of the bench's own: the test suite's test_<DB_NAME> may be in use by a run of its own.
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_request_costs"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        meter, clock, codes = instrument(container, redis_url)
        client = Client()
        signed_in = sign_in(client, codes)
        leeway = container.config.token_leeway_seconds()
        rows, access_token = measure(meter, client, clock, leeway, signed_in, arguments.requests)
        report(rows, timings(client, access_token, arguments.requests), redis_url)
    finally:
        revocation_list = container.revocation_list()
        if isinstance(revocation_list, RedisRevocationList):
            revocation_list.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
