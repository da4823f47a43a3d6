"""The local store's URLs: signed, expiring, and usable without tokens, as presigned S3 URLs are."""

from __future__ import annotations

import pytest
from django.core import signing

from django_shell.accounts.images import signed_image_url
from tests.images import PNG

pytestmark = pytest.mark.parametrize("store", ["local"], indirect=True)


@pytest.fixture
def key(signed_in, store) -> str:
    signed_in.put_image(PNG, "image/png")
    (key,) = store.keys()
    return key


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


class TestLocalImageUrls:
    def test_serve_the_image_to_an_img_element(self, signed_in, key):
        response = signed_in.api.client.get(signed_image_url(key, 300), HTTP_ACCEPT="image/avif,image/webp,image/*")

        assert response.status_code == 200
        assert response.content == PNG
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert "private" in response["Cache-Control"]

    def test_refuse_a_url_whose_time_is_up(self, signed_in, key):
        response = signed_in.api.client.get(signed_image_url(key, -1), HTTP_ACCEPT="image/*")
        assert error_of(response) == (403, "PermissionDenied")

    def test_refuse_a_url_signed_with_another_key(self, signed_in, key):
        forged = signing.dumps(
            {"key": key, "expires": 2**40}, key="not-the-secret", salt="cognito_auth.profile_image_file"
        )
        assert error_of(signed_in.api.client.get(f"/media/profile-images/{forged}")) == (403, "PermissionDenied")
