from __future__ import annotations

from pathlib import Path

import pytest

from adapters.local_files.profile_image_store import LocalFileProfileImageStore
from domain.errors import ProviderUnavailable
from domain.values import ImageFormat, ProfileImage
from tests.images import PNG, WEBP

SUB = "3f1c0a52-0000-4000-8000-000000000001"


def _signed(key: str, expires_in: int) -> str:
    return f"/signed/{key}?for={expires_in}"


@pytest.fixture
def store(tmp_path: Path) -> LocalFileProfileImageStore:
    return LocalFileProfileImageStore(tmp_path / "media", _signed)


class TestLocalFileProfileImageStore:
    def test_keeps_each_image_as_a_file_at_its_key(self, store, tmp_path):
        key = store.put(SUB, ProfileImage(PNG))

        assert (tmp_path / "media" / key).read_bytes() == PNG
        assert [path.name for path in (tmp_path / "media" / "profile-images" / SUB).iterdir()] == [Path(key).name]

    def test_reads_back_what_it_stored(self, store):
        key = store.put(SUB, ProfileImage(WEBP))
        found = store.read(key)
        assert found is not None
        assert (found.content, found.format) == (WEBP, ImageFormat.WEBP)

    def test_deletes_and_then_reads_nothing(self, store):
        key = store.put(SUB, ProfileImage(PNG))
        store.delete(key)
        assert store.read(key) is None

    def test_deleting_a_missing_key_is_fine(self, store):
        store.delete(f"profile-images/{SUB}/missing.png")

    def test_leaves_the_url_to_the_signer_it_was_given(self, store):
        assert store.url("profile-images/x/y.png", 300) == "/signed/profile-images/x/y.png?for=300"

    @pytest.mark.parametrize("key", ["../outside.png", "profile-images/../../outside.png", "/etc/passwd", "", "."])
    def test_refuses_a_key_that_is_not_under_its_root(self, store, key):
        with pytest.raises(ValueError, match="not a key of this store"):
            store.read(key)

    def test_an_unwritable_directory_is_an_unavailable_store(self, tmp_path):
        blocker = tmp_path / "not-a-directory"
        blocker.write_bytes(b"")
        store = LocalFileProfileImageStore(blocker, _signed)

        with pytest.raises(ProviderUnavailable):
            store.put(SUB, ProfileImage(PNG))
