from __future__ import annotations

import uuid

import pytest

from domain.errors import InvalidPassword, UsernameExists
from domain.values import CodeDelivery, Password, SignUpOutcome, Username
from tests.integration.contract.accounts import ATTRIBUTES, MASKED_EMAIL, PASSWORD, USERNAME
from tests.pools import Backend, Gap, skip_if


class TestSignUp:
    def test_registers_an_unconfirmed_user_under_a_uuid_sub(self, signed_up: SignUpOutcome):
        assert str(uuid.UUID(signed_up.user_sub)) == signed_up.user_sub
        assert signed_up.user_confirmed is False

    def test_says_where_the_code_went_with_the_address_masked(self, signed_up: SignUpOutcome):
        assert signed_up.code_delivery == CodeDelivery(destination=MASKED_EMAIL, medium="EMAIL", attribute_name="email")

    def test_refuses_a_taken_username(self, backend: Backend, signed_up: SignUpOutcome):
        with pytest.raises(UsernameExists):
            backend.provider.sign_up(Username(USERNAME), Password("An0ther-password"), ATTRIBUTES)

    def test_refuses_a_taken_username_in_another_case(self, backend: Backend, signed_up: SignUpOutcome):
        skip_if(backend, Gap.USERNAMES_CASE_SENSITIVE)

        with pytest.raises(UsernameExists):
            backend.provider.sign_up(Username(USERNAME.upper()), Password(PASSWORD), ATTRIBUTES)

    @pytest.mark.parametrize(
        "password",
        [
            pytest.param("Sh0rt-p", id="shorter-than-8"),
            pytest.param("no-upper-case-0", id="no-uppercase"),
            pytest.param("NO-LOWER-CASE-0", id="no-lowercase"),
            pytest.param("No-digits-at-all", id="no-digit"),
            pytest.param("NoSymbolsAtAll0", id="no-symbol"),
        ],
    )
    def test_refuses_a_password_that_breaks_a_policy_rule_and_keeps_the_name_free(
        self, backend: Backend, password: str
    ):
        with pytest.raises(InvalidPassword):
            backend.provider.sign_up(Username(USERNAME), Password(password), ATTRIBUTES)

        assert backend.provider.sign_up(Username(USERNAME), Password(PASSWORD), ATTRIBUTES).user_sub
