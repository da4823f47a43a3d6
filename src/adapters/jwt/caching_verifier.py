"""Remembering verified access tokens, so that a token is verified once per process rather than per request."""

from __future__ import annotations

import hashlib
import threading

from application.ports.clock import Clock
from application.ports.token_verifier import TokenVerifier
from domain.errors import TokenExpired
from domain.values import Claims


class CachingTokenVerifier(TokenVerifier):
    """Verifies each access token once with `inner`, then answers from memory.

    A token `inner` accepted is remembered, under its SHA-256 digest, with its claims; later calls only
    compare its expiry with `clock`, allowing `leeway` seconds as `inner` does (give it the same value).
    At most `max_entries` tokens are remembered and the oldest is forgotten first. Refusals are never
    remembered: a refused token costs a full verification every time, and a failure that may pass
    later (a key not published yet, an unreachable key set) is asked again. Id tokens go straight to
    `inner`: each is verified once, at sign-in, so remembering them would only push out access tokens.
    """

    def __init__(self, inner: TokenVerifier, *, clock: Clock, leeway: int = 5, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._inner = inner
        self._clock = clock
        self._leeway = leeway
        self._max_entries = max_entries
        # Read without a lock: a dict lookup is atomic. Only writers take the lock, to evict consistently.
        self._claims: dict[bytes, Claims] = {}
        self._write_lock = threading.Lock()

    def verify_access_token(self, token: str, *, allow_expired: bool = False) -> Claims:
        # surrogatepass: a token read from JSON may hold lone surrogates, which must refuse, not crash.
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        claims = self._claims.get(digest)
        if claims is None:
            # Expired or not, a token that passes every other check is worth remembering: after
            # TokenExpired the refresh path asks again at once with allow_expired.
            claims = self._inner.verify_access_token(token, allow_expired=True)
            self._remember(digest, claims)
        if not allow_expired and self._clock.now() >= claims.expires_at + self._leeway:
            raise TokenExpired()
        return claims

    def verify_id_token(self, token: str) -> Claims:
        return self._inner.verify_id_token(token)

    def _remember(self, digest: bytes, claims: Claims) -> None:
        with self._write_lock:
            if digest not in self._claims and len(self._claims) >= self._max_entries:
                # A dict keeps insertion order, so its first key is the oldest entry.
                del self._claims[next(iter(self._claims))]
            self._claims[digest] = claims
