"""Registering, listing and deleting passkeys, and signing in with one, driven through the use-cases
on the embedded pool with a software authenticator in the browser's place."""

from __future__ import annotations

import datetime
import json

import pytest

from application.ports.attempt_limiter import Attempt, Budget, Rate
from application.ports.code_sender import CodePurpose
from application.use_cases.passkeys import (
    CompletePasskeyRegistration,
    CompletePasskeyRegistrationCommand,
    DeletePasskey,
    DeletePasskeyCommand,
    ListPasskeys,
    ListPasskeysCommand,
    StartPasskeyRegistration,
    StartPasskeyRegistrationCommand,
)
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
from application.use_cases.step_up import StepUpProof
from domain.errors import (
    ExpiredSession,
    NotAuthorized,
    PasskeyNotFound,
    PasskeyRejected,
    StepUpRequired,
    TooManyRequests,
    ValidationError,
)
from domain.values import SELECT_CHALLENGE, ConfirmationCode, MfaPreference, Password, Username
from tests.fakes import InMemoryAttemptLimiter, InMemoryUserDirectory, ample_attempt_limiter
from tests.webauthn_authenticator import ExcludedCredential, SoftwareAuthenticator, unb64url

PASSWORD = "Correct-Horse-9"
ALICE = "alice@example.com"
BOB = "bob@example.com"
NORA = "nora@example.com"
CLIENT = "192.0.2.1"


def signed_in(pool, username):
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(username, PASSWORD))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(username, pool.sign_up_code(username)))
    login = Login(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())
    return login(LoginCommand(username, PASSWORD)).tokens.access_token


@pytest.fixture
def alice(pool):
    return signed_in(pool, ALICE)


@pytest.fixture
def bob(pool):
    return signed_in(pool, BOB)


@pytest.fixture
def authenticator():
    return SoftwareAuthenticator()


def start(pool, access_token, limiter=None, **proof):
    """The creation options, with the step-up proof: the password unless another is given."""
    use_case = StartPasskeyRegistration(pool.provider, pool.verifier, limiter or ample_attempt_limiter(pool.clock))
    return use_case(
        StartPasskeyRegistrationCommand(access_token, StepUpProof(**(proof or {"password": PASSWORD})), client=CLIENT)
    )


def complete(pool, access_token, credential, limiter=None, client="192.0.2.1"):
    use_case = CompletePasskeyRegistration(pool.provider, pool.verifier, limiter or ample_attempt_limiter(pool.clock))
    use_case(CompletePasskeyRegistrationCommand(access_token, credential, client=client))


def listed(pool, access_token):
    return ListPasskeys(pool.provider)(ListPasskeysCommand(access_token))


def register(pool, access_token, authenticator):
    credential = authenticator.create(start(pool, access_token))
    complete(pool, access_token, credential)
    return credential


class TestStartPasskeyRegistration:
    def test_asks_for_a_discoverable_passkey_with_user_verification(self, pool, alice):
        options = start(pool, alice)

        assert options["rp"] == {"id": "localhost", "name": "cognito-auth"}
        assert options["user"]["name"] == ALICE
        assert options["authenticatorSelection"]["residentKey"] == "required"
        assert options["authenticatorSelection"]["userVerification"] == "required"
        assert options["attestation"] == "none"
        assert options["timeout"] == 300_000
        assert len(unb64url(options["challenge"])) >= 16
        assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]

    def test_each_options_has_a_challenge_of_its_own(self, pool, alice):
        assert start(pool, alice)["challenge"] != start(pool, alice)["challenge"]

    def test_excludes_the_passkeys_the_user_has(self, pool, alice, authenticator):
        credential = register(pool, alice, authenticator)

        options = start(pool, alice)

        assert [item["id"] for item in options["excludeCredentials"]] == [credential["id"]]
        with pytest.raises(ExcludedCredential):
            authenticator.create(options)

    def test_refuses_a_revoked_token(self, pool, alice):
        pool.provider.global_sign_out(alice)
        with pytest.raises(NotAuthorized):
            start(pool, alice)


class TestCompletePasskeyRegistration:
    def test_registers_the_passkey_the_authenticator_made(self, pool, alice, authenticator):
        credential = register(pool, alice, authenticator)

        (passkey,) = listed(pool, alice)
        assert passkey.credential_id == credential["id"]
        assert passkey.name == "Passkey 1"
        assert passkey.relying_party_id == "localhost"
        assert passkey.authenticator_attachment == "platform"
        assert passkey.transports == ("internal",)
        assert passkey.created_at == datetime.datetime.fromtimestamp(pool.clock.now(), datetime.UTC)

    def test_names_each_new_passkey_apart(self, pool, alice):
        for _ in range(2):
            register(pool, alice, SoftwareAuthenticator(attachment="cross-platform", transports=("usb", "nfc")))

        assert [passkey.name for passkey in listed(pool, alice)] == ["Passkey 1", "Passkey 2"]
        assert listed(pool, alice)[1].transports == ("nfc", "usb")

    def test_refuses_the_same_credential_twice(self, pool, alice, authenticator):
        credential = register(pool, alice, authenticator)
        start(pool, alice)

        with pytest.raises(PasskeyRejected):
            complete(pool, alice, credential)
        assert len(listed(pool, alice)) == 1

    def test_refuses_a_credential_that_answers_no_open_options(self, pool, alice, bob, authenticator):
        credential = authenticator.create(start(pool, bob))
        with pytest.raises(PasskeyRejected):
            complete(pool, alice, credential)

    def test_refuses_a_credential_answering_another_users_options(self, pool, alice, bob, authenticator):
        start(pool, alice)
        credential = authenticator.create(start(pool, bob))

        with pytest.raises(PasskeyRejected):
            complete(pool, alice, credential)
        assert listed(pool, alice) == ()

    def test_options_are_spent_by_their_first_answer_right_or_wrong(self, pool, alice, authenticator):
        options = start(pool, alice)
        with pytest.raises(PasskeyRejected):
            complete(pool, alice, authenticator.create(options, origin="https://evil.example"))
        with pytest.raises(PasskeyRejected):
            complete(pool, alice, authenticator.create(options))

    def test_new_options_replace_the_ones_open(self, pool, alice, authenticator):
        earlier = start(pool, alice)
        start(pool, alice)
        with pytest.raises(PasskeyRejected):
            complete(pool, alice, authenticator.create(earlier))

    def test_options_expire_after_five_minutes(self, pool, alice, authenticator):
        options = start(pool, alice)
        pool.clock.advance(5 * 60)
        with pytest.raises(PasskeyRejected):
            complete(pool, alice, authenticator.create(options))

    @pytest.mark.parametrize(
        "made",
        [
            pytest.param({"origin": "https://evil.example"}, id="another-origin"),
            pytest.param({"origin": "https://localhost.evil.example:8000"}, id="a-look-alike-origin"),
            pytest.param({"rp_id": "evil.example"}, id="another-relying-party"),
            pytest.param({"user_verified": False}, id="without-user-verification"),
        ],
    )
    def test_refuses_a_credential_made_elsewhere_or_without_verification(self, pool, alice, authenticator, made):
        with pytest.raises(PasskeyRejected):
            complete(pool, alice, authenticator.create(start(pool, alice), **made))
        assert listed(pool, alice) == ()

    def test_takes_localhost_on_any_port(self, pool, alice):
        register(pool, alice, SoftwareAuthenticator(origin="http://localhost:5173"))
        assert len(listed(pool, alice)) == 1

    def test_refuses_a_tampered_credential(self, pool, alice, authenticator):
        credential = authenticator.create(start(pool, alice))
        credential["rawId"] = credential["id"] = credential["id"][:-4] + "AAAA"
        with pytest.raises(PasskeyRejected):
            complete(pool, alice, credential)

    def test_failed_registrations_spend_the_budget_then_none_is_tried(self, pool, alice, authenticator):
        limiter = InMemoryAttemptLimiter(
            pool.clock, {attempt: Budget(Rate(10, 60), Rate(3, 60)) for attempt in Attempt}
        )
        for _ in range(3):
            with pytest.raises(PasskeyRejected):
                complete(pool, alice, authenticator.create(start(pool, alice), origin="https://evil.example"), limiter)

        with pytest.raises(TooManyRequests):
            complete(pool, alice, authenticator.create(start(pool, alice)), limiter)
        assert listed(pool, alice) == ()

    def test_a_successful_registration_spends_nothing(self, pool, alice):
        limiter = InMemoryAttemptLimiter(pool.clock, {attempt: Budget(Rate(1, 60), Rate(1, 60)) for attempt in Attempt})
        for _ in range(2):
            authenticator = SoftwareAuthenticator()
            complete(pool, alice, authenticator.create(start(pool, alice)), limiter)
        assert len(listed(pool, alice)) == 2


def signed_in_without_password(pool, username):
    """`username` signed up without a password, confirmed, and signed in with the confirmation's session."""
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(username, None, ()))
    code = pool.sign_up_code(username)
    session = ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(username, code)).session
    sign_in = SignInWithSession(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())
    return sign_in(SignInWithSessionCommand(username, session)).tokens.access_token


def code_proof(pool, username, code=None):
    """A sign-in of `username` by an e-mail code, answered as a step-up proof (with `code` in the code's place)."""
    challenge = start_sign_in(pool, username, "EMAIL_OTP")
    sent = pool.sender.last_code(username, CodePurpose.SIGN_IN)
    return {
        "challenge_name": challenge.name,
        "session": challenge.session,
        "responses": {"EMAIL_OTP_CODE": code or sent},
    }


def passkey_proof(pool, username, authenticator, **made):
    challenge = start_sign_in(pool, username, "WEB_AUTHN")
    return {
        "challenge_name": challenge.name,
        "session": challenge.session,
        "responses": assertion(authenticator, challenge, **made),
    }


def wrong(code):
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


class TestStepUp:
    """A passkey signs in on its own: an access token alone (stolen, say) must not add one, so the
    creation options need the proof an MFA change needs, and the registration is bound to them."""

    @pytest.mark.parametrize("proof", [{"password": None}, {"password": "Wrong-Horse-9"}], ids=["none", "wrong"])
    def test_an_access_token_alone_starts_no_registration(self, pool, alice, proof):
        with pytest.raises(StepUpRequired):
            start(pool, alice, **proof)
        assert listed(pool, alice) == ()

    def test_a_user_without_a_password_proves_themselves_with_an_email_code(self, pool, authenticator):
        nora = signed_in_without_password(pool, NORA)
        with pytest.raises(StepUpRequired):
            start(pool, nora, password=None)

        complete(pool, nora, authenticator.create(start(pool, nora, **code_proof(pool, NORA))))

        assert len(listed(pool, nora)) == 1

    def test_a_passkey_proves_the_user_for_another(self, pool, alice, authenticator):
        register(pool, alice, authenticator)
        second = SoftwareAuthenticator(attachment="cross-platform", transports=("usb",))

        complete(pool, alice, second.create(start(pool, alice, **passkey_proof(pool, ALICE, authenticator))))

        assert len(listed(pool, alice)) == 2

    def test_another_users_session_proves_nothing(self, pool, alice, bob):
        with pytest.raises(StepUpRequired):
            start(pool, alice, **code_proof(pool, BOB))

    def test_a_wrong_code_spends_the_code_budget_then_none_is_tried(self, pool, alice):
        limiter = only_one_budget_of_two(pool, Attempt.CODE)
        for _ in range(2):
            proof = code_proof(pool, ALICE)
            proof["responses"] = {"EMAIL_OTP_CODE": wrong(proof["responses"]["EMAIL_OTP_CODE"])}
            with pytest.raises(StepUpRequired):
                start(pool, alice, limiter, **proof)

        with pytest.raises(TooManyRequests):
            start(pool, alice, limiter, **code_proof(pool, ALICE))

    def test_an_assertion_that_does_not_verify_spends_the_passkey_budget(self, pool, alice, authenticator):
        register(pool, alice, authenticator)
        limiter = only_one_budget_of_two(pool, Attempt.PASSKEY)
        for _ in range(2):
            with pytest.raises(StepUpRequired):
                start(pool, alice, limiter, **passkey_proof(pool, ALICE, authenticator, user_verified=False))

        with pytest.raises(TooManyRequests):
            start(pool, alice, limiter, **passkey_proof(pool, ALICE, authenticator))
        assert not limiter.times.get((Attempt.CODE, "account", Username(ALICE).key))


def only_one_budget_of_two(pool, scarce):
    """A limiter with two `scarce` attempts per account, and budgets no test reaches for the rest."""
    budgets = {attempt: Budget(Rate(100, 60), Rate(2 if attempt is scarce else 100, 60)) for attempt in Attempt}
    return InMemoryAttemptLimiter(pool.clock, budgets)


class TestListPasskeys:
    def test_lists_only_the_users_own_oldest_first(self, pool, alice, bob):
        first = register(pool, alice, SoftwareAuthenticator())
        pool.clock.advance(1)
        second = register(pool, alice, SoftwareAuthenticator())
        register(pool, bob, SoftwareAuthenticator())

        assert [passkey.credential_id for passkey in listed(pool, alice)] == [first["id"], second["id"]]


class TestDeletePasskey:
    def delete(self, pool, access_token, credential_id):
        DeletePasskey(pool.provider)(DeletePasskeyCommand(access_token, credential_id))

    def test_deletes_the_users_passkey(self, pool, alice, authenticator):
        credential = register(pool, alice, authenticator)

        self.delete(pool, alice, credential["id"])

        assert listed(pool, alice) == ()
        with pytest.raises(PasskeyNotFound):
            self.delete(pool, alice, credential["id"])

    def test_a_deleted_passkey_can_be_registered_again_and_is_no_longer_excluded(self, pool, alice, authenticator):
        credential = register(pool, alice, authenticator)
        self.delete(pool, alice, credential["id"])

        assert start(pool, alice)["excludeCredentials"] == []
        complete(pool, alice, authenticator.create(start(pool, alice)))
        assert len(listed(pool, alice)) == 1

    def test_another_users_passkey_is_not_found_and_stays(self, pool, alice, bob, authenticator):
        credential = register(pool, bob, authenticator)

        with pytest.raises(PasskeyNotFound):
            self.delete(pool, alice, credential["id"])
        assert len(listed(pool, bob)) == 1

    @pytest.mark.parametrize("credential_id", ["", "A" * 1025])
    def test_refuses_an_id_no_passkey_could_have(self, pool, alice, credential_id):
        with pytest.raises(ValidationError):
            self.delete(pool, alice, credential_id)


def start_sign_in(pool, username, preferred=None, limiter=None):
    use_case = StartSignIn(
        pool.provider,
        pool.verifier,
        InMemoryUserDirectory(),
        limiter or ample_attempt_limiter(pool.clock),
        pool.clock,
        0,
    )
    return use_case(StartSignInCommand(username, preferred, client="192.0.2.1"))


def answer(pool, username, challenge, responses, limiter=None):
    use_case = RespondToChallenge(
        pool.provider,
        pool.verifier,
        InMemoryUserDirectory(),
        limiter or ample_attempt_limiter(pool.clock),
        pool.clock,
        0,
    )
    command = RespondToChallengeCommand(username, challenge.name, responses, challenge.session, client="192.0.2.1")
    return use_case(command)


def assertion(authenticator, challenge, **made):
    return {"CREDENTIAL": json.dumps(authenticator.get(challenge.credential_request_options, **made))}


class TestSignInWithPasskey:
    def test_a_user_with_a_passkey_signs_in_with_it(self, pool, alice, authenticator):
        credential = register(pool, alice, authenticator)

        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN")
        assert challenge.name == "WEB_AUTHN"
        options = challenge.credential_request_options
        assert [item["id"] for item in options["allowCredentials"]] == [credential["id"]]
        assert options["rpId"] == "localhost"
        assert options["userVerification"] == "required"

        signed_in = answer(pool, ALICE, challenge, assertion(authenticator, challenge))
        assert isinstance(signed_in, SignedIn)
        assert signed_in.claims.username == ALICE

    def test_the_choice_offers_passkeys_to_a_user_who_has_one(self, pool, alice, bob, authenticator):
        register(pool, alice, authenticator)

        alices = start_sign_in(pool, ALICE)
        assert alices.name == SELECT_CHALLENGE
        assert "WEB_AUTHN" in alices.available_challenges
        assert "WEB_AUTHN" not in start_sign_in(pool, BOB).available_challenges
        assert "WEB_AUTHN" not in start_sign_in(pool, "nobody@example.com").available_challenges

        chosen = answer(pool, ALICE, alices, {"ANSWER": "WEB_AUTHN"})
        assert chosen.name == "WEB_AUTHN"
        assert isinstance(answer(pool, ALICE, chosen, assertion(authenticator, chosen)), SignedIn)

    def test_preferring_passkeys_without_one_offers_the_choice(self, pool, alice):
        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN")
        assert challenge.name == SELECT_CHALLENGE
        assert "WEB_AUTHN" not in challenge.available_challenges

    def test_a_deleted_passkey_signs_nobody_in(self, pool, alice, authenticator):
        credential = register(pool, alice, authenticator)
        register(pool, alice, SoftwareAuthenticator())
        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN")
        DeletePasskey(pool.provider)(DeletePasskeyCommand(alice, credential["id"]))

        with pytest.raises(PasskeyRejected):
            answer(pool, ALICE, challenge, assertion(authenticator, challenge))

    def test_a_passkey_is_multi_factor_a_user_with_totp_owes_no_code(self, pool, alice, authenticator):
        register(pool, alice, authenticator)
        secret = pool.provider.associate_software_token(alice)
        pool.provider.verify_software_token(alice, ConfirmationCode(pool.authenticator_code(secret)))
        pool.provider.admin_set_user_mfa_preference(Username(ALICE), MfaPreference(totp=True))
        assert pool.provider.initiate_auth(Username(ALICE), Password(PASSWORD)).name == "SOFTWARE_TOKEN_MFA"

        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN")
        assert isinstance(answer(pool, ALICE, challenge, assertion(authenticator, challenge)), SignedIn)

    def test_a_replayed_assertion_is_refused(self, pool, alice, authenticator):
        register(pool, alice, authenticator)
        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN")
        responses = assertion(authenticator, challenge)
        answer(pool, ALICE, challenge, responses)

        with pytest.raises(ExpiredSession):
            answer(pool, ALICE, challenge, responses)
        again = start_sign_in(pool, ALICE, "WEB_AUTHN")
        with pytest.raises(PasskeyRejected):
            answer(pool, ALICE, again, responses)

    def test_a_rejected_assertion_spends_the_session(self, pool, alice, authenticator):
        register(pool, alice, authenticator)
        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN")
        with pytest.raises(PasskeyRejected):
            answer(pool, ALICE, challenge, assertion(authenticator, challenge, origin="https://evil.example"))
        with pytest.raises(ExpiredSession):
            answer(pool, ALICE, challenge, assertion(authenticator, challenge))

    def test_another_users_passkey_signs_nobody_in(self, pool, alice, bob, authenticator):
        register(pool, alice, SoftwareAuthenticator())
        register(pool, bob, authenticator)
        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN")
        options = {**challenge.credential_request_options, "allowCredentials": []}

        with pytest.raises(PasskeyRejected):
            answer(pool, ALICE, challenge, {"CREDENTIAL": json.dumps(authenticator.get(options))})

    @pytest.mark.parametrize("credential", ["", "{}", "not json", "[" * 5000, json.dumps({"id": 1})])
    def test_a_malformed_credential_is_refused(self, pool, alice, authenticator, credential):
        register(pool, alice, authenticator)
        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN")
        with pytest.raises((PasskeyRejected, ValidationError)):
            answer(pool, ALICE, challenge, {"CREDENTIAL": credential})

    def test_rejected_assertions_spend_the_passkey_budget(self, pool, alice, authenticator):
        register(pool, alice, authenticator)
        limiter = InMemoryAttemptLimiter(
            pool.clock,
            {attempt: Budget(Rate(100, 60), Rate(2 if attempt is Attempt.PASSKEY else 100, 60)) for attempt in Attempt},
        )
        for _ in range(2):
            challenge = start_sign_in(pool, ALICE, "WEB_AUTHN", limiter)
            with pytest.raises(PasskeyRejected):
                answer(pool, ALICE, challenge, assertion(authenticator, challenge, user_verified=False), limiter)

        challenge = start_sign_in(pool, ALICE, "WEB_AUTHN", limiter)
        with pytest.raises(TooManyRequests):
            answer(pool, ALICE, challenge, assertion(authenticator, challenge), limiter)
