from __future__ import annotations

import pytest

from application.use_cases.sign_in import Login, LoginCommand, RefreshTokens, RefreshTokensCommand
from application.use_cases.sign_out import Logout, LogoutCommand
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import NotAuthenticated, NotAuthorized, TokenInvalid

USERNAME = "gus@example.com"
PASSWORD = "Correct-Horse-9"


@pytest.fixture
def tokens(pool):
    SignUp(pool.provider)(SignUpCommand(USERNAME, PASSWORD))
    ConfirmSignUp(pool.provider)(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    return Login(pool.provider, pool.verifier)(LoginCommand(USERNAME, PASSWORD)).tokens


def refresh(pool, tokens):
    return RefreshTokens(pool.provider, pool.verifier)(RefreshTokensCommand(tokens.refresh_token, tokens.access_token))


class TestLogout:
    def test_revokes_the_refresh_token(self, pool, tokens):
        Logout(pool.provider, pool.verifier)(LogoutCommand(tokens.access_token, tokens.refresh_token))
        with pytest.raises(NotAuthorized):
            refresh(pool, tokens)

    def test_signs_out_every_device(self, pool, tokens):
        other_device = Login(pool.provider, pool.verifier)(LoginCommand(USERNAME, PASSWORD)).tokens
        Logout(pool.provider, pool.verifier)(LogoutCommand(tokens.access_token))
        with pytest.raises(NotAuthorized):
            refresh(pool, other_device)

    def test_works_with_an_expired_access_token_and_a_live_refresh_token(self, pool, tokens):
        pool.clock.advance(2 * 3600)
        Logout(pool.provider, pool.verifier)(LogoutCommand(tokens.access_token, tokens.refresh_token))
        with pytest.raises(NotAuthorized):
            refresh(pool, tokens)

    def test_works_with_the_refresh_token_alone(self, pool, tokens):
        Logout(pool.provider, pool.verifier)(LogoutCommand(refresh_token=tokens.refresh_token))
        with pytest.raises(NotAuthorized):
            refresh(pool, tokens)

    def test_an_expired_access_token_alone_is_not_enough(self, pool, tokens):
        pool.clock.advance(2 * 3600)
        with pytest.raises(NotAuthorized):
            Logout(pool.provider, pool.verifier)(LogoutCommand(tokens.access_token))

    def test_needs_a_token(self, pool):
        with pytest.raises(NotAuthenticated):
            Logout(pool.provider, pool.verifier)(LogoutCommand())

    def test_refuses_a_forged_access_token(self, pool, tokens):
        with pytest.raises(TokenInvalid):
            Logout(pool.provider, pool.verifier)(LogoutCommand("forged.access.token", tokens.refresh_token))
