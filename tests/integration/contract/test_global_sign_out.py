from __future__ import annotations

import pytest

from domain.errors import NotAuthorized
from domain.values import TokenSet
from tests.integration.contract.accounts import USERNAME, altered, sign_in
from tests.pools import Backend


class TestGlobalSignOut:
    def test_refresh_is_refused_afterwards_on_every_device(self, backend: Backend, tokens: TokenSet):
        other_device = sign_in(backend)

        backend.provider.global_sign_out(tokens.access_token)

        with pytest.raises(NotAuthorized):
            backend.provider.refresh(tokens.refresh_token, USERNAME)
        with pytest.raises(NotAuthorized):
            backend.provider.refresh(other_device.refresh_token, USERNAME)

    def test_refuses_a_second_sign_out_with_the_same_access_token(self, backend: Backend, tokens: TokenSet):
        backend.provider.global_sign_out(tokens.access_token)

        with pytest.raises(NotAuthorized):
            backend.provider.global_sign_out(tokens.access_token)

    def test_refuses_a_forged_access_token(self, backend: Backend, tokens: TokenSet):
        with pytest.raises(NotAuthorized):
            backend.provider.global_sign_out(altered(tokens.access_token))
