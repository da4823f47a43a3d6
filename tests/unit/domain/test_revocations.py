"""The rule every revocation list applies; the lists' own contract is tests/unit/adapters/test_revocation_lists.py."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.revocations import Revocations
from domain.values import Claims
from tests.fakes import access_token_claims

NOW = 1_800_000_000.0


def token(*, sub: str = "user-1", origin_jti: str = "origin-1", issued_at: int = int(NOW) - 10) -> Claims:
    return access_token_claims(issued_at, sub=sub, origin_jti=origin_jti)


class TestRefuses:
    def test_a_revoked_sign_in_until_its_entry_expires(self):
        revocations = Revocations().merged(NOW, sign_ins=[("origin-1", NOW + 60)])

        assert revocations.refuses(token(), NOW)
        assert not revocations.refuses(token(origin_jti="origin-2"), NOW)
        assert not revocations.refuses(token(), NOW + 60)

    def test_a_revoked_users_tokens_issued_before_the_revocation_only(self):
        revocations = Revocations().merged(NOW, users=[("user-1", (NOW, NOW + 60))])

        assert revocations.refuses(token(issued_at=int(NOW) - 1), NOW)
        assert not revocations.refuses(token(issued_at=int(NOW)), NOW)
        assert not revocations.refuses(token(sub="user-2", issued_at=int(NOW) - 1), NOW)
        assert not revocations.refuses(token(issued_at=int(NOW) - 1), NOW + 60)


class TestMerged:
    def test_drops_what_has_expired(self):
        revocations = Revocations().merged(NOW, sign_ins=[("a", NOW + 1)], users=[("u", (NOW, NOW + 1))])

        assert revocations.merged(NOW + 1) == Revocations()

    def test_ignores_entries_expired_already(self):
        # An entry that ends now has expired: it refuses nothing more.
        merged = Revocations().merged(
            NOW, sign_ins=[("a", NOW), ("b", NOW - 1)], users=[("u", (NOW, NOW)), ("v", (NOW, NOW - 1))]
        )
        assert merged == Revocations()

    @given(
        first=st.tuples(st.floats(NOW - 100, NOW + 100), st.floats(NOW + 1, NOW + 100)),
        second=st.tuples(st.floats(NOW - 100, NOW + 100), st.floats(NOW + 1, NOW + 100)),
    )
    def test_never_shortens_a_revocation(self, first, second):
        revocations = Revocations().merged(NOW, sign_ins=[("a", first[1])], users=[("u", first)])

        widened = revocations.merged(NOW, sign_ins=[("a", second[1])], users=[("u", second)])

        assert widened.sign_ins["a"] == max(first[1], second[1])
        assert widened.users["u"] == (max(first[0], second[0]), max(first[1], second[1]))
