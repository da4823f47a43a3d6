"""Cognito's own protections through the port: the lock-out after wrong passwords, the cap on code
requests and the lock-out after wrong MFA codes, all answered as `TooManyRequests` (429 in the shell)."""

from __future__ import annotations

import pytest

from domain.errors import CodeMismatch, ExpiredSession, NotAuthorized, TooManyRequests
from domain.values import AuthResult, Challenge, ConfirmationCode, MfaPreference, Password, SignUpOutcome, Username
from tests.integration.contract.accounts import ATTRIBUTES, PASSWORD, USERNAME, sign_in
from tests.pools import Backend, Gap, xfail_if

WRONG_PASSWORD = "Wr0ng-password"
PHONE_NUMBER = "+15555550123"


def wrong_passwords(backend: Backend, count: int, username: str = USERNAME) -> None:
    for _ in range(count):
        with pytest.raises(NotAuthorized):
            backend.provider.initiate_auth(Username(username), Password(WRONG_PASSWORD))


class TestPasswordLockOut:
    def test_the_fifth_wrong_password_locks_the_right_one_out(
        self, request: pytest.FixtureRequest, backend: Backend, confirmed: SignUpOutcome
    ):
        xfail_if(request, backend, Gap.NO_PASSWORD_LOCKOUT)
        wrong_passwords(backend, 5)

        with pytest.raises(TooManyRequests) as raised:
            backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))

        assert raised.value.message == "Password attempts exceeded"
        assert raised.value.retry_after >= 1

    def test_the_right_password_works_once_the_lock_out_is_over(
        self, request: pytest.FixtureRequest, backend: Backend, confirmed: SignUpOutcome
    ):
        xfail_if(request, backend, Gap.NO_PASSWORD_LOCKOUT)
        wrong_passwords(backend, 5)
        with pytest.raises(TooManyRequests):
            sign_in(backend)

        backend.let_time_pass(1)

        assert sign_in(backend).access_token

    def test_four_wrong_passwords_lock_nobody_out(self, backend: Backend, confirmed: SignUpOutcome):
        wrong_passwords(backend, 4)

        assert sign_in(backend).access_token

    def test_an_unknown_user_is_answered_as_a_known_one(
        self, request: pytest.FixtureRequest, backend: Backend, confirmed: SignUpOutcome
    ):
        xfail_if(request, backend, Gap.NO_PASSWORD_LOCKOUT)
        wrong_passwords(backend, 5)
        wrong_passwords(backend, 5, username="nobody@example.com")

        with pytest.raises(TooManyRequests) as known:
            sign_in(backend)
        with pytest.raises(TooManyRequests) as unknown:
            sign_in(backend, username="nobody@example.com")

        assert known.value.message == unknown.value.message


class TestCodeRequests:
    def test_a_user_gets_five_reset_codes_an_hour_and_no_sixth(
        self, request: pytest.FixtureRequest, backend: Backend, confirmed: SignUpOutcome
    ):
        xfail_if(request, backend, Gap.CODE_REQUESTS_UNLIMITED)
        backend.mark_email_verified(USERNAME)
        for _ in range(5):
            backend.provider.forgot_password(Username(USERNAME))

        with pytest.raises(TooManyRequests):
            backend.provider.forgot_password(Username(USERNAME))


@pytest.fixture
def sms_on(backend: Backend) -> None:
    """`USERNAME` signed up with a phone number, confirmed, and turned SMS MFA on."""
    attributes = ATTRIBUTES.with_attribute("phone_number", PHONE_NUMBER)
    backend.provider.sign_up(Username(USERNAME), Password(PASSWORD), attributes)
    backend.provider.confirm_sign_up(Username(USERNAME), ConfirmationCode(backend.sign_up_code(USERNAME)))
    backend.provider.set_mfa_preference(sign_in(backend).access_token, MfaPreference(sms=True))


def challenged(backend: Backend) -> Challenge:
    result = backend.provider.initiate_auth(Username(USERNAME), Password(PASSWORD))
    assert isinstance(result, Challenge)
    return result


def answer(backend: Backend, challenge: Challenge, code: str) -> AuthResult:
    return backend.provider.respond_to_challenge(
        Username(USERNAME), challenge.name, {"SMS_MFA_CODE": code}, challenge.session
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


class TestMfaLockOut:
    def test_five_wrong_codes_lock_the_challenges_though_each_session_takes_fewer(
        self, request: pytest.FixtureRequest, backend: Backend, sms_on: None
    ):
        xfail_if(request, backend, Gap.NO_MFA_LOCKOUT)
        for wrong_codes in (3, 2):
            challenge = challenged(backend)
            for _ in range(wrong_codes):
                with pytest.raises(CodeMismatch):
                    answer(backend, challenge, wrong(backend.sms_code(USERNAME)))
        challenge = challenged(backend)

        with pytest.raises(TooManyRequests):
            answer(backend, challenge, backend.sms_code(USERNAME))

    def test_a_new_sign_in_buys_no_fresh_guesses_after_a_spent_session(
        self, request: pytest.FixtureRequest, backend: Backend, sms_on: None
    ):
        xfail_if(request, backend, Gap.NO_MFA_LOCKOUT)
        challenge = challenged(backend)
        for _ in range(3):
            with pytest.raises(CodeMismatch):
                answer(backend, challenge, wrong(backend.sms_code(USERNAME)))
        with pytest.raises(ExpiredSession):
            answer(backend, challenge, backend.sms_code(USERNAME))
        challenge = challenged(backend)
        for _ in range(2):
            with pytest.raises(CodeMismatch):
                answer(backend, challenge, wrong(backend.sms_code(USERNAME)))

        with pytest.raises(TooManyRequests):
            answer(backend, challenge, wrong(backend.sms_code(USERNAME)))
