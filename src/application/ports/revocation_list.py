"""The revocation list port: sign-ins whose tokens must be refused before they expire."""

from __future__ import annotations

import abc

from domain.values import Claims


class RevocationList(abc.ABC):
    @abc.abstractmethod
    def revoke(self, claims: Claims, until: float) -> None:
        """Refuse every token of the sign-in `claims` belong to (see `Claims.sign_in_id`), in every
        process, until the epoch time `until`, after which they have expired anyway."""

    @abc.abstractmethod
    def is_revoked(self, claims: Claims) -> bool:
        """Whether the sign-in of `claims` was revoked. Called on every authenticated request:
        it must answer from process memory, never with a network round trip."""
