from __future__ import annotations

import pytest

from domain.errors import DomainError, InvalidPassword, NotAuthorized
from domain.values import CodeDelivery, ConfirmationCode, Password, SignUpOutcome, Username
from tests.integration.contract.accounts import MASKED_EMAIL, NEW_PASSWORD, PASSWORD, USERNAME, altered, sign_in
from tests.pools import Backend, Gap, skip_if


class TestForgotPassword:
    def test_says_where_the_reset_code_went_with_the_address_masked(self, backend: Backend, confirmed: SignUpOutcome):
        delivery = backend.provider.forgot_password(Username(USERNAME))

        assert delivery == CodeDelivery(destination=MASKED_EMAIL, medium="EMAIL", attribute_name="email")

    def test_refuses_an_unknown_user(self, backend: Backend):
        skip_if(backend, Gap.FORGOT_PASSWORD_ANSWERS_UNKNOWN_USERS)

        with pytest.raises(NotAuthorized):
            backend.provider.forgot_password(Username("nobody@example.com"))


class TestConfirmForgotPassword:
    @pytest.fixture
    def code(self, backend: Backend, confirmed: SignUpOutcome) -> ConfirmationCode:
        """The reset code `USERNAME` received after saying they forgot the password."""
        backend.provider.forgot_password(Username(USERNAME))
        return ConfirmationCode(backend.reset_code(USERNAME))

    def test_the_code_sets_a_new_password_and_the_old_one_stops_working(self, backend: Backend, code: ConfirmationCode):
        backend.provider.confirm_forgot_password(Username(USERNAME), code, Password(NEW_PASSWORD))

        assert sign_in(backend, password=NEW_PASSWORD).access_token
        with pytest.raises(NotAuthorized):
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

    def test_refuses_a_wrong_code_and_keeps_the_old_password(self, backend: Backend, code: ConfirmationCode):
        with pytest.raises(DomainError) as refused:
            backend.provider.confirm_forgot_password(
                Username(USERNAME), ConfirmationCode(altered(code.value)), Password(NEW_PASSWORD)
            )

        assert refused.value.code in backend.wrong_reset_code_errors
        assert sign_in(backend).access_token

    def test_refuses_a_new_password_that_breaks_the_policy(self, backend: Backend, code: ConfirmationCode):
        skip_if(backend, Gap.RESET_SKIPS_PASSWORD_POLICY)

        with pytest.raises(InvalidPassword):
            backend.provider.confirm_forgot_password(Username(USERNAME), code, Password("weak"))
