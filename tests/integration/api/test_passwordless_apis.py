"""Passwordless sign-up, the session of a confirmation, and choice-based sign-in with one-time codes,
walked end to end over HTTP on the embedded pool (the Cognito adapter's are checked with botocore's
Stubber: moto models none of them)."""

from __future__ import annotations

import contextlib
import json

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.limits.attempt_limiter import LimitsAttemptLimiter
from application.ports.code_sender import CodePurpose
from domain.values import MfaPreference, Username
from tests.integration.api.conftest import basic, confirmed
from tests.integration.api.test_hostile_input import assert_clean_error, json_values
from tests.integration.api.test_limits import assert_throttled

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

USERNAME = "nora@example.com"
PASSWORD = "Sturdy-Pass-42"


def error_of(response):
    return response.status_code, response.json()["code"]


def sign_up_without_password(api, username=USERNAME, attributes=()):
    body = {"username": username, "user_attributes": [{"Name": name, "Value": value} for name, value in attributes]}
    return api.post("/auth/signup", body)


def confirm(api, backend, username=USERNAME):
    response = api.post("/auth/confirm_signup", {"username": username, "code": backend.sign_up_code(username)})
    assert response.status_code == 200, response.content
    return response.json()


def sign_in_code(backend, username=USERNAME):
    return backend.sender.last_code(username, CodePurpose.SIGN_IN)


def start(api, username=USERNAME, preferred=None):
    body = {"username": username} | ({"preferred_challenge": preferred} if preferred else {})
    return api.post("/auth/login", body)


def answer(api, challenge, responses, username=USERNAME):
    body = {
        "username": username,
        "challenge_name": challenge["challenge"],
        "responses": responses,
        "session": challenge["session"],
    }
    return api.post("/auth/confirm_login", body)


def welcomed(response, username=USERNAME):
    assert response.status_code == 200, response.content
    assert response.json() == {"msg": f"Welcome {username}"}
    assert response["AccessToken"]


class TestPasswordlessSignUp:
    def test_signs_up_without_a_password_and_the_confirmation_signs_in_once(self, api, backend):
        response = sign_up_without_password(api)
        assert response.status_code == 201, response.content
        assert response.json()["code_delivery"] == {
            "destination": "n***@e***",
            "delivery_medium": "EMAIL",
            "attribute_name": "email",
        }
        session = confirm(api, backend)["session"]
        welcomed(api.post("/auth/login", {"username": USERNAME, "session": session}))
        assert error_of(api.post("/auth/login", {"username": USERNAME, "session": session})) == (
            400,
            "ExpiredSession",
        )

    def test_the_session_expires_after_three_minutes(self, api, backend):
        sign_up_without_password(api)
        session = confirm(api, backend)["session"]
        backend.let_time_pass(181)
        assert error_of(api.post("/auth/login", {"username": USERNAME, "session": session})) == (
            400,
            "ExpiredSession",
        )

    def test_the_session_signs_in_no_other_user(self, api, backend):
        sign_up_without_password(api)
        session = confirm(api, backend)["session"]
        confirmed(api, backend, "olga@example.com", PASSWORD)
        response = api.post("/auth/login", {"username": "olga@example.com", "session": session})
        assert error_of(response) == (400, "ExpiredSession")

    def test_a_password_sign_up_returns_a_session_too(self, api, backend):
        assert api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)).status_code == 201
        session = confirm(api, backend)["session"]
        welcomed(api.post("/auth/login", {"username": USERNAME, "session": session}))

    def test_no_password_signs_the_user_in(self, api, backend):
        sign_up_without_password(api)
        confirm(api, backend)
        assert error_of(api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))) == (
            401,
            "NotAuthorized",
        )

    def test_needs_somewhere_to_send_codes(self, api, backend):
        response = sign_up_without_password(api, username="nobody-to-mail")
        assert error_of(response) == (400, "ValidationError")
        assert "user_attributes" in response.json()["fields"]

    def test_without_an_email_the_code_goes_by_sms_and_proves_the_phone_number(self, api, backend):
        response = sign_up_without_password(api, username="pia", attributes=[("phone_number", "+15555550100")])
        assert response.json()["code_delivery"] == {
            "destination": "+*******0100",
            "delivery_medium": "SMS",
            "attribute_name": "phone_number",
        }
        assert api.post("/auth/resend_code", {"username": "pia"}).status_code == 200
        assert [sent.destination for sent in backend.sender.sent] == ["+15555550100"] * 2
        session = confirm(api, backend, "pia")["session"]
        signed_in = api.post("/auth/login", {"username": "pia", "session": session})
        assert signed_in.status_code == 200, signed_in.content
        profile = api.client.get("/auth/me", HTTP_ACCESSTOKEN=signed_in["AccessToken"]).json()
        assert profile["attributes"]["phone_number_verified"] == "true"

    def test_an_empty_phone_number_is_nowhere_to_send_codes(self, api, backend):
        response = sign_up_without_password(api, username="nobody-to-text", attributes=[("phone_number", "")])
        assert error_of(response) == (400, "ValidationError")
        assert "user_attributes" in response.json()["fields"]

    def test_the_username_goes_in_the_header_or_the_body_not_both(self, api, backend):
        response = api.post("/auth/signup", {"username": USERNAME}, HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        assert error_of(response) == (400, "ValidationError")

    def test_a_password_in_the_body_is_refused_not_dropped(self, api, backend):
        # Dropped, it would sign up an account without the password its client meant it to have.
        response = api.post("/auth/signup", {"username": USERNAME, "password": PASSWORD})
        assert error_of(response) == (400, "ValidationError")
        assert "Basic" in response.json()["fields"]["password"]
        assert api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)).status_code == 201

    def test_a_body_without_a_username_names_the_field(self, api, backend):
        response = api.post("/auth/signup", {"user_attributes": []})
        assert error_of(response) == (400, "ValidationError")
        assert "username" in response.json()["fields"]


class TestChoiceBasedSignIn:
    @pytest.fixture
    def user(self, api, backend):
        """A user with a password and a verified e-mail address."""
        return confirmed(api, backend, USERNAME, PASSWORD)

    def test_without_a_preference_offers_the_ways_the_user_has(self, api, backend, user):
        response = start(api)
        assert response.status_code == 200
        body = response.json()
        assert body["challenge"] == "SELECT_CHALLENGE"
        assert body["parameters"] == {"available_challenges": ["EMAIL_OTP", "PASSWORD"]}

    def test_signs_in_with_a_code_by_email(self, api, backend, user):
        challenge = start(api, preferred="EMAIL_OTP").json()
        assert challenge["challenge"] == "EMAIL_OTP"
        assert challenge["parameters"] == {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            "CODE_DELIVERY_DESTINATION": "n***@e***",
        }
        welcomed(answer(api, challenge, {"EMAIL_OTP_CODE": sign_in_code(backend)}))

    def test_a_code_sign_in_answers_as_a_password_sign_in_does(self, api, backend, user):
        def shape(response):
            welcomed(response)
            cookies = {name: (c["httponly"], c["samesite"], c["secure"]) for name, c in response.cookies.items()}
            headers = {name for name in response.headers if name not in {"X-Request-ID", "Content-Length"}}
            return headers, cookies

        api.client.cookies["csrftoken"] = "planted-before-the-sign-in-1234"
        by_password = shape(api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)))
        challenge = start(api, preferred="EMAIL_OTP").json()
        api.client.cookies["csrftoken"] = "planted-before-the-sign-in-1234"
        by_code = answer(api, challenge, {"EMAIL_OTP_CODE": sign_in_code(backend)})
        assert by_code.cookies["csrftoken"].value != "planted-before-the-sign-in-1234"
        assert shape(by_code) == by_password
        assert "csrftoken" in by_password[1]

    def test_a_code_signs_in_once(self, api, backend, user):
        challenge = start(api, preferred="EMAIL_OTP").json()
        code = sign_in_code(backend)
        welcomed(answer(api, challenge, {"EMAIL_OTP_CODE": code}))
        assert error_of(answer(api, challenge, {"EMAIL_OTP_CODE": code})) == (400, "ExpiredSession")

    def test_a_wrong_code_may_be_corrected_until_the_third(self, api, backend, user):
        challenge = start(api, preferred="EMAIL_OTP").json()
        code = sign_in_code(backend)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(2):
            assert error_of(answer(api, challenge, {"EMAIL_OTP_CODE": wrong})) == (400, "CodeMismatch")
        welcomed(answer(api, challenge, {"EMAIL_OTP_CODE": code}))

        challenge = start(api, preferred="EMAIL_OTP").json()
        for _ in range(3):
            assert error_of(answer(api, challenge, {"EMAIL_OTP_CODE": wrong})) == (400, "CodeMismatch")
        assert error_of(answer(api, challenge, {"EMAIL_OTP_CODE": sign_in_code(backend)})) == (
            400,
            "ExpiredSession",
        )

    def test_the_code_expires_with_its_session(self, api, backend, user):
        challenge = start(api, preferred="EMAIL_OTP").json()
        backend.let_time_pass(181)
        response = answer(api, challenge, {"EMAIL_OTP_CODE": sign_in_code(backend)})
        assert error_of(response) == (400, "ExpiredSession")

    def test_chooses_a_code_then_answers_it(self, api, backend, user):
        choice = start(api).json()
        challenge = answer(api, choice, {"ANSWER": "EMAIL_OTP"}).json()
        assert challenge["challenge"] == "EMAIL_OTP"
        welcomed(answer(api, challenge, {"EMAIL_OTP_CODE": sign_in_code(backend)}))

    def test_chooses_the_password_and_gives_it_at_once(self, api, backend, user):
        choice = start(api).json()
        welcomed(answer(api, choice, {"ANSWER": "PASSWORD", "PASSWORD": PASSWORD}))

    def test_the_password_challenge(self, api, backend, user):
        challenge = start(api, preferred="PASSWORD").json()
        assert (challenge["challenge"], challenge["parameters"]) == ("PASSWORD", {})
        assert error_of(answer(api, challenge, {"PASSWORD": "Wrong-Pass-42"})) == (401, "NotAuthorized")
        # A wrong password spends the session.
        assert error_of(answer(api, challenge, {"PASSWORD": PASSWORD})) == (400, "ExpiredSession")
        welcomed(answer(api, start(api, preferred="PASSWORD").json(), {"PASSWORD": PASSWORD}))

    def test_a_choice_not_offered_is_refused(self, api, backend, user):
        choice = start(api).json()
        assert error_of(answer(api, choice, {"ANSWER": "SMS_OTP"})) == (400, "ValidationError")
        assert error_of(answer(api, choice, {"ANSWER": "CARRIER_PIGEON"})) == (400, "ValidationError")

    def test_a_preference_the_user_lacks_offers_the_choice(self, api, backend, user):
        for preferred in ("SMS_OTP", "WEB_AUTHN"):
            body = start(api, preferred=preferred).json()
            assert (body["challenge"], body["parameters"]["available_challenges"]) == (
                "SELECT_CHALLENGE",
                ["EMAIL_OTP", "PASSWORD"],
            )

    def test_signs_in_with_a_code_by_sms(self, api, backend):
        # Without an e-mail address the sign-up code goes by SMS, which proves the number.
        sign_up_without_password(api, "pia", [("phone_number", "+15555550123")])
        confirm(api, backend, "pia")
        assert start(api, "pia").json()["parameters"]["available_challenges"] == ["SMS_OTP"]
        challenge = start(api, "pia", preferred="SMS_OTP").json()
        assert challenge["parameters"] == {
            "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS",
            "CODE_DELIVERY_DESTINATION": "+*******0123",
        }
        welcomed(answer(api, challenge, {"SMS_OTP_CODE": sign_in_code(backend, "pia")}, "pia"), "pia")

    def test_a_phone_number_set_with_an_access_token_gets_no_sign_in_code(self, api, backend, user):
        # Taken as given, a phone number set by whoever holds a stolen access token received the sign-in
        # codes from then on: a token that expires within the hour became the account for good.
        access = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))["AccessToken"]
        body = json.dumps({"user_attributes": [{"Name": "phone_number", "Value": "+15555550199"}]})
        changed = api.client.patch("/auth/me", body, content_type="application/json", HTTP_ACCESSTOKEN=access)
        assert changed.status_code == 200, changed.content
        assert start(api).json()["parameters"]["available_challenges"] == ["EMAIL_OTP", "PASSWORD"]
        assert start(api, preferred="SMS_OTP").json()["challenge"] == "SELECT_CHALLENGE"

    def test_a_user_with_mfa_owes_the_second_factor_after_a_code(self, api, backend):
        sign_up_without_password(api, attributes=[("phone_number", "+15555550123")])
        confirm(api, backend)
        backend.provider.admin_set_user_mfa_preference(Username(USERNAME), MfaPreference(sms=True))
        # The phone would prove both factors: its code is no first factor for this user.
        assert start(api).json()["parameters"]["available_challenges"] == ["EMAIL_OTP"]
        challenge = start(api, preferred="EMAIL_OTP").json()
        second = answer(api, challenge, {"EMAIL_OTP_CODE": sign_in_code(backend)}).json()
        assert second["challenge"] == "SMS_MFA"
        welcomed(answer(api, second, {"SMS_MFA_CODE": sign_in_code(backend)}))

    def test_an_unknown_user_gets_the_answers_of_a_real_one(self, api, backend, user):
        stranger = "stranger@example.com"
        assert start(api, stranger).json()["parameters"] == start(api).json()["parameters"]
        real = start(api, preferred="EMAIL_OTP").json()
        made_up = start(api, stranger, preferred="EMAIL_OTP").json()
        assert (made_up["challenge"], made_up["parameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"]) == (
            real["challenge"],
            "EMAIL",
        )
        assert made_up["parameters"]["CODE_DELIVERY_DESTINATION"] == "s***@e***"
        assert error_of(answer(api, made_up, {"EMAIL_OTP_CODE": "123456"}, stranger)) == (400, "CodeMismatch")
        password = answer(api, start(api, stranger, preferred="PASSWORD").json(), {"PASSWORD": PASSWORD}, stranger)
        assert error_of(password) == (401, "NotAuthorized")
        with pytest.raises(LookupError):
            sign_in_code(backend, stranger)

    def test_the_masked_address_does_not_tell_by_its_case(self, api, backend):
        # A stand-in's address is the username as asked, a user's their address as they signed up:
        # shown in their case, an address asked in another case than it was signed up in told them apart.
        confirmed(api, backend, "Olga@Example.com", PASSWORD)
        sign_up_without_password(api, "olaf", [("email", "Olaf@Example.com")])
        confirm(api, backend, "olaf")
        destinations = {
            start(api, username, "EMAIL_OTP").json()["parameters"]["CODE_DELIVERY_DESTINATION"]
            for username in ("olga@example.com", "OLGA@EXAMPLE.COM", "olive@example.com", "OLIVE@EXAMPLE.COM")
        }
        assert destinations == {"o***@e***"}
        made_up = start(api, "OTTO", "EMAIL_OTP").json()["parameters"]["CODE_DELIVERY_DESTINATION"]
        real = start(api, "olaf", "EMAIL_OTP").json()["parameters"]["CODE_DELIVERY_DESTINATION"]
        assert (made_up.islower(), real) == (True, "o***@e***")

    def test_a_session_and_a_preference_do_not_go_together(self, api, backend):
        response = api.post("/auth/login", {"username": USERNAME, "session": "s", "preferred_challenge": "EMAIL_OTP"})
        assert error_of(response) == (400, "ValidationError")

    def test_a_password_in_the_body_is_refused_not_dropped(self, api, backend, user):
        for body in (
            {"username": USERNAME, "password": PASSWORD},
            {"username": USERNAME, "preferred_challenge": "PASSWORD", "password": PASSWORD},
        ):
            response = api.post("/auth/login", body)
            assert error_of(response) == (400, "ValidationError")
            assert "Basic" in response.json()["fields"]["password"]

    def test_a_basic_header_and_a_body_that_signs_in_otherwise_do_not_go_together(self, api, backend, user):
        # With the header the body went unread: another user's session, or a preference, was ignored
        # and the header's user signed in (or refused) by password instead.
        confirmed(api, backend, "olga@example.com", PASSWORD)
        for body in (
            {"username": "olga@example.com", "preferred_challenge": "EMAIL_OTP"},
            {"username": USERNAME},
            {"session": "the-session-of-a-confirmation"},
        ):
            response = api.post("/auth/login", body, HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
            assert error_of(response) == (400, "ValidationError"), body
            assert not response.has_header("AccessToken")

    def test_an_unknown_preference_is_refused(self, api, backend):
        assert error_of(start(api, preferred="CARRIER_PIGEON")) == (400, "ValidationError")


fuzz = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
login_fields = st.sampled_from(["username", "session", "preferred_challenge", "user_attributes", "password"])
answer_names = st.sampled_from(["ANSWER", "PASSWORD", "EMAIL_OTP_CODE", "SMS_OTP_CODE", "NEW_PASSWORD"])


class TestHostileBodies:
    """Without a Basic header, the JSON body decides: whatever it holds, the answer is a clean 4xx."""

    @fuzz
    @given(path=st.sampled_from(["/auth/login", "/auth/signup"]), body=st.dictionaries(login_fields, json_values))
    def test_login_and_signup_bodies(self, api, backend, path, body):
        assert_clean_error(api.post(path, body))

    @fuzz
    @given(
        path=st.sampled_from(["/auth/login", "/auth/signup"]),
        body=st.dictionaries(login_fields, json_values) | json_values,
        password=st.text(min_size=1, max_size=40),
    )
    def test_bodies_beside_a_basic_header(self, api, backend, path, body, password):
        # Whatever the body, a Basic header's request is answered cleanly, and no password shows in it.
        assert_clean_error(api.post(path, body, HTTP_AUTHORIZATION=basic(USERNAME, password)), password)

    @fuzz
    @given(
        preferred=st.sampled_from([None, "PASSWORD"]),
        responses=st.dictionaries(answer_names, st.text(max_size=40) | json_values, max_size=3),
    )
    def test_answers_to_the_new_challenges(self, api, backend, preferred, responses):
        challenge = start(api, preferred=preferred).json()
        body = {
            "username": USERNAME,
            "challenge_name": challenge["challenge"],
            "responses": responses,
            "session": challenge["session"],
        }
        assert_clean_error(api.post("/auth/confirm_login", body))

    @fuzz
    @given(
        challenge_name=st.sampled_from(["SIGN_UP", "SELECT_CHALLENGE", "EMAIL_OTP", "PASSWORD", "SMS_MFA"])
        | st.text(max_size=70),
        responses=st.dictionaries(answer_names, st.text(max_size=40), max_size=3),
    )
    def test_any_challenge_name_with_the_session_of_a_confirmation(self, api, backend, challenge_name, responses):
        # The sign-up's session is the pool's under a name no challenge answers: whatever it is sent as,
        # it signs nobody in here, and it still signs its user in at /auth/login afterwards.
        sign_up_without_password(api, "fuzzed@example.com")
        session = confirm(api, backend, "fuzzed@example.com")["session"]
        body = {
            "username": "fuzzed@example.com",
            "challenge_name": challenge_name,
            "responses": responses,
            "session": session,
        }
        response = api.post("/auth/confirm_login", body)
        assert_clean_error(response)
        assert response.status_code >= 400
        welcomed(api.post("/auth/login", {"username": "fuzzed@example.com", "session": session}), "fuzzed@example.com")
        backend.provider.admin_delete_user(Username("fuzzed@example.com"))


class TestLimits:
    """The production budgets over HTTP (the test settings raise them for every other test)."""

    @pytest.fixture
    def production_limits(self, container):
        def start() -> None:
            limiter = LimitsAttemptLimiter.from_url(None, django_settings.PRODUCTION_ATTEMPT_BUDGETS)
            stack.enter_context(container.attempt_limiter.override(limiter))

        with contextlib.ExitStack() as stack:
            yield start

    @pytest.mark.parametrize("username", [USERNAME, "stranger@example.com"])
    def test_five_codes_sent_then_429_for_a_user_known_or_not(self, api, backend, production_limits, username):
        confirmed(api, backend, USERNAME, PASSWORD)
        production_limits()
        assert [start(api, username, "EMAIL_OTP").status_code for _ in range(5)] == [200] * 5
        assert_throttled(start(api, username, "EMAIL_OTP"))

    def test_sign_ups_spend_the_clients_codes_sent(self, api, backend, production_limits):
        # Each sign-up mails a code to the address it names: fresh usernames, one victim's inbox.
        production_limits()
        victim = [("email", "victim@example.com")]
        per_client, _ = django_settings.PRODUCTION_ATTEMPT_BUDGETS["code_delivery"]["per_client"]
        for n in range(per_client):
            assert sign_up_without_password(api, f"user{n}", victim).status_code == 201
        assert_throttled(sign_up_without_password(api, "user-next", victim))
        assert len(backend.sender.sent) == per_client

    def test_five_failed_session_exchanges_then_429(self, api, backend, production_limits):
        sign_up_without_password(api)
        session = confirm(api, backend)["session"]
        production_limits()
        for _ in range(5):
            assert error_of(api.post("/auth/login", {"username": USERNAME, "session": "forged"})) == (
                400,
                "ExpiredSession",
            )
        assert_throttled(api.post("/auth/login", {"username": USERNAME, "session": session}))

    def test_wrong_passwords_in_the_challenge_count_as_failed_sign_ins(self, api, backend, production_limits):
        confirmed(api, backend, USERNAME, PASSWORD)
        production_limits()
        for _ in range(5):
            challenge = start(api, preferred="PASSWORD").json()
            assert error_of(answer(api, challenge, {"PASSWORD": "Wrong-Horse-1"})) == (401, "NotAuthorized")
        assert_throttled(api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)))
