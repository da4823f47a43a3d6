"""Revoked sign-ins kept in this process: the revocation list of a single-process deployment."""

from __future__ import annotations

import threading

from application.ports.clock import Clock
from application.ports.revocation_list import RevocationList
from domain.values import Claims


class InMemoryRevocationList(RevocationList):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, claims: Claims, until: float) -> None:
        with self._lock:
            now = self._clock.now()
            # Forgetting what has expired anyway keeps the list as small as the live sign-outs.
            self._until = {key: end for key, end in self._until.items() if end > now}
            self._until[claims.sign_in_id] = max(until, self._until.get(claims.sign_in_id, 0.0))

    def is_revoked(self, claims: Claims) -> bool:
        until = self._until.get(claims.sign_in_id)
        return until is not None and until > self._clock.now()
