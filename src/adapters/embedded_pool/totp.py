"""Time-based one-time passwords as authenticator apps compute them: RFC 6238 with SHA-1, 6 digits, 30 s."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """160 random bits in unpadded base32, the form Cognito hands out and apps accept."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def step_at(now: float) -> int:
    return int(now // STEP_SECONDS)


def code_at_step(secret: str, step: int) -> str:
    """RFC 4226 HOTP over the time step: dynamic truncation of HMAC-SHA1(secret, step)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, step.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"


def matching_step(secret: str, code: str, now: float, *, after_step: int) -> int | None:
    """The step, within one either side of `now`, whose code is `code`; steps up to `after_step`
    are spent (a code is good once), so they never match."""
    current = step_at(now)
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(code_at_step(secret, step).encode(), code.encode()):
            return step
    return None
