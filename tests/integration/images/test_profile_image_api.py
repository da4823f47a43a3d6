"""`PUT` and `DELETE /auth/me/image` and the profile's `image_url`, against each store."""

from __future__ import annotations

import pytest

from adapters.s3.profile_image_store import S3ProfileImageStore
from domain.values import PROFILE_IMAGE_MAX_BYTES, ImageFormat
from tests.images import JPEG, image


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


# Past the 64 KiB that every other request body is held to.
LARGE_PNG = image(ImageFormat.PNG, 256 * 1024, fill=b"p")


class TestProfileImageFlow:
    def test_upload_show_replace_and_delete(self, signed_in, store):
        assert signed_in.me().json()["image_url"] is None

        uploaded = signed_in.put_image(LARGE_PNG, "image/png")
        assert uploaded.status_code == 200, uploaded.json()
        (png_key,) = store.keys()
        assert png_key.endswith(".png")
        image_url = signed_in.me().json()["image_url"]
        assert image_url.startswith("http://")
        assert signed_in.fetch(image_url) == (200, "image/png", LARGE_PNG)
        assert signed_in.fetch(uploaded.json()["image_url"])[2] == LARGE_PNG

        replaced = signed_in.put_image(JPEG, "image/jpeg")
        assert replaced.status_code == 200, replaced.json()
        (jpeg_key,) = store.keys()
        assert jpeg_key != png_key
        assert jpeg_key.endswith(".jpg")
        assert signed_in.fetch(signed_in.me().json()["image_url"]) == (200, "image/jpeg", JPEG)
        assert signed_in.fetch(image_url)[0] == 404  # the PNG's URL, still within its lifetime

        deleted = signed_in.delete_image()
        assert (deleted.status_code, deleted.content) == (204, b"")
        assert store.keys() == set()
        assert signed_in.me().json()["image_url"] is None

    def test_deleting_without_an_image_is_fine(self, signed_in):
        assert signed_in.delete_image().status_code == 204

    def test_the_format_comes_from_the_content_not_the_declared_type(self, signed_in, store):
        response = signed_in.put_image(JPEG, "image/png")

        assert response.status_code == 200
        (key,) = store.keys()
        assert key.endswith(".jpg")
        assert signed_in.fetch(response.json()["image_url"])[1] == "image/jpeg"


class TestRefusedUploads:
    def test_text_named_like_a_png_is_a_validation_error(self, signed_in, store):
        response = signed_in.put_image(
            b"I am avatar.png, honestly", "image/png", HTTP_CONTENT_DISPOSITION='inline; filename="avatar.png"'
        )

        assert error_of(response) == (400, "ValidationError")
        assert response.json()["fields"] == {"image": "must be a JPEG, PNG or WebP image"}
        assert store.keys() == set()

    def test_an_empty_body_is_a_validation_error(self, signed_in):
        assert error_of(signed_in.put_image(b"", "image/png")) == (400, "ValidationError")

    def test_an_image_over_5_mib_is_too_large(self, signed_in, store):
        response = signed_in.put_image(image(ImageFormat.PNG, PROFILE_IMAGE_MAX_BYTES + 1), "image/png")

        assert error_of(response) == (413, "ImageTooLarge")
        assert store.keys() == set()

    def test_an_image_of_exactly_5_mib_is_taken(self, signed_in):
        assert signed_in.put_image(image(ImageFormat.PNG, PROFILE_IMAGE_MAX_BYTES), "image/png").status_code == 200

    @pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=x", "text/plain"])
    def test_a_body_that_is_not_an_image_type_is_unsupported(self, signed_in, content_type):
        assert error_of(signed_in.put_image(JPEG, content_type)) == (415, "UnsupportedMediaType")

    def test_without_a_token_nothing_is_stored(self, signed_in, store):
        response = signed_in.put_image(JPEG, "image/jpeg", authenticated=False)

        assert error_of(response) == (401, "NotAuthenticated")
        assert store.keys() == set()

    def test_without_a_token_nothing_is_deleted(self, signed_in, store):
        signed_in.put_image(JPEG, "image/jpeg")

        assert error_of(signed_in.delete_image(authenticated=False)) == (401, "NotAuthenticated")
        assert len(store.keys()) == 1

    def test_other_methods_are_not_allowed(self, signed_in):
        response = signed_in.api.client.get("/auth/me/image", HTTP_ACCESSTOKEN=signed_in.access_token)
        assert error_of(response) == (405, "MethodNotAllowed")


class TestProfile:
    def test_a_warm_profile_with_an_image_costs_no_query(self, signed_in, django_assert_num_queries):
        signed_in.put_image(JPEG, "image/jpeg")
        assert signed_in.me().json()["image_url"]

        with django_assert_num_queries(0):
            assert signed_in.me().json()["image_url"]


@pytest.mark.parametrize("store", [pytest.param("s3", marks=pytest.mark.moto)], indirect=True)
class TestStoreFailures:
    def test_a_store_that_fails_is_503_and_the_previous_image_stays(self, signed_in, store, container, s3_client):
        signed_in.put_image(JPEG, "image/jpeg")
        before = signed_in.me().json()["image_url"]

        with container.profile_image_store.override(S3ProfileImageStore(s3_client, "no-such-bucket-here")):
            response = signed_in.put_image(LARGE_PNG, "image/png")

        assert error_of(response) == (503, "ProviderUnavailable")
        assert response["Retry-After"]
        assert "no-such-bucket" not in response.content.decode()
        assert signed_in.fetch(signed_in.me().json()["image_url"])[2] == JPEG
        assert signed_in.me().json()["image_url"].split("?")[0] == before.split("?")[0]
