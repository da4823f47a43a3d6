"""The upload parser reads the body itself, past DATA_UPLOAD_MAX_MEMORY_SIZE but never past the limit."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from django_shell.accounts.images import ImageParser
from domain.errors import ImageTooLarge
from domain.values import PROFILE_IMAGE_MAX_BYTES


class EndlessStream:
    """A body that never ends, handed out in short reads as a socket may; it counts what was read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int) -> bytes:
        chunk = b"x" * min(size, 1000)
        self.read_bytes += len(chunk)
        return chunk


def parse(stream, content_length: int):
    request = SimpleNamespace(META={"CONTENT_LENGTH": str(content_length)})
    return ImageParser().parse(stream, "image/png", {"request": request})


class TestImageParser:
    def test_reads_at_most_one_byte_past_the_limit_whatever_the_stream_holds(self):
        stream = EndlessStream()
        parsed = parse(stream, PROFILE_IMAGE_MAX_BYTES)
        assert len(parsed["image"]) == stream.read_bytes == PROFILE_IMAGE_MAX_BYTES + 1

    def test_refuses_a_declared_length_past_the_limit_without_reading(self):
        stream = EndlessStream()
        with pytest.raises(ImageTooLarge):
            parse(stream, PROFILE_IMAGE_MAX_BYTES + 1)
        assert stream.read_bytes == 0
