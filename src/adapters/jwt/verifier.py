"""Verifying Cognito's RS256 tokens against a JSON Web Key Set."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

import attrs
import jwt
from jwt.types import Options

from application.ports.clock import Clock
from application.ports.shared_cache import SharedCache
from application.ports.token_verifier import TokenVerifier
from domain.errors import ProviderUnavailable, TokenExpired, TokenInvalid
from domain.values import Claims

logger = logging.getLogger("cognito_auth.jwks")

# Cognito's tokens are 1-2 KiB, but every group a user is in adds its name to the access and ID
# tokens: users in many groups carry tokens of 18 KiB and more. Anything larger than this is refused
# before any parsing work is done (and the HTTP server admits headers far longer, so the refusal is
# this 401, not the server's).
MAX_TOKEN_LENGTH = 32 * 1024

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


@attrs.frozen
class _SigningKey:
    """A key of the set as published and as converted, so that an unchanged key is never converted again."""

    jwk: Mapping[str, Any]
    key: jwt.PyJWK


class JwksTokenVerifier(TokenVerifier):
    """Checks tokens of one issuer and app client with keys from `jwks`, a callable returning the key set.

    Keys are converted once and kept. A token naming a kid this process does not know makes it read the
    key set again: from `shared_cache` when another process has stored one holding that kid, else from
    `jwks`, storing the answer for the others for `jwks_ttl` seconds. One thread reads while the others
    wait, and at most once per `refetch_cooldown` seconds; within the cool-down an unknown kid is simply
    unknown. `ProviderUnavailable` from `jwks` propagates only while this process holds no key set.
    """

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        jwks: Callable[[], Mapping[str, Any]],
        clock: Clock,
        leeway: int = 5,
        shared_cache: SharedCache | None = None,
        jwks_ttl: float = 3600.0,
        refetch_cooldown: float = 10.0,
    ) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._jwks = jwks
        self._clock = clock
        self._leeway = leeway
        self._shared_cache = shared_cache
        # The keys belong to the issuer, wherever they are served from; the embedded pool has no URL at all.
        self._shared_key = f"jwks:{hashlib.sha256(issuer.encode()).hexdigest()}"
        self._jwks_ttl = jwks_ttl
        self._refetch_cooldown = refetch_cooldown
        # None until a key set has been read. Replaced whole, never mutated, so readers need no lock.
        self._keys: dict[str, _SigningKey] | None = None
        self._next_refresh = -math.inf
        self._refresh_lock = threading.Lock()

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
            # PyJWT decodes and checks all three segments to read a header; handed the header segment
            # alone (a JWS with empty payload and signature) it spares the payload and signature a
            # second decoding, which jwt.decode below does anyway.
            header = jwt.get_unverified_header(f"{token.partition('.')[0]}..")
        except jwt.PyJWTError as error:
            raise TokenInvalid(_MALFORMED) from error
        algorithm = header.get("alg")
        if algorithm not in _ALGORITHMS:
            raise TokenInvalid("The token's signing algorithm is not accepted.")
        kid = header.get("kid")
        if not kid or not isinstance(kid, str):
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
        keys = self._keys
        if keys is not None and kid in keys:
            return keys[kid].key
        with self._refresh_lock:
            # Whoever held the lock before us may have just read the key set we were waiting for.
            if self._keys is None or kid not in self._keys:
                self._refresh(kid)
            known = self._keys.get(kid) if self._keys is not None else None
        return known.key if known is not None else None

    def _refresh(self, kid: str) -> None:
        """Read the key set again, unless that was tried less than a cool-down ago. Holds the refresh lock."""
        now = self._clock.now()
        if now < self._next_refresh:
            if self._keys is None:
                raise ProviderUnavailable("The identity provider's signing keys could not be fetched.")
            return
        self._next_refresh = now + self._refetch_cooldown
        shared = self._shared_document()
        if shared is not None:
            self._keys = _signing_keys(shared, self._keys or {})
            if kid in self._keys:
                return
        try:
            document = self._jwks()
        except ProviderUnavailable:
            if self._keys is None:
                raise
            # The kid stays unknown; the keys in hand go on verifying every token they signed.
            logger.warning("could not fetch the signing keys; keeping the %d known", len(self._keys))
            return
        self._keys = _signing_keys(document, self._keys or {})
        if self._shared_cache is not None:
            usable = {"keys": [signing_key.jwk for signing_key in self._keys.values()]}
            self._shared_cache.set(self._shared_key, json.dumps(usable), self._jwks_ttl)

    def _shared_document(self) -> Mapping[str, Any] | None:
        if self._shared_cache is None:
            return None
        text = self._shared_cache.get(self._shared_key)
        if text is None:
            return None
        try:
            document = json.loads(text)
        except ValueError:
            # Not ours or damaged: the provider's own copy is a fetch away.
            return None
        return document if isinstance(document, dict) else None


def _signing_keys(jwks: Mapping[str, Any], known: Mapping[str, _SigningKey]) -> dict[str, _SigningKey]:
    """The RSA signature keys of a key set by kid; keys that cannot verify our tokens are left out."""
    keys: dict[str, _SigningKey] = {}
    entries = jwks.get("keys")
    for entry in entries if isinstance(entries, list) else ():
        if not _is_signature_key(entry):
            continue
        kid = entry["kid"]
        previous = known.get(kid)
        if previous is not None and previous.jwk == entry:
            keys[kid] = previous
            continue
        try:
            keys[kid] = _SigningKey(entry, jwt.PyJWK(entry))
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
