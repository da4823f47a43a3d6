"""The original service's whole walk, over HTTP, as a client of the seed would make it."""

from __future__ import annotations

from tests.integration.api.conftest import basic

USERNAME = "alice@example.com"
PASSWORD = "Correct-Horse-9"
NEW_PASSWORD = "Battery-Staple-7"


def test_the_seed_flow_from_sign_up_to_a_new_password(api, backend):
    signed_up = api.post(
        "/auth/signup",
        {"user_attributes": [{"Name": "given_name", "Value": "Alice"}, {"Name": "family_name", "Value": "Liddell"}]},
        HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD),
    )
    assert signed_up.status_code == 201, signed_up.json()
    assert signed_up.json()["user_confirmed"] is False
    assert signed_up.json()["user_sub"]

    too_early = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert (too_early.status_code, too_early.json()["code"]) == (403, "UserNotConfirmed")

    confirmed = api.post(
        "/auth/confirm_signup",
        {"username": USERNAME, "password": backend.sign_up_code(USERNAME), "force_alias_creation": False},
    )
    assert confirmed.status_code == 200, confirmed.json()

    logged_in = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    assert logged_in.status_code == 200, logged_in.json()
    assert logged_in.json() == {"msg": f"Welcome {USERNAME}"}
    access, refresh = logged_in["AccessToken"], logged_in["RefreshToken"]
    assert logged_in["HTTP_ACCESSTOKEN"] == access
    assert logged_in["HTTP_REFRESHTOKEN"] == refresh
    assert logged_in["IdToken"]
    assert backend.verifier.verify_access_token(access).username.casefold() == USERNAME

    refreshed = api.post("/auth/refresh", HTTP_ACCESSTOKEN=access, HTTP_REFRESHTOKEN=refresh)
    assert refreshed.status_code == 200, refreshed.json()
    assert refreshed["RefreshToken"] == refresh

    logged_out = api.post("/auth/logout", HTTP_ACCESSTOKEN=refreshed["AccessToken"], HTTP_REFRESHTOKEN=refresh)
    assert logged_out.status_code == 200, logged_out.json()

    refused = api.post("/auth/refresh", HTTP_ACCESSTOKEN=access, HTTP_REFRESHTOKEN=refresh)
    assert (refused.status_code, refused.json()["code"]) == (401, "NotAuthorized")

    forgot = api.post("/auth/forgot_password", {"email": USERNAME})
    assert forgot.status_code == 200, forgot.json()
    reset = api.post(
        "/auth/confirm_forgot_password",
        {"email": USERNAME, "new_password": NEW_PASSWORD, "code": backend.reset_code(USERNAME)},
    )
    assert reset.status_code == 200, reset.json()

    assert api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD)).status_code == 401
    again = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, NEW_PASSWORD))
    assert again.status_code == 200, again.json()
