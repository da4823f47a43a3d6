"""`/healthz` and `/readyz` through Django's test client, with dependencies that answer, fail and hang."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from unittest.mock import Mock

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client

from adapters.jwt.http_jwks import HttpJwks
from application.ports.token_verifier import TokenVerifier
from django_shell.containers import Container
from django_shell.health import check_database
from tests.fakes import HangingCheck
from tests.fault_server import Fault, running_fault_server

# What the endpoint promises, whatever a dependency does.
READINESS_BOUND_SECONDS = 2.0

pytestmark = pytest.mark.django_db


@pytest.fixture
def container() -> Container:
    return apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def client() -> Client:
    return Client()


def ready_in_time(client: Client) -> tuple[int, dict]:
    """GET /readyz, failing the test if the answer takes longer than the endpoint promises."""
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started
    assert elapsed < READINESS_BOUND_SECONDS, f"{elapsed:.2f} s"
    return response.status_code, response.json() | {"retry_after": response.get("Retry-After")}


class TestHealthz:
    @pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
    def test_answers_ok(self, client, path):
        response = client.get(path)

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_touches_nothing_and_looks_at_no_credentials(self, client, container, django_assert_num_queries):
        verifier = Mock(spec=TokenVerifier)
        client.cookies["sessionid"] = "a-session-that-would-need-the-database"
        with container.token_verifier.override(verifier), django_assert_num_queries(0):
            response = client.get(
                "/healthz", HTTP_ACCESSTOKEN="forged", HTTP_AUTHORIZATION="Bearer forged", HTTP_REFRESHTOKEN="dead"
            )

        assert response.status_code == 200
        assert verifier.method_calls == []

    def test_is_logged_as_one_access_line_and_nothing_worse(self, client, caplog):
        with caplog.at_level(logging.DEBUG, logger="cognito_auth"):
            client.get("/healthz")

        assert [(record.name, record.levelno) for record in caplog.records] == [("cognito_auth.access", logging.INFO)]

    def test_answers_only_reads(self, client):
        assert client.post("/healthz").status_code == 405


class TestReadyz:
    def test_answers_200_with_each_checks_result_and_time(self, client):
        status, body = ready_in_time(client)

        assert status == 200, body
        assert body["status"] == "ready"
        expected = {"database", "jwks"} | ({"cache"} if settings.REDIS_URL else set())
        assert set(body["checks"]) == expected
        for check in body["checks"].values():
            assert check["status"] == "ok"
            assert isinstance(check["seconds"], float)

    def test_answers_503_within_the_bound_while_a_dependency_hangs(self, client, container):
        hanging = HangingCheck()
        try:
            with container.readiness_checks.override({"database": check_database, "cache": hanging}):
                status, body = ready_in_time(client)
        finally:
            hanging.release()

        assert status == 503
        assert body["code"] == "ProviderUnavailable"
        assert body["error"] == "Not ready: cache."
        assert body["retry_after"] == "5"
        assert body["checks"]["cache"]["status"] == "failed"
        assert body["checks"]["cache"]["error"] == "Timeout"
        assert body["checks"]["database"]["status"] == "ok"

    def test_says_why_in_a_word_and_logs_the_details(self, client, container, caplog):
        with running_fault_server(Fault.REFUSE) as refusing:
            jwks = HttpJwks(f"{refusing.endpoint_url}/pool/.well-known/jwks.json", timeout=1)
            with container.readiness_checks.override({"jwks": jwks}):
                status, body = ready_in_time(client)

        assert status == 503
        assert body["checks"]["jwks"]["error"] == "ProviderUnavailable"
        assert refusing.endpoint_url not in str(body)
        assert "not ready: jwks failed" in caplog.text


@pytest.mark.moto
class TestReadyzWithCognito:
    """The cognito provider's check fetches the pool's JWKS over HTTP, as the token verifier does."""

    @pytest.fixture
    def jwks_url(self, cognito_pool, moto_endpoint) -> str:
        _, pool = cognito_pool
        return f"{moto_endpoint}/{pool.pool_id}/.well-known/jwks.json"

    @pytest.fixture
    def with_jwks(self, container: Container) -> Iterator:
        def wire(jwks: HttpJwks):
            return container.readiness_checks.override({"database": check_database, "jwks": jwks})

        return wire

    def test_is_ready_while_the_pools_keys_are_served(self, client, jwks_url, with_jwks):
        with with_jwks(HttpJwks(jwks_url, timeout=1)):
            status, body = ready_in_time(client)

        assert status == 200, body
        assert body["checks"]["jwks"]["status"] == "ok"

    @pytest.mark.parametrize("fault", [Fault.REFUSE, Fault.BLACKHOLE, Fault.HTTP_500_HTML], ids=lambda f: f.value)
    def test_is_not_ready_while_the_keys_are_unreachable(self, client, with_jwks, fault):
        with running_fault_server(fault) as server:
            jwks = HttpJwks(f"{server.endpoint_url}/us-east-1_pool/.well-known/jwks.json", timeout=1)
            with with_jwks(jwks):
                status, body = ready_in_time(client)

        assert status == 503
        assert body["error"] == "Not ready: jwks."
        assert body["checks"]["jwks"]["status"] == "failed"
        assert body["checks"]["database"]["status"] == "ok"
