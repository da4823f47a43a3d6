"""TOTP set-up under /auth/mfa/ and the SOFTWARE_TOKEN_MFA challenge of /auth/login, walked end to end."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from tests.integration.api.conftest import basic
from tests.pools import Gap, skip_if

USERNAME = "mia@example.com"
PASSWORD = "Sturdy-Pass-42"


def error_of(response):
    return response.status_code, response.json()["code"]


def put(api, path, body, **meta):
    return api.client.put(path, data=json.dumps(body), content_type="application/json", **meta)


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
    associated = api.post("/auth/mfa/totp", **token)
    assert associated.status_code == 200
    secret = associated.json()["secret"]
    uri = urllib.parse.urlsplit(associated.json()["otpauth_uri"])
    assert (uri.scheme, urllib.parse.unquote(uri.path)) == ("otpauth", f"/cognito-auth:{USERNAME}")
    assert urllib.parse.parse_qs(uri.query) == {"secret": [secret], "issuer": ["cognito-auth"]}

    verify = api.post("/auth/mfa/totp/verify", {"code": wrong(backend.authenticator_code(secret))}, **token)
    assert error_of(verify) == (400, "CodeMismatch")
    assert api.post("/auth/mfa/totp/verify", {"code": backend.authenticator_code(secret)}, **token).status_code == 200
    assert put(api, "/auth/mfa/preference", {"totp": True}, **token).status_code == 200
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

    turned_off = put(api, "/auth/mfa/preference", {"totp": False}, HTTP_ACCESSTOKEN=answered["AccessToken"])
    assert turned_off.status_code == 200
    signed_in = login(api)
    assert signed_in.status_code == 200
    assert signed_in["AccessToken"]


def test_turning_totp_on_needs_a_verified_authenticator(api, backend, access_token):
    api.post("/auth/mfa/totp", HTTP_ACCESSTOKEN=access_token)
    response = put(api, "/auth/mfa/preference", {"totp": True}, HTTP_ACCESSTOKEN=access_token)
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
    secret = api.post("/auth/mfa/totp", **token).json()["secret"]
    api.post("/auth/mfa/totp/verify", {"code": backend.authenticator_code(secret)}, **token)
    put(api, "/auth/mfa/preference", {"totp": True}, **token)
    backend.let_time_pass(30)
    challenge = login(api).json()
    assert confirm_login(api, challenge, backend.authenticator_code(secret)).status_code == 200
    backend.let_time_pass(30)

    reused = confirm_login(api, challenge, backend.authenticator_code(secret))

    assert error_of(reused) == (400, "ExpiredSession")
