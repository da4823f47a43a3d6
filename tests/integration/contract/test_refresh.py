from __future__ import annotations

import pytest

from domain.errors import NotAuthorized
from domain.values import TokenSet
from tests.integration.contract.accounts import USERNAME, altered
from tests.pools import Backend, Gap, skip_if


def refresh(backend: Backend, tokens: TokenSet) -> TokenSet:
    """Refresh as the port asks: with the Cognito username read from the access token."""
    username = backend.verifier.verify_access_token(tokens.access_token).username
    return backend.provider.refresh(tokens.refresh_token, username)


class TestRefresh:
    def test_issues_fresh_access_and_id_tokens_and_keeps_the_refresh_token(self, backend: Backend, tokens: TokenSet):
        fresh = refresh(backend, tokens)

        assert fresh.access_token != tokens.access_token
        assert fresh.id_token != tokens.id_token
        assert fresh.refresh_token == tokens.refresh_token
        assert backend.verifier.verify_access_token(fresh.access_token).username == USERNAME
        assert backend.verifier.verify_id_token(fresh.id_token).username == USERNAME

    def test_fresh_tokens_carry_the_origin_jti_of_the_sign_in(self, backend: Backend, tokens: TokenSet):
        signed_in = backend.verifier.verify_access_token(tokens.access_token)

        fresh = refresh(backend, tokens)

        access = backend.verifier.verify_access_token(fresh.access_token)
        assert signed_in.origin_jti
        assert access.origin_jti == signed_in.origin_jti
        assert backend.verifier.verify_id_token(fresh.id_token).origin_jti == signed_in.origin_jti
        assert access.jti != signed_in.jti

    def test_fresh_tokens_keep_the_auth_time_of_the_sign_in(self, backend: Backend, tokens: TokenSet):
        skip_if(backend, Gap.REFRESH_RESTAMPS_AUTH_TIME)
        signed_in = backend.verifier.verify_access_token(tokens.access_token)
        backend.let_time_pass(60)

        access = backend.verifier.verify_access_token(refresh(backend, tokens).access_token)

        assert access.issued_at >= signed_in.issued_at + 60
        assert access.auth_time == signed_in.auth_time

    def test_refuses_a_forged_refresh_token(self, backend: Backend, tokens: TokenSet):
        with pytest.raises(NotAuthorized):
            backend.provider.refresh(altered(tokens.refresh_token), USERNAME)
