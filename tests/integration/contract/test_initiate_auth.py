from __future__ import annotations

import json

import pytest

from domain.errors import NotAuthorized, UserNotConfirmed
from domain.values import Challenge, Password, SignUpOutcome, TokenSet, Username
from tests.integration.contract.accounts import PASSWORD, USERNAME
from tests.pools import Backend, Gap, skip_if


class TestInitiateAuth:
    def test_the_right_password_gets_access_id_and_refresh_tokens(self, backend: Backend, confirmed: SignUpOutcome):
        result = backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

        assert isinstance(result, TokenSet)
        assert result.access_token and result.id_token and result.refresh_token
        assert result.expires_in == 3600

    def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(self, backend: Backend, confirmed: SignUpOutcome):
        with pytest.raises(NotAuthorized) as wrong_password:
            backend.provider.initiate_auth(Username(USERNAME), Password("Wr0ng-password"))
        with pytest.raises(NotAuthorized) as unknown_user:
            backend.provider.initiate_auth(Username("nobody@example.com"), Password(PASSWORD))

        assert wrong_password.value.message == unknown_user.value.message

    def test_refuses_a_user_who_has_not_confirmed(self, backend: Backend, signed_up: SignUpOutcome):
        with pytest.raises(UserNotConfirmed):
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))


class TestInitiateAuthForAnAdminCreatedUser:
    def test_the_temporary_password_gets_a_new_password_challenge(self, challenge: Challenge):
        assert challenge.name == "NEW_PASSWORD_REQUIRED"
        assert challenge.session

    def test_the_challenge_names_the_user_and_their_attributes(self, backend: Backend, challenge: Challenge):
        skip_if(backend, Gap.NEW_PASSWORD_CHALLENGE_PARAMETERS)

        assert challenge.parameters["USER_ID_FOR_SRP"] == USERNAME
        assert json.loads(challenge.parameters["requiredAttributes"]) == []
        assert json.loads(challenge.parameters["userAttributes"])["email"] == USERNAME
