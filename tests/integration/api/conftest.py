"""The API under Django's test client, wired to a fresh user pool per test."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.apps import apps
from django.test import Client

from django_shell.containers import Container
from tests.pools import Backend, MemoryBackend


@pytest.fixture
def container() -> Container:
    return apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined,no-any-return]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


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


@pytest.fixture(params=["memory", pytest.param("cognito", marks=pytest.mark.moto)])
def backend(request: pytest.FixtureRequest, container: Container, signing_key: rsa.RSAPrivateKey) -> Iterator[Backend]:
    """The API wired to a fresh pool of each identity provider in turn."""
    chosen: Backend = (
        MemoryBackend.create(signing_key, time.time())
        if request.param == "memory"
        else request.getfixturevalue(f"{request.param}_backend")
    )
    with container.identity_provider.override(chosen.provider), container.token_verifier.override(chosen.verifier):
        yield chosen
