"""Authenticating a request by its tokens, refreshing them when the access token has expired."""

from __future__ import annotations

import hashlib
import json
import threading

import attrs

from application.ports.clock import Clock
from application.ports.identity_provider import IdentityProvider
from application.ports.revocation_list import RevocationList
from application.ports.shared_cache import SharedCache
from application.ports.token_verifier import TokenVerifier
from domain.errors import DomainError, NotAuthenticated, TokenExpired, TokenInvalid
from domain.values import Claims, TokenSet


@attrs.frozen
class AuthenticateRequestCommand:
    access_token: str | None = attrs.field(default=None, repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Authenticated:
    claims: Claims
    """The access token's claims (of the fresh token after a refresh)."""
    access_token: str = attrs.field(repr=False)
    """The access token the request goes on with: the one it carried, or the refreshed one."""
    refresh_token: str | None = attrs.field(default=None, repr=False)
    """The refresh token the client holds now, when it sent one."""
    refreshed: TokenSet | None = None
    """New tokens when the access token had expired and was refreshed: the client must get them."""


@attrs.define
class _Flight:
    """One refresh in progress in this process, and what came of it."""

    done: threading.Event = attrs.field(factory=threading.Event)
    tokens: TokenSet | None = None
    error: DomainError | None = None


@attrs.frozen
class SingleFlightRefresh:
    """Refreshes once for many concurrent requests carrying the same refresh token.

    In this process, the first request refreshes and the others wait for its outcome (tokens or
    error), whatever the shared cache does. Across processes, the first takes a lock in the shared
    cache and publishes the result there; the others wait for it. A waiter that sees no result in
    time refreshes by itself, since a second refresh is only wasteful, never wrong; so does a
    waiter whose cache stops answering (the result could not reach it), at once rather than after
    `wait_seconds`."""

    identity_provider: IdentityProvider
    shared_cache: SharedCache
    clock: Clock
    lock_seconds: float = 10.0
    result_seconds: float = 30.0
    wait_seconds: float = 5.0
    poll_seconds: float = 0.02
    _flights: dict[str, _Flight] = attrs.field(factory=dict, init=False, repr=False, eq=False)
    _flights_lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False, eq=False)

    def __call__(self, refresh_token: str, username: str | None) -> TokenSet:
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        with self._flights_lock:
            flight = self._flights.get(key)
            leading = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not leading:
            if flight.done.wait(self.wait_seconds):
                if flight.error is not None:
                    raise flight.error
                if flight.tokens is not None:
                    return flight.tokens
            return self._across_processes(key, refresh_token, username)
        try:
            flight.tokens = self._across_processes(key, refresh_token, username)
            return flight.tokens
        except DomainError as error:
            flight.error = error
            raise
        finally:
            with self._flights_lock:
                del self._flights[key]
            flight.done.set()

    def _across_processes(self, key: str, refresh_token: str, username: str | None) -> TokenSet:
        result_key, lock_key = f"refreshed:{key}", f"refreshing:{key}"
        published = self.shared_cache.get(result_key)
        if published is None and self.shared_cache.add(lock_key, "1", self.lock_seconds):
            try:
                # Another holder may have published and let go between the look and the lock.
                published = self.shared_cache.get(result_key)
                if published is None:
                    return self._refresh_and_publish(refresh_token, username, result_key)
            finally:
                self.shared_cache.delete(lock_key)
        deadline = self.clock.now() + self.wait_seconds
        while published is None and self.clock.now() < deadline and self.shared_cache.reachable:
            self.clock.sleep(self.poll_seconds)
            published = self.shared_cache.get(result_key)
        if published is None:
            return self._refresh_and_publish(refresh_token, username, result_key)
        return _token_set_from_json(published)

    def _refresh_and_publish(self, refresh_token: str, username: str | None, result_key: str) -> TokenSet:
        tokens = self.identity_provider.refresh(refresh_token, username)
        self.shared_cache.set(result_key, _token_set_to_json(tokens), self.result_seconds)
        return tokens


def _token_set_to_json(tokens: TokenSet) -> str:
    return json.dumps(attrs.asdict(tokens))


def _token_set_from_json(text: str) -> TokenSet:
    return TokenSet(**json.loads(text))


@attrs.frozen
class AuthenticateRequest:
    """Who a request comes from, by its access token.

    An expired access token with a refresh token beside it is refreshed once (see
    `SingleFlightRefresh`) and the request goes on with the new tokens. Raises `NotAuthenticated`
    without an access token, `TokenExpired` for an expired one without a refresh token,
    `TokenInvalid` for a forged or revoked one, `NotAuthorized` when the refresh is refused,
    `ProviderUnavailable` while the revocation list cannot tell.
    """

    token_verifier: TokenVerifier
    revocation_list: RevocationList
    refresh: SingleFlightRefresh

    def __call__(self, command: AuthenticateRequestCommand) -> Authenticated:
        if not command.access_token:
            raise NotAuthenticated()
        try:
            claims = self._unrevoked(self.token_verifier.verify_access_token(command.access_token))
        except TokenExpired:
            if not command.refresh_token:
                raise
            expired = self._unrevoked(self.token_verifier.verify_access_token(command.access_token, allow_expired=True))
            tokens = self.refresh(command.refresh_token, expired.username)
            claims = self._unrevoked(self.token_verifier.verify_access_token(tokens.access_token))
            return Authenticated(claims, tokens.access_token, tokens.refresh_token, refreshed=tokens)
        return Authenticated(claims, command.access_token, command.refresh_token)

    def _unrevoked(self, claims: Claims) -> Claims:
        if self.revocation_list.is_revoked(claims):
            raise TokenInvalid("The token has been revoked.")
        return claims
