"""The profile over HTTP: `PATCH /auth/me` changes attributes, `POST /auth/me/verify_email` proves a new
address with the code sent to it, `POST /auth/me/verify_email/resend` sends another."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from django_shell.accounts.models import User
from domain.errors import ProviderUnavailable
from tests.fakes import FailingIdentityProvider
from tests.integration.api.conftest import basic
from tests.integration.api.test_hostile_input import assert_clean_error, fuzz, json_values
from tests.pools import Gap, skip_if, xfail_if

USERNAME = "rue@example.com"
PASSWORD = "Correct-Horse-9"
NEW_EMAIL = "ruth@example.org"


def error_of(response):
    return response.status_code, response.json()["code"]


def attributes(*pairs):
    return {"user_attributes": [{"Name": name, "Value": value} for name, value in pairs]}


def patch(api, body, **meta):
    return api.client.patch("/auth/me", data=json.dumps(body), content_type="application/json", **meta)


@pytest.fixture
def signed_in(api, backend):
    """`USERNAME`, signed up with given and family name, confirmed and signed in: the token headers."""
    body = attributes(("given_name", "Rue"), ("family_name", "Barclay"))
    assert api.post("/auth/signup", body, HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)).status_code == 201
    api.post("/auth/confirm_signup", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert response.status_code == 200
    api.client.cookies.clear()  # the headers alone authenticate
    return {"HTTP_ACCESSTOKEN": response["AccessToken"], "HTTP_REFRESHTOKEN": response["RefreshToken"]}


def mirrored():
    return User.objects.get(username=USERNAME)


class TestUpdateProfile:
    def test_a_new_given_name_shows_in_the_answer_the_profile_and_the_mirror(self, api, signed_in):
        response = patch(api, attributes(("given_name", "Ruth")), **signed_in)

        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["given_name"], body["family_name"], body["code_deliveries"]) == ("Ruth", "Barclay", [])
        assert body["attributes"]["given_name"] == "Ruth"
        assert api.client.get("/auth/me", **signed_in).json()["given_name"] == "Ruth"
        assert (mirrored().given_name, mirrored().attributes["given_name"]) == ("Ruth", "Ruth")

    def test_answers_the_whole_profile_as_get_does(self, api, signed_in):
        response = patch(api, attributes(("locale", "en-GB")), **signed_in)

        assert response.status_code == 200, response.json()
        profile = api.client.get("/auth/me", **signed_in).json()
        assert {key: value for key, value in response.json().items() if key != "code_deliveries"} == profile
        assert profile["attributes"]["locale"] == "en-GB"

    def test_the_next_sign_in_mirrors_the_same_attributes(self, api, signed_in):
        changed = patch(api, attributes(("locale", "en-GB"), ("phone_number", "+441234567890")), **signed_in)
        assert changed.status_code == 200, changed.json()

        login = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))

        assert login.status_code == 200
        assert mirrored().attributes == changed.json()["attributes"]
        assert mirrored().phone_number == "+441234567890"

    def test_a_new_email_is_unverified_and_gets_a_code(self, request, api, backend, signed_in):
        xfail_if(request, backend, Gap.EMAIL_CHANGE_STAYS_VERIFIED)

        response = patch(api, attributes(("email", NEW_EMAIL)), **signed_in)

        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["email"], body["email_verified"]) == (NEW_EMAIL, False)
        assert body["code_deliveries"] == [
            {"destination": "r***@e***", "delivery_medium": "EMAIL", "attribute_name": "email"}
        ]
        assert (mirrored().email, mirrored().email_verified) == (NEW_EMAIL, False)

    @pytest.mark.parametrize("name", ["sub", "email_verified", "cognito:groups"])
    def test_refuses_an_attribute_the_user_may_not_write_naming_it(self, api, signed_in, name):
        response = patch(api, attributes(("given_name", "Ruth"), (name, "true")), **signed_in)

        assert error_of(response) == (400, "ValidationError")
        assert name in response.json()["fields"]["user_attributes"]
        assert mirrored().given_name == "Rue"

    def test_refuses_an_attribute_outside_the_schema_naming_it(self, request, api, backend, signed_in):
        xfail_if(request, backend, Gap.ATTRIBUTE_SCHEMA_UNCHECKED)

        response = patch(api, attributes(("shoe_size", "38")), **signed_in)

        assert error_of(response) == (400, "ValidationError")
        assert "shoe_size" in response.json()["fields"]["user_attributes"]

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"user_attributes": []},
            {"user_attributes": {"given_name": "Ruth"}},
            {"user_attributes": [{"Name": "given_name"}]},
            {"user_attributes": [{"Name": "given_name", "Value": 7}]},
            attributes(("email", "not-an-address")),
            attributes(("given_name", "Ruth"), ("given_name", "Rut")),
        ],
    )
    def test_refuses_a_malformed_body(self, api, signed_in, body):
        response = patch(api, body, **signed_in)

        assert error_of(response) == (400, "ValidationError")
        assert "user_attributes" in response.json()["fields"]

    def test_needs_a_token(self, api, backend):
        assert error_of(patch(api, attributes(("given_name", "Ruth")))) == (401, "NotAuthenticated")

    def test_a_failing_pool_changes_nothing(self, api, container, signed_in):
        with container.identity_provider.override(FailingIdentityProvider(ProviderUnavailable())):
            response = patch(api, attributes(("given_name", "Ruth")), **signed_in)

        assert error_of(response) == (503, "ProviderUnavailable")
        assert response["Retry-After"]
        assert mirrored().given_name == "Rue"

    def test_an_expired_access_token_is_refreshed_for_the_pool(self, api, backend, signed_in):
        skip_if(backend, Gap.TOKENS_STAMPED_WITH_WALL_CLOCK)
        backend.let_time_pass(2 * 3600)

        response = patch(api, attributes(("given_name", "Ruth")), **signed_in)

        assert response.status_code == 200, response.json()
        assert response["AccessToken"] != signed_in["HTTP_ACCESSTOKEN"]
        assert mirrored().given_name == "Ruth"


class TestVerifyEmail:
    @pytest.fixture
    def code(self, api, backend, signed_in):
        """`USERNAME` changed the e-mail address to `NEW_EMAIL`; the code sent there."""
        skip_if(backend, Gap.NO_ATTRIBUTE_VERIFICATION)
        assert patch(api, attributes(("email", NEW_EMAIL)), **signed_in).status_code == 200
        return backend.verification_code(USERNAME)

    def verify(self, api, tokens, code):
        return api.post("/auth/me/verify_email", {"code": code}, **tokens)

    def test_a_wrong_code_is_refused_and_the_right_one_verifies(self, api, signed_in, code):
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        assert error_of(self.verify(api, signed_in, wrong)) == (400, "CodeMismatch")
        assert mirrored().email_verified is False

        response = self.verify(api, signed_in, code)

        assert response.status_code == 200, response.json()
        assert (response.json()["email"], response.json()["email_verified"]) == (NEW_EMAIL, True)
        assert api.client.get("/auth/me", **signed_in).json()["email_verified"] is True
        assert mirrored().email_verified is True

    def test_a_used_code_is_expired(self, api, signed_in, code):
        assert self.verify(api, signed_in, code).status_code == 200
        assert error_of(self.verify(api, signed_in, code)) == (400, "ExpiredCode")

    def test_a_resent_code_verifies(self, api, backend, signed_in, code):
        response = api.post("/auth/me/verify_email/resend", **signed_in)

        assert response.status_code == 200, response.json()
        assert response.json()["code_delivery"] == {
            "destination": "r***@e***",
            "delivery_medium": "EMAIL",
            "attribute_name": "email",
        }
        assert self.verify(api, signed_in, backend.verification_code(USERNAME)).status_code == 200

    @pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 123456}, ["123456"]])
    def test_refuses_a_malformed_code(self, api, signed_in, body):
        assert error_of(api.post("/auth/me/verify_email", body, **signed_in)) == (400, "ValidationError")

    @pytest.mark.parametrize("path", ["/auth/me/verify_email", "/auth/me/verify_email/resend"])
    def test_needs_a_token(self, api, backend, path):
        assert error_of(api.post(path, {"code": "123456"})) == (401, "NotAuthenticated")


# The embedded pool only: the property is about the shell, and hundreds of examples on moto add time, not proof.
@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
class TestUpdateProfileUnderFuzz:
    names = st.sampled_from(["given_name", "email", "sub", "email_verified", "custom:x", "shoe_size"]) | st.text(
        max_size=40
    )
    plausible_bodies = st.fixed_dictionaries(
        {"user_attributes": st.lists(st.fixed_dictionaries({"Name": names, "Value": json_values}), max_size=4)}
    )

    @fuzz
    @given(body=json_values | plausible_bodies)
    def test_any_body_gets_a_profile_or_the_error_shape(self, api, signed_in, body):
        response = patch(api, body, **signed_in)

        assert_clean_error(response)
        if response.status_code == 200:
            assert set(response.json()) >= {"sub", "attributes", "code_deliveries"}
        else:
            assert response.status_code == 400, response.json()
