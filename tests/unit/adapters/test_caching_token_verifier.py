from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import attrs
import pytest

from adapters.jwt.caching_verifier import CachingTokenVerifier
from application.ports.token_verifier import TokenVerifier
from domain.errors import TokenExpired, TokenInvalid
from domain.values import Claims
from tests.fakes import ManualClock

NOW = 1_800_000_000


def access_claims(username: str = "alice", lifetime: int = 3600) -> Claims:
    return Claims(
        sub=f"sub-{username}",
        username=username,
        token_use="access",
        client_id="test-client",
        issued_at=NOW,
        expires_at=NOW + lifetime,
        auth_time=NOW,
        jti=f"jti-{username}",
    )


@attrs.define
class ScriptedVerifier(TokenVerifier):
    """Accepts the tokens in `accepted` with their claims and refuses any other; counts the calls it gets."""

    clock: ManualClock
    accepted: dict[str, Claims] = attrs.field(factory=dict)
    access_calls: int = 0
    id_calls: int = 0

    def verify_access_token(self, token: str, *, allow_expired: bool = False) -> Claims:
        self.access_calls += 1
        return self._verify(token, allow_expired=allow_expired)

    def verify_id_token(self, token: str) -> Claims:
        self.id_calls += 1
        return self._verify(token, allow_expired=False)

    def _verify(self, token: str, *, allow_expired: bool) -> Claims:
        claims = self.accepted.get(token)
        if claims is None:
            raise TokenInvalid()
        if not allow_expired and self.clock.now() >= claims.expires_at + 5:
            raise TokenExpired()
        return claims


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def inner(clock: ManualClock) -> ScriptedVerifier:
    return ScriptedVerifier(clock, {"token-alice": access_claims(), "token-bob": access_claims("bob")})


@pytest.fixture
def verifier(inner: ScriptedVerifier, clock: ManualClock) -> CachingTokenVerifier:
    return CachingTokenVerifier(inner, clock=clock)


class TestRemembering:
    def test_verifies_a_token_once(self, verifier: CachingTokenVerifier, inner: ScriptedVerifier) -> None:
        answers = [verifier.verify_access_token("token-alice") for _ in range(3)]

        assert answers == [access_claims()] * 3
        assert inner.access_calls == 1

    def test_tells_tokens_apart(self, verifier: CachingTokenVerifier, inner: ScriptedVerifier) -> None:
        verifier.verify_access_token("token-alice")

        assert verifier.verify_access_token("token-bob").username == "bob"
        assert verifier.verify_access_token("token-alice").username == "alice"
        assert inner.access_calls == 2

    def test_refuses_a_remembered_token_once_it_has_expired(
        self, verifier: CachingTokenVerifier, inner: ScriptedVerifier, clock: ManualClock
    ) -> None:
        verifier.verify_access_token("token-alice")

        clock.advance(3600 + 4)
        verifier.verify_access_token("token-alice")
        clock.advance(1)
        with pytest.raises(TokenExpired):
            verifier.verify_access_token("token-alice")
        assert inner.access_calls == 1

    def test_honours_the_leeway_it_is_given(self, inner: ScriptedVerifier, clock: ManualClock) -> None:
        strict = CachingTokenVerifier(inner, clock=clock, leeway=0)
        strict.verify_access_token("token-alice")
        clock.advance(3600)

        with pytest.raises(TokenExpired):
            strict.verify_access_token("token-alice")

    def test_reads_an_expired_token_from_memory_when_allowed(
        self, verifier: CachingTokenVerifier, inner: ScriptedVerifier, clock: ManualClock
    ) -> None:
        verifier.verify_access_token("token-alice")
        clock.advance(30 * 24 * 3600)

        assert verifier.verify_access_token("token-alice", allow_expired=True).username == "alice"
        assert inner.access_calls == 1

    def test_remembers_a_token_first_seen_expired(
        self, verifier: CachingTokenVerifier, inner: ScriptedVerifier, clock: ManualClock
    ) -> None:
        clock.advance(2 * 3600)

        with pytest.raises(TokenExpired):
            verifier.verify_access_token("token-alice")
        assert verifier.verify_access_token("token-alice", allow_expired=True).username == "alice"
        assert inner.access_calls == 1


class TestRefusals:
    def test_never_remembers_a_refusal(self, verifier: CachingTokenVerifier, inner: ScriptedVerifier) -> None:
        for _ in range(2):
            with pytest.raises(TokenInvalid):
                verifier.verify_access_token("forged")

        assert inner.access_calls == 2

    def test_accepts_a_token_refused_before_once_the_inner_verifier_does(
        self, verifier: CachingTokenVerifier, inner: ScriptedVerifier
    ) -> None:
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token("token-carol")
        inner.accepted["token-carol"] = access_claims("carol")

        assert verifier.verify_access_token("token-carol").username == "carol"

    def test_refuses_text_that_cannot_be_encoded_as_utf8(self, verifier: CachingTokenVerifier) -> None:
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token("\ud800.\udfff.x")


class TestIdTokens:
    def test_asks_the_inner_verifier_every_time(self, verifier: CachingTokenVerifier, inner: ScriptedVerifier) -> None:
        inner.accepted["id-alice"] = attrs.evolve(access_claims(), token_use="id")

        for _ in range(2):
            assert verifier.verify_id_token("id-alice").token_use == "id"

        assert (inner.id_calls, inner.access_calls) == (2, 0)


class TestSize:
    def test_forgets_the_oldest_token_first(self, inner: ScriptedVerifier, clock: ManualClock) -> None:
        inner.accepted["token-carol"] = access_claims("carol")
        verifier = CachingTokenVerifier(inner, clock=clock, max_entries=2)
        for token in ["token-alice", "token-bob", "token-carol"]:
            verifier.verify_access_token(token)

        verifier.verify_access_token("token-bob")
        verifier.verify_access_token("token-carol")
        assert inner.access_calls == 3
        verifier.verify_access_token("token-alice")
        assert inner.access_calls == 4

    def test_needs_room_for_one_token(self, inner: ScriptedVerifier, clock: ManualClock) -> None:
        with pytest.raises(ValueError, match="max_entries"):
            CachingTokenVerifier(inner, clock=clock, max_entries=0)

    def test_stays_correct_under_concurrent_eviction(self, inner: ScriptedVerifier, clock: ManualClock) -> None:
        tokens = {f"token-{number}": access_claims(f"user-{number}") for number in range(200)}
        inner.accepted |= tokens
        verifier = CachingTokenVerifier(inner, clock=clock, max_entries=10)

        def verify_all(offset: int) -> bool:
            names = list(tokens)[offset:] + list(tokens)[:offset]
            return all(verifier.verify_access_token(name) == tokens[name] for name in names)

        with ThreadPoolExecutor(max_workers=8) as pool:
            assert all(pool.map(verify_all, range(0, 200, 25)))
