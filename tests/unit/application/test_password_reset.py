from __future__ import annotations

import pytest

from application.use_cases.codes import REFUSED_CODE_MESSAGE
from application.use_cases.password_reset import (
    ConfirmForgotPassword,
    ConfirmForgotPasswordCommand,
    ForgotPassword,
    ForgotPasswordCommand,
)
from application.use_cases.sign_in import Login, LoginCommand, SignedIn
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import CodeMismatch, InvalidPassword, NotAuthorized, TooManyRequests
from tests.fakes import InMemoryUserDirectory, ample_attempt_limiter

USERNAME = "hana@example.com"
PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-7"


@pytest.fixture
def confirmed(pool):
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    return pool


def reset(pool, code, new_password=NEW_PASSWORD):
    ConfirmForgotPassword(pool.provider, ample_attempt_limiter())(
        ConfirmForgotPasswordCommand(USERNAME, code, new_password)
    )


def wrong_code(pool):
    return "000000" if pool.reset_code(USERNAME) != "000000" else "111111"


class TestForgotPassword:
    def test_sends_a_reset_code(self, confirmed):
        ForgotPassword(confirmed.provider, ample_attempt_limiter(), confirmed.clock, 0)(ForgotPasswordCommand(USERNAME))
        assert confirmed.reset_code(USERNAME)

    def test_says_nothing_about_unknown_users(self, pool):
        ForgotPassword(pool.provider, ample_attempt_limiter(), pool.clock, 0)(
            ForgotPasswordCommand("nobody@example.com")
        )
        assert pool.sender.sent == []


class TestConfirmForgotPassword:
    def test_the_new_password_replaces_the_old(self, confirmed):
        ForgotPassword(confirmed.provider, ample_attempt_limiter(), confirmed.clock, 0)(ForgotPasswordCommand(USERNAME))
        reset(confirmed, confirmed.reset_code(USERNAME))
        login = Login(confirmed.provider, confirmed.verifier, InMemoryUserDirectory(), ample_attempt_limiter())
        assert isinstance(login(LoginCommand(USERNAME, NEW_PASSWORD)), SignedIn)
        with pytest.raises(NotAuthorized):
            login(LoginCommand(USERNAME, PASSWORD))

    def test_a_code_works_once(self, confirmed):
        ForgotPassword(confirmed.provider, ample_attempt_limiter(), confirmed.clock, 0)(ForgotPasswordCommand(USERNAME))
        code = confirmed.reset_code(USERNAME)
        reset(confirmed, code)
        with pytest.raises(CodeMismatch):
            reset(confirmed, code, "Another-Pass-8")

    def test_rejects_a_wrong_code(self, confirmed):
        ForgotPassword(confirmed.provider, ample_attempt_limiter(), confirmed.clock, 0)(ForgotPasswordCommand(USERNAME))
        with pytest.raises(CodeMismatch):
            reset(confirmed, wrong_code(confirmed))

    def test_wrong_codes_are_limited(self, confirmed):
        ForgotPassword(confirmed.provider, ample_attempt_limiter(), confirmed.clock, 0)(ForgotPasswordCommand(USERNAME))
        code = confirmed.reset_code(USERNAME)
        with pytest.raises(TooManyRequests):  # noqa: PT012 -- the limit shows only after several tries
            for _ in range(10):
                try:
                    reset(confirmed, wrong_code(confirmed))
                except CodeMismatch as wrong:
                    assert wrong.message == REFUSED_CODE_MESSAGE
        with pytest.raises(TooManyRequests):
            reset(confirmed, code)

    def test_an_expired_code_reads_as_a_wrong_one(self, confirmed):
        ForgotPassword(confirmed.provider, ample_attempt_limiter(), confirmed.clock, 0)(ForgotPasswordCommand(USERNAME))
        confirmed.clock.advance(3600 + 1)
        with pytest.raises(CodeMismatch) as refused:
            reset(confirmed, confirmed.reset_code(USERNAME))
        assert refused.value.message == REFUSED_CODE_MESSAGE

    def test_the_new_password_must_satisfy_the_policy(self, confirmed):
        ForgotPassword(confirmed.provider, ample_attempt_limiter(), confirmed.clock, 0)(ForgotPasswordCommand(USERNAME))
        with pytest.raises(InvalidPassword):
            reset(confirmed, confirmed.reset_code(USERNAME), "weak")
