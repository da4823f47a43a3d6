from __future__ import annotations

import base64

import pytest

from adapters.embedded_pool import totp
from tests.totp import totp as authenticator_app

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", 8-digit codes cut here to their last 6.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


class TestTotp:
    @pytest.mark.parametrize(
        ("at", "code"),
        [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ],
    )
    def test_computes_the_codes_of_rfc_6238(self, at, code):
        assert totp.code_at_step(RFC_SECRET, totp.step_at(at)) == code

    def test_computes_the_codes_of_a_52_character_unpadded_secret_as_cognito_hands_out(self):
        # 32 bytes are 52 base32 characters and 4 of padding, which Cognito leaves off; the codes must be
        # those an authenticator app computes from the same secret.
        secret = base64.b32encode(bytes(range(32))).decode().rstrip("=")
        assert len(secret) == 52
        for at in (59, 1111111109, 1234567890, 2000000000):
            assert totp.code_at_step(secret, totp.step_at(at)) == authenticator_app(secret, at)

    @pytest.mark.parametrize("key_bytes", [16, 3, 9])
    def test_re_pads_unpadded_secrets_of_every_length_base32_has(self, key_bytes):
        # 16, 3 and 9 bytes are 26, 5 and 15 characters, short of a multiple of 8 by 6, 3 and 1: padding
        # the remainder itself (2, 5, 7) instead of what it lacks would not decode.
        secret = base64.b32encode(bytes(range(1, key_bytes + 1))).decode().rstrip("=")
        assert len(secret) % 8 in (2, 5, 7)
        for at in (59, 1234567890):
            assert totp.code_at_step(secret, totp.step_at(at)) == authenticator_app(secret, at)

    def test_reads_a_secret_typed_in_lowercase(self):
        secret = base64.b32encode(bytes(range(32))).decode().rstrip("=")
        assert totp.code_at_step(secret.lower(), totp.step_at(59)) == authenticator_app(secret, 59)

    def test_accepts_the_step_either_side_of_now_and_no_further(self):
        now = 1111111109
        step = totp.step_at(now)
        for offset in (-1, 0, 1):
            code = totp.code_at_step(RFC_SECRET, step + offset)
            assert totp.matching_step(RFC_SECRET, code, now, after_step=-1) == step + offset
        for offset in (-2, 2):
            assert (
                totp.matching_step(RFC_SECRET, totp.code_at_step(RFC_SECRET, step + offset), now, after_step=-1) is None
            )

    def test_never_accepts_a_spent_step(self):
        now = 1111111109
        step = totp.step_at(now)
        assert totp.matching_step(RFC_SECRET, totp.code_at_step(RFC_SECRET, step), now, after_step=step) is None

    def test_new_secrets_are_160_bits_of_unpadded_base32(self):
        secret = totp.new_secret()
        assert len(secret) == 32
        assert len(base64.b32decode(secret)) == 20
