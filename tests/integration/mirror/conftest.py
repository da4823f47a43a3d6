"""The mirror against the configured database, with users of an embedded pool when a test needs them."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.apps import apps
from django.db import connection

from django_shell.containers import Container
from domain.values import Attributes, Claims, ConfirmationCode, Password, Username
from tests.pools import EmbeddedBackend

PASSWORD = "Correct-h0rse"


def claims(
    sub: str = "3f1c0a52-0000-4000-8000-000000000001",
    username: str = "ada",
    *,
    token_use: str = "id",
    email: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    groups: tuple[str, ...] = (),
    attributes: dict[str, str] | None = None,
) -> Claims:
    """The claims of a token of the pool, with what a test cares about."""
    return Claims(
        sub=sub,
        username=username,
        token_use=token_use,
        client_id="test-client",
        issued_at=1_800_000_000,
        expires_at=1_800_003_600,
        auth_time=1_800_000_000,
        jti="jti",
        email=email,
        given_name=given_name,
        family_name=family_name,
        groups=groups,
        attributes=attributes or {},
    )


@pytest.fixture
def postgresql() -> None:
    """For a test whose point is PostgreSQL's behaviour. Elsewhere it is skipped, except under CI,
    where running without PostgreSQL means a broken pipeline rather than a choice."""
    if connection.vendor == "postgresql":
        return
    reason = f"needs PostgreSQL (set DB_NAME, DB_USERNAME, DB_HOST), not {connection.vendor}"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def container() -> Container:
    return apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def pool(signing_key: rsa.RSAPrivateKey, container: Container) -> Iterator[EmbeddedBackend]:
    """A fresh embedded pool behind the service's container."""
    backend = EmbeddedBackend.create(signing_key, time.time())
    with container.identity_provider.override(backend.provider), container.token_verifier.override(backend.verifier):
        yield backend


@pytest.fixture
def confirmed_user(pool: EmbeddedBackend) -> Callable[[str], str]:
    """Sign up and confirm a user of `pool` with `PASSWORD`; answers the user's sub."""

    def confirm(username: str) -> str:
        attributes = Attributes.from_pairs([("email", username), ("given_name", "Ada"), ("family_name", "Lovelace")])
        outcome = pool.provider.sign_up(Username(username), Password(PASSWORD), attributes)
        pool.provider.confirm_sign_up(Username(username), ConfirmationCode(pool.sign_up_code(username)))
        return outcome.user_sub

    return confirm
