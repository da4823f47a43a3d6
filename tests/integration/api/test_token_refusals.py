"""Every kind of bad access token, sent to a protected endpoint, is refused with 401 and its code."""

from __future__ import annotations

import base64
import codecs
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_shell.accounts.models import User
from tests.integration.api.conftest import basic

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

USERNAME = "lee@example.com"
PASSWORD = "Correct-Horse-9"


any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def tokens(api, backend):
    api.post("/auth/signup", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    api.post("/auth/confirm_signup", {"username": USERNAME, "code": backend.sign_up_code(USERNAME)})
    response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, PASSWORD))
    api.client.cookies.clear()
    return {"access": response["AccessToken"], "id": response["IdToken"]}


@pytest.fixture
def mint(backend, signing_key, tokens):
    """Sign the real access token's claims, changed as a test says, with the pool's own key."""
    claims = jwt.decode(tokens["access"], options={"verify_signature": False})
    kid = backend.provider.jwks()["keys"][0]["kid"]

    def mint(changes=None, *, drop=(), kid=kid, key=signing_key, algorithm="RS256"):
        payload = {name: value for name, value in {**claims, **(changes or {})}.items() if name not in drop}
        return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})

    return mint


def hs256_with_the_public_key(backend, signing_key, tokens):
    """The classic confusion attack: HMAC keyed with the RSA public key that anyone can fetch."""
    public_pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": backend.provider.jwks()["keys"][0]["kid"]}).encode())
    payload = tokens["access"].split(".")[1]
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def refused(api, token):
    response = api.client.get("/auth/me", HTTP_ACCESSTOKEN=token)
    return response.status_code, response.json()["code"]


class TestRefusedTokens:
    def test_a_good_token_is_served(self, api, tokens):
        assert api.client.get("/auth/me", HTTP_ACCESSTOKEN=tokens["access"]).status_code == 200

    def test_alg_none(self, api, tokens):
        payload = tokens["access"].split(".")[1]
        unsigned = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        assert refused(api, f"{unsigned}.{payload}.") == (401, "TokenInvalid")

    def test_hs256_signed_with_the_public_key(self, api, backend, signing_key, tokens):
        assert refused(api, hs256_with_the_public_key(backend, signing_key, tokens)) == (401, "TokenInvalid")

    def test_an_unknown_kid(self, api, mint):
        assert refused(api, mint(kid="not-a-key-of-the-pool")) == (401, "TokenInvalid")

    def test_a_bad_signature(self, api, tokens):
        header, payload, signature = tokens["access"].split(".")
        forged = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
        assert refused(api, f"{header}.{payload}.{forged}") == (401, "TokenInvalid")

    def test_a_payload_changed_after_signing(self, api, tokens, mint):
        header, _, signature = tokens["access"].split(".")
        other_payload = mint({"username": "mallory"}).split(".")[1]
        assert refused(api, f"{header}.{other_payload}.{signature}") == (401, "TokenInvalid")

    def test_a_wrong_issuer(self, api, mint):
        assert refused(api, mint({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"})) == (
            401,
            "TokenInvalid",
        )

    def test_a_wrong_client_id(self, api, mint):
        assert refused(api, mint({"client_id": "another-app-client"})) == (401, "TokenInvalid")

    def test_an_id_token_used_as_an_access_token(self, api, tokens):
        assert refused(api, tokens["id"]) == (401, "TokenInvalid")

    def test_expired_beyond_the_leeway(self, api, backend, mint):
        now = int(backend.clock.now())
        assert refused(api, mint({"iat": now - 7200, "exp": now - 3600})) == (401, "TokenExpired")

    def test_not_yet_valid(self, api, backend, mint):
        assert refused(api, mint({"nbf": int(backend.clock.now()) + 3600})) == (401, "TokenInvalid")

    def test_no_expiry(self, api, mint):
        assert refused(api, mint(drop=("exp",))) == (401, "TokenInvalid")

    @pytest.mark.parametrize("token", ["abc", "a.b", "a.b.c.d", "!!!.???.***", "..", "e30.e30.e30"])
    def test_malformed_parts(self, api, backend, token):
        assert refused(api, token) == (401, "TokenInvalid")

    def test_an_oversized_token(self, api, tokens):
        assert refused(api, tokens["access"] + "A" * 40_000) == (401, "TokenInvalid")


def sign_raw(signing_key, header, payload):
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = signing_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def claims(tokens):
    return jwt.decode(tokens["access"], options={"verify_signature": False})


@pytest.fixture
def kid(backend):
    return backend.provider.jwks()["keys"][0]["kid"]


class TestWhatAwsJwtVerifyRefuses:
    """Validly signed with the pool's own key, yet not Cognito's: 401, never a 500."""

    @pytest.mark.parametrize("algorithm", [["RS256"], {"name": "RS256"}])
    def test_an_algorithm_that_is_not_a_string(self, api, signing_key, claims, kid, algorithm):
        assert refused(api, sign_raw(signing_key, {"alg": algorithm, "kid": kid}, claims)) == (401, "TokenInvalid")

    @pytest.mark.parametrize(
        "changes",
        [
            {"origin_jti": {"an": "object"}},
            {"scope": ["aws.cognito.signin.user.admin"]},
            {"aud": 7},
            {"exp": 10**30},
            {"cognito:groups": "admins"},
        ],
        ids=["origin_jti-object", "scope-array", "aud-number", "exp-never", "groups-string"],
    )
    def test_a_claim_of_the_wrong_type(self, api, signing_key, claims, kid, changes):
        token = sign_raw(signing_key, {"alg": "RS256", "kid": kid}, claims | changes)
        assert refused(api, token) == (401, "TokenInvalid")

    def test_a_payload_with_a_byte_order_mark(self, api, signing_key, claims, kid):
        header = b64(json.dumps({"alg": "RS256", "kid": kid}).encode())
        payload = b64(codecs.BOM_UTF8 + json.dumps(claims).encode())
        signing_input = f"{header}.{payload}"
        signature = signing_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        assert refused(api, f"{signing_input}.{b64(signature)}") == (401, "TokenInvalid")


class TestGenuineTokens:
    def test_the_newer_issuer_form_of_the_pool(self, api, signing_key, claims, kid):
        issuer = claims["iss"].replace("https://cognito-idp.", "https://issuer-cognito-idp.")
        token = sign_raw(signing_key, {"alg": "RS256", "kid": kid}, claims | {"iss": issuer})

        assert api.client.get("/auth/me", HTTP_ACCESSTOKEN=token).status_code == 200

    @pytest.mark.parametrize("header", ["HTTP_ACCESSTOKEN", "HTTP_AUTHORIZATION"])
    def test_a_token_of_a_user_in_a_hundred_long_named_groups(self, api, signing_key, claims, kid, header):
        groups = [f"group-{index:03d}-" + "g" * 118 for index in range(100)]
        token = sign_raw(signing_key, {"alg": "RS256", "kid": kid}, claims | {"cognito:groups": groups})
        value = token if header == "HTTP_ACCESSTOKEN" else f"Bearer {token}"

        assert len(token) > 16 * 1024
        assert api.client.get("/auth/me", **{header: value}).status_code == 200


# No deadline: every example signs with RSA, and a loaded machine must not fail a slow one.
@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header_changes=st.dictionaries(st.sampled_from(["alg", "kid", "crit", "typ"]), any_json, max_size=2),
    payload_changes=st.dictionaries(
        st.sampled_from(
            [
                "sub",
                "iss",
                "client_id",
                "token_use",
                "exp",
                "iat",
                "nbf",
                "auth_time",
                "jti",
                "origin_jti",
                "event_id",
                "scope",
                "username",
                "aud",
                "cognito:groups",
                "version",
            ]
        ),
        any_json,
        max_size=3,
    ),
)
def test_any_json_in_a_validly_signed_token_is_answered_401_or_200(
    api, signing_key, claims, kid, header_changes, payload_changes
):
    token = sign_raw(signing_key, {"alg": "RS256", "kid": kid} | header_changes, claims | payload_changes)

    response = api.client.get("/auth/me", HTTP_ACCESSTOKEN=token)

    assert response.status_code in (200, 401), response.content


BARE_BEARER = 'Bearer realm="cognito-auth"'


def invalid_token(description):
    return f'Bearer realm="cognito-auth", error="invalid_token", error_description="{description}"'


class TestChallenges:
    """Every 401 names the scheme that would let the request in (RFC 7235); a refused bearer token
    says `invalid_token` and why (RFC 6750 §3)."""

    def test_no_token_gets_the_bare_bearer_challenge(self, api, backend):
        for response in (api.client.get("/auth/me"), api.client.get("/admin-api/users")):
            assert response.status_code == 401
            assert response["WWW-Authenticate"] == BARE_BEARER

    def test_a_forged_token_is_an_invalid_token(self, api, tokens):
        response = api.client.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}x")

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == invalid_token(response.json()["error"])

    def test_an_expired_token_is_an_invalid_token(self, api, backend, tokens):
        backend.let_time_pass(2 * 3600)

        response = api.client.get("/auth/me", HTTP_ACCESSTOKEN=tokens["access"])

        assert (response.status_code, response.json()["code"]) == (401, "TokenExpired")
        assert response["WWW-Authenticate"] == invalid_token("The token has expired.")

    def test_a_disabled_users_token_is_an_invalid_token_even_where_a_password_is_checked(self, api, tokens):
        User.objects.filter(username=USERNAME).update(is_active=False)

        response = api.post(
            "/auth/me/password",
            {"old_password": PASSWORD, "new_password": "Battery-Staple-7"},
            HTTP_ACCESSTOKEN=tokens["access"],
        )

        assert (response.status_code, response.json()["code"]) == (401, "NotAuthorized")
        assert response["WWW-Authenticate"] == invalid_token("User is disabled.")

    def test_a_wrong_old_password_is_no_token_error(self, api, tokens):
        response = api.post(
            "/auth/me/password",
            {"old_password": "Wrong-Horse-9", "new_password": "Battery-Staple-7"},
            HTTP_ACCESSTOKEN=tokens["access"],
        )

        assert (response.status_code, response.json()["code"]) == (401, "NotAuthorized")
        assert response["WWW-Authenticate"] == BARE_BEARER

    def test_a_dead_refresh_token_is_an_invalid_token(self, api, tokens):
        response = api.post("/auth/refresh", HTTP_REFRESHTOKEN="not-a-refresh-token")

        assert (response.status_code, response.json()["code"]) == (401, "NotAuthorized")
        assert response["WWW-Authenticate"].startswith(BARE_BEARER + ', error="invalid_token", error_description="')

    def test_a_wrong_password_asks_for_basic_credentials(self, api, tokens):
        response = api.post("/auth/login", HTTP_AUTHORIZATION=basic(USERNAME, "Wrong-Horse-9"))

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Basic realm="cognito-auth", charset="UTF-8"'

    def test_answers_other_than_401_carry_no_challenge(self, api, tokens):
        response = api.client.get("/admin-api/users", HTTP_ACCESSTOKEN=tokens["access"])

        assert response.status_code == 403
        assert "WWW-Authenticate" not in response
