"""Each account endpoint's answers, good and bad, in the service's one error shape."""

from __future__ import annotations

import pytest

from domain.errors import ProviderUnavailable, TooManyRequests
from tests.fakes import FailingIdentityProvider
from tests.integration.api.conftest import basic, confirmed
from tests.pools import Gap, skip_if

USERNAME = "bob@example.com"
PASSWORD = "Sturdy-Pass-42"


def error_of(response):
    body = response.json()
    assert set(body) <= {"error", "code", "fields"}, body
    return response.status_code, body["code"]


@pytest.fixture
def confirmed_user(api, backend):
    return confirmed(api, backend, USERNAME, PASSWORD)


@pytest.fixture
def signed_in(api, confirmed_user):
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert response.status_code == 200
    return response


class TestSignUp:
    def test_answers_201_with_the_sub_and_where_the_code_went(self, api, backend):
        response = api.post("/auth/signup/", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        assert response.status_code == 201
        body = response.json()
        assert body["user_confirmed"] is False
        assert body["code_delivery"]["delivery_medium"] == "EMAIL"
        assert USERNAME not in body["code_delivery"]["destination"]

    def test_refuses_a_weak_password(self, api, backend):
        response = api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, "weak"))
        assert error_of(response) == (400, "InvalidPassword")

    def test_refuses_a_taken_username(self, api, backend):
        api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        response = api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        assert error_of(response) == (409, "UsernameExists")

    def test_needs_basic_credentials(self, api, backend):
        assert error_of(api.post("/auth/signup")) == (400, "BadRequest")

    @pytest.mark.parametrize(
        ("attributes", "field"),
        [
            ("given_name", "user_attributes"),
            ([{"Name": "given_name"}], "user_attributes"),
            ([{"Name": "sub", "Value": "mine"}], "user_attributes"),
            ([{"Name": 7, "Value": "x"}], "user_attributes"),
        ],
    )
    def test_refuses_malformed_attributes(self, api, backend, attributes, field):
        response = api.post(
            "/auth/signup", {"user_attributes": attributes}, HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)
        )
        assert error_of(response) == (400, "ValidationError")
        assert field in response.json()["fields"]


class TestConfirmSignUp:
    def test_accepts_the_code_under_its_own_name(self, api, backend):
        api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        response = api.post("/auth/confirm_signup/", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
        assert response.status_code == 200

    def test_refuses_a_wrong_code(self, api, backend):
        skip_if(backend, Gap.SIGN_UP_CODES_UNCHECKED)
        api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        wrong = "000000" if backend.sign_up_code(USERNAME) != "000000" else "111111"
        assert error_of(api.post("/auth/confirm_signup", {"username": USERNAME, "code": wrong})) == (
            400,
            "CodeMismatch",
        )

    def test_needs_a_code(self, api, backend):
        response = api.post("/auth/confirm_signup", {"username": USERNAME})
        assert error_of(response) == (400, "ValidationError")
        assert "code" in response.json()["fields"]

    def test_refuses_a_code_that_is_not_text(self, api, backend):
        response = api.post("/auth/confirm_signup", {"username": USERNAME, "code": 123456})
        assert error_of(response) == (400, "ValidationError")

    def test_ignores_tokens_sent_anyway(self, api, backend):
        api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        response = api.post(
            "/auth/confirm_signup",
            {"username": USERNAME, "code": backend.sign_up_code(USERNAME)},
            HTTP_ACCESSTOKEN="stale",
            HTTP_REFRESHTOKEN="stale",
        )
        assert response.status_code == 200


class TestResendCode:
    def test_answers_alike_for_unknown_and_unconfirmed_users(self, api, backend):
        skip_if(backend, Gap.NO_RESEND_CONFIRMATION_CODE)
        api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        known = api.post("/auth/resend_code", {"username": USERNAME})
        unknown = api.post("/auth/resend_code", {"username": "nobody@example.com"})
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        assert known.status_code == 200


class TestLogin:
    def test_sets_token_headers_and_http_only_cookies(self, signed_in):
        for header in ("AccessToken", "RefreshToken", "IdToken", "HTTP_ACCESSTOKEN", "HTTP_REFRESHTOKEN"):
            assert signed_in[header]
        for cookie in ("access_token", "refresh_token", "id_token"):
            assert signed_in.cookies[cookie]["httponly"]
            assert signed_in.cookies[cookie]["samesite"] == "Lax"

    def test_answers_alike_for_a_wrong_password_and_an_unknown_user(self, api, confirmed_user):
        wrong = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, "Wrong-Pass-42"))
        unknown = api.post("/auth/login", HTTP_AUTHORIZATION=basic("nobody@example.com", PASSWORD))
        assert error_of(wrong) == (401, "NotAuthorized")
        assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())

    def test_never_echoes_the_password(self, api, confirmed_user):
        response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, "Wrong-Pass-42"))
        assert b"Wrong-Pass-42" not in response.content


class TestConfirmLogin:
    def test_a_new_user_sets_a_password_before_getting_tokens(self, api, backend):
        backend.admin_create_user("carol@example.com", "Temporary-Pass-1")
        challenged = api.post("/auth/login", HTTP_AUTHORIZATION=basic("carol@example.com", "Temporary-Pass-1"))
        assert challenged.status_code == 200
        challenge = challenged.json()
        assert challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
        assert "AccessToken" not in challenged
        answer = {
            "username": "carol@example.com",
            "challenge_name": "NEW_PASSWORD_REQUIRED",
            "responses": {"NEW_PASSWORD": "Permanent-Pass-2"},
            "session": challenge["session"],
        }
        answered = api.post("/auth/confirm_login", answer)
        assert answered.status_code == 200, answered.json()
        assert answered["AccessToken"]
        assert (
            api.post("/auth/login", HTTP_AUTHORIZATION=basic("carol@example.com", "Permanent-Pass-2")).status_code
            == 200
        )

    def test_a_session_is_never_usable_twice(self, api, backend):
        skip_if(backend, Gap.SESSIONS_UNMODELLED)
        backend.admin_create_user("carol@example.com", "Temporary-Pass-1")
        session = api.post("/auth/login", HTTP_AUTHORIZATION=basic("carol@example.com", "Temporary-Pass-1")).json()
        answer = {
            "username": "carol@example.com",
            "challenge_name": "NEW_PASSWORD_REQUIRED",
            "responses": {"NEW_PASSWORD": "Permanent-Pass-2"},
            "session": session["session"],
        }
        assert api.post("/auth/confirm_login", answer).status_code == 200
        assert error_of(api.post("/auth/confirm_login", answer)) == (400, "ExpiredSession")

    def test_needs_every_field(self, api, backend):
        response = api.post("/auth/confirm_login", {"username": USERNAME})
        assert error_of(response) == (400, "ValidationError")
        assert {"challenge_name", "responses", "session"} <= set(response.json()["fields"])


class TestRefresh:
    def test_takes_the_refresh_token_from_the_body_too(self, api, signed_in):
        response = api.post(
            "/auth/refresh",
            {"refresh_token": signed_in["RefreshToken"]},
            HTTP_AUTHORIZATION="Bearer " + signed_in["AccessToken"],
        )
        assert response.status_code == 200, response.json()
        assert response["AccessToken"]

    def test_needs_a_refresh_token(self, api, backend):
        assert error_of(api.post("/auth/refresh")) == (400, "ValidationError")

    def test_refuses_an_unknown_refresh_token(self, api, signed_in):
        response = api.post("/auth/refresh", HTTP_ACCESSTOKEN=signed_in["AccessToken"], HTTP_REFRESHTOKEN="forged")
        assert error_of(response) == (401, "NotAuthorized")

    def test_refuses_a_forged_access_token(self, api, signed_in):
        response = api.post("/auth/refresh", HTTP_ACCESSTOKEN="a.b.c", HTTP_REFRESHTOKEN=signed_in["RefreshToken"])
        assert error_of(response) == (401, "TokenInvalid")


class TestLogout:
    def test_takes_the_tokens_from_the_cookies_and_clears_them(self, api, signed_in):
        response = api.post("/auth/logout")  # the test client kept the login's cookies
        assert response.status_code == 200, response.json()
        for cookie in ("access_token", "refresh_token", "id_token"):
            assert response.cookies[cookie].value == ""
        assert error_of(api.post("/auth/refresh", {"refresh_token": signed_in["RefreshToken"]}))[0] in {400, 401}

    def test_takes_a_bearer_token(self, api, signed_in):
        api.client.cookies.clear()
        response = api.post("/auth/logout", HTTP_AUTHORIZATION="Bearer " + signed_in["AccessToken"])
        assert response.status_code == 200
        refused = api.post(
            "/auth/refresh", HTTP_ACCESSTOKEN=signed_in["AccessToken"], HTTP_REFRESHTOKEN=signed_in["RefreshToken"]
        )
        assert error_of(refused) == (401, "NotAuthorized")

    def test_needs_a_token(self, api, backend):
        assert error_of(api.post("/auth/logout")) == (401, "NotAuthenticated")


class TestPasswordReset:
    def test_forgot_password_answers_alike_whether_or_not_the_account_exists(self, api, confirmed_user):
        known = api.post("/auth/forgot_password", {"email": USERNAME})
        unknown = api.post("/auth/forgot_password", {"email": "nobody@example.com"})
        assert known.status_code == unknown.status_code == 200
        assert known.json() == unknown.json()

    def test_refuses_a_wrong_code(self, api, backend, confirmed_user):
        api.post("/auth/forgot_password", {"email": USERNAME})
        real = backend.reset_code(USERNAME)
        wrong = real[:-1] + ("0" if real[-1] != "0" else "1")
        response = api.post(
            "/auth/confirm_forgot_password", {"email": USERNAME, "new_password": PASSWORD, "code": wrong}
        )
        # Whatever the provider says of it (moto: ExpiredCode), a refused code has one answer.
        assert error_of(response) == (400, "CodeMismatch")

    def test_refuses_a_weak_new_password(self, api, backend, confirmed_user):
        skip_if(backend, Gap.RESET_SKIPS_PASSWORD_POLICY)
        api.post("/auth/forgot_password", {"email": USERNAME})
        response = api.post(
            "/auth/confirm_forgot_password",
            {"email": USERNAME, "new_password": "weak", "code": backend.reset_code(USERNAME)},
        )
        assert error_of(response) == (400, "InvalidPassword")


class TestProviderTrouble:
    @pytest.mark.parametrize(
        ("error", "status", "code"),
        [(TooManyRequests(retry_after=7), 429, "TooManyRequests"), (ProviderUnavailable(), 503, "ProviderUnavailable")],
    )
    def test_answers_with_retry_after(self, api, container, error, status, code):
        with container.identity_provider.override(FailingIdentityProvider(error)):
            response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        assert error_of(response) == (status, code)
        assert int(response["Retry-After"]) == error.retry_after


class TestHttpFraming:
    def test_paths_answer_without_and_with_a_trailing_slash(self, api, backend):
        assert api.post("/auth/forgot_password", {"email": USERNAME}).status_code == 200
        assert api.post("/auth/forgot_password/", {"email": USERNAME}).status_code == 200

    def test_other_methods_are_refused_in_json(self, api, backend):
        response = api.client.get("/auth/login")
        assert error_of(response) == (405, "MethodNotAllowed")

    def test_an_unknown_path_is_a_json_404(self, api, backend):
        assert error_of(api.post("/auth/nothing-here")) == (404, "NotFound")

    def test_a_body_that_is_not_json_is_a_bad_request(self, api, backend):
        assert error_of(api.post_raw("/auth/forgot_password", b"{not json")) == (400, "BadRequest")

    def test_a_form_body_is_refused(self, api, backend):
        response = api.post_raw("/auth/forgot_password", "email=x", content_type="application/x-www-form-urlencoded")
        assert error_of(response) == (415, "UnsupportedMediaType")

    def test_a_body_over_64_kib_is_refused(self, api, backend):
        response = api.post("/auth/forgot_password", {"email": "x" * (65 * 1024)})
        assert error_of(response) == (413, "PayloadTooLarge")

    def test_a_json_array_is_a_validation_error(self, api, backend):
        assert error_of(api.post("/auth/forgot_password", [USERNAME])) == (400, "ValidationError")
