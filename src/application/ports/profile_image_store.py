"""The profile image store port: where users' pictures are kept, and how clients are let in to fetch one."""

from __future__ import annotations

import abc

from domain.values import ProfileImage


class ProfileImageStore(abc.ABC):
    """Image objects under keys the store chooses. Any method may raise `ProviderUnavailable` when
    the store cannot be reached or fails."""

    @abc.abstractmethod
    def put(self, owner_sub: str, image: ProfileImage) -> str:
        """Store `image` under a fresh key of its own (`image.new_key(owner_sub)`) with its content
        type, and return the key. Never overwrites: the previous image of the user stays until it
        is deleted. Raises `ValidationError` for a sub that cannot be part of a key."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove the image under `key`; a key with nothing under it is fine."""

    @abc.abstractmethod
    def url(self, key: str, expires_in: int) -> str:
        """A URL that lets whoever holds it GET the image for `expires_in` seconds, without tokens.

        Made without a call to the store (it is on the path of every profile request), so it says
        nothing about whether the image still exists."""
