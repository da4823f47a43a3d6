from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import redis
from cryptography.hazmat.primitives.asymmetric import rsa
from django.apps import apps

from adapters.cognito.client import build_cognito_client
from adapters.cognito.local_pool import LocalPool, create_local_pool
from tests.moto_server import capturing_forgot_password_codes, running_moto_server
from tests.pools import Backend, CognitoBackend, EmbeddedBackend
from tests.tcp_proxy import FaultyProxy, running_proxy

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


@pytest.fixture(autouse=True)
def _request_authentication_of_this_test() -> Iterator[None]:
    """The container builds the use-case that authenticates requests once, with the collaborators of
    that moment (`Container.authenticate_request`): each test gets it afresh, built with the overrides
    its fixtures set. A test that overrides one of its collaborators midway resets it itself."""
    use_case = apps.get_app_config("cognito_auth").container.authenticate_request
    use_case.reset()
    yield
    use_case.reset()


# --- Cognito on a moto server: one server process per session, a fresh user pool per test. ---


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with running_moto_server() as server:
        yield server.endpoint_url


@pytest.fixture(scope="session")
def cognito_client(moto_endpoint: str) -> CognitoIdentityProviderClient:
    """One client for the session: building one costs about 0.1 s."""
    return build_cognito_client(
        region="us-east-1",
        endpoint_url=moto_endpoint,
        # Dummy keys, so that no real credentials from the environment ever reach the emulator.
        access_key_id="testing",
        secret_access_key="testing",
        # One attempt: moto answers unimplemented operations with HTTP 500, which a retry would
        # only repeat after a back-off.
        max_attempts=1,
    )


@pytest.fixture
def cognito_pool(cognito_client: CognitoIdentityProviderClient) -> tuple[CognitoIdentityProviderClient, LocalPool]:
    """A pool of its own for each test, so that no test sees another's users."""
    return cognito_client, create_local_pool(cognito_client)


@pytest.fixture
def cognito_backend(
    cognito_pool: tuple[CognitoIdentityProviderClient, LocalPool], moto_endpoint: str
) -> Iterator[CognitoBackend]:
    client, pool = cognito_pool
    with capturing_forgot_password_codes(client) as reset_codes:
        yield CognitoBackend.create(client, pool, moto_endpoint, reset_codes)


@pytest.fixture(params=["embedded", pytest.param("cognito", marks=pytest.mark.moto)])
def backend(request: pytest.FixtureRequest, signing_key: rsa.RSAPrivateKey) -> Backend:
    """A fresh pool of each identity provider in turn."""
    if request.param == "embedded":
        return EmbeddedBackend.create(signing_key, time.time())
    chosen: Backend = request.getfixturevalue(f"{request.param}_backend")
    return chosen


# --- Redis: the server at REDIS_URL, else a local one on database 15. ---

_LOCAL_REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a Redis that answers; tests skip without one, but fail under CI, which must have one.
    Tests share the server: each keeps to keys and channels of its own and deletes only those."""
    url = os.environ.get("REDIS_URL") or _LOCAL_REDIS_URL
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as client:
            client.ping()
    except redis.RedisError as error:
        reason = f"no Redis answers at {url} ({error}); start one or set REDIS_URL"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.fixture
def proxied_redis_url(redis_url: str) -> Iterator[tuple[str, FaultyProxy]]:
    """`redis_url` through a proxy that the test can make fail."""
    parts = urlsplit(redis_url)
    if parts.scheme != "redis" or parts.hostname is None:
        pytest.skip(f"the proxy speaks plain TCP; REDIS_URL is {parts.scheme}://")
    with running_proxy((parts.hostname, parts.port or 6379)) as proxy:
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
        yield parts._replace(netloc=netloc).geturl(), proxy
