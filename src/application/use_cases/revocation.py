"""Refusing every token of a user, for the use-cases that end all of a user's sign-ins at once.

A token's `iat` counts whole seconds, so "issued before now" cannot be told exactly: each
use-case picks its side of the current second (see `RevocationList.revoke_user`).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator

from application.ports.clock import Clock
from application.ports.revocation_list import RevocationList
from domain.errors import ProviderUnavailable

logger = logging.getLogger("cognito_auth.revocations")

# Cognito lets an app client's access tokens live from 5 minutes to 24 hours (AccessTokenValidity).
# An administrator holds no token of the user to read the lifetime from, so a revocation made on
# their behalf lasts as long as the longest a token of the user can have left.
LONGEST_ACCESS_TOKEN_SECONDS = 24 * 3600


def refuse_tokens_issued_so_far(revocation_list: RevocationList, clock: Clock, sub: str, lifetime: float) -> None:
    """Refuse every token of `sub` issued up to now, this second included, for `lifetime` seconds
    (the longest a token of the user lives).

    Also refuses a token issued later within this second: only right for a user who can get no
    new token meanwhile (disabled, or being deleted).
    """
    now = clock.now()
    revocation_list.revoke_user(sub, issued_before=math.floor(now) + 1, until=now + lifetime)


@contextlib.contextmanager
def refusing_every_token(revocation_list: RevocationList, clock: Clock, sub: str, lifetime: float) -> Iterator[None]:
    """Around the deletion of the user `sub` from the pool: every token of the user is refused, for
    `lifetime` seconds (the longest a token of the user lives) after the deletion.

    Before the deletion, the tokens issued so far: should the pool then fail, the user is merely
    signed out and may sign in again (from the next second) to retry, whereas refusing every
    future token would lock them out of an account that still exists. After it, every token of
    the sub (never reused), which also catches a sign-in that raced the deletion. Raises
    `ProviderUnavailable` when the first revocation fails, before anything is deleted; should the
    second fail, the deletion has happened and every process already refuses the tokens issued
    before it, so the failure is logged rather than answered as if nothing had been done.
    """
    refuse_tokens_issued_so_far(revocation_list, clock, sub, lifetime)
    yield
    until = clock.now() + lifetime
    try:
        # Tokens issued after `until` are presented only once the entry is gone: this is every token.
        revocation_list.revoke_user(sub, issued_before=until, until=until)
    except ProviderUnavailable:
        logger.warning(
            "User %s was deleted, but other processes were not told to refuse tokens issued during the deletion.", sub
        )
