from __future__ import annotations

import pytest

from adapters.memory.revocation_list import InMemoryRevocationList
from application.use_cases.sign_in import Login, LoginCommand, RefreshTokens, RefreshTokensCommand
from application.use_cases.sign_out import Logout, LogoutCommand
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import NotAuthenticated, NotAuthorized, ProviderUnavailable, TokenInvalid
from tests.fakes import InMemoryUserDirectory, PartlyUnreachableRevocationList, ample_attempt_limiter

USERNAME = "gus@example.com"
PASSWORD = "Correct-Horse-9"


@pytest.fixture
def revocations(pool):
    return InMemoryRevocationList(pool.clock)


@pytest.fixture
def logout(pool, revocations):
    use_case = Logout(pool.provider, pool.verifier, revocations, pool.clock)
    return lambda access_token=None, refresh_token=None: use_case(LogoutCommand(access_token, refresh_token))


def sign_in(pool):
    return Login(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())(
        LoginCommand(USERNAME, PASSWORD)
    ).tokens


@pytest.fixture
def tokens(pool):
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    return sign_in(pool)


def refresh(pool, tokens):
    return RefreshTokens(pool.provider, pool.verifier)(RefreshTokensCommand(tokens.refresh_token, tokens.access_token))


class TestLogout:
    def test_revokes_the_refresh_token(self, pool, tokens, logout):
        logout(tokens.access_token, tokens.refresh_token)
        with pytest.raises(NotAuthorized):
            refresh(pool, tokens)

    def test_signs_out_every_device(self, pool, tokens, logout):
        other_device = sign_in(pool)
        logout(tokens.access_token)
        with pytest.raises(NotAuthorized):
            refresh(pool, other_device)

    def test_lists_the_sign_in_as_revoked_until_its_tokens_expire(self, pool, tokens, logout, revocations):
        refreshed = refresh(pool, tokens).tokens
        logout(tokens.access_token)
        refreshed_claims = pool.verifier.verify_access_token(refreshed.access_token)
        assert revocations.is_revoked(refreshed_claims)
        pool.clock.advance(refreshed_claims.lifetime + 1)
        assert not revocations.is_revoked(refreshed_claims)

    def test_refuses_the_other_sign_ins_of_the_user_at_once(self, pool, tokens, logout, revocations):
        other_device = sign_in(pool)
        other_claims = pool.verifier.verify_access_token(other_device.access_token)
        pool.clock.advance(1)

        logout(tokens.access_token)

        assert revocations.is_revoked(other_claims)
        pool.clock.advance(other_claims.lifetime)
        assert not revocations.is_revoked(other_claims)

    def test_a_sign_in_in_the_same_second_after_the_logout_is_accepted(self, pool, tokens, logout, revocations):
        pool.clock.advance(1.5)
        logout(tokens.access_token)

        again = sign_in(pool)

        assert not revocations.is_revoked(pool.verifier.verify_access_token(again.access_token))
        assert revocations.is_revoked(pool.verifier.verify_access_token(tokens.access_token))

    def test_leaves_another_device_of_the_same_second_to_its_expiry(self, pool, tokens, logout, revocations):
        other_device = sign_in(pool)
        logout(tokens.access_token)
        # Whole-second `iat` cannot tell it from a sign-in after the logout; its refresh token is dead.
        assert not revocations.is_revoked(pool.verifier.verify_access_token(other_device.access_token))
        with pytest.raises(NotAuthorized):
            refresh(pool, other_device)

    def test_a_revocation_the_other_processes_miss_fails_the_logout_before_the_sign_out(self, pool, tokens):
        revocations = PartlyUnreachableRevocationList(pool.clock)
        with pytest.raises(ProviderUnavailable):
            Logout(pool.provider, pool.verifier, revocations, pool.clock)(LogoutCommand(tokens.access_token))
        # Still signed in at the pool, so a retried logout finds the tokens alive.
        assert refresh(pool, tokens).tokens.access_token

    def test_works_with_an_expired_access_token_and_a_live_refresh_token(self, pool, tokens, logout, revocations):
        pool.clock.advance(2 * 3600)
        logout(tokens.access_token, tokens.refresh_token)
        with pytest.raises(NotAuthorized):
            refresh(pool, tokens)
        assert revocations.is_revoked(pool.verifier.verify_access_token(tokens.access_token, allow_expired=True))

    def test_works_with_the_refresh_token_alone(self, pool, tokens, logout):
        logout(refresh_token=tokens.refresh_token)
        with pytest.raises(NotAuthorized):
            refresh(pool, tokens)

    def test_an_expired_access_token_alone_is_not_enough(self, pool, tokens, logout):
        pool.clock.advance(2 * 3600)
        with pytest.raises(NotAuthorized):
            logout(tokens.access_token)

    def test_needs_a_token(self, logout):
        with pytest.raises(NotAuthenticated):
            logout()

    def test_refuses_a_forged_access_token(self, tokens, logout):
        with pytest.raises(TokenInvalid):
            logout("forged.access.token", tokens.refresh_token)
