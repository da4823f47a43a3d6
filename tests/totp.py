"""An authenticator app for tests, written apart from the pool's own TOTP so a shared mistake cannot hide."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct


def totp(secret: str, at: float, *, offset_steps: int = 0) -> str:
    """RFC 6238: HMAC-SHA1 over the 30 s counter, dynamic truncation, 6 digits."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    counter = int(at) // 30 + offset_steps
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    start = mac[19] & 0xF
    (number,) = struct.unpack(">I", mac[start : start + 4])
    return str((number & 0x7FFFFFFF) % 1_000_000).zfill(6)
