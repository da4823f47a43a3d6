"""Image bodies for the profile image tests. Only their first bytes make them images to the service
(it never decodes one), so each is a real signature followed by filler that tells them apart."""

from __future__ import annotations

import struct

from domain.values import ImageFormat

JPEG_SIGNATURE = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def webp_header(length: int) -> bytes:
    """RIFF, the length of what follows it (little-endian), and the WebP form type."""
    return b"RIFF" + struct.pack("<I", length) + b"WEBP"


def image(image_format: ImageFormat, size: int = 64, fill: bytes = b"\x00") -> bytes:
    """`size` bytes in `image_format`."""
    header = {
        ImageFormat.JPEG: JPEG_SIGNATURE + b"\xe0",
        ImageFormat.PNG: PNG_SIGNATURE,
        ImageFormat.WEBP: webp_header(size - 8),
    }[image_format]
    return header + fill * (size - len(header))


JPEG = image(ImageFormat.JPEG, fill=b"j")
PNG = image(ImageFormat.PNG, fill=b"p")
WEBP = image(ImageFormat.WEBP, fill=b"w")
