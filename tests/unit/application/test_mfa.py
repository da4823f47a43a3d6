from __future__ import annotations

import re
import urllib.parse
from typing import Any

import attrs
import pytest

from application.ports.attempt_limiter import Attempt, Budget, Rate
from application.ports.code_sender import CodePurpose
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
from application.use_cases.step_up import StepUpProof
from domain.errors import (
    CodeMismatch,
    ExpiredSession,
    NotAuthorized,
    ProviderUnavailable,
    StepUpRequired,
    TooManyRequests,
    ValidationError,
)
from domain.values import Challenge, MfaFactor
from tests.fakes import FailingIdentityProvider, InMemoryAttemptLimiter, InMemoryUserDirectory, ample_attempt_limiter
from tests.totp import totp

USERNAME = "erin@example.com"
PASSWORD = "Correct-Horse-9"


@pytest.fixture
def signed_in(pool):
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    result = login(pool)
    assert isinstance(result, SignedIn)
    return result.tokens.access_token


def login(pool):
    return Login(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())(
        LoginCommand(USERNAME, PASSWORD)
    )


def associate(pool, access_token, password=PASSWORD, code=None):
    return AssociateSoftwareToken(pool.provider, pool.verifier, ample_attempt_limiter())(
        AssociateSoftwareTokenCommand(access_token, StepUpProof(password=password, code=code))
    )


def verify(pool, access_token, code):
    VerifySoftwareToken(pool.provider, pool.verifier, ample_attempt_limiter())(
        VerifySoftwareTokenCommand(access_token, code)
    )


def set_preference(pool, access_token, password=PASSWORD, code=None, **preference):
    return SetMfaPreference(pool.provider, pool.verifier, ample_attempt_limiter())(
        SetMfaPreferenceCommand(access_token, **preference, proof=StepUpProof(password=password, code=code))
    )


def prefer_totp(pool, access_token, enabled=True):
    set_preference(pool, access_token, totp=enabled)


def answer(pool, challenge, code, directory=None):
    key = f"{challenge.name}_CODE"
    return RespondToChallenge(
        pool.provider, pool.verifier, directory or InMemoryUserDirectory(), ample_attempt_limiter(), pool.clock, 0
    )(RespondToChallengeCommand(USERNAME, challenge.name, {key: code}, challenge.session))


def wrong(code):
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


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
        pool.clock.advance(30)
        set_preference(pool, tokens.access_token, code=totp(totp_on, pool.clock.now()), totp=False)
        assert isinstance(login(pool), SignedIn)


PHONE_NUMBER = "+15555550123"
TEMPORARY_PASSWORD = "Temporary-Pass-1"


@pytest.fixture
def with_phone(pool):
    """`USERNAME` signed up with a phone number and is signed in: their access token."""
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(USERNAME, PASSWORD, (("phone_number", PHONE_NUMBER),)))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(USERNAME, pool.sign_up_code(USERNAME)))
    result = login(pool)
    assert isinstance(result, SignedIn)
    return result.tokens.access_token


@pytest.fixture
def sms_on(pool, with_phone):
    set_preference(pool, with_phone, sms=True)
    return with_phone


@pytest.fixture
def both_ready(pool, with_phone):
    """`USERNAME` has a phone number and a verified authenticator, and no factor on yet: the secret."""
    secret = associate(pool, with_phone).secret
    verify(pool, with_phone, totp(secret, pool.clock.now()))
    pool.clock.advance(30)
    return secret


def sms_challenge(pool):
    challenge = login(pool)
    assert isinstance(challenge, Challenge)
    assert challenge.name == "SMS_MFA"
    return challenge, pool.sms_code(USERNAME)


class TestSmsMfaPreference:
    def test_turning_sms_on_needs_a_phone_number(self, pool, signed_in):
        with pytest.raises(ValidationError) as refused:
            set_preference(pool, signed_in, sms=True)
        assert "sms" in refused.value.fields
        assert isinstance(login(pool), SignedIn)

    def test_the_one_factor_turned_on_becomes_the_preferred_one(self, pool, with_phone):
        applied = set_preference(pool, with_phone, sms=True)
        assert applied.preferred_factor is MfaFactor.SMS

    def test_naming_the_preferred_factor_turns_it_on(self, pool, with_phone):
        set_preference(pool, with_phone, preferred="sms")
        sms_challenge(pool)

    def test_turning_both_on_needs_the_preferred_one(self, pool, with_phone, both_ready):
        with pytest.raises(ValidationError) as refused:
            set_preference(pool, with_phone, sms=True, totp=True)
        assert "preferred" in refused.value.fields
        assert isinstance(login(pool), SignedIn)

    @pytest.mark.parametrize(
        "preference",
        [{}, {"preferred": "email"}, {"sms": False, "preferred": "sms"}],
        ids=["nothing", "an unknown factor", "preferring a factor turned off"],
    )
    def test_refuses_a_change_that_makes_no_sense(self, pool, with_phone, preference):
        with pytest.raises(ValidationError) as refused:
            set_preference(pool, with_phone, **preference)
        assert "preferred" in refused.value.fields


class TestSmsMfaChallenge:
    def test_a_user_with_sms_on_signs_in_only_with_the_code_sent_to_their_phone(self, pool, sms_on):
        challenge = login(pool)
        assert isinstance(challenge, Challenge)
        assert challenge.name == "SMS_MFA"
        assert challenge.parameters == {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
            "CODE_DELIVERY_DESTINATION": "+*******0123",
        }
        sent = pool.sender.sent[-1]
        assert (sent.username, sent.destination, sent.purpose) == (USERNAME, PHONE_NUMBER, CodePurpose.SIGN_IN)
        assert re.fullmatch(r"[0-9]{6}", sent.code)
        directory = InMemoryUserDirectory()
        with pytest.raises(CodeMismatch):
            answer(pool, challenge, wrong(sent.code), directory)
        assert directory.sign_ins == 0

        signed_in = answer(pool, challenge, sent.code, directory)

        assert isinstance(signed_in, SignedIn)
        assert signed_in.claims.username == USERNAME
        assert directory.sign_ins == 1

    def test_two_wrong_codes_leave_the_session_usable(self, pool, sms_on):
        challenge, code = sms_challenge(pool)
        for _ in range(2):
            with pytest.raises(CodeMismatch):
                answer(pool, challenge, wrong(code))
        assert isinstance(answer(pool, challenge, code), SignedIn)

    def test_the_third_wrong_code_spends_the_session(self, pool, sms_on):
        challenge, code = sms_challenge(pool)
        for _ in range(3):
            with pytest.raises(CodeMismatch):
                answer(pool, challenge, wrong(code))

        with pytest.raises(ExpiredSession):
            answer(pool, challenge, code)
        challenge, code = sms_challenge(pool)
        assert isinstance(answer(pool, challenge, code), SignedIn)

    def test_a_missing_code_is_refused_without_costing_an_attempt(self, pool, sms_on):
        challenge, code = sms_challenge(pool)
        respond = RespondToChallenge(
            pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter(), pool.clock, 0
        )
        for _ in range(3):
            with pytest.raises(ValidationError):
                respond(RespondToChallengeCommand(USERNAME, challenge.name, {}, challenge.session))
        assert isinstance(answer(pool, challenge, code), SignedIn)

    def test_a_session_is_good_once(self, pool, sms_on):
        challenge, code = sms_challenge(pool)
        answer(pool, challenge, code)
        with pytest.raises(ExpiredSession):
            answer(pool, challenge, code)

    def test_the_code_lasts_as_long_as_its_session(self, pool, sms_on):
        challenge, code = sms_challenge(pool)
        pool.clock.advance(181)
        with pytest.raises(ExpiredSession):
            answer(pool, challenge, code)

    def test_each_sign_in_sends_a_code_of_its_own(self, pool, sms_on):
        first, first_code = sms_challenge(pool)
        second, second_code = sms_challenge(pool)
        assert len([sent for sent in pool.sender.sent if sent.purpose is CodePurpose.SIGN_IN]) == 2
        assert isinstance(answer(pool, first, first_code), SignedIn)
        assert isinstance(answer(pool, second, second_code), SignedIn)

    def test_turning_sms_off_signs_in_with_the_password_alone(self, pool, sms_on):
        challenge, code = sms_challenge(pool)
        tokens = answer(pool, challenge, code).tokens
        set_preference(pool, tokens.access_token, sms=False)
        assert isinstance(login(pool), SignedIn)


class TestWrongTotpCodes:
    def test_the_third_wrong_code_spends_the_session(self, pool, totp_on):
        challenge = login(pool)
        code = totp(totp_on, pool.clock.now())
        for _ in range(3):
            with pytest.raises(CodeMismatch):
                answer(pool, challenge, wrong(code))
        with pytest.raises(ExpiredSession):
            answer(pool, challenge, code)


class TestTwoFactors:
    @pytest.mark.parametrize(("preferred", "challenge_name"), [("sms", "SMS_MFA"), ("totp", "SOFTWARE_TOKEN_MFA")])
    def test_sign_in_asks_for_the_preferred_factor(self, pool, with_phone, both_ready, preferred, challenge_name):
        set_preference(pool, with_phone, sms=True, totp=True, preferred=preferred)
        challenge = login(pool)
        assert isinstance(challenge, Challenge)
        assert challenge.name == challenge_name

    def test_turning_a_second_factor_on_makes_it_the_preferred_one(self, pool, with_phone, both_ready):
        set_preference(pool, with_phone, sms=True)
        set_preference(pool, with_phone, totp=True)
        assert login(pool).name == "SOFTWARE_TOKEN_MFA"

    def test_turning_the_preferred_factor_off_asks_for_the_other(self, pool, with_phone, both_ready):
        set_preference(pool, with_phone, sms=True, totp=True, preferred="totp")
        set_preference(pool, with_phone, code=totp(both_ready, pool.clock.now()), totp=False)
        sms_challenge(pool)

    def test_turning_the_other_factor_off_keeps_the_preferred_one(self, pool, with_phone, both_ready):
        set_preference(pool, with_phone, sms=True, totp=True, preferred="sms")
        set_preference(pool, with_phone, totp=False)
        sms_challenge(pool)

    def test_a_factor_may_be_preferred_once_on(self, pool, with_phone, both_ready):
        set_preference(pool, with_phone, sms=True, totp=True, preferred="sms")
        set_preference(pool, with_phone, preferred="totp")
        assert login(pool).name == "SOFTWARE_TOKEN_MFA"


class TestChallengeChain:
    def test_a_new_password_leads_to_the_sms_challenge_and_its_code_to_tokens(self, pool):
        pool.admin_create_user_with_sms_mfa(USERNAME, TEMPORARY_PASSWORD, PHONE_NUMBER)
        directory = InMemoryUserDirectory()
        respond = RespondToChallenge(pool.provider, pool.verifier, directory, ample_attempt_limiter(), pool.clock, 0)
        first = Login(pool.provider, pool.verifier, directory, ample_attempt_limiter())(
            LoginCommand(USERNAME, TEMPORARY_PASSWORD)
        )
        assert isinstance(first, Challenge)
        assert first.name == "NEW_PASSWORD_REQUIRED"

        second = respond(RespondToChallengeCommand(USERNAME, first.name, {"NEW_PASSWORD": PASSWORD}, first.session))

        assert isinstance(second, Challenge)
        assert (second.name, second.parameters["CODE_DELIVERY_DESTINATION"]) == ("SMS_MFA", "+*******0123")
        assert second.session != first.session
        assert directory.sign_ins == 0
        with pytest.raises(ExpiredSession):
            respond(RespondToChallengeCommand(USERNAME, first.name, {"NEW_PASSWORD": PASSWORD}, first.session))

        third = answer(pool, second, pool.sms_code(USERNAME), directory)

        assert isinstance(third, SignedIn)
        assert directory.sign_ins == 1
        # The new password holds, and so does the factor.
        sms_challenge(pool)


class TestStepUp:
    """Every change of the second factors needs the password, and the authenticator's code when
    sign-in asks for it: an access token alone (stolen, or ridden by a cross-site request) changes nothing."""

    @pytest.mark.parametrize("password", [None, "", "Wrong-Horse-9"], ids=["none", "empty", "wrong"])
    def test_turning_totp_off_needs_the_password(self, pool, totp_on, password):
        access_token = signed_in_with_totp(pool, totp_on)
        with pytest.raises(StepUpRequired):
            set_preference(pool, access_token, password=password, code=totp(totp_on, pool.clock.now()), totp=False)
        pool.clock.advance(30)
        assert login(pool).name == "SOFTWARE_TOKEN_MFA"

    @pytest.mark.parametrize("code", [None, "wrong"], ids=["none", "wrong"])
    def test_turning_totp_off_needs_a_current_code_besides_the_password(self, pool, totp_on, code):
        access_token = signed_in_with_totp(pool, totp_on)
        if code == "wrong":
            code = wrong(totp(totp_on, pool.clock.now()))
        with pytest.raises(StepUpRequired):
            set_preference(pool, access_token, code=code, totp=False)
        pool.clock.advance(30)
        assert login(pool).name == "SOFTWARE_TOKEN_MFA"

    def test_a_missing_wrong_or_incomplete_proof_gets_one_answer(self, pool, totp_on):
        access_token = signed_in_with_totp(pool, totp_on)
        answers = set()
        for proof in ({"password": None}, {"password": "Wrong-Horse-9"}, {"password": PASSWORD}):
            with pytest.raises(StepUpRequired) as refused:
                set_preference(pool, access_token, **proof, totp=False)
            answers.add((refused.value.code, refused.value.message))
        assert len(answers) == 1

    def test_replacing_an_active_authenticator_needs_its_code(self, pool, totp_on):
        access_token = signed_in_with_totp(pool, totp_on)
        with pytest.raises(StepUpRequired):
            associate(pool, access_token)
        pool.clock.advance(30)
        assert associate(pool, access_token, code=totp(totp_on, pool.clock.now())).secret != totp_on

    def test_setting_up_a_first_authenticator_needs_the_password(self, pool, signed_in):
        with pytest.raises(StepUpRequired):
            associate(pool, signed_in, password=None)
        with pytest.raises(ValidationError):
            verify(pool, signed_in, "123456")

    def test_turning_sms_on_needs_the_password(self, pool, with_phone):
        with pytest.raises(StepUpRequired):
            set_preference(pool, with_phone, password="Wrong-Horse-9", sms=True)
        assert isinstance(login(pool), SignedIn)

    def test_with_sms_on_the_password_alone_proves_the_user(self, pool, sms_on):
        set_preference(pool, sms_on, sms=False)
        assert isinstance(login(pool), SignedIn)

    def test_another_users_password_proves_nothing(self, pool, signed_in):
        SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand("mallory@example.com", "Mallory-Pass-7"))
        ConfirmSignUp(pool.provider, ample_attempt_limiter())(
            ConfirmSignUpCommand("mallory@example.com", pool.sign_up_code("mallory@example.com"))
        )
        with pytest.raises(StepUpRequired):
            associate(pool, signed_in, password="Mallory-Pass-7")

    def test_a_change_that_makes_no_sense_is_refused_before_any_sign_in(self, pool, with_phone):
        with pytest.raises(ValidationError):
            set_preference(pool, with_phone, password=None)

    @pytest.mark.parametrize("error", [TooManyRequests(), ProviderUnavailable()], ids=["throttled", "unreachable"])
    def test_a_pool_that_cannot_check_the_proof_is_no_refusal_of_it(self, pool, signed_in, error):
        """The pool's lock-out or outage is 429 or 503 as at sign-in, not a 403 that says the password was wrong."""
        failing = FailingIdentityProvider(error)
        with pytest.raises(type(error)):
            SetMfaPreference(failing, pool.verifier, ample_attempt_limiter())(
                SetMfaPreferenceCommand(signed_in, totp=False, proof=StepUpProof(password=PASSWORD))
            )
        with pytest.raises(type(error)):
            AssociateSoftwareToken(failing, pool.verifier, ample_attempt_limiter())(
                AssociateSoftwareTokenCommand(signed_in, StepUpProof(password=PASSWORD))
            )
        assert failing.calls == 2


class TestStepUpBudget:
    """A failed proof is a failed password: it spends the budget of failed sign-ins that `Login` keeps,
    so that the step-up is no way around it."""

    @pytest.fixture
    def limiter(self, pool):
        rate = Rate(limit=3, seconds=300)
        ample = Rate(limit=10**6, seconds=60)
        budgets = {attempt: Budget(ample, ample) for attempt in Attempt} | {Attempt.PASSWORD: Budget(rate, rate)}
        return InMemoryAttemptLimiter(pool.clock, budgets)

    def test_once_the_budget_is_spent_even_the_right_password_is_not_tried(self, pool, with_phone, limiter):
        provider = CountingIdentityProvider(pool.provider)
        change = SetMfaPreference(provider, pool.verifier, limiter)
        for _ in range(3):
            with pytest.raises(StepUpRequired):
                change(
                    SetMfaPreferenceCommand(
                        with_phone, sms=True, proof=StepUpProof(password="Wrong-Horse-9"), client="203.0.113.7"
                    )
                )

        with pytest.raises(TooManyRequests):
            change(
                SetMfaPreferenceCommand(
                    with_phone, sms=True, proof=StepUpProof(password=PASSWORD), client="198.51.100.1"
                )
            )
        assert provider.sign_ins == 3

    def test_failed_proofs_and_failed_sign_ins_share_one_budget(self, pool, with_phone, limiter):
        change = SetMfaPreference(pool.provider, pool.verifier, limiter)
        sign_in = Login(pool.provider, pool.verifier, InMemoryUserDirectory(), limiter)
        for _ in range(3):
            with pytest.raises(StepUpRequired):
                change(SetMfaPreferenceCommand(with_phone, sms=True, proof=StepUpProof(password="Wrong-Horse-9")))

        with pytest.raises(TooManyRequests):
            sign_in(LoginCommand(USERNAME, PASSWORD))


class TestVerificationBudget:
    def test_answers_beyond_the_code_budget_are_refused_without_asking_the_pool(self, pool, signed_in):
        associate(pool, signed_in)
        rate = Rate(limit=3, seconds=60)
        ample = Rate(limit=10**6, seconds=60)
        budgets = {attempt: Budget(ample, ample) for attempt in Attempt} | {Attempt.CODE: Budget(ample, rate)}
        provider = CountingIdentityProvider(pool.provider)
        verify_code = VerifySoftwareToken(provider, pool.verifier, InMemoryAttemptLimiter(pool.clock, budgets))
        for _ in range(3):
            with pytest.raises(CodeMismatch):
                verify_code(VerifySoftwareTokenCommand(signed_in, "000000", client="203.0.113.7"))

        with pytest.raises(TooManyRequests):
            verify_code(VerifySoftwareTokenCommand(signed_in, "000000", client="198.51.100.1"))
        assert provider.verifications == 3


@attrs.define
class CountingIdentityProvider:
    """The pool, counting the password sign-ins and the authenticator verifications made through it."""

    inner: Any
    sign_ins: int = 0
    verifications: int = 0

    def initiate_auth(self, username, password):
        self.sign_ins += 1
        return self.inner.initiate_auth(username, password)

    def verify_software_token(self, access_token, code):
        self.verifications += 1
        return self.inner.verify_software_token(access_token, code)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def signed_in_with_totp(pool, secret):
    """A sign-in of `USERNAME`, whose sign-in asks for TOTP, with the code of this step; the clock
    then moves on a step, so the next code is unspent."""
    result = answer(pool, login(pool), totp(secret, pool.clock.now()))
    pool.clock.advance(30)
    return result.tokens.access_token
