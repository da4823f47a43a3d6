"""Verifying Cognito's RS256 tokens against a JSON Web Key Set."""

from __future__ import annotations

import binascii
import hashlib
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

import attrs
import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from application.ports.clock import Clock
from application.ports.shared_cache import SharedCache
from application.ports.token_verifier import TokenVerifier
from domain.errors import ProviderUnavailable, TokenExpired, TokenInvalid
from domain.values import Claims

logger = logging.getLogger("cognito_auth.jwks")

# Cognito's tokens are 1-2 KiB, but every group a user is in adds its name to the access and id tokens:
# Cognito allows 100 groups of 128 characters, about 18 KiB of token. Anything larger than this is
# refused before any parsing work is done (and the HTTP server admits headers far longer, so the
# refusal is this 401, not the server's).
MAX_TOKEN_LENGTH = 32 * 1024

# Cognito's longest access- and id-token lifetime is one day: a token that claims more is not Cognito's.
MAX_LIFETIME_SECONDS = 24 * 3600

# Cognito signs with RS256 only. An allow-list shuts out "none" and the HS256-with-the-public-key trick.
_ALGORITHM = "RS256"

# RS256 (RFC 7518 3.3).
_PADDING = padding.PKCS1v15()
_HASH = hashes.SHA256()

# base64url (RFC 4648 5) to base64 for binascii's strict decoder; base64's own "+", "/" and "=" become a
# character it refuses, since a segment of a compact JWS holds none of them (RFC 7515 2: no padding).
_BASE64URL = bytes.maketrans(b"-_+/=", b"+/!!!")

_BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# By the length of a segment modulo 4, the bits of its last character that encode no data.
_SPARE_BITS = {0: 0, 2: 0b1111, 3: 0b11}

# A header seen before is not parsed again: Cognito signs every token of a key under one header.
_HEADER_CACHE_SIZE = 16

# Cognito issues tokens under either form of the pool's issuer; the form depends on the pool's age.
_COGNITO_ISSUER = re.compile(r"https://(?:issuer-)?cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+_[0-9A-Za-z]+)")

# The claims aws-jwt-verify requires to be strings when present, with those Cognito adds.
_STRING_CLAIMS = frozenset(
    {
        "iss",
        "sub",
        "scope",
        "jti",
        "token_use",
        "client_id",
        "username",
        "cognito:username",
        "origin_jti",
        "event_id",
    }
)
# The claims that must be times (whole or fractional seconds) when present, and what a refusal says.
_TIME_CLAIMS = {
    "exp": "The token has no valid expiry time.",
    "iat": "The token has no valid issue time.",
    "nbf": "The token's not-before time is not valid.",
    "auth_time": "The token's authentication time is not valid.",
}

_MALFORMED = "The token is malformed."


@attrs.frozen
class _SigningKey:
    """A key of the set as published and as converted, so that an unchanged key is never converted again."""

    jwk: Mapping[str, Any]
    key: rsa.RSAPublicKey


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
        self._issuers = _issuer_forms(issuer)
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
        # Header segment -> its kid, for headers that passed every check and name a key of the set; the
        # first _HEADER_CACHE_SIZE such headers only, so that made-up headers cannot grow it.
        self._known_headers: dict[str, str] = {}
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
        """The payload of a token that passes every check but the client's; cheap refusals first."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenInvalid("The token is too large.")
        segments = token.split(".")
        if len(segments) != 3 or not all(segments):
            raise TokenInvalid(_MALFORMED)
        header_segment, payload_segment, signature_segment = segments
        kid = self._known_headers.get(header_segment)
        known = kid is not None
        if kid is None:
            kid = _kid_of(_json_object(header_segment))
        key = self._key(kid)
        if key is None:
            raise TokenInvalid("The token's signing key is unknown.")
        payload = _json_object(payload_segment)
        _check_claim_types(payload)
        try:
            key.verify(
                _base64url(signature_segment),
                f"{header_segment}.{payload_segment}".encode("ascii"),
                _PADDING,
                _HASH,
            )
        except InvalidSignature as error:
            raise TokenInvalid("The token's signature is not valid.") from error
        # Only a header the key signed is remembered: made-up ones would fill the cache for good.
        if not known and len(self._known_headers) < _HEADER_CACHE_SIZE:
            self._known_headers[header_segment] = kid
        if payload.get("iss") not in self._issuers:
            raise TokenInvalid("The token comes from another issuer.")
        if payload.get("token_use") != use:
            raise TokenInvalid(f"The token is not an {use} token.")
        self._check_times(payload, check_expiry=check_expiry)
        return payload

    def _check_times(self, payload: Mapping[str, Any], *, check_expiry: bool) -> None:
        # Validity first, expiry last: a token that is wrong in any other way must never pass for merely expired.
        now = self._clock.now()
        expires_at = payload.get("exp")
        issued_at = payload.get("iat")
        if expires_at is None:
            raise TokenInvalid("The token has no valid expiry time.")
        if issued_at is None:
            raise TokenInvalid("The token has no valid issue time.")
        if expires_at - issued_at > MAX_LIFETIME_SECONDS:
            raise TokenInvalid("The token claims a longer lifetime than the identity provider issues.")
        not_before = payload.get("nbf")
        if not_before is not None and not_before > now + self._leeway:
            raise TokenInvalid("The token is not valid yet.")
        if check_expiry and now >= expires_at + self._leeway:
            raise TokenExpired()

    def _key(self, kid: str) -> rsa.RSAPublicKey | None:
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
            key = jwt.PyJWK(entry, algorithm=_ALGORITHM).key
        except jwt.PyJWTError:
            # One broken key must not take the others down with it.
            continue
        if isinstance(key, rsa.RSAPublicKey):
            keys[kid] = _SigningKey(entry, key)
    return keys


def _is_signature_key(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("kid"), str)
        and entry.get("kty") == "RSA"
        and entry.get("use", "sig") == "sig"
        and entry.get("alg", _ALGORITHM) == _ALGORITHM
    )


def _issuer_forms(issuer: str) -> frozenset[str]:
    """The issuer, and for a Cognito pool's issuer its other form: the same pool, so the same keys."""
    match = _COGNITO_ISSUER.fullmatch(issuer)
    if match is None:
        return frozenset({issuer})
    region, pool_id = match.groups()
    return frozenset(
        {
            f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
            f"https://issuer-cognito-idp.{region}.amazonaws.com/{pool_id}",
        }
    )


def _kid_of(header: Mapping[str, Any]) -> str:
    """The key id of a header that this verifier accepts; raises `TokenInvalid` for any other."""
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm != _ALGORITHM:
        raise TokenInvalid("The token's signing algorithm is not accepted.")
    kid = header.get("kid")
    if not kid or not isinstance(kid, str):
        raise TokenInvalid("The token names no signing key.")
    # RFC 7515 4.1.11: extensions marked critical must be understood, and this verifier knows none.
    if "crit" in header:
        raise TokenInvalid("The token's header names extensions this service does not support.")
    return kid


def _base64url(segment: str) -> bytes:
    """The bytes of an unpadded base64url segment; anything else (another alphabet, padding, whitespace,
    a length no encoding has, or bits set past the last byte) is malformed."""
    try:
        encoded = segment.encode("ascii").translate(_BASE64URL) + b"=" * (-len(segment) % 4)
        decoded = binascii.a2b_base64(encoded, strict_mode=True)
    except (UnicodeEncodeError, binascii.Error) as error:
        raise TokenInvalid(_MALFORMED) from error
    # The decoder ignores the bits of the last character past the last byte, so four spellings of one
    # segment would decode alike; only the canonical one, whose spare bits are zero, is the token.
    if _SPARE_BITS[len(segment) % 4] & _BASE64URL_ALPHABET.index(segment[-1]):
        raise TokenInvalid(_MALFORMED)
    return decoded


def _json_object(segment: str) -> dict[str, Any]:
    """A segment's JSON object. UTF-8 only (a byte-order mark is not JSON, RFC 8259 8.1); a nesting deep enough
    to exhaust the parser, a number too large for a float, or anything but an object is malformed."""
    try:
        value = _JSON.decode(_base64url(segment).decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise TokenInvalid(_MALFORMED) from error
    if not isinstance(value, dict):
        raise TokenInvalid(_MALFORMED)
    return value


def _refuse_constant(name: str) -> float:
    # NaN and Infinity are Python's extension to JSON, never in a token.
    raise ValueError(name)


# Built once: json.loads with an argument builds a decoder per call, which costs as much as the parse.
_JSON = json.JSONDecoder(parse_constant=_refuse_constant)


def _check_claim_types(payload: Mapping[str, Any]) -> None:
    """aws-jwt-verify's type rules, with those of the claims Cognito adds: what the checks after it and
    `Claims` read is then of the type they expect. One pass over the claims, since every token pays it."""
    for name, value in payload.items():
        refusal = _TIME_CLAIMS.get(name)
        if refusal is not None:
            if not _is_time(value):
                raise TokenInvalid(refusal)
        elif name in _STRING_CLAIMS:
            if not isinstance(value, str):
                raise TokenInvalid(f"The token's {name} claim is not a string.")
        elif name == "aud":
            if not (isinstance(value, str) or _is_strings(value)):
                raise TokenInvalid("The token's aud claim is not a string or a list of strings.")
        elif name == "cognito:groups" and not _is_strings(value):
            raise TokenInvalid("The token's cognito:groups claim is not a list of strings.")


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_time(value: object) -> TypeGuard[int | float]:
    # A float would lose whole seconds past 2^53, and no time of this era is near it.
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and abs(value) < 2**53
    )


def _claims(payload: Mapping[str, Any]) -> Claims:
    try:
        return Claims.from_payload(payload)
    except (KeyError, TypeError, ValueError) as error:
        raise TokenInvalid("The token lacks required claims.") from error
