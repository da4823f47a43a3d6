"""What the tokens of a password sign-in say, as the verifier reads them and under Cognito's claim names."""

from __future__ import annotations

from domain.values import SignUpOutcome, TokenSet
from tests.integration.contract.accounts import USERNAME, payload
from tests.pools import Backend


class TestAccessToken:
    def test_names_the_user_the_client_and_its_use(self, backend: Backend, confirmed: SignUpOutcome, tokens: TokenSet):
        claims = backend.verifier.verify_access_token(tokens.access_token)

        assert claims.sub == confirmed.user_sub
        assert payload(tokens.access_token)["username"] == USERNAME
        assert claims.client_id == backend.client_id
        assert claims.token_use == "access"
        assert claims.scopes == ("aws.cognito.signin.user.admin",)
        assert claims.jti

    def test_lives_as_long_as_the_sign_in_says(self, backend: Backend, tokens: TokenSet):
        claims = backend.verifier.verify_access_token(tokens.access_token)

        assert claims.expires_at - claims.issued_at == tokens.expires_in > 0


class TestIdToken:
    def test_names_the_user_and_the_client(self, backend: Backend, confirmed: SignUpOutcome, tokens: TokenSet):
        claims = backend.verifier.verify_id_token(tokens.id_token)
        raw = payload(tokens.id_token)

        assert claims.sub == confirmed.user_sub
        assert raw["cognito:username"] == USERNAME
        assert "username" not in raw
        assert raw["aud"] == backend.client_id
        assert claims.token_use == "id"
        assert claims.expires_at > claims.issued_at

    def test_carries_the_attributes_given_at_sign_up(self, backend: Backend, tokens: TokenSet):

        claims = backend.verifier.verify_id_token(tokens.id_token)

        assert (claims.email, claims.given_name, claims.family_name) == (USERNAME, "Ada", "Lovelace")
