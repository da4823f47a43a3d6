"""The revocation list port's contract, run here against the in-memory list and, in
tests/integration/redis, against the Redis one; plus what the Redis list does without Redis."""

from __future__ import annotations

import threading

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from adapters.memory.revocation_list import InMemoryRevocationList
from adapters.redis.revocation_list import RedisRevocationList
from application.ports.clock import Clock
from domain.errors import ProviderUnavailable
from domain.values import Claims
from tests.fakes import access_token_claims

HOUR = 3600


def claims_of(
    clock: Clock,
    *,
    origin_jti: str | None = "origin-1",
    sub: str = "user-1",
    auth_time_ago: int = 60,
    jti: str = "jti-1",
    token_use: str = "access",
    issued_ago: int = 0,
) -> Claims:
    issued_at = int(clock.now()) - issued_ago
    return access_token_claims(
        issued_at, sub=sub, origin_jti=origin_jti, auth_time=issued_at - auth_time_ago, jti=jti, token_use=token_use
    )


class RevocationListContract:
    """What every RevocationList promises; a subclass supplies `revocations` on the ManualClock `clock`."""

    def test_refuses_every_token_of_the_revoked_sign_in(self, revocations, clock):
        revocations.revoke(claims_of(clock), until=clock.now() + HOUR)

        assert revocations.is_revoked(claims_of(clock))
        assert revocations.is_revoked(claims_of(clock, jti="jti-after-a-refresh"))
        assert revocations.is_revoked(claims_of(clock, jti="jti-of-the-id-token", token_use="id"))

    def test_leaves_other_sign_ins_alone(self, revocations, clock):
        revocations.revoke(claims_of(clock), until=clock.now() + HOUR)

        assert not revocations.is_revoked(claims_of(clock, origin_jti="origin-2"))

    def test_without_origin_jti_a_sign_in_is_its_user_and_time_of_authentication(self, revocations, clock):
        revocations.revoke(claims_of(clock, origin_jti=None), until=clock.now() + HOUR)

        assert revocations.is_revoked(claims_of(clock, origin_jti=None, jti="jti-after-a-refresh"))
        assert not revocations.is_revoked(claims_of(clock, origin_jti=None, auth_time_ago=61))
        assert not revocations.is_revoked(claims_of(clock, origin_jti=None, sub="user-2"))

    def test_refuses_until_the_given_time_and_no_longer(self, revocations, clock):
        revocations.revoke(claims_of(clock), until=clock.now() + 100)

        clock.advance(99)
        assert revocations.is_revoked(claims_of(clock))
        clock.advance(1)
        assert not revocations.is_revoked(claims_of(clock))

    def test_a_second_revocation_never_shortens_the_first(self, revocations, clock):
        revocations.revoke(claims_of(clock), until=clock.now() + 100)
        revocations.revoke(claims_of(clock), until=clock.now() + 10)

        clock.advance(50)
        assert revocations.is_revoked(claims_of(clock))

    def test_forgets_entries_once_they_expire(self, revocations, clock):
        expired = claims_of(clock, origin_jti="origin-expired")
        revocations.revoke(expired, until=clock.now() + 10)
        clock.advance(11)
        revocations.revoke(claims_of(clock), until=clock.now() + HOUR)

        # Turning the clock back shows whether the expired entry is still held.
        clock.advance(-11)
        assert not revocations.is_revoked(expired)

    def test_a_user_revocation_refuses_every_sign_in_of_the_user(self, revocations, clock):
        revocations.revoke_user("user-1", issued_before=clock.now(), until=clock.now() + HOUR)

        assert revocations.is_revoked(claims_of(clock, issued_ago=1))
        assert revocations.is_revoked(claims_of(clock, origin_jti="origin-2", issued_ago=1800))
        assert revocations.is_revoked(claims_of(clock, origin_jti=None, issued_ago=1, token_use="id"))
        assert not revocations.is_revoked(claims_of(clock, sub="user-2", issued_ago=1))

    def test_a_user_revocation_spares_tokens_issued_at_or_after_its_time(self, revocations, clock):
        # What a logout needs: a sign-in in the same whole second as the logout keeps working.
        clock.advance(0.5)
        revocations.revoke_user("user-1", issued_before=int(clock.now()), until=clock.now() + HOUR)

        assert not revocations.is_revoked(claims_of(clock, origin_jti="origin-new"))
        assert revocations.is_revoked(claims_of(clock, origin_jti="origin-old", issued_ago=1))

    def test_a_user_revocation_past_the_current_second_refuses_the_whole_second(self, revocations, clock):
        # What a disable needs: every token issued up to now, in whichever part of this second.
        clock.advance(0.5)
        revocations.revoke_user("user-1", issued_before=int(clock.now()) + 1, until=clock.now() + HOUR)

        assert revocations.is_revoked(claims_of(clock))
        clock.advance(1)
        assert not revocations.is_revoked(claims_of(clock, origin_jti="origin-after-the-second"))

    def test_a_user_revocation_up_to_its_end_refuses_every_token_of_the_user(self, revocations, clock):
        # What a deletion needs: a token issued at any time is refused while the entry lives.
        until = clock.now() + HOUR
        revocations.revoke_user("user-1", issued_before=until, until=until)

        clock.advance(HOUR - 1)
        assert revocations.is_revoked(claims_of(clock, origin_jti="origin-issued-late"))
        clock.advance(1)
        assert not revocations.is_revoked(claims_of(clock, origin_jti="origin-issued-late", issued_ago=1))

    def test_a_user_revocation_refuses_until_the_given_time_and_no_longer(self, revocations, clock):
        revocations.revoke_user("user-1", issued_before=clock.now(), until=clock.now() + 100)
        old = claims_of(clock, issued_ago=10)

        clock.advance(99)
        assert revocations.is_revoked(old)
        clock.advance(1)
        assert not revocations.is_revoked(old)

    def test_a_second_user_revocation_widens_the_first_and_never_narrows_it(self, revocations, clock):
        now = clock.now()
        revocations.revoke_user("user-1", issued_before=now - 100, until=now + 1000)
        revocations.revoke_user("user-1", issued_before=now - 200, until=now + 10)
        assert revocations.is_revoked(claims_of(clock, issued_ago=150))

        revocations.revoke_user("user-1", issued_before=now, until=now + 10)
        clock.advance(500)
        assert revocations.is_revoked(claims_of(clock, issued_ago=501))
        assert not revocations.is_revoked(claims_of(clock, issued_ago=500))

    def test_user_and_sign_in_revocations_stand_side_by_side(self, revocations, clock):
        revocations.revoke(claims_of(clock), until=clock.now() + HOUR)
        revocations.revoke_user("user-1", issued_before=clock.now() - 10, until=clock.now() + HOUR)

        assert revocations.is_revoked(claims_of(clock))  # issued after the user's time, of the revoked sign-in
        assert revocations.is_revoked(claims_of(clock, origin_jti="origin-2", issued_ago=11))
        assert not revocations.is_revoked(claims_of(clock, origin_jti="origin-2"))

    def test_forgets_user_entries_once_they_expire(self, revocations, clock):
        revocations.revoke_user("user-expired", issued_before=clock.now(), until=clock.now() + 10)
        clock.advance(11)
        revocations.revoke_user("user-1", issued_before=clock.now(), until=clock.now() + HOUR)

        clock.advance(-11)
        assert not revocations.is_revoked(claims_of(clock, sub="user-expired", issued_ago=1))


class TestInMemoryRevocationList(RevocationListContract):
    @pytest.fixture
    def revocations(self, clock):
        return InMemoryRevocationList(clock)


def _listeners() -> int:
    return sum(thread.name == "revocation-listener" for thread in threading.enumerate())


class TestRedisRevocationListWithoutRedis:
    @pytest.fixture
    def unreachable(self, tmp_path):
        # A socket file that does not exist: every call fails at once, without any network.
        return redis.Redis(unix_socket_path=str(tmp_path / "absent.sock"), retry=Retry(NoBackoff(), 0))

    @pytest.fixture
    def revocations(self, unreachable, clock):
        revocations = RedisRevocationList(unreachable, clock=clock, startup_timeout=0.05)
        yield revocations
        revocations.close()

    def test_a_revocation_redis_cannot_store_is_reported(self, revocations, clock):
        with pytest.raises(ProviderUnavailable):
            revocations.revoke(claims_of(clock), until=clock.now() + HOUR)
        with pytest.raises(ProviderUnavailable):
            revocations.revoke_user("user-1", issued_before=clock.now(), until=clock.now() + HOUR)

    def test_a_list_never_loaded_answers_for_no_token(self, revocations, clock):
        # Started while Redis is unreachable, it knows nothing of what was revoked before: it
        # refuses to vouch for any token rather than accept a revoked one.
        for claims in (claims_of(clock), claims_of(clock, origin_jti="origin-2", sub="user-2")):
            with pytest.raises(ProviderUnavailable):
                revocations.is_revoked(claims)

    def test_starts_listening_on_first_use_not_on_construction(self, unreachable, clock):
        before = _listeners()
        revocations = RedisRevocationList(unreachable, clock=clock, startup_timeout=0.05)
        try:
            assert _listeners() == before
            with pytest.raises(ProviderUnavailable):
                revocations.is_revoked(claims_of(clock))
            assert _listeners() == before + 1
        finally:
            revocations.close()
        assert _listeners() == before
