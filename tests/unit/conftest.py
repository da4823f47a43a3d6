"""Fixtures for the unit tests: an embedded pool on a controllable clock. The RSA key is `signing_key`
from `tests/conftest.py`, shared by the whole run."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from tests.fakes import ManualClock, RecordingCodeSender


@pytest.fixture(scope="session")
def other_signing_key() -> rsa.RSAPrivateKey:
    """A second key, for tokens that must not verify."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def code_sender() -> RecordingCodeSender:
    return RecordingCodeSender()


@pytest.fixture
def embedded_provider(
    clock: ManualClock, code_sender: RecordingCodeSender, signing_key: rsa.RSAPrivateKey
) -> EmbeddedIdentityProvider:
    return EmbeddedIdentityProvider(
        pool_id="eu-west-1_TestPool",
        client_id="test-client",
        region="eu-west-1",
        code_sender=code_sender,
        clock=clock,
        signing_key=signing_key,
    )
