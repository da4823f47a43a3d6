from __future__ import annotations

import attrs
import pytest

from adapters.memory.revocation_list import InMemoryRevocationList
from application.use_cases.account import (
    ChangePassword,
    ChangePasswordCommand,
    DeleteAccount,
    DeleteAccountCommand,
)
from application.use_cases.profile_image import UploadProfileImage, UploadProfileImageCommand
from application.use_cases.sign_in import Login, LoginCommand
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import InvalidPassword, NotAuthorized, ProviderUnavailable, TokenInvalid
from tests.fakes import (
    FailingIdentityProvider,
    InMemoryProfileImageStore,
    InMemoryUserDirectory,
    PartlyUnreachableRevocationList,
    ample_attempt_limiter,
)
from tests.images import PNG

USERNAME = "gus@example.com"
PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-7"


@pytest.fixture
def directory():
    return InMemoryUserDirectory()


def sign_in(pool, directory, password=PASSWORD):
    return Login(pool.provider, pool.verifier, directory, ample_attempt_limiter())(
        LoginCommand(USERNAME, password)
    ).tokens


@pytest.fixture
def tokens(pool, directory):
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    return sign_in(pool, directory)


class TestChangePassword:
    def change(self, pool, tokens, old=PASSWORD, new=NEW_PASSWORD):
        ChangePassword(pool.provider, pool.verifier, ample_attempt_limiter())(
            ChangePasswordCommand(tokens.access_token, old, new)
        )

    def test_the_new_password_signs_in_and_the_old_one_no_longer(self, pool, directory, tokens):
        self.change(pool, tokens)

        assert sign_in(pool, directory, NEW_PASSWORD).access_token
        with pytest.raises(NotAuthorized):
            sign_in(pool, directory, PASSWORD)

    def test_refuses_a_wrong_old_password(self, pool, directory, tokens):
        with pytest.raises(NotAuthorized):
            self.change(pool, tokens, old="Wrong-Horse-9")
        assert sign_in(pool, directory, PASSWORD).access_token

    def test_refuses_a_new_password_the_policy_rejects(self, pool, tokens):
        with pytest.raises(InvalidPassword):
            self.change(pool, tokens, new="weak")

    def test_keeps_the_user_signed_in(self, pool, tokens):
        self.change(pool, tokens)
        assert pool.provider.refresh(tokens.refresh_token, USERNAME).access_token


class TestDeleteAccount:
    @pytest.fixture
    def revocations(self, pool):
        return InMemoryRevocationList(pool.clock)

    @pytest.fixture
    def store(self):
        return InMemoryProfileImageStore()

    @pytest.fixture
    def delete(self, pool, directory, revocations, store):
        def delete(access_token, provider=None, revocation_list=None):
            use_case = DeleteAccount(
                provider or pool.provider, pool.verifier, revocation_list or revocations, directory, store, pool.clock
            )
            use_case(DeleteAccountCommand(access_token))

        return delete

    def test_removes_the_user_from_the_pool_and_the_mirror(self, pool, directory, delete, tokens):
        sub = pool.verifier.verify_access_token(tokens.access_token).sub
        assert sub in directory.users

        delete(tokens.access_token)

        assert sub not in directory.users
        with pytest.raises(NotAuthorized):
            sign_in(pool, directory)
        with pytest.raises(NotAuthorized):
            pool.provider.refresh(tokens.refresh_token, USERNAME)

    def test_revokes_the_sign_in_at_once(self, pool, revocations, delete, tokens):
        delete(tokens.access_token)
        assert revocations.is_revoked(pool.verifier.verify_access_token(tokens.access_token))

    def test_refuses_every_token_of_the_user_from_every_sign_in(self, pool, directory, revocations, delete, tokens):
        other_device = pool.verifier.verify_access_token(sign_in(pool, directory).access_token)

        delete(tokens.access_token)

        assert revocations.is_revoked(other_device)
        # Even a token stamped later, as one from a sign-in racing the deletion would be.
        pool.clock.advance(60)
        assert revocations.is_revoked(attrs.evolve(other_device, issued_at=int(pool.clock.now()), origin_jti="late"))
        pool.clock.advance(other_device.lifetime)
        assert not revocations.is_revoked(other_device)

    def test_deletes_the_profile_image(self, pool, directory, delete, store, tokens):
        sub = pool.verifier.verify_access_token(tokens.access_token).sub
        UploadProfileImage(store, directory, url_seconds=60)(UploadProfileImageCommand(sub, PNG))

        delete(tokens.access_token)

        assert store.images == {}

    def test_refuses_a_forged_token_and_deletes_nothing(self, pool, directory, delete, tokens):
        with pytest.raises(TokenInvalid):
            delete("forged.access.token")
        assert sign_in(pool, directory).access_token

    def test_a_failing_pool_leaves_the_mirror_and_the_user_signed_out(
        self, pool, directory, revocations, delete, tokens
    ):
        claims = pool.verifier.verify_access_token(tokens.access_token)
        other_device = pool.verifier.verify_access_token(sign_in(pool, directory).access_token)
        with pytest.raises(NotAuthorized):
            delete(tokens.access_token, FailingIdentityProvider(NotAuthorized()))
        assert claims.sub in directory.users
        assert revocations.is_revoked(claims)
        assert revocations.is_revoked(other_device)
        # The account still exists: from the next second, signing in again works, and so may a retry.
        pool.clock.advance(1)
        again = sign_in(pool, directory)
        assert not revocations.is_revoked(pool.verifier.verify_access_token(again.access_token))
        delete(again.access_token)
        assert claims.sub not in directory.users

    def test_a_revocation_the_other_processes_miss_deletes_nothing(self, pool, directory, delete, tokens):
        claims = pool.verifier.verify_access_token(tokens.access_token)
        with pytest.raises(ProviderUnavailable):
            delete(tokens.access_token, revocation_list=PartlyUnreachableRevocationList(pool.clock))
        assert claims.sub in directory.users
        assert sign_in(pool, directory).access_token

    def test_a_final_revocation_the_other_processes_miss_is_logged_not_raised(
        self, pool, directory, delete, tokens, caplog
    ):
        claims = pool.verifier.verify_access_token(tokens.access_token)
        revocations = PartlyUnreachableRevocationList(pool.clock, reachable=1)

        delete(tokens.access_token, revocation_list=revocations)

        assert claims.sub not in directory.users
        assert revocations.is_revoked(claims)
        assert "were not told" in caplog.text
