"""The contract suite drives the `IdentityProvider` port itself, once per provider.

`backend` (tests/integration/conftest.py) is a fresh pool of each provider in turn; the fixtures
here bring a user to the state a test starts from.
"""

from __future__ import annotations

import pytest

from domain.values import Challenge, ConfirmationCode, Password, SignUpOutcome, TokenSet, Username
from tests.integration.contract.accounts import ATTRIBUTES, PASSWORD, TEMPORARY_PASSWORD, USERNAME, sign_in
from tests.pools import Backend


@pytest.fixture
def signed_up(backend: Backend) -> SignUpOutcome:
    """`USERNAME` has signed up and not confirmed yet."""
    return backend.provider.sign_up(Username(USERNAME), Password(PASSWORD), ATTRIBUTES)


@pytest.fixture
def confirmed(backend: Backend, signed_up: SignUpOutcome) -> SignUpOutcome:
    """`USERNAME` has signed up and confirmed with the delivered code."""
    backend.provider.confirm_sign_up(Username(USERNAME), ConfirmationCode(backend.sign_up_code(USERNAME)))
    return signed_up


@pytest.fixture
def tokens(backend: Backend, confirmed: SignUpOutcome) -> TokenSet:
    """`USERNAME` is signed in."""
    return sign_in(backend)


@pytest.fixture
def challenge(backend: Backend) -> Challenge:
    """An administrator created `USERNAME`, who has just signed in with the temporary password."""
    backend.admin_create_user(USERNAME, TEMPORARY_PASSWORD)
    result = backend.provider.initiate_auth(Username(USERNAME), Password(TEMPORARY_PASSWORD))
    assert isinstance(result, Challenge)
    return result
