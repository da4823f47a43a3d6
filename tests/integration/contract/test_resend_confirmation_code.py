from __future__ import annotations

import pytest

from domain.errors import CodeMismatch, NotAuthorized
from domain.values import CodeDelivery, ConfirmationCode, SignUpOutcome, Username
from tests.integration.contract.accounts import MASKED_EMAIL, USERNAME, sign_in
from tests.pools import Backend, Gap, skip_if


class TestResendConfirmationCode:
    def test_a_fresh_code_replaces_the_first(self, backend: Backend, signed_up: SignUpOutcome):
        skip_if(backend, Gap.NO_RESEND_CONFIRMATION_CODE)
        first = backend.sign_up_code(USERNAME)

        delivery = backend.provider.resend_confirmation_code(Username(USERNAME))
        fresh = backend.sign_up_code(USERNAME)

        assert delivery == CodeDelivery(destination=MASKED_EMAIL, medium="EMAIL", attribute_name="email")
        # Codes are six random digits: the two coincide once in a million runs.
        if first != fresh:
            with pytest.raises(CodeMismatch):
                backend.provider.confirm_sign_up(Username(USERNAME), ConfirmationCode(first))
        backend.provider.confirm_sign_up(Username(USERNAME), ConfirmationCode(fresh))
        assert sign_in(backend).access_token

    def test_refuses_an_unknown_user(self, backend: Backend):
        skip_if(backend, Gap.NO_RESEND_CONFIRMATION_CODE)

        with pytest.raises(NotAuthorized):
            backend.provider.resend_confirmation_code(Username("nobody@example.com"))

    def test_refuses_a_user_who_is_already_confirmed(self, backend: Backend, confirmed: SignUpOutcome):
        skip_if(backend, Gap.NO_RESEND_CONFIRMATION_CODE)

        with pytest.raises(NotAuthorized):
            backend.provider.resend_confirmation_code(Username(USERNAME))
