"""The revocation list port: sign-ins and users whose tokens must be refused before they expire."""

from __future__ import annotations

import abc

from domain.values import Claims


class RevocationList(abc.ABC):
    """Two kinds of entry, each living until an epoch time `until` chosen so that every token it
    covers has expired by then: a sign-in (every token sharing `Claims.sign_in_id`) and a user
    (every token of a `sub` issued before a given time). Entries reach every process; revoking
    again merges, keeping the later `until` and, for a user, the later `issued_before`, never
    shortening a revocation.

    `revoke` and `revoke_user` raise `ProviderUnavailable` when the other processes could not be
    told (this process refuses the tokens all the same); a retry is safe.
    """

    @abc.abstractmethod
    def revoke(self, claims: Claims, until: float) -> None:
        """Refuse every token of the sign-in `claims` belong to (see `Claims.sign_in_id`), in every
        process, until the epoch time `until`, after which they have expired anyway."""

    @abc.abstractmethod
    def revoke_user(self, sub: str, issued_before: float, until: float) -> None:
        """Refuse every token of the user `sub` whose `iat` (`Claims.issued_at`, whole seconds) is
        less than `issued_before`, in every process, until the epoch time `until`. An
        `issued_before` at or past `until` refuses every token the user will ever present, since a
        token issued after `until` is presented only once the entry is gone."""

    @abc.abstractmethod
    def is_revoked(self, claims: Claims) -> bool:
        """Whether the sign-in of `claims` or, for tokens issued early enough, their user was revoked.
        Called on every authenticated request: it must answer from process memory, never with a
        network round trip. Raises `ProviderUnavailable` while it cannot know (a process that has
        not yet loaded the shared list): revocation never fails open."""
