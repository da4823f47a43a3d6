"""A user's profile image: uploading (which replaces), deleting, and the short-lived URL the profile shows."""

from __future__ import annotations

import contextlib
import logging

import attrs

from application.ports.profile_image_store import ProfileImageStore
from application.ports.user_directory import UserDirectory
from domain.errors import DomainError
from domain.values import ProfileImage

logger = logging.getLogger("cognito_auth.profile_images")

# Long enough to load a page, short enough that a URL passed on soon stops working.
DEFAULT_URL_SECONDS = 300


@attrs.frozen
class UploadProfileImageCommand:
    owner_sub: str
    content: bytes = attrs.field(repr=False)


@attrs.frozen
class ProfileImageUploaded:
    key: str
    url: str
    """Where the new image can be fetched for a few minutes."""


@attrs.frozen
class UploadProfileImage:
    """Make `content` the user's profile image, replacing any previous one.

    The new image is stored before it is recorded and the old one deleted after, so a failure at
    any step leaves the user with either image, never with none. Raises `ValidationError` for
    content that is not a JPEG, PNG or WebP image, `ImageTooLarge` past `PROFILE_IMAGE_MAX_BYTES`,
    `NotAuthorized` for a user not in the mirror, `ProviderUnavailable` when the store fails.
    """

    store: ProfileImageStore
    user_directory: UserDirectory
    url_seconds: int = DEFAULT_URL_SECONDS

    def __call__(self, command: UploadProfileImageCommand) -> ProfileImageUploaded:
        image = ProfileImage(command.content)
        key = self.store.put(command.owner_sub, image)
        try:
            previous = self.user_directory.replace_profile_image_key(command.owner_sub, key)
        except Exception:
            # Nobody will ever learn the key: remove the object now rather than leave it behind.
            with contextlib.suppress(DomainError):
                self.store.delete(key)
            raise
        if previous is not None:
            delete_superseded_image(self.store, previous)
        return ProfileImageUploaded(key, self.store.url(key, self.url_seconds))


@attrs.frozen
class DeleteProfileImageCommand:
    owner_sub: str


@attrs.frozen
class DeleteProfileImage:
    """Remove the user's profile image; a user without one is fine.

    Raises `NotAuthorized` for a user not in the mirror.
    """

    store: ProfileImageStore
    user_directory: UserDirectory

    def __call__(self, command: DeleteProfileImageCommand) -> None:
        previous = self.user_directory.replace_profile_image_key(command.owner_sub, None)
        if previous is not None:
            delete_superseded_image(self.store, previous)


def delete_superseded_image(store: ProfileImageStore, key: str) -> None:
    # The user's profile already no longer shows the image, so the request has done what it was
    # asked: a store failing now leaves an object nobody can find without its key, and saying 503
    # would make the client retry what succeeded. The key in the log lets an operator remove it.
    try:
        store.delete(key)
    except DomainError:
        logger.warning("could not delete the superseded profile image %s; it is left in the store", key)


@attrs.frozen
class ProfileImageUrlCommand:
    key: str | None
    """The user's profile image key, as the mirror has it (None: no image)."""


@attrs.frozen
class ProfileImageUrl:
    """The URL under which the profile's image can be fetched for `url_seconds`, or None without an
    image. Makes no call to the store or the directory, since every profile request asks for it."""

    store: ProfileImageStore
    url_seconds: int = DEFAULT_URL_SECONDS

    def __call__(self, command: ProfileImageUrlCommand) -> str | None:
        return None if command.key is None else self.store.url(command.key, self.url_seconds)
