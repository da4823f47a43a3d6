"""The step-up proof of a user without a password: the answer to a choice-based sign-in challenge of
theirs (an e-mail or SMS code), given to the MFA use-cases in the password's place. The password's own
proof is `test_mfa.TestStepUp`'s; a passkey's, and the passkey registration, `test_passkeys.TestStepUp`'s."""

from __future__ import annotations

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
    SignInWithSession,
    SignInWithSessionCommand,
    StartSignIn,
    StartSignInCommand,
)
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from application.use_cases.step_up import StepUpProof
from domain.errors import StepUpRequired, TooManyRequests, ValidationError
from domain.values import Challenge, ConfirmationCode, MfaPreference, Username
from tests.fakes import InMemoryAttemptLimiter, InMemoryUserDirectory, ample_attempt_limiter
from tests.totp import totp

NORA = "nora@example.com"
OWEN = "owen@example.com"
TEXTER = "tex"
PHONE = "+15555550123"
CLIENT = "203.0.113.9"


def signed_in_without_password(pool, username, attributes=()):
    """`username` signed up without a password, confirmed, signed in with the confirmation's session."""
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(username, None, attributes))
    code = pool.sign_up_code(username)
    session = ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(username, code)).session
    sign_in = SignInWithSession(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())
    return sign_in(SignInWithSessionCommand(username, session)).tokens.access_token


@pytest.fixture
def nora(pool):
    return signed_in_without_password(pool, NORA, (("phone_number", PHONE),))


def challenge_of(pool, username, factor="EMAIL_OTP"):
    use_case = StartSignIn(
        pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter(), pool.clock, 0
    )
    challenge = use_case(StartSignInCommand(username, factor))
    assert isinstance(challenge, Challenge)
    assert challenge.name == factor
    return challenge


def code_proof(pool, username=NORA, factor="EMAIL_OTP", code=None):
    """A sign-in of `username` by a code, started and answered as a step-up proof (`code` in the sent one's place)."""
    challenge = challenge_of(pool, username, factor)
    sent = pool.sender.last_code(username, CodePurpose.SIGN_IN)
    return {
        "challenge_name": challenge.name,
        "session": challenge.session,
        "responses": {f"{factor}_CODE": code or sent},
    }


def signed_in_by_email_code(pool, username=NORA):
    """What the pool answers an e-mail code of `username`: tokens, or the MFA challenge owed."""
    proof = code_proof(pool, username)
    return pool.provider.respond_to_challenge(
        Username(username), proof["challenge_name"], proof["responses"], proof["session"]
    )


def associate(pool, access_token, limiter=None, **proof):
    use_case = AssociateSoftwareToken(pool.provider, pool.verifier, limiter or ample_attempt_limiter())
    return use_case(AssociateSoftwareTokenCommand(access_token, StepUpProof(**proof), client=CLIENT))


def set_preference(pool, access_token, proof, **preference):
    use_case = SetMfaPreference(pool.provider, pool.verifier, ample_attempt_limiter())
    return use_case(SetMfaPreferenceCommand(access_token, **preference, proof=StepUpProof(**proof), client=CLIENT))


def wrong(code):
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def turn_totp_on(pool, access_token, **proofs):
    """Set up an authenticator and turn TOTP on, each step with its proof; the authenticator's secret."""
    secret = associate(pool, access_token, **proofs["setup"]).secret
    VerifySoftwareToken(pool.provider, pool.verifier, ample_attempt_limiter())(
        VerifySoftwareTokenCommand(access_token, totp(secret, pool.clock.now()))
    )
    set_preference(pool, access_token, proofs["turn_on"], totp=True)
    pool.clock.advance(30)  # the code that verified the authenticator is spent
    return secret


@pytest.fixture
def totp_on(pool, nora):
    """TOTP on for Nora, set up behind the use-cases' backs, so that the pool's cap on codes sent is whole."""
    secret = pool.provider.associate_software_token(nora)
    pool.provider.verify_software_token(nora, ConfirmationCode(totp(secret, pool.clock.now())))
    pool.provider.admin_set_user_mfa_preference(Username(NORA), MfaPreference(totp=True))
    pool.clock.advance(30)
    return secret


class TestProofByChallenge:
    def test_a_user_without_a_password_sets_up_totp_and_turns_it_on_with_email_codes(self, pool, nora):
        turn_totp_on(pool, nora, setup=code_proof(pool), turn_on=code_proof(pool))
        assert signed_in_by_email_code(pool).name == "SOFTWARE_TOKEN_MFA"

    def test_an_access_token_alone_is_no_proof(self, pool, nora):
        with pytest.raises(StepUpRequired):
            associate(pool, nora)

    def test_an_sms_code_proves_the_user_too(self, pool):
        # A phone number alone: the sign-up code went to it by SMS, which verified it for SMS_OTP.
        tex = signed_in_without_password(pool, TEXTER, (("phone_number", PHONE),))
        assert associate(pool, tex, **code_proof(pool, TEXTER, factor="SMS_OTP")).secret

    def test_with_totp_on_the_code_proof_needs_the_authenticators_code_too(self, pool, nora, totp_on):
        with pytest.raises(StepUpRequired):
            set_preference(pool, nora, code_proof(pool), totp=False)
        proof = code_proof(pool) | {"code": wrong(totp(totp_on, pool.clock.now()))}
        with pytest.raises(StepUpRequired):
            set_preference(pool, nora, proof, totp=False)

        pool.clock.advance(30)
        set_preference(pool, nora, code_proof(pool) | {"code": totp(totp_on, pool.clock.now())}, totp=False)
        assert not isinstance(signed_in_by_email_code(pool), Challenge)

    def test_with_sms_mfa_on_the_code_alone_proves_the_user(self, pool, nora):
        pool.provider.admin_set_user_mfa_preference(Username(NORA), MfaPreference(sms=True))
        assert signed_in_by_email_code(pool).name == "SMS_MFA"
        set_preference(pool, nora, code_proof(pool), sms=False)
        assert not isinstance(signed_in_by_email_code(pool), Challenge)

    def test_another_users_session_proves_nothing(self, pool, nora):
        signed_in_without_password(pool, OWEN)
        with pytest.raises(StepUpRequired):
            associate(pool, nora, **code_proof(pool, OWEN))

    def test_a_proof_serves_once(self, pool, nora):
        proof = code_proof(pool)
        associate(pool, nora, **proof)
        with pytest.raises(StepUpRequired):
            associate(pool, nora, **proof)

    def test_a_wrong_code_or_an_incomplete_answer_gets_the_one_answer(self, pool, nora):
        proof = code_proof(pool)
        answers = set()
        for given in (
            {**proof, "responses": {"EMAIL_OTP_CODE": wrong(proof["responses"]["EMAIL_OTP_CODE"])}},
            {**proof, "responses": {}},
            {**proof, "session": ""},
            {**proof, "challenge_name": "SMS_OTP"},
        ):
            with pytest.raises(StepUpRequired) as refused:
                associate(pool, nora, **given)
            answers.add(refused.value.message)
        assert len(answers) == 1

    @pytest.mark.parametrize("challenge_name", ["PASSWORD", "SELECT_CHALLENGE", "SOFTWARE_TOKEN_MFA", ""])
    def test_a_challenge_that_proves_nothing_is_refused_before_any_sign_in(self, pool, nora, challenge_name):
        with pytest.raises(ValidationError):
            associate(pool, nora, **(code_proof(pool) | {"challenge_name": challenge_name}))

    def test_a_password_and_a_challenges_answer_together_are_refused(self, pool, nora):
        with pytest.raises(ValidationError):
            associate(pool, nora, password="Correct-Horse-9", **code_proof(pool))


class TestProofBudget:
    """A wrong code in a proof is a wrong code: it spends the code answers, not the failed sign-ins."""

    @pytest.fixture
    def limiter(self, pool):
        ample = Rate(limit=10**6, seconds=60)
        scarce = Rate(limit=2, seconds=300)
        budgets = {attempt: Budget(ample, ample) for attempt in Attempt} | {Attempt.CODE: Budget(ample, scarce)}
        return InMemoryAttemptLimiter(pool.clock, budgets)

    def test_once_the_code_budget_is_spent_even_the_right_code_is_not_tried(self, pool, nora, limiter):
        for _ in range(2):
            proof = code_proof(pool)
            proof["responses"] = {"EMAIL_OTP_CODE": wrong(proof["responses"]["EMAIL_OTP_CODE"])}
            with pytest.raises(StepUpRequired):
                associate(pool, nora, limiter, **proof)

        proof = code_proof(pool)
        with pytest.raises(TooManyRequests):
            associate(pool, nora, limiter, **proof)
        assert not limiter.times.get((Attempt.PASSWORD, "account", Username(NORA).key))
        # Not tried: the session still answers.
        assert associate(pool, nora, **proof).secret
