"""The `ProfileImageStore` port on an S3 bucket, through a ready boto3 `s3` client."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs
from botocore.exceptions import BotoCoreError, ClientError

from application.ports.profile_image_store import ProfileImageStore
from domain.errors import ProviderUnavailable
from domain.values import ProfileImage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger("cognito_auth.profile_images")

_UNAVAILABLE = "The image store is unavailable; try again later."


@contextlib.contextmanager
def _translated_errors(operation: str) -> Iterator[None]:
    """Every S3 failure is the store's (or our configuration's: a missing bucket, denied access),
    never the user's: `ProviderUnavailable`, chained to the original. The error code is logged,
    since no response may show it and a misconfigured bucket would otherwise fail silently."""
    try:
        yield
    except ClientError as error:
        logger.warning("S3 %s failed: %s", operation, error.response.get("Error", {}).get("Code", "unknown error"))
        raise ProviderUnavailable(_UNAVAILABLE) from error
    except BotoCoreError as error:
        # Connection refused or reset, timeouts, TLS failures, missing credentials.
        logger.warning("S3 %s failed: %s", operation, type(error).__name__)
        raise ProviderUnavailable(_UNAVAILABLE) from error


@attrs.frozen
class S3ProfileImageStore(ProfileImageStore):
    client: S3Client
    bucket: str

    def put(self, owner_sub: str, image: ProfileImage) -> str:
        key = image.new_key(owner_sub)
        with _translated_errors("PutObject"):
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=image.content, ContentType=image.format.content_type
            )
        return key

    def delete(self, key: str) -> None:
        with _translated_errors("DeleteObject"):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def url(self, key: str, expires_in: int) -> str:
        # Presigning is computed locally from the credentials; it fails only without any.
        with _translated_errors("presigning GetObject"):
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in
            )
