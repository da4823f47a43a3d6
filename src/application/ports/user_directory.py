"""The user directory port: the service's own mirror of the pool's users."""

from __future__ import annotations

import abc

from domain.values import Claims, UserProfile


class UserDirectory(abc.ABC):
    @abc.abstractmethod
    def record_sign_in(self, claims: Claims) -> None:
        """Create or update the mirrored user from an id token's claims, keyed by the immutable
        `sub`, and note the sign-in time. Safe under concurrent calls for the same user: one
        record results."""

    @abc.abstractmethod
    def update_profile(self, profile: UserProfile) -> None:
        """Make the mirrored user's pool attributes (username, e-mail, names, every attribute) those
        of `profile`, as the pool answered them, keyed by `profile.sub`. Nothing happens for a user
        who is not in the mirror: their first sign-in brings them in."""

    @abc.abstractmethod
    def replace_profile_image_key(self, sub: str, key: str | None) -> str | None:
        """Make `key` the user's profile image (None: no image) and return the key it replaced,
        in one atomic step: of concurrent replacements each gets a different previous key, so every
        superseded image is known to exactly one caller. Raises `NotAuthorized` for a user who is
        not in the mirror."""

    @abc.abstractmethod
    def forget_user(self, sub: str) -> str | None:
        """Remove the mirrored user, if there is one, so that nothing of a deleted account stays, and
        return their profile image key (None: no image, or no such user) for the caller to delete."""

    @abc.abstractmethod
    def set_active(self, sub: str, active: bool) -> None:
        """Mark the mirrored user active or not; an inactive user's tokens are refused. Nothing
        happens for a user who is not in the mirror."""

    @abc.abstractmethod
    def set_groups(self, sub: str, groups: tuple[str, ...]) -> None:
        """Record the user's pool groups (`cognito_groups`) as an administrator just changed them.
        Nothing happens for a user who is not in the mirror: their first sign-in brings the groups."""

    @abc.abstractmethod
    def set_administrator(self, sub: str, username: str, administrator: bool) -> None:
        """Make the user an administrator of the service (staff and superuser), or neither, keyed by
        `sub`. A user who has not signed in yet is added to the mirror with `username`; their first
        sign-in fills in the rest and keeps the flag."""
