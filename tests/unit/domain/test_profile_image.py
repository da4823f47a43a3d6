from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ImageTooLarge, ValidationError
from domain.values import PROFILE_IMAGE_MAX_BYTES, ImageFormat, ProfileImage
from tests.images import JPEG, JPEG_SIGNATURE, PNG, PNG_SIGNATURE, WEBP, image, webp_header

SUB = "3f1c0a52-0000-4000-8000-000000000001"


def _has_a_signature(data: bytes) -> bool:
    return data.startswith((JPEG_SIGNATURE, PNG_SIGNATURE)) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


@st.composite
def _near_misses(draw: st.DrawFn) -> bytes:
    """Random bytes after a signature that is whole, cut short, or has one byte changed: random
    bytes alone would almost never come close to one."""
    signature = bytearray(draw(st.sampled_from([JPEG_SIGNATURE, PNG_SIGNATURE, webp_header(0)])))
    if draw(st.booleans()):
        del signature[draw(st.integers(0, len(signature) - 1)) :]
    elif draw(st.booleans()):
        signature[draw(st.integers(0, len(signature) - 1))] = draw(st.integers(0, 255))
    return bytes(signature) + draw(st.binary(max_size=32))


class TestImageFormat:
    @pytest.mark.parametrize(
        ("content", "expected", "content_type", "extension"),
        [
            (JPEG, ImageFormat.JPEG, "image/jpeg", "jpg"),
            (PNG, ImageFormat.PNG, "image/png", "png"),
            (WEBP, ImageFormat.WEBP, "image/webp", "webp"),
        ],
    )
    def test_is_told_by_the_first_bytes(self, content, expected, content_type, extension):
        found = ImageFormat.of(content)
        assert (found, found.content_type, found.extension) == (expected, content_type, extension)

    @pytest.mark.parametrize(
        "content",
        [
            b"",
            b"\x89PNG",  # a signature cut short
            b"hello, I am a text file named avatar.png",
            b"GIF89a\x01\x00\x01\x00",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            b"RIFF\x24\x00\x00\x00WAVEfmt ",  # RIFF, but audio
            b"%PDF-1.7",
        ],
    )
    def test_refuses_everything_else_as_an_invalid_image_field(self, content):
        with pytest.raises(ValidationError) as raised:
            ImageFormat.of(content)
        assert raised.value.fields == {"image": "must be a JPEG, PNG or WebP image"}

    @given(st.one_of(st.binary(max_size=64), _near_misses()))
    def test_random_bytes_are_an_image_only_when_they_begin_with_a_real_signature(self, data):
        try:
            ImageFormat.of(data)
        except ValidationError:
            assert not _has_a_signature(data)
        else:
            assert _has_a_signature(data)

    @given(
        st.sampled_from([JPEG_SIGNATURE, PNG_SIGNATURE, webp_header(1234)]),
        st.binary(max_size=64),
    )
    def test_any_bytes_after_a_signature_keep_its_format(self, signature, rest):
        expected = {JPEG_SIGNATURE: ImageFormat.JPEG, PNG_SIGNATURE: ImageFormat.PNG}.get(signature, ImageFormat.WEBP)
        assert ImageFormat.of(signature + rest) is expected


class TestProfileImage:
    def test_takes_its_format_from_its_content(self):
        assert ProfileImage(PNG).format is ImageFormat.PNG

    def test_may_be_exactly_as_large_as_the_limit(self):
        assert ProfileImage(image(ImageFormat.JPEG, PROFILE_IMAGE_MAX_BYTES)).format is ImageFormat.JPEG

    def test_refuses_a_byte_more(self):
        with pytest.raises(ImageTooLarge) as raised:
            ProfileImage(image(ImageFormat.JPEG, PROFILE_IMAGE_MAX_BYTES + 1))
        assert raised.value.message == "The image is larger than 5 MiB."

    def test_refuses_content_that_is_no_image(self):
        with pytest.raises(ValidationError):
            ProfileImage(b"just text")

    def test_keeps_its_bytes_out_of_its_repr(self):
        assert "p" * 10 not in repr(ProfileImage(PNG))


class TestNewKey:
    def test_lies_under_the_owner_with_the_format_as_extension(self):
        key = ProfileImage(WEBP).new_key(SUB)
        assert re.fullmatch(rf"profile-images/{SUB}/[A-Za-z0-9_-]{{22}}\.webp", key), key

    def test_cannot_be_guessed_from_the_sub(self):
        keys = {ProfileImage(PNG).new_key(SUB) for _ in range(100)}
        assert len(keys) == 100

    @pytest.mark.parametrize("sub", ["", "../../etc", "a/b", "a b", "a\n", "x" * 65])
    def test_refuses_a_sub_that_could_leave_its_prefix(self, sub):
        with pytest.raises(ValidationError) as raised:
            ProfileImage(PNG).new_key(sub)
        assert raised.value.fields == {"sub": "must be letters, digits and hyphens"}
