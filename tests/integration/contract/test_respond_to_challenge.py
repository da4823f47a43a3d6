from __future__ import annotations

import pytest

from domain.errors import ExpiredSession, InvalidPassword
from domain.values import AuthResult, Challenge, TokenSet, Username
from tests.integration.contract.accounts import NEW_PASSWORD, USERNAME, sign_in
from tests.pools import Backend, Gap, skip_if


def answer(backend: Backend, challenge: Challenge, new_password: str = NEW_PASSWORD) -> AuthResult:
    return backend.provider.respond_to_challenge(
        Username(USERNAME), challenge.name, {"NEW_PASSWORD": new_password}, challenge.session
    )


class TestRespondToNewPasswordChallenge:
    def test_a_new_password_gets_tokens_and_signs_in_from_then_on(self, backend: Backend, challenge: Challenge):
        result = answer(backend, challenge)

        assert isinstance(result, TokenSet)
        assert backend.verifier.verify_access_token(result.access_token).username == USERNAME
        assert sign_in(backend, password=NEW_PASSWORD).access_token

    def test_refuses_a_new_password_that_breaks_the_policy(self, backend: Backend, challenge: Challenge):
        with pytest.raises(InvalidPassword):
            answer(backend, challenge, new_password="weak")

    def test_a_session_serves_only_once(self, backend: Backend, challenge: Challenge):
        skip_if(backend, Gap.SESSIONS_UNMODELLED)
        answer(backend, challenge)

        with pytest.raises(ExpiredSession):
            answer(backend, challenge)
