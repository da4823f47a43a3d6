from __future__ import annotations

import logging

import pytest

from application.use_cases.profile_image import (
    DeleteProfileImage,
    DeleteProfileImageCommand,
    ProfileImageUrl,
    ProfileImageUrlCommand,
    UploadProfileImage,
    UploadProfileImageCommand,
)
from domain.errors import ImageTooLarge, NotAuthorized, ProviderUnavailable, ValidationError
from domain.values import PROFILE_IMAGE_MAX_BYTES, Claims, ImageFormat
from tests.fakes import InMemoryProfileImageStore, InMemoryUserDirectory
from tests.images import JPEG, PNG, image

SUB = "3f1c0a52-0000-4000-8000-000000000001"


@pytest.fixture
def store() -> InMemoryProfileImageStore:
    return InMemoryProfileImageStore()


@pytest.fixture
def directory() -> InMemoryUserDirectory:
    directory = InMemoryUserDirectory()
    directory.record_sign_in(
        Claims(
            sub=SUB,
            username="ada",
            token_use="id",
            client_id="test-client",
            issued_at=1_800_000_000,
            expires_at=1_800_003_600,
            auth_time=1_800_000_000,
            jti="jti",
        )
    )
    return directory


@pytest.fixture
def upload(store, directory) -> UploadProfileImage:
    return UploadProfileImage(store, directory, url_seconds=120)


@pytest.fixture
def uploaded_png(upload) -> str:
    return upload(UploadProfileImageCommand(SUB, PNG)).key


class TestUploadProfileImage:
    def test_stores_the_image_and_makes_it_the_users(self, upload, store, directory):
        result = upload(UploadProfileImageCommand(SUB, PNG))

        assert result.key.startswith(f"profile-images/{SUB}/")
        assert result.key.endswith(".png")
        assert store.images[result.key].content == PNG
        assert directory.profile_image_keys[SUB] == result.key

    def test_answers_with_a_url_of_the_configured_lifetime(self, upload):
        result = upload(UploadProfileImageCommand(SUB, PNG))
        assert result.url == f"https://images.example/{result.key}?expires_in=120"

    def test_replaces_the_previous_image_and_deletes_it(self, upload, store, directory, uploaded_png):
        result = upload(UploadProfileImageCommand(SUB, JPEG))

        assert result.key != uploaded_png
        assert result.key.endswith(".jpg")
        assert list(store.images) == [result.key]
        assert directory.profile_image_keys[SUB] == result.key

    @pytest.mark.parametrize("content", [b"", b"hello, I am text named avatar.png", b"GIF89a\x01\x00"])
    def test_refuses_what_is_no_jpeg_png_or_webp_and_keeps_the_image(self, upload, store, uploaded_png, content):
        with pytest.raises(ValidationError) as raised:
            upload(UploadProfileImageCommand(SUB, content))

        assert set(raised.value.fields) == {"image"}
        assert list(store.images) == [uploaded_png]

    def test_refuses_an_image_over_the_limit_and_stores_nothing(self, upload, store):
        with pytest.raises(ImageTooLarge):
            upload(UploadProfileImageCommand(SUB, image(ImageFormat.PNG, PROFILE_IMAGE_MAX_BYTES + 1)))
        assert store.images == {}

    def test_leaves_nothing_behind_for_a_user_the_mirror_does_not_know(self, store):
        upload = UploadProfileImage(store, InMemoryUserDirectory())

        with pytest.raises(NotAuthorized):
            upload(UploadProfileImageCommand(SUB, PNG))
        assert store.images == {}

    def test_keeps_the_previous_image_when_the_store_fails(self, upload, store, directory, uploaded_png):
        store.failing.add("put")

        with pytest.raises(ProviderUnavailable):
            upload(UploadProfileImageCommand(SUB, JPEG))
        assert directory.profile_image_keys[SUB] == uploaded_png
        assert list(store.images) == [uploaded_png]

    def test_succeeds_when_only_deleting_the_previous_image_fails(self, upload, store, directory, uploaded_png, caplog):
        store.failing.add("delete")

        with caplog.at_level(logging.WARNING, logger="cognito_auth.profile_images"):
            result = upload(UploadProfileImageCommand(SUB, JPEG))

        assert directory.profile_image_keys[SUB] == result.key
        assert uploaded_png in caplog.text  # what an operator needs to remove it


class TestDeleteProfileImage:
    @pytest.fixture
    def delete(self, store, directory) -> DeleteProfileImage:
        return DeleteProfileImage(store, directory)

    def test_removes_the_image_and_forgets_it(self, delete, store, directory, uploaded_png):
        delete(DeleteProfileImageCommand(SUB))

        assert store.images == {}
        assert SUB not in directory.profile_image_keys

    def test_is_fine_without_an_image(self, delete, store):
        delete(DeleteProfileImageCommand(SUB))
        assert store.images == {}

    def test_refuses_a_user_the_mirror_does_not_know(self, store):
        with pytest.raises(NotAuthorized):
            DeleteProfileImage(store, InMemoryUserDirectory())(DeleteProfileImageCommand(SUB))


class TestProfileImageUrl:
    def test_is_none_without_an_image(self, store):
        assert ProfileImageUrl(store)(ProfileImageUrlCommand(None)) is None

    def test_lets_the_image_be_fetched_for_the_configured_time(self, store, uploaded_png):
        url = ProfileImageUrl(store, url_seconds=60)(ProfileImageUrlCommand(uploaded_png))
        assert url == f"https://images.example/{uploaded_png}?expires_in=60"

    def test_lasts_five_minutes_by_default(self, store, uploaded_png):
        assert ProfileImageUrl(store)(ProfileImageUrlCommand(uploaded_png)).endswith("expires_in=300")
