"""Revoked sign-ins and users kept in this process: the revocation list of a single-process deployment."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from application.ports.clock import Clock
from application.ports.revocation_list import RevocationList
from domain.revocations import Revocations
from domain.values import Claims


class InMemoryRevocationList(RevocationList):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._revocations = Revocations()
        self._lock = threading.Lock()

    def revoke(self, claims: Claims, until: float) -> None:
        self._add(sign_ins=[(claims.sign_in_id, until)])

    def revoke_user(self, sub: str, issued_before: float, until: float) -> None:
        self._add(users=[(sub, (issued_before, until))])

    def is_revoked(self, claims: Claims) -> bool:
        return self._revocations.refuses(claims, self._clock.now())

    def _add(
        self, sign_ins: Iterable[tuple[str, float]] = (), users: Iterable[tuple[str, tuple[float, float]]] = ()
    ) -> None:
        with self._lock:
            self._revocations = self._revocations.merged(self._clock.now(), sign_ins, users)
