"""The API wired to a real `CognitoIdentityProvider` whose endpoint fails, one fault at a time.

Tokens come from an embedded pool, which also verifies them: a request that needs an access token
(refresh, logout) then passes the verifier and reaches the failing provider.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.apps import apps

from adapters.cognito.client import build_cognito_client
from adapters.cognito.identity_provider import CognitoIdentityProvider
from django_shell.containers import Container
from domain.values import Attributes, ConfirmationCode, Password, TokenSet, Username
from tests.fault_server import Fault, FaultServer, running_fault_server
from tests.integration.api.conftest import Api
from tests.pools import EmbeddedBackend

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

# Small, so that the suite is quick; the rule under test is the same for any values.
CONNECT_TIMEOUT = 1
READ_TIMEOUT = 1
MAX_ATTEMPTS = 2

SIGNED_IN_USER = "carol@example.com"
PASSWORD = "Sturdy-Pass-42"


@attrs.define
class AttemptCounter:
    """Counts the HTTP requests botocore sends, retries included; also those refused before any
    server could count them."""

    count: int = 0

    def __call__(self, **kwargs: Any) -> None:
        self.count += 1


@attrs.frozen
class FaultyCognito:
    server: FaultServer
    client: CognitoIdentityProviderClient
    provider: CognitoIdentityProvider
    attempts: AttemptCounter

    @property
    def fault(self) -> Fault:
        return self.server.fault


def faulty_cognito(server: FaultServer) -> FaultyCognito:
    client = build_cognito_client(
        region="us-east-1",
        endpoint_url=server.endpoint_url,
        access_key_id="testing",
        secret_access_key="testing",
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_attempts=MAX_ATTEMPTS,
    )
    attempts = AttemptCounter()
    client.meta.events.register("before-send.cognito-identity-provider", attempts)
    provider = CognitoIdentityProvider(client, client_id="fault-client", client_secret=None)
    return FaultyCognito(server, client, provider, attempts)


@pytest.fixture(scope="module", params=list(Fault), ids=lambda fault: fault.value)
def cognito_fault(request: pytest.FixtureRequest) -> Iterator[FaultyCognito]:
    """One fault server and client per fault for the module: building a client costs about 0.1 s."""
    with running_fault_server(request.param) as server:
        yield faulty_cognito(server)


@pytest.fixture(scope="module")
def embedded(signing_key: rsa.RSAPrivateKey) -> EmbeddedBackend:
    return EmbeddedBackend.create(signing_key, time.time())


@pytest.fixture(scope="module")
def tokens(embedded: EmbeddedBackend) -> TokenSet:
    """Real tokens of a confirmed user of the embedded pool."""
    username, password = Username(SIGNED_IN_USER), Password(PASSWORD)
    embedded.provider.sign_up(username, password, Attributes.from_pairs([("email", SIGNED_IN_USER)]))
    embedded.provider.confirm_sign_up(username, ConfirmationCode(embedded.sign_up_code(SIGNED_IN_USER)))
    result = embedded.provider.initiate_auth(username, password)
    assert isinstance(result, TokenSet)
    return result


@pytest.fixture
def container() -> Container:
    return apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def api() -> Api:
    return Api()


@pytest.fixture
def wired(cognito_fault: FaultyCognito, embedded: EmbeddedBackend, container: Container) -> Iterator[FaultyCognito]:
    """The API on the failing provider and the embedded verifier, with the counts of this test only."""
    cognito_fault.server.reset()
    cognito_fault.attempts.count = 0
    with (
        container.identity_provider.override(cognito_fault.provider),
        container.token_verifier.override(embedded.verifier),
    ):
        yield cognito_fault
