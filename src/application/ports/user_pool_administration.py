"""The administration port: what a pool's administrator may do to any user, by username."""

from __future__ import annotations

import abc

from domain.values import (
    Attributes,
    CreatedUser,
    Group,
    GroupName,
    GroupPage,
    Password,
    PoolUser,
    UserFilter,
    Username,
    UserPage,
)


class UserPoolAdministration(abc.ABC):
    """Administrator operations on one user pool, kept apart from `IdentityProvider` because they need
    the pool's credentials rather than an app client's.

    Every method raises domain errors only, and any may raise `ProviderUnavailable` or `TooManyRequests`.
    An unknown username raises `NotAuthorized`, as Cognito's UserNotFoundException maps to it.
    """

    @abc.abstractmethod
    def create_user(
        self, username: Username, temporary_password: Password, attributes: Attributes, *, send_invitation: bool = False
    ) -> CreatedUser:
        """Create a user who must choose a new password at first sign-in (`NEW_PASSWORD_REQUIRED`).

        With `send_invitation` the pool e-mails the user their username and temporary password (the
        `email` attribute must be there) and the result says where; without, nothing is sent. Returns
        the new user (status FORCE_CHANGE_PASSWORD, in no group).

        Raises `UsernameExists`, `InvalidPassword`, `ValidationError`.
        """

    @abc.abstractmethod
    def get_user(self, username: Username) -> PoolUser:
        """The user's status, enabled flag, attributes and groups. Raises `NotAuthorized` for an unknown user."""

    @abc.abstractmethod
    def list_users(self, user_filter: UserFilter | None, limit: int, page_token: str | None) -> UserPage:
        """Up to `limit` (1 to 60) users that `user_filter` matches (all without one), from where the
        `page_token` of an earlier page left off. The users' `groups` are not looked up (None).

        The filter compares exactly, but for `cognito:user_status`, which ignores case. Raises
        `ValidationError` on `page_token` for a token this pool did not issue.
        """

    @abc.abstractmethod
    def disable_user(self, username: Username) -> None:
        """Refuse the user at sign-in from now on. Raises `NotAuthorized` for an unknown user."""

    @abc.abstractmethod
    def enable_user(self, username: Username) -> None:
        """Let a disabled user sign in again. Raises `NotAuthorized` for an unknown user."""

    @abc.abstractmethod
    def delete_user(self, username: Username) -> None:
        """Remove the user and everything the pool holds for them. Raises `NotAuthorized` for an unknown user."""

    @abc.abstractmethod
    def reset_user_password(self, username: Username) -> None:
        """Withdraw the user's password (status RESET_REQUIRED) and send them a reset code: signing in
        answers `PasswordResetRequired` until they set a new password with the code, as after
        `forgot_password`. Their tokens stay valid.

        Raises `NotAuthorized` for an unknown user, a disabled one, or one who never chose a password
        (FORCE_CHANGE_PASSWORD); `ValidationError` when they have no verified address to receive the
        code (an unconfirmed user has none).
        """

    @abc.abstractmethod
    def create_group(self, group: Group) -> None:
        """Create a group in the pool. Raises `GroupExists`, `ValidationError`."""

    @abc.abstractmethod
    def list_groups(self, limit: int, page_token: str | None) -> GroupPage:
        """Up to `limit` (1 to 60) of the pool's groups, with their descriptions, from where the
        `page_token` of an earlier page left off. Raises `ValidationError` on `page_token` for a token
        this pool did not issue."""

    @abc.abstractmethod
    def add_user_to_group(self, username: Username, group: GroupName) -> None:
        """Make the user a member of the group; their tokens issued from now on name it in
        `cognito:groups`. Being a member already is no error.

        Raises `NotAuthorized` for an unknown user, `GroupNotFound` for an unknown group.
        """

    @abc.abstractmethod
    def remove_user_from_group(self, username: Username, group: GroupName) -> None:
        """End the user's membership of the group; not being a member is no error.

        Raises `NotAuthorized` for an unknown user, `GroupNotFound` for an unknown group.
        """
