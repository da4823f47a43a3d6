"""The `UserPoolAdministration` port, once per provider, seen through what users can then do."""

from __future__ import annotations

import pytest

from adapters.cognito.user_pool_administration import CognitoUserPoolAdministration
from adapters.memory.user_pool_administration import InMemoryUserPoolAdministration
from application.ports.user_pool_administration import UserPoolAdministration
from domain.errors import InvalidPassword, NotAuthorized, UsernameExists
from domain.values import Challenge, Password, PoolUser, SignUpOutcome, TokenSet, Username
from tests.integration.contract.accounts import ATTRIBUTES, PASSWORD, TEMPORARY_PASSWORD, USERNAME, sign_in
from tests.pools import Backend, CognitoBackend, Gap, MemoryBackend, skip_if


@pytest.fixture
def administration(backend: Backend) -> UserPoolAdministration:
    if isinstance(backend, MemoryBackend):
        return InMemoryUserPoolAdministration(backend.provider)
    assert isinstance(backend, CognitoBackend)
    return CognitoUserPoolAdministration(backend.client, user_pool_id=backend.pool.pool_id)


@pytest.fixture
def created(administration: UserPoolAdministration) -> PoolUser:
    return administration.create_user(Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES)


class TestCreateUser:
    def test_the_new_user_must_change_the_temporary_password(self, created: PoolUser):
        assert created.username == USERNAME
        assert created.status == "FORCE_CHANGE_PASSWORD"
        assert created.enabled
        assert created.sub
        assert created.attributes["given_name"] == "Ada"

    def test_the_temporary_password_gets_a_new_password_challenge(self, backend: Backend, created: PoolUser):
        result = backend.provider.initiate_auth(Username(USERNAME), Password(TEMPORARY_PASSWORD))

        assert isinstance(result, Challenge)
        assert result.name == "NEW_PASSWORD_REQUIRED"

    def test_refuses_a_taken_username(self, administration: UserPoolAdministration, created: PoolUser):
        with pytest.raises(UsernameExists):
            administration.create_user(Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES)

    def test_applies_the_password_policy_to_the_temporary_password(
        self, backend: Backend, administration: UserPoolAdministration
    ):
        skip_if(backend, Gap.ADMIN_CREATE_SKIPS_PASSWORD_POLICY)
        with pytest.raises(InvalidPassword):
            administration.create_user(Username(USERNAME), Password("short"), ATTRIBUTES)


class TestGetUser:
    def test_shows_a_signed_up_user(self, administration: UserPoolAdministration, confirmed: SignUpOutcome):
        user = administration.get_user(Username(USERNAME))

        assert user.sub == confirmed.user_sub
        assert user.status == "CONFIRMED"
        assert user.enabled
        assert user.attributes["email"] == USERNAME

    def test_an_unknown_user_is_not_authorized(self, administration: UserPoolAdministration):
        with pytest.raises(NotAuthorized):
            administration.get_user(Username("nobody@example.com"))


class TestDisableAndEnable:
    def test_a_disabled_user_is_refused_at_sign_in(
        self, backend: Backend, administration: UserPoolAdministration, confirmed: SignUpOutcome
    ):
        administration.disable_user(Username(USERNAME))

        assert not administration.get_user(Username(USERNAME)).enabled
        with pytest.raises(NotAuthorized):
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

    def test_an_enabled_user_signs_in_again(
        self, backend: Backend, administration: UserPoolAdministration, confirmed: SignUpOutcome
    ):
        administration.disable_user(Username(USERNAME))
        administration.enable_user(Username(USERNAME))

        assert administration.get_user(Username(USERNAME)).enabled
        assert isinstance(sign_in(backend), TokenSet)

    def test_an_unknown_user_is_not_authorized(self, administration: UserPoolAdministration):
        with pytest.raises(NotAuthorized):
            administration.disable_user(Username("nobody@example.com"))
        with pytest.raises(NotAuthorized):
            administration.enable_user(Username("nobody@example.com"))


class TestDeleteUser:
    def test_a_deleted_user_is_gone_and_cannot_sign_in(
        self, backend: Backend, administration: UserPoolAdministration, confirmed: SignUpOutcome
    ):
        administration.delete_user(Username(USERNAME))

        with pytest.raises(NotAuthorized):
            administration.get_user(Username(USERNAME))
        with pytest.raises(NotAuthorized):
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

    def test_the_username_is_free_again(self, administration: UserPoolAdministration, confirmed: SignUpOutcome):
        administration.delete_user(Username(USERNAME))

        assert administration.create_user(Username(USERNAME), Password(TEMPORARY_PASSWORD), ATTRIBUTES).sub

    def test_an_unknown_user_is_not_authorized(self, administration: UserPoolAdministration):
        with pytest.raises(NotAuthorized):
            administration.delete_user(Username("nobody@example.com"))
