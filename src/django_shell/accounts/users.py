"""The user mirror in Django's database: recording sign-ins, and finding a token's user fast."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import attrs
from django.db import InterfaceError, OperationalError

from adapters.clock import SystemClock
from application.ports.clock import Clock
from application.ports.user_directory import UserDirectory
from django_shell.accounts.models import User
from domain.errors import NotAuthorized
from domain.values import Claims, UserProfile

logger = logging.getLogger("cognito_auth.mirror")

# What the pool owns and every sign-in refreshes; the rest of a row (is_staff, is_active,
# date_joined, permissions) is the service's own and survives sign-ins.
_FROM_ID_TOKEN = ["username", "email", "given_name", "family_name", "attributes", "cognito_groups", "last_login"]


@attrs.frozen
class DjangoUserDirectory(UserDirectory):
    clock: Clock = attrs.field(factory=SystemClock)
    mirrored_users: MirroredUsers | None = None
    """The request cache to drop a user from when their row changes here."""

    def record_sign_in(self, claims: Claims) -> None:
        user = User(
            sub=claims.sub,
            username=claims.username,
            email=claims.email or "",
            given_name=claims.given_name or "",
            family_name=claims.family_name or "",
            attributes=claims.attributes,
            cognito_groups=list(claims.groups),
            last_login=datetime.fromtimestamp(self.clock.now(), UTC),
        )
        user.set_unusable_password()
        # One INSERT ... ON CONFLICT (sub) DO UPDATE: concurrent first sign-ins of one user cannot
        # both insert, and none needs a transaction or a retry.
        User.objects.bulk_create([user], update_conflicts=True, unique_fields=["sub"], update_fields=_FROM_ID_TOKEN)
        if self.mirrored_users is not None:
            # The row as it now is, with what another process changed (`make_admin`, the admin), serves
            # the new tokens from their first request on.
            self.mirrored_users.forget(claims.sub)

    def update_profile(self, profile: UserProfile) -> None:
        self._update(profile.sub, **profile_fields(profile))

    def replace_profile_image_key(self, sub: str, key: str | None) -> str | None:
        # Compare and set: the UPDATE applies only while the row still holds the key read before
        # it, so of concurrent replacements each reads the key the previous one wrote. Neither a
        # lock nor a transaction is needed, which keeps SQLite from refusing a busy database.
        while True:
            found = list(User.objects.filter(sub=sub).values_list("profile_image_key", flat=True))
            if not found:
                raise NotAuthorized("The user is not known to the service.")
            if User.objects.filter(sub=sub, profile_image_key=found[0]).update(profile_image_key=key or ""):
                break
        if self.mirrored_users is not None:
            # This process's next request sees the new image; other processes within the cache's TTL.
            self.mirrored_users.forget(sub)
        return found[0] or None

    def forget_user(self, sub: str) -> str | None:
        # Compare and delete, as in `replace_profile_image_key`: an upload racing the deletion
        # either lands first, and its key is the one returned, or finds no row and fails.
        while True:
            found = list(User.objects.filter(sub=sub).values_list("profile_image_key", flat=True))
            if not found or User.objects.filter(sub=sub, profile_image_key=found[0]).delete()[0]:
                break
        if self.mirrored_users is not None:
            # Only a revoked token could still name the user, and it is refused before the mirror is
            # read; dropping the cached row frees the memory.
            self.mirrored_users.forget(sub)
        return (found[0] or None) if found else None

    def set_active(self, sub: str, active: bool) -> None:
        # Tokens of a user disabled at the pool are refused everywhere at once by the revocation list.
        self._update(sub, is_active=active)

    def set_groups(self, sub: str, groups: tuple[str, ...]) -> None:
        self._update(sub, cognito_groups=list(groups))

    def set_administrator(self, sub: str, username: str, administrator: bool) -> None:
        user = User(sub=sub, username=username, is_staff=administrator, is_superuser=administrator)
        user.set_unusable_password()
        # One upsert, as at a sign-in: the row of a user who has not signed in yet is created with the
        # flags, and a sign-in (before or after) touches only what the pool owns.
        User.objects.bulk_create(
            [user], update_conflicts=True, unique_fields=["sub"], update_fields=["is_staff", "is_superuser"]
        )
        if self.mirrored_users is not None:
            self.mirrored_users.forget(sub)

    def _update(self, sub: str, **fields: Any) -> None:
        User.objects.filter(sub=sub).update(**fields)
        if self.mirrored_users is not None:
            # This process's next request sees the change (the profile, the administrator group's
            # check); other processes within the cache's TTL.
            self.mirrored_users.forget(sub)


def profile_fields(profile: UserProfile) -> dict[str, Any]:
    """The mirror's columns that hold the pool's answer, with their values from `profile`."""
    return {
        "username": profile.username,
        "email": profile.attributes.get("email", ""),
        "given_name": profile.attributes.get("given_name", ""),
        "family_name": profile.attributes.get("family_name", ""),
        "attributes": profile.attributes,
    }


class MirroredUsers:
    """The mirrored user of an access token's claims, cached in the process: once warm, finding
    one costs no query.

    An entry lives `ttl` seconds, so that what staff change in the admin (`is_active`,
    `is_staff`, permissions) reaches every process within that time; `forget` drops one at once
    in this process. The cached instance serves every request of its user meanwhile: treat it as
    read-only. At most `max_entries` users are kept; the soonest to expire make room.

    While the database fails, an expired entry is served as it is rather than refusing a user this
    process knows: nobody can change the row meanwhile either. After a failure the database is not
    asked again for `retry_seconds`, so that warm requests do not each wait for its timeout; a user
    with no entry at all still asks it, and gets the failure (503).
    """

    def __init__(self, clock: Clock, ttl: float = 60.0, max_entries: int = 10_000, retry_seconds: float = 5.0) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max_entries = max_entries
        self._retry_seconds = retry_seconds
        # sub -> (user, expiry). Reads take no lock, since one dict lookup is atomic; writes take
        # it, so that eviction walks a dict nobody else changes.
        self._entries: dict[str, tuple[User, float]] = {}
        self._lock = threading.Lock()
        self._database_failed_until = 0.0

    def for_claims(self, claims: Claims) -> User:
        """The user of `claims`; one query when not cached, three the first time a `sub` is seen.
        Raises Django's `OperationalError` or `InterfaceError` when the database fails and the
        user is not cached at all."""
        now = self._clock.now()
        entry = self._entries.get(claims.sub)
        if entry is not None and (entry[1] > now or now < self._database_failed_until):
            return entry[0]
        try:
            user = _load_or_create(claims)
        except (OperationalError, InterfaceError) as error:
            self._database_failed_until = self._clock.now() + self._retry_seconds
            if entry is None:
                raise
            logger.warning(
                "The database failed (%s); serving the cached user, and not asking it for %g s.",
                type(error).__name__,
                self._retry_seconds,
            )
            return entry[0]
        with self._lock:
            # Removed and added again, an entry moves to the end: the dict stays in order of
            # expiry, and its first entries are the ones to evict.
            self._entries.pop(claims.sub, None)
            while len(self._entries) >= self._max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[claims.sub] = (user, now + self._ttl)
        return user

    def forget(self, sub: str) -> None:
        with self._lock:
            self._entries.pop(sub, None)


def _load_or_create(claims: Claims) -> User:
    user = User.objects.filter(sub=claims.sub).first()
    if user is not None:
        return user
    # A valid token of a user never mirrored (one who signed in elsewhere with the pool's tokens,
    # or before the mirror existed): the access token names them well enough for a row. A
    # concurrent request may be adding the same row, hence ON CONFLICT DO NOTHING and a re-read.
    user = User(sub=claims.sub, username=claims.username, cognito_groups=list(claims.groups))
    user.set_unusable_password()
    User.objects.bulk_create([user], ignore_conflicts=True)
    return User.objects.get(sub=claims.sub)
