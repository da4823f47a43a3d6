"""The pool's tokens: its signing key and JWKS, token families that start at sign-in, and their revocation."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sqlite3
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.embedded_pool.users import USER_DISABLED, User, group_names
from adapters.jwt.verifier import JwksTokenVerifier
from application.ports.clock import Clock
from domain.errors import NotAuthorized, TokenExpired, TokenInvalid
from domain.values import VERIFIED_FLAGS, Claims, TokenSet

_ACCESS_SCOPE = "aws.cognito.signin.user.admin"


class TokenIssuer:
    """Signs the pool's tokens with `signing_key` and checks the access tokens it signed."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        signing_key: rsa.RSAPrivateKey,
        clock: Clock,
        access_token_lifetime: int,
        refresh_token_lifetime: int,
    ) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._signing_key = signing_key
        self._access_token_lifetime = access_token_lifetime
        self._refresh_token_lifetime = refresh_token_lifetime
        self._public_jwk = _public_jwk(signing_key.public_key())
        self._verifier = JwksTokenVerifier(issuer=issuer, client_id=client_id, jwks=self.jwks, clock=clock, leeway=0)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(self._public_jwk)]}

    def sign_in(self, db: sqlite3.Connection, user: User, now: float) -> TokenSet:
        """Start a token family: a refresh token whose access and id tokens share its `origin_jti`."""
        refresh_token = secrets.token_urlsafe(48)
        origin_jti = str(uuid.uuid4())
        auth_time = int(now)
        # A family stays on record until its last access token would have expired, so revocations hold.
        db.execute("DELETE FROM refresh_tokens WHERE expires_at + ? <= ?", (self._access_token_lifetime, now))
        db.execute(
            "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, 0)",
            (digest(refresh_token), user.sub, origin_jti, auth_time, now + self._refresh_token_lifetime),
        )
        return self.tokens(db, user, origin_jti, auth_time, refresh_token, now)

    def tokens(
        self, db: sqlite3.Connection, user: User, origin_jti: str, auth_time: int, refresh_token: str, now: float
    ) -> TokenSet:
        issued_at = int(now)
        # As Cognito does: both tokens name the user's groups as they are now, and only when there are any.
        groups = group_names(db, user.sub)
        common = {
            **({"cognito:groups": groups} if groups else {}),
            "sub": user.sub,
            "iss": self._issuer,
            "origin_jti": origin_jti,
            "event_id": str(uuid.uuid4()),
            "auth_time": auth_time,
            "iat": issued_at,
            "exp": issued_at + self._access_token_lifetime,
        }
        access_claims = {
            **common,
            "client_id": self._client_id,
            "token_use": "access",
            "scope": _ACCESS_SCOPE,
            "jti": str(uuid.uuid4()),
            "username": user.username,
        }
        id_claims = {
            **_attribute_claims(user.attributes),
            **common,
            "aud": self._client_id,
            "token_use": "id",
            "jti": str(uuid.uuid4()),
            "cognito:username": user.username,
        }
        return TokenSet(
            access_token=self._sign(access_claims),
            id_token=self._sign(id_claims),
            refresh_token=refresh_token,
            expires_in=self._access_token_lifetime,
        )

    def _sign(self, claims: Mapping[str, Any]) -> str:
        # Cognito's header is exactly {"kid", "alg"}; PyJWT would add "typ" unless told not to.
        return jwt.encode(
            dict(claims), self._signing_key, algorithm="RS256", headers={"kid": self._public_jwk["kid"], "typ": None}
        )

    def access_claims(self, access_token: str) -> Claims:
        """The claims of an access token this pool signed, refused as Cognito refuses it."""
        try:
            return self._verifier.verify_access_token(access_token)
        except TokenExpired as error:
            raise NotAuthorized("Access Token has expired") from error
        except TokenInvalid as error:
            raise NotAuthorized("Invalid Access Token") from error

    def signed_in_user(self, db: sqlite3.Connection, access_token: str) -> User:
        """The user of a valid, unrevoked access token, refused as Cognito refuses it."""
        claims = self.access_claims(access_token)
        row = db.execute(
            "SELECT * FROM refresh_tokens JOIN users USING (sub) WHERE origin_jti = ? AND sub = ?",
            (claims.origin_jti, claims.sub),
        ).fetchone()
        if row is None or row["revoked"]:
            raise NotAuthorized("Access Token has been revoked")
        user = User.from_row(row)
        if not user.enabled:
            raise NotAuthorized(USER_DISABLED)
        return user


def revoke_tokens(db: sqlite3.Connection, sub: str) -> None:
    """Revoke every token family of the user: their refresh tokens and, through `origin_jti`, access tokens."""
    db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE sub = ?", (sub,))


def digest(secret: str) -> str:
    """Refresh tokens and sessions are stored as digests: a copy of the file holds no usable secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def load_signing_key(db: sqlite3.Connection, given: rsa.RSAPrivateKey | None) -> rsa.RSAPrivateKey:
    """The pool's key: the one given (and stored for other processes), else the stored one, else a new one."""
    if given is None:
        row = db.execute("SELECT pem FROM signing_key WHERE id = 1").fetchone()
        if row is not None:
            stored = serialization.load_pem_private_key(row["pem"].encode(), password=None)
            if not isinstance(stored, rsa.RSAPrivateKey):
                raise ValueError("the pool's stored signing key is not an RSA key")
            return stored
        given = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = given.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    db.execute("INSERT OR REPLACE INTO signing_key (id, pem) VALUES (1, ?)", (pem,))
    return given


def _public_jwk(key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    members = {"e": _base64url_uint(numbers.e), "kty": "RSA", "n": _base64url_uint(numbers.n)}
    # RFC 7638 thumbprint: the same key always gets the same kid, in every process.
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": members["n"], "e": members["e"]}


def _base64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def _attribute_claims(attributes: Mapping[str, str]) -> dict[str, Any]:
    """The user's attributes as id-token claims; the verified flags are booleans there."""
    return {name: value == "true" if name in VERIFIED_FLAGS else value for name, value in attributes.items()}
