"""The administration port: what a pool's administrator may do to any user, by username."""

from __future__ import annotations

import abc

from domain.values import Attributes, Password, PoolUser, Username


class UserPoolAdministration(abc.ABC):
    """Administrator operations on one user pool, kept apart from `IdentityProvider` because they need
    the pool's credentials rather than an app client's.

    Every method raises domain errors only, and any may raise `ProviderUnavailable` or `TooManyRequests`.
    An unknown username raises `NotAuthorized`, as Cognito's UserNotFoundException maps to it.
    """

    @abc.abstractmethod
    def create_user(self, username: Username, temporary_password: Password, attributes: Attributes) -> PoolUser:
        """Create a user who must choose a new password at first sign-in (`NEW_PASSWORD_REQUIRED`); no
        invitation is sent. Returns the new user (status FORCE_CHANGE_PASSWORD).

        Raises `UsernameExists`, `InvalidPassword`, `ValidationError`.
        """

    @abc.abstractmethod
    def get_user(self, username: Username) -> PoolUser:
        """The user's status, enabled flag and attributes. Raises `NotAuthorized` for an unknown user."""

    @abc.abstractmethod
    def disable_user(self, username: Username) -> None:
        """Refuse the user at sign-in from now on. Raises `NotAuthorized` for an unknown user."""

    @abc.abstractmethod
    def enable_user(self, username: Username) -> None:
        """Let a disabled user sign in again. Raises `NotAuthorized` for an unknown user."""

    @abc.abstractmethod
    def delete_user(self, username: Username) -> None:
        """Remove the user and everything the pool holds for them. Raises `NotAuthorized` for an unknown user."""
