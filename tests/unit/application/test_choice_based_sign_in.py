"""Passwordless sign-up, the session of a confirmed sign-up, and choice-based sign-in with one-time
codes (`StartSignIn`, `SignInWithSession`, and `RespondToChallenge` answering their challenges), on
the embedded pool."""

from __future__ import annotations

import pytest

from application.ports.attempt_limiter import Attempt, Budget, Rate
from application.ports.code_sender import CodePurpose
from application.use_cases.sign_in import (
    Login,
    LoginCommand,
    RespondToChallenge,
    RespondToChallengeCommand,
    SignedIn,
    SignInWithSession,
    SignInWithSessionCommand,
    StartSignIn,
    StartSignInCommand,
)
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import (
    CodeMismatch,
    ExpiredSession,
    NotAuthorized,
    TooManyRequests,
    UserNotConfirmed,
    ValidationError,
)
from domain.values import Challenge, MfaPreference, Username
from tests.fakes import FailingIdentityProvider, InMemoryAttemptLimiter, InMemoryUserDirectory, ample_attempt_limiter

USERNAME = "ivy@example.com"
PASSWORD = "Correct-Horse-9"
STRANGER = "stranger@example.com"
TEXTER = "tex"
PHONE = "+15555550123"
CLIENT = "203.0.113.9"
FLOOR = 0.25
PER_ACCOUNT = 5
WINDOW = 60


def sign_up(pool, password=None, attributes=(), username=USERNAME):
    return SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(username, password, attributes))


def confirm(pool, username=USERNAME):
    code = pool.sign_up_code(username)
    return ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(username, code)).session


def start(pool, preferred=None, username=USERNAME, limiter=None, password=None, provider=None):
    use_case = StartSignIn(
        provider or pool.provider,
        pool.verifier,
        InMemoryUserDirectory(),
        limiter or ample_attempt_limiter(),
        pool.clock,
        FLOOR,
    )
    return use_case(StartSignInCommand(username, preferred, password, client=CLIENT))


def answer(pool, challenge, responses, username=USERNAME, limiter=None, provider=None):
    use_case = RespondToChallenge(
        provider or pool.provider,
        pool.verifier,
        InMemoryUserDirectory(),
        limiter or ample_attempt_limiter(),
        pool.clock,
        FLOOR,
    )
    return use_case(RespondToChallengeCommand(username, challenge.name, responses, challenge.session, client=CLIENT))


def trade(pool, session, username=USERNAME, limiter=None, provider=None):
    use_case = SignInWithSession(
        provider or pool.provider, pool.verifier, InMemoryUserDirectory(), limiter or ample_attempt_limiter()
    )
    return use_case(SignInWithSessionCommand(username, session, client=CLIENT))


def sign_in_code(pool, username=USERNAME):
    return pool.sender.last_code(username, CodePurpose.SIGN_IN)


def wrong(code):
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


@pytest.fixture
def passwordless(pool):
    """A confirmed user without a password, with an e-mail address and a phone number."""
    sign_up(pool, attributes=(("phone_number", PHONE),))
    confirm(pool)
    return pool


@pytest.fixture
def texting(pool):
    """A confirmed user without a password or an e-mail address: their sign-up code went by SMS, which
    proved their phone number."""
    sign_up(pool, attributes=(("phone_number", PHONE),), username=TEXTER)
    confirm(pool, TEXTER)
    return pool


@pytest.fixture
def with_password(pool):
    sign_up(pool, password=PASSWORD)
    confirm(pool)
    return pool


@pytest.fixture
def limiter(pool):
    budget = Budget(per_client=Rate(2 * PER_ACCOUNT, WINDOW), per_account=Rate(PER_ACCOUNT, WINDOW))
    return InMemoryAttemptLimiter(pool.clock, dict.fromkeys(Attempt, budget))


class TestPasswordlessSignUp:
    def test_signs_up_a_user_without_a_password(self, pool):
        outcome = sign_up(pool)
        assert outcome.code_delivery is not None
        assert outcome.code_delivery.destination == "i***@e***"

    def test_no_password_signs_that_user_in(self, passwordless):
        with pytest.raises(NotAuthorized):
            Login(passwordless.provider, passwordless.verifier, InMemoryUserDirectory(), ample_attempt_limiter())(
                LoginCommand(USERNAME, PASSWORD)
            )

    def test_needs_an_address_or_a_phone_number_for_the_codes(self, pool):
        with pytest.raises(ValidationError):
            sign_up(pool, username="ivy")
        sign_up(pool, username="ivy", attributes=(("phone_number", PHONE),))


class TestSignInWithSession:
    def test_the_confirmation_session_signs_in_once(self, pool):
        sign_up(pool)
        session = confirm(pool)
        assert session is not None
        result = trade(pool, session)
        assert isinstance(result, SignedIn)
        assert result.claims.email == USERNAME
        with pytest.raises(ExpiredSession):
            trade(pool, session)

    def test_the_session_expires_after_three_minutes(self, pool):
        sign_up(pool)
        session = confirm(pool)
        pool.clock.advance(180)
        with pytest.raises(ExpiredSession):
            trade(pool, session)

    def test_the_session_is_its_users_only(self, pool):
        sign_up(pool)
        session = confirm(pool)
        with pytest.raises(ExpiredSession):
            trade(pool, session, username=STRANGER)

    def test_a_challenge_session_is_no_confirmation_session(self, with_password):
        with pytest.raises(ExpiredSession):
            trade(with_password, start(with_password).session)

    def test_a_confirmation_session_answers_no_challenge(self, pool):
        sign_up(pool)
        session = confirm(pool)
        with pytest.raises(ExpiredSession):
            answer(pool, Challenge("SELECT_CHALLENGE", session), {"ANSWER": "EMAIL_OTP"})
        assert isinstance(trade(pool, session), SignedIn)

    def test_a_user_with_mfa_owes_the_code(self, pool):
        sign_up(pool, attributes=(("phone_number", PHONE),))
        session = confirm(pool)
        pool.provider.admin_set_user_mfa_preference(Username(USERNAME), MfaPreference(sms=True))
        result = trade(pool, session)
        assert isinstance(result, Challenge)
        assert result.name == "SMS_MFA"

    def test_failed_exchanges_spend_the_budget_and_then_nothing_asks_the_pool(self, pool, limiter):
        for _ in range(PER_ACCOUNT):
            with pytest.raises(ExpiredSession):
                trade(pool, "forged", limiter=limiter)
        provider = FailingIdentityProvider(ExpiredSession())
        with pytest.raises(TooManyRequests):
            trade(pool, "forged", limiter=limiter, provider=provider)
        assert provider.calls == 0

    def test_needs_a_session(self, pool):
        with pytest.raises(ValidationError):
            trade(pool, "")


class TestStartSignIn:
    def test_without_a_preference_offers_the_factors_the_user_has(self, passwordless, texting):
        assert start(passwordless).available_challenges == ("EMAIL_OTP",)
        assert start(texting, username=TEXTER).available_challenges == ("SMS_OTP",)

    def test_a_phone_number_nothing_proved_gets_no_sign_in_code(self, passwordless):
        # A number set with a stolen access token would receive the codes from then on.
        sent = len(passwordless.sender.sent)
        assert start(passwordless, "SMS_OTP").name == "SELECT_CHALLENGE"
        assert len(passwordless.sender.sent) == sent

    def test_offers_the_password_to_whoever_has_one(self, with_password):
        choice = start(with_password)
        assert (choice.name, choice.available_challenges) == ("SELECT_CHALLENGE", ("EMAIL_OTP", "PASSWORD"))

    def test_a_code_by_email_signs_in(self, passwordless):
        challenge = start(passwordless, "EMAIL_OTP")
        assert challenge.parameters == {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": "i***@e***",
        }
        assert isinstance(answer(passwordless, challenge, {"EMAIL_OTP_CODE": sign_in_code(passwordless)}), SignedIn)

    def test_a_code_by_sms_signs_in(self, texting):
        challenge = start(texting, "SMS_OTP", username=TEXTER)
        assert challenge.parameters["CODE_DELIVERY_DESTINATION"] == "+*******0123"
        code = sign_in_code(texting, TEXTER)
        assert isinstance(answer(texting, challenge, {"SMS_OTP_CODE": code}, username=TEXTER), SignedIn)

    def test_a_code_works_once(self, passwordless):
        challenge = start(passwordless, "EMAIL_OTP")
        code = sign_in_code(passwordless)
        answer(passwordless, challenge, {"EMAIL_OTP_CODE": code})
        with pytest.raises(ExpiredSession):
            answer(passwordless, challenge, {"EMAIL_OTP_CODE": code})

    def test_a_new_challenge_sends_a_new_code_and_the_old_one_opens_nothing_else(self, passwordless):
        first = start(passwordless, "EMAIL_OTP")
        old = sign_in_code(passwordless)
        sent = len(passwordless.sender.sent)
        second = start(passwordless, "EMAIL_OTP")
        assert len(passwordless.sender.sent) == sent + 1
        # A new code can repeat the old one by chance (one in a million): then it is the second's too.
        if sign_in_code(passwordless) != old:
            with pytest.raises(CodeMismatch):
                answer(passwordless, second, {"EMAIL_OTP_CODE": old})
        assert isinstance(answer(passwordless, first, {"EMAIL_OTP_CODE": old}), SignedIn)

    def test_wrong_codes_leave_the_session_usable_until_the_third(self, passwordless):
        challenge = start(passwordless, "EMAIL_OTP")
        code = sign_in_code(passwordless)
        for _ in range(2):
            with pytest.raises(CodeMismatch):
                answer(passwordless, challenge, {"EMAIL_OTP_CODE": wrong(code)})
        assert isinstance(answer(passwordless, challenge, {"EMAIL_OTP_CODE": code}), SignedIn)
        challenge = start(passwordless, "EMAIL_OTP")
        code = sign_in_code(passwordless)
        for _ in range(3):
            with pytest.raises(CodeMismatch):
                answer(passwordless, challenge, {"EMAIL_OTP_CODE": wrong(code)})
        with pytest.raises(ExpiredSession):
            answer(passwordless, challenge, {"EMAIL_OTP_CODE": code})

    def test_five_wrong_codes_lock_the_user_out_whichever_sessions_they_came_in(self, passwordless):
        for wrong_codes in (3, 2):
            challenge = start(passwordless, "EMAIL_OTP")
            for _ in range(wrong_codes):
                with pytest.raises(CodeMismatch):
                    answer(passwordless, challenge, {"EMAIL_OTP_CODE": wrong(sign_in_code(passwordless))})
        with pytest.raises(TooManyRequests):
            answer(passwordless, challenge, {"EMAIL_OTP_CODE": sign_in_code(passwordless)})

    def test_the_code_expires_with_its_session(self, passwordless):
        challenge = start(passwordless, "EMAIL_OTP")
        passwordless.clock.advance(180)
        with pytest.raises(ExpiredSession):
            answer(passwordless, challenge, {"EMAIL_OTP_CODE": sign_in_code(passwordless)})

    def test_a_preference_the_user_lacks_offers_the_choice(self, passwordless):
        for preferred in ("PASSWORD", "WEB_AUTHN"):
            assert start(passwordless, preferred).name == "SELECT_CHALLENGE"

    def test_an_unknown_preference_is_refused(self, passwordless):
        with pytest.raises(ValidationError):
            start(passwordless, "CARRIER_PIGEON")

    def test_with_a_password_it_is_a_sign_in_with_a_password(self, with_password):
        assert isinstance(start(with_password, "PASSWORD", password=PASSWORD), SignedIn)
        with pytest.raises(NotAuthorized):
            start(with_password, "PASSWORD", password="Wrong-Horse-9")
        with pytest.raises(ValidationError):
            start(with_password, "EMAIL_OTP", password=PASSWORD)

    def test_the_password_challenge_checks_the_password(self, with_password):
        challenge = start(with_password, "PASSWORD")
        assert challenge.name == "PASSWORD"
        with pytest.raises(NotAuthorized):
            answer(with_password, challenge, {"PASSWORD": "Wrong-Horse-9"})
        # A wrong password spends the session.
        with pytest.raises(ExpiredSession):
            answer(with_password, challenge, {"PASSWORD": PASSWORD})
        assert isinstance(answer(with_password, start(with_password, "PASSWORD"), {"PASSWORD": PASSWORD}), SignedIn)

    def test_wrong_passwords_lock_the_username_out_as_a_sign_in_does(self, with_password):
        for _ in range(5):
            with pytest.raises(NotAuthorized):
                answer(with_password, start(with_password, "PASSWORD"), {"PASSWORD": "Wrong-Horse-9"})
        with pytest.raises(TooManyRequests):
            answer(with_password, start(with_password, "PASSWORD"), {"PASSWORD": PASSWORD})


class TestSelectChallenge:
    def test_choosing_a_code_sends_it(self, passwordless):
        challenge = answer(passwordless, start(passwordless), {"ANSWER": "EMAIL_OTP"})
        assert challenge.name == "EMAIL_OTP"
        assert isinstance(answer(passwordless, challenge, {"EMAIL_OTP_CODE": sign_in_code(passwordless)}), SignedIn)

    def test_choosing_the_password_with_it_answers_at_once(self, with_password):
        assert isinstance(
            answer(with_password, start(with_password), {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD}), SignedIn
        )

    def test_choosing_the_password_without_it_asks_for_it(self, with_password):
        challenge = answer(with_password, start(with_password), {"ANSWER": "PASSWORD"})
        assert challenge.name == "PASSWORD"

    def test_a_factor_not_offered_is_refused(self, passwordless):
        choice = start(passwordless)
        with pytest.raises(ValidationError):
            answer(passwordless, choice, {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD})
        with pytest.raises(ValidationError):
            answer(passwordless, choice, {"ANSWER": "CARRIER_PIGEON"})


class TestMfa:
    @pytest.fixture
    def mfa_on(self, passwordless):
        passwordless.provider.admin_set_user_mfa_preference(Username(USERNAME), MfaPreference(sms=True))
        return passwordless

    def test_a_code_by_email_is_followed_by_the_second_factor(self, mfa_on):
        challenge = start(mfa_on, "EMAIL_OTP")
        second = answer(mfa_on, challenge, {"EMAIL_OTP_CODE": sign_in_code(mfa_on)})
        assert isinstance(second, Challenge)
        assert second.name == "SMS_MFA"
        assert isinstance(answer(mfa_on, second, {"SMS_MFA_CODE": sign_in_code(mfa_on)}), SignedIn)

    def test_the_phone_of_the_second_factor_is_no_first_factor(self, mfa_on):
        assert start(mfa_on).available_challenges == ("EMAIL_OTP",)
        assert start(mfa_on, "SMS_OTP").name == "SELECT_CHALLENGE"


class TestUnknownUsers:
    """Unknown, disabled and unconfirmed users get the answers of a user with a password and an
    e-mail address; nothing they send signs anybody in, and nothing is sent."""

    @pytest.mark.parametrize("kind", ["unknown", "unconfirmed", "disabled"])
    def test_get_the_challenges_of_a_real_user(self, with_password, kind):
        if kind == "unconfirmed":
            sign_up(with_password, PASSWORD, username=STRANGER)
        if kind == "disabled":
            sign_up(with_password, PASSWORD, username=STRANGER)
            confirm(with_password, STRANGER)
            with_password.provider.admin_disable_user(Username(STRANGER))
        sent = len(with_password.sender.sent)
        assert start(with_password, username=STRANGER).available_challenges == start(with_password).available_challenges
        challenge = start(with_password, "EMAIL_OTP", username=STRANGER)
        assert (challenge.name, set(challenge.parameters)) == (
            "EMAIL_OTP",
            set(start(with_password, "EMAIL_OTP").parameters),
        )
        assert len(with_password.sender.sent) == sent + 1  # the real user's code only
        for code in ("000000", "123456", "999999"):
            with pytest.raises(CodeMismatch):
                answer(with_password, challenge, {"EMAIL_OTP_CODE": code}, username=STRANGER)
        with pytest.raises(ExpiredSession):
            answer(with_password, challenge, {"EMAIL_OTP_CODE": "000000"}, username=STRANGER)
        with pytest.raises(NotAuthorized):
            answer(with_password, start(with_password, "PASSWORD", username=STRANGER), {"PASSWORD": PASSWORD}, STRANGER)

    def test_a_username_that_is_no_address_gets_the_same_made_up_address_each_time(self, pool):
        first = start(pool, "EMAIL_OTP", username="stranger")
        second = start(pool, "EMAIL_OTP", username="stranger")
        assert first.parameters == second.parameters
        assert first.parameters["CODE_DELIVERY_DESTINATION"].endswith("***")

    def test_a_session_of_one_user_answers_for_no_other(self, with_password):
        start(with_password, "EMAIL_OTP")
        challenge = start(with_password, "EMAIL_OTP", username=STRANGER)
        with pytest.raises(NotAuthorized):
            answer(with_password, challenge, {"EMAIL_OTP_CODE": sign_in_code(with_password)})

    def test_a_password_login_of_an_unconfirmed_user_still_says_so(self, pool):
        sign_up(pool, PASSWORD)
        with pytest.raises(UserNotConfirmed):
            start(pool, "PASSWORD", password=PASSWORD)


class TestBudgets:
    def test_sending_a_code_spends_a_code_sent_and_takes_the_floor(self, passwordless, limiter):
        before = passwordless.clock.now()
        start(passwordless, "EMAIL_OTP", limiter=limiter)
        assert passwordless.clock.now() - before == pytest.approx(FLOOR)
        for _ in range(PER_ACCOUNT - 1):
            start(passwordless, "SMS_OTP", limiter=limiter, username=STRANGER)
            start(passwordless, "EMAIL_OTP", limiter=limiter)
        provider = FailingIdentityProvider(NotAuthorized())
        with pytest.raises(TooManyRequests):
            start(passwordless, "EMAIL_OTP", limiter=limiter, provider=provider)
        assert provider.calls == 0

    def test_an_unknown_user_takes_the_floor_too(self, pool, limiter):
        before = pool.clock.now()
        start(pool, "EMAIL_OTP", username=STRANGER, limiter=limiter)
        assert pool.clock.now() - before == pytest.approx(FLOOR)

    def test_the_choice_sends_nothing_and_spends_nothing(self, passwordless, limiter):
        sent = len(passwordless.sender.sent)
        for _ in range(3 * PER_ACCOUNT):
            start(passwordless, limiter=limiter)
        assert len(passwordless.sender.sent) == sent

    def test_choosing_a_code_spends_a_code_sent(self, passwordless, limiter):
        for _ in range(PER_ACCOUNT):
            limiter.spend(Attempt.CODE_DELIVERY, CLIENT, USERNAME)
        provider = FailingIdentityProvider(NotAuthorized())
        with pytest.raises(TooManyRequests):
            answer(passwordless, start(passwordless), {"ANSWER": "EMAIL_OTP"}, limiter=limiter, provider=provider)
        assert provider.calls == 0

    def test_every_code_answer_spends_one(self, passwordless, limiter):
        challenge = start(passwordless, "EMAIL_OTP")
        for _ in range(PER_ACCOUNT):
            with pytest.raises((CodeMismatch, ExpiredSession)):
                answer(passwordless, challenge, {"EMAIL_OTP_CODE": "000000"}, limiter=limiter)
        provider = FailingIdentityProvider(CodeMismatch())
        with pytest.raises(TooManyRequests):
            answer(passwordless, challenge, {"EMAIL_OTP_CODE": "000000"}, limiter=limiter, provider=provider)
        assert provider.calls == 0

    def test_wrong_passwords_spend_the_password_budget_as_a_login_does(self, with_password, limiter):
        for _ in range(PER_ACCOUNT):
            limiter.spend(Attempt.PASSWORD, CLIENT, USERNAME)
        provider = FailingIdentityProvider(NotAuthorized())
        with pytest.raises(TooManyRequests):
            answer(
                with_password,
                start(with_password, "PASSWORD"),
                {"PASSWORD": PASSWORD},
                limiter=limiter,
                provider=provider,
            )
        with pytest.raises(TooManyRequests):
            start(with_password, "PASSWORD", password=PASSWORD, limiter=limiter, provider=provider)
        assert provider.calls == 0

    def test_a_wrong_password_answer_spends_one_of_the_password_budget(self, with_password, limiter):
        with pytest.raises(NotAuthorized):
            answer(with_password, start(with_password, "PASSWORD"), {"PASSWORD": "Wrong-Horse-9"}, limiter=limiter)
        assert len(limiter.times[(Attempt.PASSWORD, "account", USERNAME)]) == 1
