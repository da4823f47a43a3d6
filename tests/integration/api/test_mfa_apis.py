"""MFA under /auth/mfa/ and the SMS_MFA and SOFTWARE_TOKEN_MFA challenges of /auth/login, walked end to end."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.limits.attempt_limiter import LimitsAttemptLimiter
from application.ports.attempt_limiter import Attempt
from application.ports.code_sender import CodePurpose
from domain.errors import TooManyRequests
from domain.values import Username
from tests.integration.api.conftest import basic
from tests.pools import Gap, skip_if, xfail_if

USERNAME = "mia@example.com"
PASSWORD = "Sturdy-Pass-42"


def error_of(response):
    return response.status_code, response.json()["code"]


def put(api, path, body, **meta):
    return api.client.put(path, data=json.dumps(body), content_type="application/json", **meta)


def prefer(api, body, code=None, **meta):
    """PUT /auth/mfa/preference with the step-up proof: the password, and the code when given."""
    return put(api, "/auth/mfa/preference", {**body, **proof(code)}, **meta)


def start_totp(api, code=None, **meta):
    """POST /auth/mfa/totp with the step-up proof."""
    return api.post("/auth/mfa/totp", proof(code), **meta)


def proof(code=None, password=PASSWORD):
    return {"password": password} | ({"code": code} if code is not None else {})


@pytest.fixture
def access_token(api, backend):
    assert api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)).status_code == 201
    code = backend.sign_up_code(USERNAME)
    assert api.post("/auth/confirm_signup", {"username": USERNAME, "code": code}).status_code == 200
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert response.status_code == 200
    return response["AccessToken"]


def login(api):
    return api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))


def confirm_login(api, challenge, code):
    return api.post(
        "/auth/confirm_login",
        {
            "username": USERNAME,
            "challenge_name": challenge["challenge"],
            "responses": {"SOFTWARE_TOKEN_MFA_CODE": code},
            "session": challenge["session"],
        },
    )


def wrong(code):
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_a_user_with_totp_on_signs_in_only_with_a_valid_code(api, backend, access_token):
    token = {"HTTP_ACCESSTOKEN": access_token}
    associated = start_totp(api, **token)
    assert associated.status_code == 200
    secret = associated.json()["secret"]
    uri = urllib.parse.urlsplit(associated.json()["otpauth_uri"])
    assert (uri.scheme, urllib.parse.unquote(uri.path)) == ("otpauth", f"/cognito-auth:{USERNAME}")
    assert urllib.parse.parse_qs(uri.query) == {"secret": [secret], "issuer": ["cognito-auth"]}

    verify = api.post("/auth/mfa/totp/verify", {"code": wrong(backend.authenticator_code(secret))}, **token)
    assert error_of(verify) == (400, "CodeMismatch")
    assert api.post("/auth/mfa/totp/verify", {"code": backend.authenticator_code(secret)}, **token).status_code == 200
    assert prefer(api, {"totp": True}, **token).status_code == 200
    assert api.post("/auth/logout", **token).status_code == 200
    backend.let_time_pass(30)  # the code that verified the authenticator is spent

    challenged = login(api)
    assert challenged.status_code == 200
    challenge = challenged.json()
    assert challenge["challenge"] == "SOFTWARE_TOKEN_MFA"
    assert "AccessToken" not in challenged
    assert error_of(confirm_login(api, challenge, wrong(backend.authenticator_code(secret)))) == (400, "CodeMismatch")
    answered = confirm_login(api, challenge, backend.authenticator_code(secret))
    assert answered.status_code == 200
    assert answered["AccessToken"]

    backend.let_time_pass(30)
    code = backend.authenticator_code(secret)
    turned_off = prefer(api, {"totp": False}, code=code, HTTP_ACCESSTOKEN=answered["AccessToken"])
    assert turned_off.status_code == 200
    signed_in = login(api)
    assert signed_in.status_code == 200
    assert signed_in["AccessToken"]


def test_turning_totp_on_needs_a_verified_authenticator(api, backend, access_token):
    start_totp(api, HTTP_ACCESSTOKEN=access_token)
    response = prefer(api, {"totp": True}, HTTP_ACCESSTOKEN=access_token)
    assert error_of(response) == (400, "ValidationError")


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/auth/mfa/totp"), ("post", "/auth/mfa/totp/verify"), ("put", "/auth/mfa/preference")],
)
def test_needs_a_signed_in_user(api, backend, method, path):
    response = getattr(api.client, method)(path, data="{}", content_type="application/json")
    assert error_of(response) == (401, "NotAuthenticated")


def test_a_challenge_session_serves_only_once(api, backend, access_token):
    skip_if(backend, Gap.SESSIONS_UNMODELLED)
    token = {"HTTP_ACCESSTOKEN": access_token}
    secret = start_totp(api, **token).json()["secret"]
    api.post("/auth/mfa/totp/verify", {"code": backend.authenticator_code(secret)}, **token)
    prefer(api, {"totp": True}, **token)
    backend.let_time_pass(30)
    challenge = login(api).json()
    assert confirm_login(api, challenge, backend.authenticator_code(secret)).status_code == 200
    backend.let_time_pass(30)

    reused = confirm_login(api, challenge, backend.authenticator_code(secret))

    assert error_of(reused) == (400, "ExpiredSession")


# -- SMS MFA, two factors, the wrong-code limit and the NEW_PASSWORD_REQUIRED chain --------------------

PHONE_NUMBER = "+15555550123"
TEMPORARY_PASSWORD = "Temporary-Pass-1"
NEW_PASSWORD = "Battery-Staple-7"


@pytest.fixture
def with_phone(api, backend):
    """`USERNAME` signed up with a phone number and is signed in: the access token's header."""
    body = {"user_attributes": [{"Name": "phone_number", "Value": PHONE_NUMBER}]}
    assert api.post("/auth/signup", body, HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)).status_code == 201
    code = backend.sign_up_code(USERNAME)
    assert api.post("/auth/confirm_signup", {"username": USERNAME, "code": code}).status_code == 200
    response = login(api)
    assert response.status_code == 200
    return {"HTTP_ACCESSTOKEN": response["AccessToken"]}


@pytest.fixture
def sms_on(api, backend, with_phone):
    response = prefer(api, {"sms": True}, **with_phone)
    assert response.status_code == 200
    assert response.json()["msg"] == "SMS MFA is on. Sign-in asks for the SMS code."
    return with_phone


def answer(api, challenge, code, username=USERNAME):
    return api.post(
        "/auth/confirm_login",
        {
            "username": username,
            "challenge_name": challenge["challenge"],
            "responses": {f"{challenge['challenge']}_CODE": code},
            "session": challenge["session"],
        },
    )


def challenged(api, name, password=PASSWORD):
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, password))
    assert response.status_code == 200
    assert "AccessToken" not in response
    challenge = response.json()
    assert challenge["challenge"] == name
    return challenge


class TestSmsMfa:
    def test_a_user_with_sms_on_signs_in_with_the_code_sent_to_their_phone(self, api, backend, sms_on):
        challenge = challenged(api, "SMS_MFA")

        answered = answer(api, challenge, backend.sms_code(USERNAME))

        assert answered.status_code == 200
        assert answered.json() == {"msg": f"Welcome {USERNAME}"}
        assert backend.verifier.verify_access_token(answered["AccessToken"]).username == USERNAME

    def test_the_challenge_says_where_the_code_went(self, request, api, backend, sms_on):
        xfail_if(request, backend, Gap.SMS_CHALLENGE_PARAMETERS)
        parameters = challenged(api, "SMS_MFA")["parameters"]
        assert parameters == {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******0123"}

    def test_a_wrong_code_is_refused_and_the_session_stays_usable(self, request, api, backend, sms_on):
        xfail_if(request, backend, Gap.SMS_CODES_UNCHECKED)
        challenge = challenged(api, "SMS_MFA")

        refused = answer(api, challenge, wrong(backend.sms_code(USERNAME)))

        assert error_of(refused) == (400, "CodeMismatch")
        assert "AccessToken" not in refused
        assert answer(api, challenge, backend.sms_code(USERNAME)).status_code == 200

    def test_a_session_serves_only_once(self, api, backend, sms_on):
        skip_if(backend, Gap.SESSIONS_UNMODELLED)
        challenge = challenged(api, "SMS_MFA")
        assert answer(api, challenge, backend.sms_code(USERNAME)).status_code == 200

        assert error_of(answer(api, challenge, backend.sms_code(USERNAME))) == (400, "ExpiredSession")

    def test_turning_sms_on_needs_a_phone_number(self, request, api, backend, access_token):
        xfail_if(request, backend, Gap.SMS_MFA_WITHOUT_PHONE_NUMBER)
        response = prefer(api, {"sms": True}, HTTP_ACCESSTOKEN=access_token)
        assert error_of(response) == (400, "ValidationError")

    def test_turning_sms_off_signs_in_with_the_password_alone(self, api, backend, sms_on):
        response = prefer(api, {"sms": False}, **sms_on)
        assert response.status_code == 200
        assert response.json()["msg"] == "SMS MFA is off."
        assert login(api)["AccessToken"]


class TestWrongCodeLimit:
    """Three wrong codes spend a challenge session: the fourth answer, even the right code, is refused."""

    @pytest.fixture(params=["SMS_MFA", "SOFTWARE_TOKEN_MFA"])
    def factor(self, request, api, backend, with_phone):
        """The factor is on: its challenge's name, and how to get the right code."""
        if request.param == "SMS_MFA":
            xfail_if(request, backend, Gap.SMS_CODES_UNCHECKED)
            assert prefer(api, {"sms": True}, **with_phone).status_code == 200
            return request.param, lambda: backend.sms_code(USERNAME)
        xfail_if(request, backend, Gap.WRONG_MFA_CODES_UNLIMITED)
        secret = start_totp(api, **with_phone).json()["secret"]
        api.post("/auth/mfa/totp/verify", {"code": backend.authenticator_code(secret)}, **with_phone)
        assert prefer(api, {"totp": True}, **with_phone).status_code == 200
        backend.let_time_pass(30)
        return request.param, lambda: backend.authenticator_code(secret)

    def test_the_fourth_answer_finds_the_session_spent(self, api, backend, factor):
        name, code_of = factor
        challenge = challenged(api, name)
        for _ in range(3):
            assert error_of(answer(api, challenge, wrong(code_of()))) == (400, "CodeMismatch")

        assert error_of(answer(api, challenge, code_of())) == (400, "ExpiredSession")
        fresh = challenged(api, challenge["challenge"])
        assert answer(api, fresh, code_of()).status_code == 200


class TestTwoFactors:
    @pytest.fixture
    def authenticator(self, api, backend, with_phone):
        """A phone number and a verified authenticator, neither factor on yet: the authenticator's secret."""
        secret = start_totp(api, **with_phone).json()["secret"]
        verified = api.post("/auth/mfa/totp/verify", {"code": backend.authenticator_code(secret)}, **with_phone)
        assert verified.status_code == 200
        return secret

    @pytest.fixture
    def both_ready(self, authenticator, with_phone):
        return with_phone

    @staticmethod
    def next_code(backend, secret):
        backend.let_time_pass(30)
        return backend.authenticator_code(secret)

    def test_sign_in_asks_for_the_preferred_factor(self, api, backend, authenticator, both_ready):
        both = prefer(api, {"sms": True, "totp": True, "preferred": "totp"}, **both_ready)
        assert both.status_code == 200
        assert both.json()["msg"] == "SMS MFA is on. TOTP MFA is on. Sign-in asks for the TOTP code."
        challenged(api, "SOFTWARE_TOKEN_MFA")

        code = self.next_code(backend, authenticator)
        assert prefer(api, {"preferred": "sms"}, code=code, **both_ready).status_code == 200
        challenged(api, "SMS_MFA")

    def test_turning_the_preferred_factor_off_asks_for_the_other(self, api, backend, authenticator, both_ready):
        prefer(api, {"sms": True, "totp": True, "preferred": "totp"}, **both_ready)
        code = self.next_code(backend, authenticator)
        assert prefer(api, {"totp": False}, code=code, **both_ready).status_code == 200
        challenged(api, "SMS_MFA")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "preferred"),
            ({"sms": True, "totp": True}, "preferred"),
            ({"sms": False, "preferred": "sms"}, "preferred"),
            ({"preferred": "email"}, "preferred"),
            ({"sms": "yes"}, "sms"),
            ({"totp": 1}, "totp"),
        ],
        ids=["nothing", "both on, none preferred", "preferring one turned off", "unknown factor", "text", "number"],
    )
    def test_a_preference_that_makes_no_sense_is_a_validation_error(self, api, backend, both_ready, body, field):
        response = prefer(api, body, **both_ready)

        assert error_of(response) == (400, "ValidationError")
        assert field in response.json()["fields"]
        assert login(api)["AccessToken"]


class TestChallengeChain:
    def test_a_new_password_leads_to_the_sms_challenge_and_its_code_to_tokens(self, request, api, backend):
        xfail_if(request, backend, Gap.NO_MFA_AFTER_NEW_PASSWORD)
        backend.admin_create_user_with_sms_mfa(USERNAME, TEMPORARY_PASSWORD, PHONE_NUMBER)
        first = challenged(api, "NEW_PASSWORD_REQUIRED", password=TEMPORARY_PASSWORD)

        second = api.post(
            "/auth/confirm_login",
            {
                "username": USERNAME,
                "challenge_name": first["challenge"],
                "responses": {"NEW_PASSWORD": NEW_PASSWORD},
                "session": first["session"],
            },
        )

        assert second.status_code == 200
        assert "AccessToken" not in second
        assert set(second.json()) == {"challenge", "session", "parameters"}
        assert second.json()["challenge"] == "SMS_MFA"
        third = answer(api, second.json(), backend.sms_code(USERNAME))
        assert third.status_code == 200
        assert third["AccessToken"]
        challenged(api, "SMS_MFA", password=NEW_PASSWORD)


challenge_names = st.sampled_from(["SMS_MFA", "SOFTWARE_TOKEN_MFA", "NEW_PASSWORD_REQUIRED"]) | st.text(max_size=30)
answer_keys = st.sampled_from(["SMS_MFA_CODE", "SOFTWARE_TOKEN_MFA_CODE", "NEW_PASSWORD"]) | st.text(max_size=20)


# The embedded pool only: the property is about the shell and the pool's session, and moto accepts any SMS code.
@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
class TestAnswersUnderFuzz:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        challenge_name=challenge_names,
        responses=st.dictionaries(answer_keys, st.text(max_size=40), max_size=4),
    )
    def test_any_answer_but_the_code_is_refused_cleanly_and_signs_nobody_in(
        self, api, backend, sms_on, challenge_name, responses
    ):
        challenge = challenged(api, "SMS_MFA")
        code = backend.sms_code(USERNAME)
        body = {"username": USERNAME, "challenge_name": challenge_name, "responses": responses}

        response = api.post("/auth/confirm_login", {**body, "session": challenge["session"]})

        if challenge_name == "SMS_MFA" and responses.get("SMS_MFA_CODE") == code:
            assert response.status_code == 200
            return
        assert error_of(response)[0] == 400
        assert error_of(response)[1] in {"ValidationError", "CodeMismatch"}
        assert "AccessToken" not in response
        assert code not in response.content.decode()
        # However it was refused, the session still takes the right code.
        assert answer(api, challenge, code).status_code == 200


class TestStepUp:
    """An access token alone changes no second factor: the password comes with it, and the code when
    sign-in asks for one; anything less is one 403 `StepUpRequired`, whichever part was missing or wrong."""

    @pytest.fixture
    def totp_on(self, api, backend, access_token):
        """TOTP is on and asked for at sign-in: the access token's header and the authenticator's secret."""
        token = {"HTTP_ACCESSTOKEN": access_token}
        secret = start_totp(api, **token).json()["secret"]
        assert (
            api.post("/auth/mfa/totp/verify", {"code": backend.authenticator_code(secret)}, **token).status_code == 200
        )
        assert prefer(api, {"totp": True}, **token).status_code == 200
        backend.let_time_pass(30)
        return token, secret

    def test_turning_totp_off_needs_the_password_and_a_current_code(self, api, backend, totp_on):
        token, secret = totp_on
        code = backend.authenticator_code(secret)
        refusals = [
            put(api, "/auth/mfa/preference", {"totp": False}, **token),
            put(api, "/auth/mfa/preference", {"totp": False, "code": code}, **token),
            put(api, "/auth/mfa/preference", {"totp": False, **proof(code, password="Wrong-Pass-42")}, **token),
            prefer(api, {"totp": False}, **token),
            prefer(api, {"totp": False}, code=wrong(code), **token),
        ]
        assert {error_of(response) for response in refusals} == {(403, "StepUpRequired")}
        assert len({response.json()["error"] for response in refusals}) == 1
        assert login(api).json()["challenge"] == "SOFTWARE_TOKEN_MFA"

        backend.let_time_pass(30)
        assert prefer(api, {"totp": False}, code=backend.authenticator_code(secret), **token).status_code == 200
        assert login(api)["AccessToken"]

    def test_replacing_the_active_authenticator_needs_a_current_code(self, api, backend, totp_on):
        token, secret = totp_on
        assert error_of(api.post("/auth/mfa/totp", **token)) == (403, "StepUpRequired")
        assert error_of(start_totp(api, **token)) == (403, "StepUpRequired")
        assert login(api).json()["challenge"] == "SOFTWARE_TOKEN_MFA"

        assert start_totp(api, code=backend.authenticator_code(secret), **token).status_code == 200

    def test_a_first_authenticator_and_turning_a_factor_on_need_the_password(self, api, backend, with_phone):
        assert error_of(api.post("/auth/mfa/totp", **with_phone)) == (403, "StepUpRequired")
        wrong_password = proof(password="Wrong-Pass-42")
        assert error_of(api.post("/auth/mfa/totp", wrong_password, **with_phone)) == (403, "StepUpRequired")
        assert error_of(put(api, "/auth/mfa/preference", {"sms": True}, **with_phone)) == (403, "StepUpRequired")
        assert login(api)["AccessToken"]

    def test_with_sms_on_the_password_alone_turns_it_off(self, api, backend, sms_on):
        assert error_of(put(api, "/auth/mfa/preference", {"sms": False}, **sms_on)) == (403, "StepUpRequired")
        assert prefer(api, {"sms": False}, **sms_on).status_code == 200
        assert login(api)["AccessToken"]


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
class TestStepUpWithoutPassword:
    """A user who signed up without a password proves themselves with a sign-in code instead: started at
    /auth/login, answered with the MFA request (moto models no choice-based sign-in: embedded only)."""

    NORA = "nora@example.com"

    @pytest.fixture
    def nora(self, api, backend):
        assert api.post("/auth/signup", {"username": self.NORA, "user_attributes": []}).status_code == 201
        code = backend.sign_up_code(self.NORA)
        session = api.post("/auth/confirm_signup", {"username": self.NORA, "code": code}).json()["session"]
        signed_in = api.post("/auth/login", {"username": self.NORA, "session": session})
        assert signed_in.status_code == 200
        return {"HTTP_ACCESSTOKEN": signed_in["AccessToken"]}

    def code_proof(self, api, backend, wrong_code=False):
        started = api.post("/auth/login", {"username": self.NORA, "preferred_challenge": "EMAIL_OTP"})
        assert started.status_code == 200
        code = backend.sender.last_code(self.NORA, CodePurpose.SIGN_IN)
        return {
            "challenge_name": "EMAIL_OTP",
            "session": started.json()["session"],
            "responses": {"EMAIL_OTP_CODE": wrong(code) if wrong_code else code},
        }

    def test_sets_up_totp_and_turns_it_on_with_email_codes(self, api, backend, nora):
        assert error_of(api.post("/auth/mfa/totp", {}, **nora)) == (403, "StepUpRequired")

        associated = api.post("/auth/mfa/totp", self.code_proof(api, backend), **nora)
        assert associated.status_code == 200, associated.content
        secret = associated.json()["secret"]
        verified = api.post("/auth/mfa/totp/verify", {"code": backend.authenticator_code(secret)}, **nora)
        assert verified.status_code == 200
        turned_on = put(api, "/auth/mfa/preference", {"totp": True, **self.code_proof(api, backend)}, **nora)
        assert turned_on.status_code == 200, turned_on.content

        backend.let_time_pass(30)
        # Now the code proof owes the authenticator's code too, as the password proof does.
        without_totp = put(api, "/auth/mfa/preference", {"totp": False, **self.code_proof(api, backend)}, **nora)
        assert error_of(without_totp) == (403, "StepUpRequired")
        proof = {**self.code_proof(api, backend), "code": backend.authenticator_code(secret)}
        assert put(api, "/auth/mfa/preference", {"totp": False, **proof}, **nora).status_code == 200

    def test_another_users_session_is_no_proof(self, api, backend, nora, access_token):
        started = api.post("/auth/login", {"username": USERNAME, "preferred_challenge": "EMAIL_OTP"})
        code = backend.sender.last_code(USERNAME, CodePurpose.SIGN_IN)
        proof = {"challenge_name": "EMAIL_OTP", "session": started.json()["session"]}
        refused = api.post("/auth/mfa/totp", {**proof, "responses": {"EMAIL_OTP_CODE": code}}, **nora)
        assert error_of(refused) == (403, "StepUpRequired")

    def test_wrong_codes_spend_the_production_code_budget(self, api, backend, nora, container):
        limiter = LimitsAttemptLimiter.from_url(None, django_settings.PRODUCTION_ATTEMPT_BUDGETS)
        with container.attempt_limiter.override(limiter):
            # Five code answers a minute per account; a session takes three wrong codes, so two sessions.
            for wrong_codes in (3, 2):
                proof = self.code_proof(api, backend, wrong_code=True)
                for _ in range(wrong_codes):
                    assert error_of(api.post("/auth/mfa/totp", proof, **nora)) == (403, "StepUpRequired")

            proof = self.code_proof(api, backend)
            refused = api.post("/auth/mfa/totp", proof, **nora)
            assert error_of(refused) == (429, "TooManyRequests")
            assert int(refused["Retry-After"]) >= 1
        # The proofs spent the service's budget (the pool locks its own challenges after five wrong codes too).
        with pytest.raises(TooManyRequests):
            limiter.check(Attempt.CODE, None, Username(self.NORA).key)
