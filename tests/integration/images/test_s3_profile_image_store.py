"""The S3 adapter against moto's S3 server over HTTP: what it stores is what a presigned URL serves."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from adapters.s3.profile_image_store import S3ProfileImageStore
from domain.errors import ProviderUnavailable
from domain.values import ProfileImage
from tests.images import WEBP

pytestmark = pytest.mark.moto

SUB = "3f1c0a52-0000-4000-8000-000000000001"


def get(url: str) -> tuple[int, str | None, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 -- the moto server's http URL
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, None, b""


@pytest.fixture
def s3(s3_store) -> S3ProfileImageStore:
    store: S3ProfileImageStore = s3_store.store
    return store


class TestS3ProfileImageStore:
    def test_a_presigned_url_serves_the_bytes_and_type_that_were_put(self, s3):
        key = s3.put(SUB, ProfileImage(WEBP))
        assert get(s3.url(key, 300)) == (200, "image/webp", WEBP)

    def test_a_deleted_image_is_gone(self, s3):
        key = s3.put(SUB, ProfileImage(WEBP))
        s3.delete(key)
        assert get(s3.url(key, 300))[0] == 404

    def test_deleting_a_missing_key_is_fine(self, s3):
        s3.delete(f"profile-images/{SUB}/never-stored.png")

    def test_a_missing_bucket_is_an_unavailable_store(self, s3_client):
        with pytest.raises(ProviderUnavailable):
            S3ProfileImageStore(s3_client, "no-such-bucket-here").put(SUB, ProfileImage(WEBP))
