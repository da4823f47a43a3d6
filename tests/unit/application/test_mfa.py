from __future__ import annotations

import urllib.parse

import pytest

from application.use_cases.mfa import (
    AssociateSoftwareToken,
    AssociateSoftwareTokenCommand,
    SetMfaPreference,
    SetMfaPreferenceCommand,
    VerifySoftwareToken,
    VerifySoftwareTokenCommand,
)
from application.use_cases.sign_in import (
    Login,
    LoginCommand,
    RespondToChallenge,
    RespondToChallengeCommand,
    SignedIn,
)
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import CodeMismatch, ExpiredSession, NotAuthorized, ValidationError
from domain.values import Challenge
from tests.fakes import InMemoryUserDirectory
from tests.totp import totp

USERNAME = "erin@example.com"
PASSWORD = "Correct-Horse-9"


@pytest.fixture
def signed_in(pool):
    SignUp(pool.provider)(SignUpCommand(USERNAME, PASSWORD))
    ConfirmSignUp(pool.provider)(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    result = login(pool)
    assert isinstance(result, SignedIn)
    return result.tokens.access_token


def login(pool):
    return Login(pool.provider, pool.verifier, InMemoryUserDirectory())(LoginCommand(USERNAME, PASSWORD))


def associate(pool, access_token):
    return AssociateSoftwareToken(pool.provider, pool.verifier)(AssociateSoftwareTokenCommand(access_token))


def verify(pool, access_token, code):
    VerifySoftwareToken(pool.provider)(VerifySoftwareTokenCommand(access_token, code))


def prefer_totp(pool, access_token, enabled=True):
    SetMfaPreference(pool.provider)(SetMfaPreferenceCommand(access_token, enabled))


def answer(pool, challenge, code):
    return RespondToChallenge(pool.provider, pool.verifier, InMemoryUserDirectory())(
        RespondToChallengeCommand(USERNAME, challenge.name, {"SOFTWARE_TOKEN_MFA_CODE": code}, challenge.session)
    )


@pytest.fixture
def totp_on(pool, signed_in):
    secret = associate(pool, signed_in).secret
    verify(pool, signed_in, totp(secret, pool.clock.now()))
    prefer_totp(pool, signed_in)
    # The next code: the one just used for verifying is spent.
    pool.clock.advance(30)
    return secret


class TestAssociateSoftwareToken:
    def test_hands_out_a_secret_and_the_uri_authenticator_apps_read(self, pool, signed_in):
        result = associate(pool, signed_in)
        uri = urllib.parse.urlsplit(result.otpauth_uri)
        assert (uri.scheme, uri.netloc, urllib.parse.unquote(uri.path)) == (
            "otpauth",
            "totp",
            f"/cognito-auth:{USERNAME}",
        )
        assert urllib.parse.parse_qs(uri.query) == {"secret": [result.secret], "issuer": ["cognito-auth"]}

    def test_refuses_a_revoked_access_token(self, pool, signed_in):
        pool.provider.global_sign_out(signed_in)
        with pytest.raises(NotAuthorized):
            associate(pool, signed_in)


class TestVerifySoftwareToken:
    def test_refuses_a_wrong_code(self, pool, signed_in):
        secret = associate(pool, signed_in).secret
        right = totp(secret, pool.clock.now())
        with pytest.raises(CodeMismatch):
            verify(pool, signed_in, "000000" if right != "000000" else "111111")

    def test_accepts_the_code_of_the_step_before_or_after(self, pool, signed_in):
        secret = associate(pool, signed_in).secret
        verify(pool, signed_in, totp(secret, pool.clock.now(), offset_steps=1))

    def test_refuses_a_code_two_steps_old(self, pool, signed_in):
        secret = associate(pool, signed_in).secret
        with pytest.raises(CodeMismatch):
            verify(pool, signed_in, totp(secret, pool.clock.now(), offset_steps=-2))

    def test_needs_an_associated_authenticator(self, pool, signed_in):
        with pytest.raises(ValidationError):
            verify(pool, signed_in, "123456")


class TestSetMfaPreference:
    def test_turning_totp_on_needs_a_verified_authenticator(self, pool, signed_in):
        associate(pool, signed_in)
        with pytest.raises(ValidationError):
            prefer_totp(pool, signed_in)
        assert isinstance(login(pool), SignedIn)

    def test_a_user_with_totp_on_signs_in_only_with_a_valid_code(self, pool, totp_on):
        challenge = login(pool)
        assert isinstance(challenge, Challenge)
        assert challenge.name == "SOFTWARE_TOKEN_MFA"
        with pytest.raises(CodeMismatch):
            answer(pool, challenge, totp(totp_on, pool.clock.now(), offset_steps=-2))
        signed_in = answer(pool, challenge, totp(totp_on, pool.clock.now()))
        assert isinstance(signed_in, SignedIn)
        assert signed_in.claims.username == USERNAME

    def test_a_challenge_session_is_good_once(self, pool, totp_on):
        challenge = login(pool)
        answer(pool, challenge, totp(totp_on, pool.clock.now()))
        with pytest.raises(ExpiredSession):
            answer(pool, challenge, totp(totp_on, pool.clock.now(), offset_steps=1))

    def test_a_code_is_good_once(self, pool, totp_on):
        code = totp(totp_on, pool.clock.now())
        answer(pool, login(pool), code)
        with pytest.raises(CodeMismatch):
            answer(pool, login(pool), code)

    def test_a_challenge_expires_after_three_minutes(self, pool, totp_on):
        challenge = login(pool)
        pool.clock.advance(181)
        with pytest.raises(ExpiredSession):
            answer(pool, challenge, totp(totp_on, pool.clock.now()))

    def test_turning_totp_off_signs_in_with_the_password_alone(self, pool, totp_on):
        tokens = answer(pool, login(pool), totp(totp_on, pool.clock.now())).tokens
        prefer_totp(pool, tokens.access_token, enabled=False)
        assert isinstance(login(pool), SignedIn)
