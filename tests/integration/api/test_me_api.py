"""A protected endpoint: token authentication, transparent refresh, and logout taking effect at once."""

from __future__ import annotations

import pytest

from tests.integration.api.conftest import basic
from tests.pools import Gap, skip_if

USERNAME = "kim@example.com"
PASSWORD = "Correct-Horse-9"


@pytest.fixture
def signed_in(api, backend):
    api.post(
        "/auth/signup",
        {"user_attributes": [{"Name": "given_name", "Value": "Kim"}]},
        HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD),
    )
    api.post("/auth/confirm_signup", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert response.status_code == 200
    api.client.cookies.clear()  # each test chooses how it sends the tokens
    return response


def me(api, **meta):
    return api.client.get("/auth/me", **meta)


class TestMe:
    def test_returns_the_mirrored_profile(self, api, signed_in):
        response = me(api, HTTP_ACCESSTOKEN=signed_in["AccessToken"])
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["username"], body["email"], body["given_name"]) == (USERNAME, USERNAME, "Kim")
        assert body["sub"]
        assert body["last_login"]

    def test_an_absent_value_is_null_never_empty(self, api, signed_in):
        body = me(api, HTTP_ACCESSTOKEN=signed_in["AccessToken"]).json()

        assert (body["family_name"], body["phone_number"], body["image_url"]) == (None, None, None)
        assert "" not in body.values()

    @pytest.mark.parametrize("how", ["header", "bearer", "cookie"])
    def test_takes_the_access_token_from_a_header_a_bearer_or_the_cookie(self, api, signed_in, how):
        token = signed_in["AccessToken"]
        if how == "cookie":
            api.client.cookies["access_token"] = token
            response = me(api)
        elif how == "bearer":
            response = me(api, HTTP_AUTHORIZATION=f"Bearer {token}")
        else:
            response = me(api, HTTP_ACCESSTOKEN=token)
        assert response.status_code == 200

    def test_every_response_carries_the_current_tokens(self, api, signed_in):
        response = me(api, HTTP_ACCESSTOKEN=signed_in["AccessToken"], HTTP_REFRESHTOKEN=signed_in["RefreshToken"])
        assert (response["AccessToken"], response["RefreshToken"]) == (
            signed_in["AccessToken"],
            signed_in["RefreshToken"],
        )
        # The seed's names and the cookies come with issued tokens only.
        assert not {"HTTP_ACCESSTOKEN", "HTTP_REFRESHTOKEN", "IdToken"} & set(response.headers)
        assert not response.cookies

    def test_needs_a_token(self, api, backend):
        response = me(api)
        assert (response.status_code, response.json()["code"]) == (401, "NotAuthenticated")

    def test_refuses_a_forged_token(self, api, backend):
        response = me(api, HTTP_ACCESSTOKEN="forged.access.token")
        assert (response.status_code, response.json()["code"]) == (401, "TokenInvalid")

    def test_refuses_the_token_at_once_after_logout(self, api, signed_in):
        tokens = {"HTTP_ACCESSTOKEN": signed_in["AccessToken"], "HTTP_REFRESHTOKEN": signed_in["RefreshToken"]}
        assert api.post("/auth/logout", **tokens).status_code == 200
        response = me(api, **tokens)
        assert (response.status_code, response.json()["code"]) == (401, "TokenInvalid")

    def test_logout_on_one_device_refuses_the_other_devices_tokens_at_once(self, api, backend, signed_in):
        other_device = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        api.client.cookies.clear()
        other_tokens = {
            "HTTP_ACCESSTOKEN": other_device["AccessToken"],
            "HTTP_REFRESHTOKEN": other_device["RefreshToken"],
        }
        assert me(api, **other_tokens).status_code == 200
        # `iat` counts whole seconds: a token of the logout's own second is not told from a later sign-in.
        backend.start_the_next_second()

        assert api.post("/auth/logout", HTTP_ACCESSTOKEN=signed_in["AccessToken"]).status_code == 200

        refused = me(api, **other_tokens)
        assert (refused.status_code, refused.json()["code"]) == (401, "TokenInvalid")

    def test_a_sign_in_right_after_logout_works(self, api, signed_in):
        assert api.post("/auth/logout", HTTP_ACCESSTOKEN=signed_in["AccessToken"]).status_code == 200

        again = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
        api.client.cookies.clear()

        assert me(api, HTTP_ACCESSTOKEN=again["AccessToken"]).status_code == 200


class TestTransparentRefresh:
    @pytest.fixture
    def expired(self, backend, signed_in):
        backend.let_time_pass(2 * 3600)
        return signed_in

    @pytest.fixture
    def refreshable(self, backend, expired):
        skip_if(backend, Gap.TOKENS_STAMPED_WITH_WALL_CLOCK)
        return expired

    def test_an_expired_token_alone_is_refused(self, api, expired):
        response = me(api, HTTP_ACCESSTOKEN=expired["AccessToken"])
        assert (response.status_code, response.json()["code"]) == (401, "TokenExpired")

    def test_an_expired_token_with_a_refresh_token_is_served_with_new_tokens(self, api, refreshable):
        expired = refreshable
        response = me(api, HTTP_ACCESSTOKEN=expired["AccessToken"], HTTP_REFRESHTOKEN=expired["RefreshToken"])
        assert response.status_code == 200, response.json()
        assert response["AccessToken"] != expired["AccessToken"]
        assert response["RefreshToken"] == expired["RefreshToken"]
        assert response["HTTP_ACCESSTOKEN"] == response["AccessToken"]
        assert response.cookies["access_token"].value == response["AccessToken"]
        assert me(api, HTTP_ACCESSTOKEN=response["AccessToken"]).status_code == 200

    def test_the_cookies_alone_suffice(self, api, refreshable):
        expired = refreshable
        api.client.cookies["access_token"] = expired["AccessToken"]
        api.client.cookies["refresh_token"] = expired["RefreshToken"]
        response = me(api)
        assert response.status_code == 200
        assert response.cookies["access_token"].value != expired["AccessToken"]
