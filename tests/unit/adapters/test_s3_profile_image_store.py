"""The S3 adapter's requests and its translation of failures, with botocore's Stubber in place of the
network; tests/integration/images runs it against moto's S3 over HTTP."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.stub import ANY, Stubber

from adapters.s3.client import build_s3_client
from adapters.s3.profile_image_store import S3ProfileImageStore
from domain.errors import ProviderUnavailable
from domain.values import ProfileImage
from tests.images import JPEG

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "profile-images-bucket"
SUB = "3f1c0a52-0000-4000-8000-000000000001"
KEY = f"profile-images/{SUB}/abc.jpg"


@pytest.fixture(scope="module")
def client() -> S3Client:
    """One client for the module: building one loads S3's large service model (about half a second)."""
    return build_s3_client(
        region="eu-west-1", endpoint_url=None, access_key_id="testing", secret_access_key="testing", max_attempts=1
    )


@pytest.fixture
def stubber(client) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def store(client) -> S3ProfileImageStore:
    return S3ProfileImageStore(client, BUCKET)


class TestS3ProfileImageStore:
    def test_puts_the_image_under_a_fresh_key_with_its_content_type(self, store, stubber):
        stubber.add_response(
            "put_object", {}, {"Bucket": BUCKET, "Key": ANY, "Body": JPEG, "ContentType": "image/jpeg"}
        )
        key = store.put(SUB, ProfileImage(JPEG))
        assert re.fullmatch(rf"profile-images/{SUB}/[\w-]{{22}}\.jpg", key)

    def test_deletes_by_key(self, store, stubber):
        stubber.add_response("delete_object", {}, {"Bucket": BUCKET, "Key": KEY})
        store.delete(KEY)

    def test_presigns_a_sigv4_get_of_the_key_for_the_given_lifetime(self, store):
        url = urlsplit(store.url(KEY, 300))
        query = parse_qs(url.query)

        assert url.hostname == f"{BUCKET}.s3.eu-west-1.amazonaws.com"
        assert url.path == f"/{KEY}"
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert query["X-Amz-Expires"] == ["300"]

    @pytest.mark.parametrize("code", ["NoSuchBucket", "AccessDenied", "InternalError", "SlowDown"])
    def test_any_refusal_is_an_unavailable_store_and_is_logged(self, store, stubber, caplog, code):
        stubber.add_client_error("put_object", service_error_code=code, http_status_code=403)

        with (
            caplog.at_level(logging.WARNING, logger="cognito_auth.profile_images"),
            pytest.raises(ProviderUnavailable) as raised,
        ):
            store.put(SUB, ProfileImage(JPEG))

        assert code in caplog.text
        assert code not in raised.value.message

    def test_an_unreachable_endpoint_is_an_unavailable_store(self):
        client = build_s3_client(
            region="us-east-1",
            endpoint_url="http://127.0.0.1:9",  # discard: nothing listens there
            access_key_id="testing",
            secret_access_key="testing",
            connect_timeout=1,
            max_attempts=1,
        )
        with pytest.raises(ProviderUnavailable):
            S3ProfileImageStore(client, BUCKET).delete(KEY)
