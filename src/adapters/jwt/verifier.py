"""Verifying Cognito's RS256 tokens against a JSON Web Key Set."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

import jwt
from jwt.types import Options

from application.ports.clock import Clock
from application.ports.token_verifier import TokenVerifier
from domain.errors import TokenExpired, TokenInvalid
from domain.values import Claims

# Cognito's tokens are 1-2 KiB; anything far larger is refused before any parsing work is done.
MAX_TOKEN_LENGTH = 8 * 1024

# Cognito signs with RS256 only. An allow-list shuts out "none" and the HS256-with-the-public-key trick.
_ALGORITHMS = frozenset({"RS256"})

# PyJWT checks signature and claim types; times are checked against the injected clock instead.
_PYJWT_OPTIONS: Options = {
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
}

_MALFORMED = "The token is malformed."


class JwksTokenVerifier(TokenVerifier):
    """Checks tokens of one issuer and app client with keys from `jwks`, a callable returning the key set.

    Keys are converted once and cached by kid; a token naming an unknown kid makes one new call to
    `jwks`, which is how rotated keys are picked up. Errors raised by `jwks` itself propagate unchanged.
    """

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        jwks: Callable[[], Mapping[str, Any]],
        clock: Clock,
        leeway: int = 5,
    ) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._jwks = jwks
        self._clock = clock
        self._leeway = leeway
        self._keys: dict[str, jwt.PyJWK] = {}
        self._lock = threading.Lock()

    def verify_access_token(self, token: str, *, allow_expired: bool = False) -> Claims:
        payload = self._decode(token, use="access", check_expiry=not allow_expired)
        if payload.get("client_id") != self._client_id:
            raise TokenInvalid("The token was issued to another client.")
        return _claims(payload)

    def verify_id_token(self, token: str) -> Claims:
        payload = self._decode(token, use="id", check_expiry=True)
        audience = payload.get("aud")
        # RFC 7519 allows one audience or a list of them; Cognito writes one.
        if audience != self._client_id and not (isinstance(audience, list) and self._client_id in audience):
            raise TokenInvalid("The token was issued to another client.")
        return _claims(payload)

    def _decode(self, token: str, *, use: str, check_expiry: bool) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenInvalid("The token is too large.")
        if not token.isascii() or token.count(".") != 2:
            raise TokenInvalid(_MALFORMED)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenInvalid(_MALFORMED) from error
        algorithm = header.get("alg")
        if algorithm not in _ALGORITHMS:
            raise TokenInvalid("The token's signing algorithm is not accepted.")
        kid = header.get("kid")
        if not kid:
            raise TokenInvalid("The token names no signing key.")
        key = self._key(kid)
        if key is None or key.algorithm_name != algorithm:
            raise TokenInvalid("The token's signing key is unknown.")
        try:
            payload: dict[str, Any] = jwt.decode(token, key, algorithms=[algorithm], options=_PYJWT_OPTIONS)
        except jwt.InvalidSignatureError as error:
            raise TokenInvalid("The token's signature is not valid.") from error
        except jwt.PyJWTError as error:
            raise TokenInvalid(_MALFORMED) from error
        if payload.get("iss") != self._issuer:
            raise TokenInvalid("The token comes from another issuer.")
        if payload.get("token_use") != use:
            raise TokenInvalid(f"The token is not an {use} token.")
        self._check_times(payload, check_expiry=check_expiry)
        return payload

    def _check_times(self, payload: Mapping[str, Any], *, check_expiry: bool) -> None:
        # Validity first, expiry last: a token that is wrong in any other way must never pass for merely expired.
        now = self._clock.now()
        expires_at = payload.get("exp")
        if not _is_time(expires_at):
            raise TokenInvalid("The token has no valid expiry time.")
        if not _is_time(payload.get("iat")):
            raise TokenInvalid("The token has no valid issue time.")
        not_before = payload.get("nbf")
        if not_before is not None and (not _is_time(not_before) or not_before > now + self._leeway):
            raise TokenInvalid("The token is not valid yet.")
        if check_expiry and now >= expires_at + self._leeway:
            raise TokenExpired()

    def _key(self, kid: str) -> jwt.PyJWK | None:
        with self._lock:
            if kid not in self._keys:
                self._keys = _signing_keys(self._jwks())
            return self._keys.get(kid)


def _signing_keys(jwks: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """The RSA signature keys of a key set by kid; keys that cannot verify our tokens are left out."""
    keys: dict[str, jwt.PyJWK] = {}
    entries = jwks.get("keys")
    for entry in entries if isinstance(entries, list) else ():
        if not _is_signature_key(entry):
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            # One broken key must not take the others down with it.
            continue
    return keys


def _is_signature_key(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("kid"), str)
        and entry.get("kty") == "RSA"
        and entry.get("use", "sig") == "sig"
        and entry.get("alg", "RS256") in _ALGORITHMS
    )


def _is_time(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _claims(payload: Mapping[str, Any]) -> Claims:
    try:
        return Claims.from_payload(payload)
    except (KeyError, TypeError, ValueError) as error:
        raise TokenInvalid("The token lacks required claims.") from error
