"""Revoked sign-ins and users kept in this process: the revocation list of a single-process deployment."""

from __future__ import annotations

import threading

from application.ports.clock import Clock
from application.ports.revocation_list import RevocationList
from domain.values import Claims


class InMemoryRevocationList(RevocationList):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._sign_ins: dict[str, float] = {}  # sign-in id -> until
        self._users: dict[str, tuple[float, float]] = {}  # sub -> (issued_before, until)
        self._lock = threading.Lock()

    def revoke(self, claims: Claims, until: float) -> None:
        with self._lock:
            self._forget_expired()
            self._sign_ins[claims.sign_in_id] = max(until, self._sign_ins.get(claims.sign_in_id, until))

    def revoke_user(self, sub: str, issued_before: float, until: float) -> None:
        with self._lock:
            self._forget_expired()
            known_before, known_until = self._users.get(sub, (issued_before, until))
            self._users[sub] = (max(issued_before, known_before), max(until, known_until))

    def is_revoked(self, claims: Claims) -> bool:
        # No lock: each lookup is atomic, and writers replace entries rather than edit them.
        now = self._clock.now()
        until = self._sign_ins.get(claims.sign_in_id)
        if until is not None and until > now:
            return True
        user = self._users.get(claims.sub)
        return user is not None and claims.issued_at < user[0] and user[1] > now

    def _forget_expired(self) -> None:
        # Keeps the list as small as the live revocations.
        now = self._clock.now()
        self._sign_ins = {key: until for key, until in self._sign_ins.items() if until > now}
        self._users = {sub: entry for sub, entry in self._users.items() if entry[1] > now}
