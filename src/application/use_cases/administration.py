"""What a pool administrator does to users by username; the mirror follows each change."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import attrs

from application.ports.profile_image_store import ProfileImageStore
from application.ports.user_directory import UserDirectory
from application.ports.user_pool_administration import UserPoolAdministration
from application.use_cases.profile_image import delete_superseded_image
from domain.errors import NotAuthorized, UserNotFound
from domain.values import Attributes, Password, PoolUser, Username


@contextlib.contextmanager
def _user_not_found() -> Iterator[None]:
    """The pool answers an unknown username with `NotAuthorized`, which at the API means "sign in
    again"; an administrator is told the user does not exist."""
    try:
        yield
    except NotAuthorized as error:
        raise UserNotFound() from error


@attrs.frozen
class CreateUserCommand:
    username: str
    temporary_password: str = attrs.field(repr=False)
    attributes: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class CreateUser:
    """Create a user who must choose a new password at first sign-in; no invitation is sent.

    A username that is an e-mail address doubles as the `email` attribute unless one is given.
    Raises `ValidationError`, `InvalidPassword`, `UsernameExists`.
    """

    administration: UserPoolAdministration

    def __call__(self, command: CreateUserCommand) -> PoolUser:
        username = Username(command.username)
        attributes = Attributes.from_pairs(command.attributes)
        if username.is_email and attributes.get("email") is None:
            attributes = attributes.with_attribute("email", username.value)
        return self.administration.create_user(username, Password(command.temporary_password), attributes)


@attrs.frozen
class UserCommand:
    """One user, by username."""

    username: str


@attrs.frozen
class GetUser:
    """The user as the pool holds them. Raises `UserNotFound`."""

    administration: UserPoolAdministration

    def __call__(self, command: UserCommand) -> PoolUser:
        with _user_not_found():
            return self.administration.get_user(Username(command.username))


@attrs.frozen
class DisableUser:
    """Refuse the user at sign-in, and their tokens at the API. Raises `UserNotFound`."""

    administration: UserPoolAdministration
    user_directory: UserDirectory

    def __call__(self, command: UserCommand) -> PoolUser:
        username = Username(command.username)
        with _user_not_found():
            self.administration.disable_user(username)
            user = self.administration.get_user(username)
        self.user_directory.set_active(user.sub, active=False)
        return user


@attrs.frozen
class EnableUser:
    """Let a disabled user sign in and use their tokens again. Raises `UserNotFound`."""

    administration: UserPoolAdministration
    user_directory: UserDirectory

    def __call__(self, command: UserCommand) -> PoolUser:
        username = Username(command.username)
        with _user_not_found():
            self.administration.enable_user(username)
            user = self.administration.get_user(username)
        self.user_directory.set_active(user.sub, active=True)
        return user


@attrs.frozen
class DeleteUser:
    """Remove the user from the pool and the mirror, with their profile image. Raises `UserNotFound`."""

    administration: UserPoolAdministration
    user_directory: UserDirectory
    profile_images: ProfileImageStore

    def __call__(self, command: UserCommand) -> None:
        username = Username(command.username)
        with _user_not_found():
            sub = self.administration.get_user(username).sub
            self.administration.delete_user(username)
        image_key = self.user_directory.forget_user(sub)
        if image_key is not None:
            delete_superseded_image(self.profile_images, image_key)
