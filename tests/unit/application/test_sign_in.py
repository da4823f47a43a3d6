from __future__ import annotations

import pytest

from application.use_cases.sign_in import (
    Login,
    LoginCommand,
    RefreshTokens,
    RefreshTokensCommand,
    RespondToChallenge,
    RespondToChallengeCommand,
    SignedIn,
)
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import (
    ExpiredSession,
    InvalidPassword,
    NotAuthorized,
    TokenInvalid,
    UserNotConfirmed,
    ValidationError,
)
from domain.values import Challenge
from tests.fakes import InMemoryUserDirectory, ample_attempt_limiter

USERNAME = "erin@example.com"
PASSWORD = "Correct-Horse-9"


@pytest.fixture
def confirmed(pool):
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD, (("given_name", "Erin"),)))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    return pool


def login(pool, username=USERNAME, password=PASSWORD):
    return Login(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())(
        LoginCommand(username, password)
    )


class TestLogin:
    def test_hands_out_tokens_and_who_signed_in(self, confirmed):
        result = login(confirmed)
        assert isinstance(result, SignedIn)
        assert (result.claims.email, result.claims.given_name, result.claims.token_use) == (USERNAME, "Erin", "id")
        assert confirmed.verifier.verify_access_token(result.tokens.access_token).sub == result.claims.sub

    def test_answers_alike_for_a_wrong_password_and_an_unknown_user(self, confirmed):
        with pytest.raises(NotAuthorized) as wrong:
            login(confirmed, password="Wrong-Horse-9")
        with pytest.raises(NotAuthorized) as unknown:
            login(confirmed, username="nobody@example.com")
        assert wrong.value.message == unknown.value.message

    def test_refuses_an_unconfirmed_user(self, pool):
        SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
        with pytest.raises(UserNotConfirmed):
            login(pool)

    def test_a_user_created_by_an_administrator_must_set_a_password_first(self, pool):
        pool.admin_create_user("fay@example.com", "Temporary-Pass-1")
        result = login(pool, "fay@example.com", "Temporary-Pass-1")
        assert isinstance(result, Challenge)
        assert result.name == "NEW_PASSWORD_REQUIRED"


class TestRespondToChallenge:
    @pytest.fixture
    def challenge(self, pool):
        pool.admin_create_user("fay@example.com", "Temporary-Pass-1")
        return login(pool, "fay@example.com", "Temporary-Pass-1")

    def respond(self, pool, challenge, new_password="Permanent-Pass-2", name="NEW_PASSWORD_REQUIRED"):
        command = RespondToChallengeCommand("fay@example.com", name, {"NEW_PASSWORD": new_password}, challenge.session)
        return RespondToChallenge(
            pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter(), pool.clock, 0
        )(command)

    def test_a_new_password_completes_the_sign_in(self, pool, challenge):
        result = self.respond(pool, challenge)
        assert isinstance(result, SignedIn)
        assert isinstance(login(pool, "fay@example.com", "Permanent-Pass-2"), SignedIn)

    def test_the_new_password_must_satisfy_the_policy(self, pool, challenge):
        with pytest.raises(InvalidPassword):
            self.respond(pool, challenge, new_password="weak")

    def test_a_session_works_once(self, pool, challenge):
        self.respond(pool, challenge)
        with pytest.raises(ExpiredSession):
            self.respond(pool, challenge)

    def test_a_session_expires(self, pool, challenge):
        pool.clock.advance(3600)
        with pytest.raises(ExpiredSession):
            self.respond(pool, challenge)

    def test_needs_a_session(self, pool, challenge):
        with pytest.raises(ValidationError):
            RespondToChallenge(
                pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter(), pool.clock, 0
            )(RespondToChallengeCommand("fay@example.com", "NEW_PASSWORD_REQUIRED", {}, ""))


class TestRefreshTokens:
    def test_issues_fresh_tokens_for_the_same_sign_in(self, confirmed):
        first = login(confirmed)
        confirmed.clock.advance(60)
        refreshed = RefreshTokens(confirmed.provider, confirmed.verifier)(
            RefreshTokensCommand(first.tokens.refresh_token, first.tokens.access_token)
        )
        old = confirmed.verifier.verify_access_token(first.tokens.access_token)
        new = confirmed.verifier.verify_access_token(refreshed.tokens.access_token)
        assert new.jti != old.jti
        assert (new.origin_jti, new.auth_time, new.sub) == (old.origin_jti, old.auth_time, old.sub)
        assert refreshed.tokens.refresh_token == first.tokens.refresh_token

    def test_works_with_an_expired_access_token(self, confirmed):
        first = login(confirmed)
        confirmed.clock.advance(2 * 3600)
        refreshed = RefreshTokens(confirmed.provider, confirmed.verifier)(
            RefreshTokensCommand(first.tokens.refresh_token, first.tokens.access_token)
        )
        assert confirmed.verifier.verify_access_token(refreshed.tokens.access_token).username == USERNAME

    def test_refuses_an_unknown_refresh_token(self, confirmed):
        with pytest.raises(NotAuthorized):
            RefreshTokens(confirmed.provider, confirmed.verifier)(RefreshTokensCommand("forged"))

    def test_refuses_a_forged_access_token(self, confirmed):
        first = login(confirmed)
        with pytest.raises(TokenInvalid):
            RefreshTokens(confirmed.provider, confirmed.verifier)(
                RefreshTokensCommand(first.tokens.refresh_token, "not.a.token")
            )
