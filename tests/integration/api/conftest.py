"""The API under Django's test client, wired to a fresh user pool per test."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from adapters.memory.revocation_list import InMemoryRevocationList
from django_shell.containers import Container
from tests.pools import Backend


@pytest.fixture(autouse=True)
def _database(db: None) -> None:
    """Every sign-in writes the user mirror."""


@pytest.fixture
def container() -> Container:
    return apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined,no-any-return]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def confirmed(api: Api, backend: Backend, username: str, password: str) -> str:
    """Sign `username` up over HTTP and confirm them with the code the pool sent; their username."""
    assert api.post("/auth/signup", HTTP_AUTHORIZATION=basic(username, password)).status_code == 201
    confirmation = {"username": username, "code": backend.sign_up_code(username)}
    assert api.post("/auth/confirm_signup", confirmation).status_code == 200
    return username


class Api:
    """Django's test client speaking the service's conventions: JSON bodies, Basic and token headers."""

    def __init__(self) -> None:
        self.client = Client()

    def post(self, path: str, body: Any = None, **meta: str) -> Any:
        """POST `body` as JSON (nothing when None); `meta` as Django sees headers (`HTTP_ACCESSTOKEN=...`)."""
        data = "" if body is None else json.dumps(body)
        return self.client.post(path, data=data, content_type="application/json", **meta)

    def post_raw(self, path: str, data: bytes | str, content_type: str = "application/json", **meta: str) -> Any:
        return self.client.post(path, data=data, content_type=content_type, **meta)


@pytest.fixture
def api() -> Iterator[Api]:
    return Api()


@pytest.fixture
def backend(backend: Backend, container: Container) -> Iterator[Backend]:
    """The API wired to the pool of the integration suite's `backend`, one identity provider in turn.

    The use-cases run on the clock that stamps the pool's tokens, as they do in production (both
    the wall clock): a revocation compares the tokens' `iat` with its own time. Each test gets a
    revocation list of its own, on that clock.
    """
    # Built before the clock is overridden, the mirror keeps the system clock it runs on in production.
    container.user_directory()
    with (
        container.identity_provider.override(backend.provider),
        container.token_verifier.override(backend.verifier),
        container.clock.override(backend.token_clock),
        container.revocation_list.override(InMemoryRevocationList(backend.token_clock)),
    ):
        yield backend
