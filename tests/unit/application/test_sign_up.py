from __future__ import annotations

import pytest

from application.ports.code_sender import CodePurpose
from application.use_cases.codes import REFUSED_CODE_MESSAGE
from application.use_cases.sign_in import Login, LoginCommand, SignedIn
from application.use_cases.sign_up import (
    ConfirmSignUp,
    ConfirmSignUpCommand,
    ResendConfirmationCode,
    ResendConfirmationCodeCommand,
    SignUp,
    SignUpCommand,
)
from domain.errors import CodeMismatch, InvalidPassword, UsernameExists, ValidationError
from tests.fakes import InMemoryUserDirectory, ample_attempt_limiter

PASSWORD = "Correct-Horse-9"


def sign_up(pool, username="dana@example.com", password=PASSWORD, attributes=()):
    return SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(username, password, attributes))


class TestSignUp:
    def test_registers_an_unconfirmed_user_and_sends_a_code(self, pool):
        outcome = sign_up(pool, attributes=(("given_name", "Dana"),))
        assert outcome.user_confirmed is False
        assert outcome.user_sub
        assert outcome.code_delivery is not None
        assert outcome.code_delivery.medium == "EMAIL"
        assert pool.sender.sent[-1].destination == "dana@example.com"

    def test_an_email_username_becomes_the_email_attribute(self, pool):
        sign_up(pool)
        ConfirmSignUp(pool.provider, ample_attempt_limiter())(
            ConfirmSignUpCommand("dana@example.com", pool.sign_up_code("dana@example.com"))
        )
        result = Login(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())(
            LoginCommand("dana@example.com", PASSWORD)
        )
        assert isinstance(result, SignedIn)
        assert result.claims.email == "dana@example.com"

    def test_a_plain_username_gets_no_email_and_no_delivery(self, pool):
        outcome = sign_up(pool, username="dana")
        assert outcome.code_delivery is None

    def test_rejects_a_taken_username_in_any_case(self, pool):
        sign_up(pool)
        with pytest.raises(UsernameExists):
            sign_up(pool, username="DANA@example.com")

    def test_rejects_a_password_the_policy_refuses(self, pool):
        with pytest.raises(InvalidPassword):
            sign_up(pool, password="alllowercase1!")

    @pytest.mark.parametrize("username", ["", "has space", "a" * 129, "tab\there"])
    def test_rejects_a_malformed_username_before_calling_the_pool(self, pool, username):
        with pytest.raises(ValidationError) as raised:
            sign_up(pool, username=username)
        assert "username" in raised.value.fields
        assert pool.sender.sent == []

    def test_rejects_attributes_the_pool_owns(self, pool):
        with pytest.raises(ValidationError):
            sign_up(pool, attributes=(("sub", "chosen"),))

    def test_rejects_an_attribute_given_twice(self, pool):
        with pytest.raises(ValidationError):
            sign_up(pool, attributes=(("given_name", "A"), ("given_name", "B")))


class TestConfirmSignUp:
    def test_confirms_with_the_delivered_code(self, pool):
        sign_up(pool)
        ConfirmSignUp(pool.provider, ample_attempt_limiter())(
            ConfirmSignUpCommand("Dana@Example.com", pool.sign_up_code("dana@example.com"))
        )
        assert isinstance(
            Login(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())(
                LoginCommand("dana@example.com", PASSWORD)
            ),
            SignedIn,
        )

    def test_rejects_a_wrong_code(self, pool):
        sign_up(pool)
        wrong = "000000" if pool.sign_up_code("dana@example.com") != "000000" else "111111"
        with pytest.raises(CodeMismatch):
            ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand("dana@example.com", wrong))

    def test_an_expired_code_reads_as_a_wrong_one(self, pool):
        sign_up(pool)
        pool.clock.advance(24 * 3600 + 1)
        with pytest.raises(CodeMismatch) as refused:
            ConfirmSignUp(pool.provider, ample_attempt_limiter())(
                ConfirmSignUpCommand("dana@example.com", pool.sign_up_code("dana@example.com"))
            )
        assert refused.value.message == REFUSED_CODE_MESSAGE

    def test_an_unknown_user_reads_as_a_wrong_code(self, pool):
        with pytest.raises(CodeMismatch) as refused:
            ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand("nobody@example.com", "123456"))
        assert refused.value.message == REFUSED_CODE_MESSAGE


class TestResendConfirmationCode:
    def test_sends_a_new_code_that_replaces_the_old_one(self, pool):
        sign_up(pool)
        old = pool.sign_up_code("dana@example.com")
        ResendConfirmationCode(pool.provider, ample_attempt_limiter(), pool.clock, 0)(
            ResendConfirmationCodeCommand("dana@example.com")
        )
        new = pool.sign_up_code("dana@example.com")
        assert len([item for item in pool.sender.sent if item.purpose is CodePurpose.SIGN_UP]) == 2
        if old != new:
            with pytest.raises(CodeMismatch):
                ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand("dana@example.com", old))
        ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand("dana@example.com", new))

    def test_says_nothing_about_unknown_or_confirmed_users(self, pool):
        resend = ResendConfirmationCode(pool.provider, ample_attempt_limiter(), pool.clock, 0)
        resend(ResendConfirmationCodeCommand("nobody@example.com"))
        sign_up(pool)
        ConfirmSignUp(pool.provider, ample_attempt_limiter())(
            ConfirmSignUpCommand("dana@example.com", pool.sign_up_code("dana@example.com"))
        )
        sent_before = len(pool.sender.sent)
        resend(ResendConfirmationCodeCommand("dana@example.com"))
        assert len(pool.sender.sent) == sent_before
