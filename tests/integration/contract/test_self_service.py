from __future__ import annotations

import pytest

from domain.errors import InvalidPassword, NotAuthorized
from domain.values import Password, TokenSet
from tests.integration.contract.accounts import NEW_PASSWORD, PASSWORD, USERNAME, altered, sign_in
from tests.pools import Backend, Gap, skip_if


class TestChangePassword:
    def test_the_new_password_signs_in_and_the_old_one_no_longer(self, backend: Backend, tokens: TokenSet):
        backend.provider.change_password(tokens.access_token, Password(PASSWORD), Password(NEW_PASSWORD))

        assert sign_in(backend, password=NEW_PASSWORD).access_token
        with pytest.raises(NotAuthorized):
            sign_in(backend)

    def test_refuses_a_wrong_previous_password(self, backend: Backend, tokens: TokenSet):
        with pytest.raises(NotAuthorized):
            backend.provider.change_password(tokens.access_token, Password(NEW_PASSWORD), Password(NEW_PASSWORD))

    def test_refuses_a_password_the_policy_rejects(self, backend: Backend, tokens: TokenSet):
        with pytest.raises(InvalidPassword):
            backend.provider.change_password(tokens.access_token, Password(PASSWORD), Password("weak"))

    def test_keeps_the_refresh_token_valid(self, backend: Backend, tokens: TokenSet):
        backend.provider.change_password(tokens.access_token, Password(PASSWORD), Password(NEW_PASSWORD))
        assert backend.provider.refresh(tokens.refresh_token, USERNAME).access_token

    def test_refuses_a_forged_access_token(self, backend: Backend, tokens: TokenSet):
        with pytest.raises(NotAuthorized):
            backend.provider.change_password(altered(tokens.access_token), Password(PASSWORD), Password(NEW_PASSWORD))

    def test_refuses_a_signed_out_access_token(self, backend: Backend, tokens: TokenSet):
        backend.provider.global_sign_out(tokens.access_token)
        with pytest.raises(NotAuthorized):
            backend.provider.change_password(tokens.access_token, Password(PASSWORD), Password(NEW_PASSWORD))


class TestDeleteUser:
    def test_the_user_can_no_longer_sign_in_or_refresh(self, backend: Backend, tokens: TokenSet):
        skip_if(backend, Gap.NO_DELETE_USER)
        backend.provider.delete_user(tokens.access_token)

        with pytest.raises(NotAuthorized):
            sign_in(backend)
        with pytest.raises(NotAuthorized):
            backend.provider.refresh(tokens.refresh_token, USERNAME)

    def test_refuses_a_forged_access_token(self, backend: Backend, tokens: TokenSet):
        skip_if(backend, Gap.NO_DELETE_USER)
        with pytest.raises(NotAuthorized):
            backend.provider.delete_user(altered(tokens.access_token))
        assert sign_in(backend).access_token
