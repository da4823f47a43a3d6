"""Every kind of bad access token, sent to a protected endpoint, is refused with 401 and its code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests.integration.api.conftest import basic

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

USERNAME = "lee@example.com"
PASSWORD = "Correct-Horse-9"


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
        assert refused(api, tokens["access"] + "A" * 20_000) == (401, "TokenInvalid")
