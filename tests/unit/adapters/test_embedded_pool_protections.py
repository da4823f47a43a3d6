"""The embedded pool's model of Cognito's own protections: the password lock-out, the cap on code
requests and the MFA lock-out, on the test's clock."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from application.ports.code_sender import CodePurpose
from domain.errors import CodeMismatch, ExpiredSession, NotAuthorized, TooManyRequests
from domain.values import (
    Attributes,
    Challenge,
    ConfirmationCode,
    MfaPreference,
    Password,
    TokenSet,
    Username,
)
from tests.fakes import ManualClock, RecordingCodeSender

ALICE = "alice@example.com"
PASSWORD = "Correct-Horse-9"
WRONG = "Wrong-Horse-99"
PHONE = "+15555550123"


@pytest.fixture
def pool(embedded_provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender) -> EmbeddedIdentityProvider:
    """The pool with Alice signed up and confirmed."""
    embedded_provider.sign_up(
        Username(ALICE), Password(PASSWORD), Attributes.from_pairs([("email", ALICE), ("phone_number", PHONE)])
    )
    code = code_sender.last_code(ALICE, CodePurpose.SIGN_UP)
    embedded_provider.confirm_sign_up(Username(ALICE), ConfirmationCode(code))
    return embedded_provider


def sign_in(pool: EmbeddedIdentityProvider, password: str = PASSWORD, username: str = ALICE) -> Any:
    return pool.initiate_auth(Username(username), Password(password))


def wrong_passwords(pool: EmbeddedIdentityProvider, count: int, username: str = ALICE) -> None:
    for _ in range(count):
        with pytest.raises(NotAuthorized):
            sign_in(pool, WRONG, username)


def lock_out(pool: EmbeddedIdentityProvider, username: str = ALICE) -> TooManyRequests:
    """The refusal of a sign-in during a lock-out."""
    with pytest.raises(TooManyRequests) as raised:
        sign_in(pool, PASSWORD, username)
    return raised.value


class TestPasswordLockOut:
    def test_four_wrong_passwords_leave_the_right_one_working(self, pool: EmbeddedIdentityProvider) -> None:
        wrong_passwords(pool, 4)

        assert isinstance(sign_in(pool), TokenSet)

    def test_the_fifth_wrong_password_locks_even_the_right_one_out_for_a_second(
        self, pool: EmbeddedIdentityProvider, clock: ManualClock
    ) -> None:
        wrong_passwords(pool, 5)

        refusal = lock_out(pool)

        assert refusal.message == "Password attempts exceeded"
        assert refusal.retry_after == 1
        clock.advance(1)
        assert isinstance(sign_in(pool), TokenSet)

    def test_each_further_wrong_password_doubles_the_lock_out_up_to_fifteen_minutes(
        self, pool: EmbeddedIdentityProvider, clock: ManualClock
    ) -> None:
        wrong_passwords(pool, 5)
        lock_outs = []
        for _ in range(12):
            lock_outs.append(lock_out(pool).retry_after)
            clock.advance(lock_outs[-1])
            wrong_passwords(pool, 1)

        assert lock_outs == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]

    def test_tries_during_a_lock_out_are_refused_and_do_not_count(
        self, pool: EmbeddedIdentityProvider, clock: ManualClock
    ) -> None:
        wrong_passwords(pool, 5)
        for _ in range(3):
            with pytest.raises(TooManyRequests):
                sign_in(pool, WRONG)
        clock.advance(1)

        wrong_passwords(pool, 1)

        assert lock_out(pool).retry_after == 2

    def test_a_successful_sign_in_starts_the_count_again(self, pool: EmbeddedIdentityProvider) -> None:
        wrong_passwords(pool, 4)
        sign_in(pool)
        wrong_passwords(pool, 4)

        assert isinstance(sign_in(pool), TokenSet)

    def test_fifteen_quiet_minutes_start_the_count_again(
        self, pool: EmbeddedIdentityProvider, clock: ManualClock
    ) -> None:
        wrong_passwords(pool, 5)
        clock.advance(1 + 15 * 60)  # the one-second lock-out, then fifteen minutes without a try
        wrong_passwords(pool, 4)

        assert isinstance(sign_in(pool), TokenSet)

    def test_an_unknown_username_is_locked_out_alike(self, pool: EmbeddedIdentityProvider) -> None:
        wrong_passwords(pool, 5, username="nobody@example.com")

        refusal = lock_out(pool, username="nobody@example.com")

        assert (refusal.message, refusal.retry_after) == ("Password attempts exceeded", 1)

    def test_another_user_is_not_locked_out(self, pool: EmbeddedIdentityProvider) -> None:
        wrong_passwords(pool, 5, username="nobody@example.com")

        assert isinstance(sign_in(pool), TokenSet)

    def test_the_username_is_counted_in_any_case(self, pool: EmbeddedIdentityProvider) -> None:
        wrong_passwords(pool, 3)
        wrong_passwords(pool, 2, username=ALICE.upper())

        lock_out(pool)

    def test_every_instance_on_one_pool_file_sees_the_lock_out(
        self, tmp_path: Path, clock: ManualClock, code_sender: RecordingCodeSender, signing_key: rsa.RSAPrivateKey
    ) -> None:
        def instance() -> EmbeddedIdentityProvider:
            return EmbeddedIdentityProvider(
                pool_id="eu-west-1_TestPool",
                client_id="test-client",
                region="eu-west-1",
                code_sender=code_sender,
                clock=clock,
                database=str(tmp_path / "pool.sqlite3"),
                signing_key=signing_key,
            )

        first, second = instance(), instance()
        wrong_passwords(first, 3, username="nobody@example.com")
        wrong_passwords(second, 2, username="nobody@example.com")

        lock_out(first, username="nobody@example.com")
        lock_out(second, username="nobody@example.com")


class TestCodeRequests:
    def test_five_reset_codes_an_hour_are_sent_and_the_sixth_is_refused(
        self, pool: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        for _ in range(5):
            pool.forgot_password(Username(ALICE))
        sent = len(code_sender.sent)

        with pytest.raises(TooManyRequests) as raised:
            pool.forgot_password(Username(ALICE))

        assert raised.value.message == "Attempt limit exceeded, please try after some time."
        assert raised.value.retry_after == 3600
        assert len(code_sender.sent) == sent

    def test_a_refused_request_leaves_the_last_code_usable(
        self, pool: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        for _ in range(5):
            pool.forgot_password(Username(ALICE))
        code = code_sender.last_code(ALICE, CodePurpose.PASSWORD_RESET)
        with pytest.raises(TooManyRequests):
            pool.forgot_password(Username(ALICE))

        pool.confirm_forgot_password(Username(ALICE), ConfirmationCode(code), Password("Battery-Staple-7"))

    def test_the_hour_is_a_sliding_window(self, pool: EmbeddedIdentityProvider, clock: ManualClock) -> None:
        pool.forgot_password(Username(ALICE))
        clock.advance(1800)
        for _ in range(4):
            pool.forgot_password(Username(ALICE))
        with pytest.raises(TooManyRequests) as raised:
            pool.forgot_password(Username(ALICE))
        assert raised.value.retry_after == 1800

        clock.advance(1800)

        pool.forgot_password(Username(ALICE))

    def test_every_kind_of_code_request_counts(
        self, embedded_provider: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        embedded_provider.sign_up(Username(ALICE), Password(PASSWORD), Attributes.from_pairs([("email", ALICE)]))
        for _ in range(2):
            embedded_provider.resend_confirmation_code(Username(ALICE))
        embedded_provider.confirm_sign_up(
            Username(ALICE), ConfirmationCode(code_sender.last_code(ALICE, CodePurpose.SIGN_UP))
        )
        embedded_provider.forgot_password(Username(ALICE))
        access_token = sign_in(embedded_provider).access_token
        for _ in range(2):
            embedded_provider.get_user_attribute_verification_code(access_token, "email")

        with pytest.raises(TooManyRequests):
            embedded_provider.get_user_attribute_verification_code(access_token, "email")

    def test_the_code_sent_at_sign_up_is_not_a_request(self, embedded_provider: EmbeddedIdentityProvider) -> None:
        embedded_provider.sign_up(Username(ALICE), Password(PASSWORD), Attributes.from_pairs([("email", ALICE)]))

        for _ in range(5):
            embedded_provider.resend_confirmation_code(Username(ALICE))

    def test_an_unknown_username_is_refused_alike(self, pool: EmbeddedIdentityProvider) -> None:
        for _ in range(5):
            with pytest.raises(NotAuthorized):
                pool.forgot_password(Username("nobody@example.com"))

        with pytest.raises(TooManyRequests) as raised:
            pool.forgot_password(Username("nobody@example.com"))

        assert raised.value.message == "Attempt limit exceeded, please try after some time."

    def test_each_user_has_a_cap_of_their_own(
        self, pool: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        for _ in range(5):
            pool.forgot_password(Username(ALICE))

        pool.sign_up(Username("bob@example.com"), Password(PASSWORD), Attributes.from_pairs([("email", "b@x.org")]))
        pool.resend_confirmation_code(Username("bob@example.com"))


@pytest.fixture
def sms_pool(pool: EmbeddedIdentityProvider) -> EmbeddedIdentityProvider:
    """Alice with SMS MFA on: each sign-in sends her a code."""
    pool.admin_set_user_mfa_preference(Username(ALICE), MfaPreference(sms=True))
    return pool


def challenge(pool: EmbeddedIdentityProvider) -> Challenge:
    result = sign_in(pool)
    assert isinstance(result, Challenge)
    return result


def answer(pool: EmbeddedIdentityProvider, session: Challenge, code: str) -> Any:
    return pool.respond_to_challenge(Username(ALICE), session.name, {"SMS_MFA_CODE": code}, session.session)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def wrong_mfa_codes(pool: EmbeddedIdentityProvider, sender: RecordingCodeSender, count: int) -> None:
    """Send `count` wrong codes, signing in again whenever the pool has spent the session."""
    session = challenge(pool)
    for _ in range(count):
        try:
            answer(pool, session, wrong_code(sender.last_code(ALICE, CodePurpose.SIGN_IN)))
        except CodeMismatch:
            continue
        except ExpiredSession:
            session = challenge(pool)
            with pytest.raises(CodeMismatch):
                answer(pool, session, wrong_code(sender.last_code(ALICE, CodePurpose.SIGN_IN)))


class TestMfaLockOut:
    def test_four_wrong_codes_leave_the_right_one_working(
        self, sms_pool: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        wrong_mfa_codes(sms_pool, code_sender, 4)
        session = challenge(sms_pool)

        assert isinstance(answer(sms_pool, session, code_sender.last_code(ALICE, CodePurpose.SIGN_IN)), TokenSet)

    def test_five_wrong_codes_in_any_sessions_lock_the_challenges_for_fifteen_minutes(
        self, sms_pool: EmbeddedIdentityProvider, code_sender: RecordingCodeSender, clock: ManualClock
    ) -> None:
        wrong_mfa_codes(sms_pool, code_sender, 5)
        session = challenge(sms_pool)

        with pytest.raises(TooManyRequests) as raised:
            answer(sms_pool, session, code_sender.last_code(ALICE, CodePurpose.SIGN_IN))

        assert (raised.value.message, raised.value.retry_after) == (
            "Too many failed attempts for the user's MFA code, please try after some time.",
            15 * 60,
        )
        clock.advance(15 * 60)
        session = challenge(sms_pool)
        assert isinstance(answer(sms_pool, session, code_sender.last_code(ALICE, CodePurpose.SIGN_IN)), TokenSet)

    def test_a_right_code_starts_the_count_again(
        self, sms_pool: EmbeddedIdentityProvider, code_sender: RecordingCodeSender
    ) -> None:
        wrong_mfa_codes(sms_pool, code_sender, 4)
        answer(sms_pool, challenge(sms_pool), code_sender.last_code(ALICE, CodePurpose.SIGN_IN))
        wrong_mfa_codes(sms_pool, code_sender, 4)
        session = challenge(sms_pool)

        assert isinstance(answer(sms_pool, session, code_sender.last_code(ALICE, CodePurpose.SIGN_IN)), TokenSet)


class TestStorage:
    def test_counts_for_usernames_past_every_lock_out_leave_the_file(
        self, tmp_path: Path, clock: ManualClock, code_sender: RecordingCodeSender, signing_key: rsa.RSAPrivateKey
    ) -> None:
        path = tmp_path / "pool.sqlite3"
        pool = EmbeddedIdentityProvider(
            pool_id="eu-west-1_TestPool",
            client_id="test-client",
            region="eu-west-1",
            code_sender=code_sender,
            clock=clock,
            database=str(path),
            signing_key=signing_key,
        )
        for n in range(10):
            wrong_passwords(pool, 5, username=f"made-up-{n}@example.com")
            with pytest.raises(NotAuthorized):
                pool.forgot_password(Username(f"made-up-{n}@example.com"))
        clock.advance(3600)

        wrong_passwords(pool, 1, username="one-more@example.com")
        with pytest.raises(NotAuthorized):
            pool.forgot_password(Username("one-more@example.com"))

        with sqlite3.connect(path) as db:
            assert db.execute("SELECT username_key FROM password_failures").fetchall() == [("one-more@example.com",)]
            assert db.execute("SELECT username_key FROM code_requests").fetchall() == [("one-more@example.com",)]
