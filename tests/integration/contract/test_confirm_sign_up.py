from __future__ import annotations

import pytest

from domain.errors import CodeMismatch, NotAuthorized, UserNotConfirmed
from domain.values import ConfirmationCode, Password, SignUpOutcome, Username
from tests.integration.contract.accounts import PASSWORD, USERNAME, altered, sign_in
from tests.pools import Backend, Gap, skip_if


class TestConfirmSignUp:
    def test_the_delivered_code_lets_the_user_sign_in(self, backend: Backend, signed_up: SignUpOutcome):
        backend.provider.confirm_sign_up(Username(USERNAME), ConfirmationCode(backend.sign_up_code(USERNAME)))

        assert sign_in(backend).access_token

    def test_refuses_a_wrong_code_and_leaves_the_user_unconfirmed(self, backend: Backend, signed_up: SignUpOutcome):
        skip_if(backend, Gap.SIGN_UP_CODES_UNCHECKED)

        with pytest.raises(CodeMismatch):
            backend.provider.confirm_sign_up(
                Username(USERNAME), ConfirmationCode(altered(backend.sign_up_code(USERNAME)))
            )

        with pytest.raises(UserNotConfirmed):
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

    def test_refuses_an_unknown_user(self, backend: Backend):
        with pytest.raises(NotAuthorized):
            backend.provider.confirm_sign_up(Username("nobody@example.com"), ConfirmationCode("123456"))

    def test_refuses_a_user_who_is_already_confirmed(self, backend: Backend, confirmed: SignUpOutcome):
        skip_if(backend, Gap.CONFIRMED_USERS_RECONFIRMED)

        with pytest.raises(NotAuthorized):
            backend.provider.confirm_sign_up(Username(USERNAME), ConfirmationCode(backend.sign_up_code(USERNAME)))
