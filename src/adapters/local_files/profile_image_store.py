"""The `ProfileImageStore` port on a local directory: the embedded default, which needs no AWS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from application.ports.profile_image_store import ProfileImageStore
from domain.errors import ProviderUnavailable
from domain.values import ProfileImage

_UNAVAILABLE = "The image store is unavailable; try again later."


@attrs.frozen
class LocalFileProfileImageStore(ProfileImageStore):
    """Each image is a file under `root`, at its key's path.

    The store does not serve the files: whoever does (the delivery shell) hands in `signed_url`,
    which turns a key and a lifetime into a URL that carries its own proof, as a presigned S3 URL
    does, and calls `read` for the URLs it accepts.
    """

    root: Path = attrs.field(converter=Path)
    signed_url: Callable[[str, int], str]

    def put(self, owner_sub: str, image: ProfileImage) -> str:
        key = image.new_key(owner_sub)
        path = self._path(key)
        # Written under another name and renamed, so that no reader ever sees half an image.
        partial = path.with_name(f".{path.name}.partial")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(image.content)
            partial.replace(path)
        except OSError as error:
            raise ProviderUnavailable(_UNAVAILABLE) from error
        return key

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise ProviderUnavailable(_UNAVAILABLE) from error

    def url(self, key: str, expires_in: int) -> str:
        return self.signed_url(key, expires_in)

    def read(self, key: str) -> ProfileImage | None:
        """The image under `key`, or None when there is none (any more)."""
        try:
            content = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise ProviderUnavailable(_UNAVAILABLE) from error
        return ProfileImage(content)

    def _path(self, key: str) -> Path:
        # Keys are made by `ProfileImage.new_key` and never by a client; this makes sure of it.
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or path == self.root.resolve():
            raise ValueError(f"{key!r} is not a key of this store")
        return path
