"""TOTP set-up through the port, and the SOFTWARE_TOKEN_MFA challenge it brings to every sign-in."""

from __future__ import annotations

import base64

import pytest

from domain.errors import CodeMismatch, ExpiredSession, NotAuthorized, ValidationError
from domain.values import AuthResult, Challenge, ConfirmationCode, Password, TokenSet, Username
from tests.integration.contract.accounts import PASSWORD, USERNAME, sign_in
from tests.pools import Backend, Gap, skip_if

MFA_CHALLENGE = "SOFTWARE_TOKEN_MFA"


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def answer(backend: Backend, challenge: Challenge, code: str) -> AuthResult:
    return backend.provider.respond_to_challenge(
        Username(USERNAME), challenge.name, {"SOFTWARE_TOKEN_MFA_CODE": code}, challenge.session
    )


@pytest.fixture
def secret(backend: Backend, tokens: TokenSet) -> str:
    """`USERNAME` has TOTP on, with a verified authenticator; the code used to verify it is spent."""
    secret = backend.provider.associate_software_token(tokens.access_token)
    backend.provider.verify_software_token(tokens.access_token, ConfirmationCode(backend.authenticator_code(secret)))
    backend.provider.set_mfa_preference(tokens.access_token, totp_enabled=True)
    backend.let_time_pass(30)
    return secret


@pytest.fixture
def challenge(backend: Backend, secret: str) -> Challenge:
    result = backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))
    assert isinstance(result, Challenge)
    return result


class TestSoftwareTokenSetUp:
    def test_hands_out_a_base32_secret(self, backend: Backend, tokens: TokenSet):
        secret = backend.provider.associate_software_token(tokens.access_token)
        assert base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)

    def test_refuses_a_wrong_first_code(self, backend: Backend, tokens: TokenSet):
        secret = backend.provider.associate_software_token(tokens.access_token)
        with pytest.raises(CodeMismatch):
            backend.provider.verify_software_token(
                tokens.access_token, ConfirmationCode(wrong(backend.authenticator_code(secret)))
            )

    def test_turning_totp_on_needs_a_verified_authenticator(self, backend: Backend, tokens: TokenSet):
        backend.provider.associate_software_token(tokens.access_token)
        with pytest.raises(ValidationError):
            backend.provider.set_mfa_preference(tokens.access_token, totp_enabled=True)

    def test_refuses_a_revoked_access_token(self, backend: Backend, tokens: TokenSet):
        backend.provider.global_sign_out(tokens.access_token)
        with pytest.raises(NotAuthorized):
            backend.provider.associate_software_token(tokens.access_token)


class TestSoftwareTokenChallenge:
    def test_a_user_with_totp_on_signs_in_only_with_a_valid_code(
        self, backend: Backend, secret: str, challenge: Challenge
    ):
        assert challenge.name == MFA_CHALLENGE
        with pytest.raises(CodeMismatch):
            answer(backend, challenge, wrong(backend.authenticator_code(secret)))

        result = answer(backend, challenge, backend.authenticator_code(secret))

        assert isinstance(result, TokenSet)
        assert backend.verifier.verify_access_token(result.access_token).username == USERNAME

    def test_a_code_signs_in_once(self, backend: Backend, secret: str, challenge: Challenge):
        skip_if(backend, Gap.TOTP_CODES_REUSABLE)
        code = backend.authenticator_code(secret)
        answer(backend, challenge, code)
        again = backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))
        assert isinstance(again, Challenge)

        with pytest.raises(CodeMismatch):
            answer(backend, again, code)

    def test_a_session_serves_only_once(self, backend: Backend, secret: str, challenge: Challenge):
        skip_if(backend, Gap.SESSIONS_UNMODELLED)
        answer(backend, challenge, backend.authenticator_code(secret))
        backend.let_time_pass(30)

        with pytest.raises(ExpiredSession):
            answer(backend, challenge, backend.authenticator_code(secret))

    def test_turning_totp_off_signs_in_with_the_password_alone(
        self, backend: Backend, secret: str, challenge: Challenge
    ):
        result = answer(backend, challenge, backend.authenticator_code(secret))
        assert isinstance(result, TokenSet)

        backend.provider.set_mfa_preference(result.access_token, totp_enabled=False)

        assert sign_in(backend).access_token
