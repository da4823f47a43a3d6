"""MFA through the port: TOTP set-up, turning SMS and TOTP on and off, and the SMS_MFA and
SOFTWARE_TOKEN_MFA challenges they bring to every sign-in, a first one with a new password included."""

from __future__ import annotations

import base64

import pytest

from domain.errors import CodeMismatch, ExpiredSession, NotAuthorized, ValidationError
from domain.values import (
    AuthResult,
    Challenge,
    ConfirmationCode,
    MfaFactor,
    MfaPreference,
    Password,
    TokenSet,
    Username,
)
from tests.integration.contract.accounts import (
    ATTRIBUTES,
    NEW_PASSWORD,
    PASSWORD,
    TEMPORARY_PASSWORD,
    USERNAME,
    sign_in,
)
from tests.pools import Backend, Gap, skip_if, xfail_if

MFA_CHALLENGE = "SOFTWARE_TOKEN_MFA"
SMS_CHALLENGE = "SMS_MFA"
PHONE_NUMBER = "+15555550123"
MASKED_PHONE_NUMBER = "+*******0123"


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def answer(backend: Backend, challenge: Challenge, code: str) -> AuthResult:
    return backend.provider.respond_to_challenge(
        Username(USERNAME), challenge.name, {f"{challenge.name}_CODE": code}, challenge.session
    )


def challenged(backend: Backend, password: str = PASSWORD) -> Challenge:
    result = backend.provider.initiate_auth(Username(USERNAME), Password(password))
    assert isinstance(result, Challenge)
    return result


@pytest.fixture
def secret(backend: Backend, tokens: TokenSet) -> str:
    """`USERNAME` has TOTP on, with a verified authenticator; the code used to verify it is spent."""
    secret = backend.provider.associate_software_token(tokens.access_token)
    backend.provider.verify_software_token(tokens.access_token, ConfirmationCode(backend.authenticator_code(secret)))
    backend.provider.set_mfa_preference(tokens.access_token, MfaPreference(totp=True))
    backend.let_time_pass(30)
    return secret


@pytest.fixture
def challenge(backend: Backend, secret: str) -> Challenge:
    return challenged(backend)


@pytest.fixture
def with_phone(backend: Backend) -> TokenSet:
    """`USERNAME` signed up with a phone number, confirmed, and is signed in."""
    attributes = ATTRIBUTES.with_attribute("phone_number", PHONE_NUMBER)
    backend.provider.sign_up(Username(USERNAME), Password(PASSWORD), attributes)
    backend.provider.confirm_sign_up(Username(USERNAME), ConfirmationCode(backend.sign_up_code(USERNAME)))
    return sign_in(backend)


@pytest.fixture
def sms_on(backend: Backend, with_phone: TokenSet) -> TokenSet:
    backend.provider.set_mfa_preference(with_phone.access_token, MfaPreference(sms=True))
    return with_phone


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
            backend.provider.set_mfa_preference(tokens.access_token, MfaPreference(totp=True))

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

        backend.provider.set_mfa_preference(result.access_token, MfaPreference(totp=False))

        assert sign_in(backend).access_token

    def test_the_third_wrong_code_spends_the_session(
        self, request: pytest.FixtureRequest, backend: Backend, secret: str, challenge: Challenge
    ):
        xfail_if(request, backend, Gap.WRONG_MFA_CODES_UNLIMITED)
        for _ in range(3):
            with pytest.raises(CodeMismatch):
                answer(backend, challenge, wrong(backend.authenticator_code(secret)))

        with pytest.raises(ExpiredSession):
            answer(backend, challenge, backend.authenticator_code(secret))


class TestSmsMfa:
    def test_turning_sms_on_needs_a_phone_number(
        self, request: pytest.FixtureRequest, backend: Backend, tokens: TokenSet
    ):
        xfail_if(request, backend, Gap.SMS_MFA_WITHOUT_PHONE_NUMBER)
        with pytest.raises(ValidationError):
            backend.provider.set_mfa_preference(tokens.access_token, MfaPreference(sms=True))

    def test_a_user_with_sms_on_signs_in_with_the_code_sent_to_their_phone(self, backend: Backend, sms_on: TokenSet):
        challenge = challenged(backend)
        assert challenge.name == SMS_CHALLENGE

        result = answer(backend, challenge, backend.sms_code(USERNAME))

        assert isinstance(result, TokenSet)
        assert backend.verifier.verify_access_token(result.access_token).username == USERNAME

    def test_the_challenge_says_where_the_code_went(
        self, request: pytest.FixtureRequest, backend: Backend, sms_on: TokenSet
    ):
        xfail_if(request, backend, Gap.SMS_CHALLENGE_PARAMETERS)
        parameters = challenged(backend).parameters
        assert parameters["CODE_DELIVERY_DELIVERY_MEDIUM"] == "SMS"
        assert parameters["CODE_DELIVERY_DESTINATION"] == MASKED_PHONE_NUMBER

    def test_a_wrong_code_is_refused_and_the_session_stays_usable(
        self, request: pytest.FixtureRequest, backend: Backend, sms_on: TokenSet
    ):
        xfail_if(request, backend, Gap.SMS_CODES_UNCHECKED)
        challenge = challenged(backend)
        with pytest.raises(CodeMismatch):
            answer(backend, challenge, wrong(backend.sms_code(USERNAME)))

        assert isinstance(answer(backend, challenge, backend.sms_code(USERNAME)), TokenSet)

    def test_the_third_wrong_code_spends_the_session(
        self, request: pytest.FixtureRequest, backend: Backend, sms_on: TokenSet
    ):
        xfail_if(request, backend, Gap.SMS_CODES_UNCHECKED)
        challenge = challenged(backend)
        for _ in range(3):
            with pytest.raises(CodeMismatch):
                answer(backend, challenge, wrong(backend.sms_code(USERNAME)))

        with pytest.raises(ExpiredSession):
            answer(backend, challenge, backend.sms_code(USERNAME))

    def test_a_session_serves_only_once(self, backend: Backend, sms_on: TokenSet):
        skip_if(backend, Gap.SESSIONS_UNMODELLED)
        challenge = challenged(backend)
        answer(backend, challenge, backend.sms_code(USERNAME))

        with pytest.raises(ExpiredSession):
            answer(backend, challenge, backend.sms_code(USERNAME))


class TestTwoFactors:
    @pytest.fixture
    def both_on(self, backend: Backend, with_phone: TokenSet) -> TokenSet:
        """SMS and TOTP on, TOTP preferred; the code that verified the authenticator is spent."""
        access_token = with_phone.access_token
        secret = backend.provider.associate_software_token(access_token)
        backend.provider.verify_software_token(access_token, ConfirmationCode(backend.authenticator_code(secret)))
        backend.provider.set_mfa_preference(access_token, MfaPreference(sms=True, totp=True, preferred=MfaFactor.TOTP))
        return with_phone

    def test_sign_in_asks_for_the_preferred_factor(self, backend: Backend, both_on: TokenSet):
        assert challenged(backend).name == MFA_CHALLENGE
        backend.provider.set_mfa_preference(both_on.access_token, MfaPreference(preferred=MfaFactor.SMS))
        assert challenged(backend).name == SMS_CHALLENGE

    def test_turning_the_preferred_factor_off_asks_for_the_other(self, backend: Backend, both_on: TokenSet):
        backend.provider.set_mfa_preference(both_on.access_token, MfaPreference(totp=False))
        assert challenged(backend).name == SMS_CHALLENGE


class TestChallengeChain:
    def test_a_new_password_leads_to_the_mfa_challenge_and_its_code_to_tokens(
        self, request: pytest.FixtureRequest, backend: Backend
    ):
        xfail_if(request, backend, Gap.NO_MFA_AFTER_NEW_PASSWORD)
        backend.admin_create_user_with_sms_mfa(USERNAME, TEMPORARY_PASSWORD, PHONE_NUMBER)
        first = challenged(backend, TEMPORARY_PASSWORD)
        assert first.name == "NEW_PASSWORD_REQUIRED"

        second = backend.provider.respond_to_challenge(
            Username(USERNAME), first.name, {"NEW_PASSWORD": NEW_PASSWORD}, first.session
        )

        assert isinstance(second, Challenge)
        assert second.name == SMS_CHALLENGE
        assert isinstance(answer(backend, second, backend.sms_code(USERNAME)), TokenSet)
