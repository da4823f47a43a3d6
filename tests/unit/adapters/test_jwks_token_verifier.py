from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.jwt.caching_verifier import CachingTokenVerifier
from adapters.jwt.verifier import MAX_TOKEN_LENGTH, JwksTokenVerifier
from domain.errors import ProviderUnavailable, TokenExpired, TokenInvalid
from tests.fakes import InMemorySharedCache, ManualClock

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool"
CLIENT_ID = "test-client"
KID = "key-1"
NOW = 1_800_000_000
SHARED_KEY = f"jwks:{hashlib.sha256(ISSUER.encode()).hexdigest()}"


def jwk_of(key: rsa.RSAPrivateKey, kid: str = KID, **members: Any) -> dict[str, Any]:
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig", **members}


@attrs.define
class KeySet:
    """A JWKS endpoint that counts its calls; `down` makes it fail as `HttpJwks` does, `delay` makes it slow."""

    keys: list[Any]
    calls: int = 0
    down: bool = False
    delay: float = 0.0
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False)

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        if self.down:
            raise ProviderUnavailable()
        return {"keys": self.keys}


def refused(message: str) -> pytest.RaisesExc[TokenInvalid]:
    """A refusal with exactly `message`: it is the `error` of the response body, part of the API."""
    return pytest.raises(TokenInvalid, match=f"^{re.escape(message)}$")


WRONG_TYPE = {
    "aud": "The token's aud claim is not a string or a list of strings.",
    "cognito:groups": "The token's cognito:groups claim is not a list of strings.",
}


def claims(token_use: str | None = "access", **overrides: Any) -> dict[str, Any]:
    """Cognito-shaped claims, valid at NOW; an override of None leaves the claim out."""
    base: dict[str, Any] = {
        "sub": "2f1b9a4e-0000-4000-8000-000000000001",
        "iss": ISSUER,
        "origin_jti": "origin-1",
        "event_id": "event-1",
        "token_use": token_use,
        "auth_time": NOW,
        "iat": NOW,
        "exp": NOW + 3600,
        "jti": "jti-1",
    }
    if token_use == "access":
        base |= {"client_id": CLIENT_ID, "scope": "aws.cognito.signin.user.admin", "username": "alice"}
    else:
        base |= {"aud": CLIENT_ID, "cognito:username": "alice", "email": "alice@example.com", "given_name": "Alice"}
    merged = base | overrides
    return {name: value for name, value in merged.items() if value is not None}


def sign(key: rsa.RSAPrivateKey, payload: dict[str, Any], kid: str | None = KID, algorithm: str = "RS256") -> str:
    headers = {} if kid is None else {"kid": kid}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_json(value: Any) -> str:
    return b64(json.dumps(value).encode())


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def key_set(signing_key: rsa.RSAPrivateKey) -> KeySet:
    return KeySet([jwk_of(signing_key)])


@pytest.fixture
def verifier(key_set: KeySet, clock: ManualClock) -> JwksTokenVerifier:
    return JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=key_set, clock=clock)


@pytest.fixture
def access_token(signing_key: rsa.RSAPrivateKey) -> str:
    return sign(signing_key, claims())


class TestAccessTokens:
    def test_returns_the_claims_of_a_genuine_token(self, verifier: JwksTokenVerifier, access_token: str) -> None:
        result = verifier.verify_access_token(access_token)

        assert result.sub == "2f1b9a4e-0000-4000-8000-000000000001"
        assert (result.username, result.client_id, result.token_use) == ("alice", CLIENT_ID, "access")
        assert (result.issued_at, result.expires_at, result.auth_time) == (NOW, NOW + 3600, NOW)
        assert (result.jti, result.origin_jti) == ("jti-1", "origin-1")
        assert result.scopes == ("aws.cognito.signin.user.admin",)

    def test_reads_the_groups(self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey) -> None:
        token = sign(signing_key, claims() | {"cognito:groups": ["admins", "staff"]})

        assert verifier.verify_access_token(token).groups == ("admins", "staff")

    def test_accepts_the_token_of_a_user_in_many_groups(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        # Cognito lists every group in the token: 180 groups of 100-character names make it over 24 KiB.
        groups = [f"{number:03d}-" + "g" * 96 for number in range(180)]
        token = sign(signing_key, claims() | {"cognito:groups": groups})
        assert len(token) > 24 * 1024

        assert verifier.verify_access_token(token).groups == tuple(groups)

    def test_accepts_a_token_expired_within_the_leeway(
        self, verifier: JwksTokenVerifier, access_token: str, clock: ManualClock
    ) -> None:
        clock.advance(3600 + 4)

        verifier.verify_access_token(access_token)

    def test_refuses_a_token_expired_beyond_the_leeway(
        self, verifier: JwksTokenVerifier, access_token: str, clock: ManualClock
    ) -> None:
        clock.advance(3600 + 5)

        with pytest.raises(TokenExpired):
            verifier.verify_access_token(access_token)

    def test_honours_the_leeway_it_is_given(self, key_set: KeySet, access_token: str, clock: ManualClock) -> None:
        strict = JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=key_set, clock=clock, leeway=0)
        clock.advance(3600)

        with pytest.raises(TokenExpired):
            strict.verify_access_token(access_token)

    def test_may_accept_an_expired_token_to_learn_whose_it_is(
        self, verifier: JwksTokenVerifier, access_token: str, clock: ManualClock
    ) -> None:
        clock.advance(30 * 24 * 3600)

        assert verifier.verify_access_token(access_token, allow_expired=True).username == "alice"

    def test_accepting_an_expired_token_still_checks_the_rest(
        self, verifier: JwksTokenVerifier, other_signing_key: rsa.RSAPrivateKey, clock: ManualClock
    ) -> None:
        clock.advance(7200)

        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(sign(other_signing_key, claims()), allow_expired=True)
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(sign(other_signing_key, claims(nbf=NOW + 3 * 3600)), allow_expired=True)

    def test_refuses_a_token_of_another_client(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        with refused("The token was issued to another client."):
            verifier.verify_access_token(sign(signing_key, claims(client_id="other-client")))

    def test_refuses_a_token_without_a_client(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        with refused("The token was issued to another client."):
            verifier.verify_access_token(sign(signing_key, claims(client_id=None)))

    def test_refuses_an_id_token(self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey) -> None:
        with refused("The token is not an access token."):
            verifier.verify_access_token(sign(signing_key, claims("id")))


class TestIdTokens:
    def test_returns_the_claims_of_a_genuine_token(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        result = verifier.verify_id_token(sign(signing_key, claims("id")))

        assert (result.username, result.client_id, result.token_use) == ("alice", CLIENT_ID, "id")
        assert (result.email, result.given_name) == ("alice@example.com", "Alice")

    def test_accepts_an_audience_list_naming_the_client(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        verifier.verify_id_token(sign(signing_key, claims("id", aud=["elsewhere", CLIENT_ID])))

    @pytest.mark.parametrize("audience", ["other-client", ["other-client"], None])
    def test_refuses_a_token_for_another_audience(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, audience: Any
    ) -> None:
        with refused("The token was issued to another client."):
            verifier.verify_id_token(sign(signing_key, claims("id", aud=audience)))

    def test_refuses_an_access_token(self, verifier: JwksTokenVerifier, access_token: str) -> None:
        with refused("The token is not an id token."):
            verifier.verify_id_token(access_token)

    def test_refuses_an_expired_token(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, clock: ManualClock
    ) -> None:
        token = sign(signing_key, claims("id"))
        clock.advance(3600 + 5)

        with pytest.raises(TokenExpired):
            verifier.verify_id_token(token)


class TestSignatures:
    def test_refuses_an_unsigned_token(self, verifier: JwksTokenVerifier) -> None:
        token = f"{b64_json({'alg': 'none', 'kid': KID})}.{b64_json(claims())}."

        with refused("The token is malformed."):
            verifier.verify_access_token(token)

    def test_refuses_the_none_algorithm_whatever_the_signature(self, verifier: JwksTokenVerifier) -> None:
        token = f"{b64_json({'alg': 'none', 'kid': KID})}.{b64_json(claims())}.{b64(b'anything')}"

        with refused("The token's signing algorithm is not accepted."):
            verifier.verify_access_token(token)

    def test_refuses_hs256_signed_with_the_public_key_as_secret(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        secret = signing_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        signing_input = f"{b64_json({'alg': 'HS256', 'typ': 'JWT', 'kid': KID})}.{b64_json(claims())}"
        signature = b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())

        with refused("The token's signing algorithm is not accepted."):
            verifier.verify_access_token(f"{signing_input}.{signature}")

    def test_refuses_another_rsa_algorithm(self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey) -> None:
        with refused("The token's signing algorithm is not accepted."):
            verifier.verify_access_token(sign(signing_key, claims(), algorithm="RS512"))

    def test_refuses_a_token_signed_with_another_key(
        self, verifier: JwksTokenVerifier, other_signing_key: rsa.RSAPrivateKey
    ) -> None:
        with refused("The token's signature is not valid."):
            verifier.verify_access_token(sign(other_signing_key, claims()))

    def test_refuses_a_token_whose_claims_were_changed(self, verifier: JwksTokenVerifier, access_token: str) -> None:
        header, _, signature = access_token.split(".")
        forged = f"{header}.{b64_json(claims(username='mallory'))}.{signature}"

        with refused("The token's signature is not valid."):
            verifier.verify_access_token(forged)

    def test_refuses_a_token_without_a_key_id(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        with refused("The token names no signing key."):
            verifier.verify_access_token(sign(signing_key, claims(), kid=None))

    def test_refuses_a_key_id_that_is_not_text(self, verifier: JwksTokenVerifier, access_token: str) -> None:
        _, payload, signature = access_token.split(".")

        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(f"{b64_json({'alg': 'RS256', 'kid': 7})}.{payload}.{signature}")

    @pytest.mark.parametrize(
        "members",
        [{"use": "enc"}, {"alg": "RS512"}, {"kty": "oct"}, {"n": "!!not base64!!"}, {"n": None}, {"kid": 1}],
        ids=["encryption-key", "other-algorithm", "not-rsa", "broken-modulus", "no-modulus", "kid-not-text"],
    )
    def test_never_uses_a_key_unfit_for_rs256_signatures(
        self, clock: ManualClock, signing_key: rsa.RSAPrivateKey, access_token: str, members: dict[str, Any]
    ) -> None:
        unfit = {name: value for name, value in jwk_of(signing_key, **members).items() if value is not None}
        verifier = JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=KeySet([unfit]), clock=clock)

        with refused("The token's signing key is unknown."):
            verifier.verify_access_token(access_token)

    def test_an_unusable_key_does_not_spoil_the_others(
        self, clock: ManualClock, signing_key: rsa.RSAPrivateKey, access_token: str
    ) -> None:
        ec_key = ec.generate_private_key(ec.SECP256R1())
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key())) | {"kid": "ec-1"}
        key_set = KeySet(["not a key", ec_jwk, {"kid": "broken", "kty": "RSA", "n": "", "e": ""}, jwk_of(signing_key)])
        verifier = JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=key_set, clock=clock)

        verifier.verify_access_token(access_token)

    @pytest.mark.parametrize("jwks", [{}, {"keys": "none"}, {"keys": None}])
    def test_treats_a_malformed_key_set_as_holding_no_keys(
        self, clock: ManualClock, access_token: str, jwks: dict[str, Any]
    ) -> None:
        verifier = JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=lambda: jwks, clock=clock)

        with refused("The token's signing key is unknown."):
            verifier.verify_access_token(access_token)


class TestKeySet:
    def test_fetches_the_key_set_once_for_known_keys(
        self, verifier: JwksTokenVerifier, key_set: KeySet, access_token: str
    ) -> None:
        for _ in range(3):
            verifier.verify_access_token(access_token)

        assert key_set.calls == 1

    def test_refuses_an_unknown_key_within_the_cool_down_without_fetching(
        self, verifier: JwksTokenVerifier, key_set: KeySet, access_token: str, signing_key: rsa.RSAPrivateKey
    ) -> None:
        verifier.verify_access_token(access_token)

        with refused("The token's signing key is unknown."):
            verifier.verify_access_token(sign(signing_key, claims(), kid="key-2"))

        assert key_set.calls == 1

    def test_fetches_again_for_unknown_keys_at_most_once_per_cool_down(
        self,
        verifier: JwksTokenVerifier,
        key_set: KeySet,
        access_token: str,
        signing_key: rsa.RSAPrivateKey,
        clock: ManualClock,
    ) -> None:
        verifier.verify_access_token(access_token)
        clock.advance(10)
        calls = []
        for second in range(25):
            with refused("The token's signing key is unknown."):
                verifier.verify_access_token(sign(signing_key, claims(), kid=f"unknown-{second}"))
            calls.append(key_set.calls)
            clock.advance(1)

        assert calls == [2] * 10 + [3] * 10 + [4] * 5

    def test_picks_up_a_rotated_key_after_the_cool_down(
        self,
        verifier: JwksTokenVerifier,
        key_set: KeySet,
        access_token: str,
        other_signing_key: rsa.RSAPrivateKey,
        clock: ManualClock,
    ) -> None:
        verifier.verify_access_token(access_token)
        key_set.keys = [jwk_of(other_signing_key, kid="key-2")]
        rotated = sign(other_signing_key, claims(), kid="key-2")
        with refused("The token's signing key is unknown."):
            verifier.verify_access_token(rotated)

        clock.advance(10)

        assert verifier.verify_access_token(rotated).username == "alice"
        with refused("The token's signing key is unknown."):
            verifier.verify_access_token(access_token)
        assert key_set.calls == 2

    def test_a_refetch_that_keeps_a_known_key_and_adds_another_verifies_with_both(
        self,
        verifier: JwksTokenVerifier,
        key_set: KeySet,
        access_token: str,
        signing_key: rsa.RSAPrivateKey,
        other_signing_key: rsa.RSAPrivateKey,
        clock: ManualClock,
    ) -> None:
        verifier.verify_access_token(access_token)
        # The kept key comes first, so a refetch that stopped at a key it knows would miss the new one.
        key_set.keys = [jwk_of(signing_key), jwk_of(other_signing_key, kid="key-2")]
        clock.advance(10)

        assert verifier.verify_access_token(sign(other_signing_key, claims(), kid="key-2")).username == "alice"
        assert verifier.verify_access_token(access_token).username == "alice"
        assert verifier.verify_access_token(sign(signing_key, claims(jti="jti-2"))).jti == "jti-2"
        assert key_set.calls == 2

    def test_a_kid_republished_with_new_key_material_verifies_with_the_new_key_only(
        self,
        verifier: JwksTokenVerifier,
        key_set: KeySet,
        access_token: str,
        signing_key: rsa.RSAPrivateKey,
        other_signing_key: rsa.RSAPrivateKey,
        clock: ManualClock,
    ) -> None:
        verifier.verify_access_token(access_token)
        third_signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # The verifier learns of the new material when a token names a kid it does not know.
        key_set.keys = [jwk_of(other_signing_key), jwk_of(third_signing_key, kid="key-2")]
        clock.advance(10)
        verifier.verify_access_token(sign(third_signing_key, claims(), kid="key-2"))

        assert verifier.verify_access_token(sign(other_signing_key, claims())).username == "alice"
        with refused("The token's signature is not valid."):
            verifier.verify_access_token(access_token)
        assert key_set.calls == 2

    def test_accepts_a_key_without_the_optional_use_and_alg_members(
        self, clock: ManualClock, signing_key: rsa.RSAPrivateKey, access_token: str
    ) -> None:
        # RFC 7517 makes both optional; a key set may leave them out.
        bare = {name: value for name, value in jwk_of(signing_key).items() if name not in ("use", "alg")}
        verifier = JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=KeySet([bare]), clock=clock)

        assert verifier.verify_access_token(access_token).username == "alice"

    def test_a_slow_refetch_holds_up_no_token_of_a_known_key(
        self, clock: ManualClock, signing_key: rsa.RSAPrivateKey, access_token: str
    ) -> None:
        refetching, release = threading.Event(), threading.Event()

        class SlowToRefetch(KeySet):
            def __call__(self) -> dict[str, Any]:
                if self.calls:
                    refetching.set()
                    release.wait(5)
                return super().__call__()

        verifier = JwksTokenVerifier(
            issuer=ISSUER, client_id=CLIENT_ID, jwks=SlowToRefetch([jwk_of(signing_key)]), clock=clock
        )
        verifier.verify_access_token(access_token)
        clock.advance(10)
        unknown_kid = sign(signing_key, claims(), kid="unknown")
        with ThreadPoolExecutor(max_workers=2) as pool:
            refetch = pool.submit(verifier.verify_access_token, unknown_kid)
            try:
                assert refetching.wait(5)
                known = pool.submit(verifier.verify_access_token, access_token)
                assert known.result(timeout=2).username == "alice"
            finally:
                release.set()
            with refused("The token's signing key is unknown."):
                refetch.result(timeout=5)

    @pytest.mark.parametrize("kid", [KID, "unknown"], ids=["first-fetch", "unknown-kid"])
    def test_many_threads_waiting_for_a_key_cause_one_fetch(
        self, clock: ManualClock, signing_key: rsa.RSAPrivateKey, kid: str
    ) -> None:
        key_set = KeySet([jwk_of(signing_key)], delay=0.05)
        verifier = JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=key_set, clock=clock)
        if kid != KID:
            verifier.verify_access_token(sign(signing_key, claims()))
            clock.advance(10)
        token = sign(signing_key, claims(), kid=kid)
        start = threading.Barrier(20)

        def verify() -> str:
            start.wait()
            try:
                return verifier.verify_access_token(token).username
            except TokenInvalid:
                return "refused"

        with ThreadPoolExecutor(max_workers=20) as pool:
            outcomes = set(pool.map(lambda _: verify(), range(20)))

        assert outcomes == ({"alice"} if kid == KID else {"refused"})
        assert key_set.calls == (1 if kid == KID else 2)

    def test_an_unreachable_key_set_makes_the_provider_unavailable(
        self, clock: ManualClock, signing_key: rsa.RSAPrivateKey, access_token: str
    ) -> None:
        key_set = KeySet([jwk_of(signing_key)], down=True)
        verifier = JwksTokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks=key_set, clock=clock)

        with pytest.raises(ProviderUnavailable):
            verifier.verify_access_token(access_token)
        with pytest.raises(ProviderUnavailable) as within_the_cool_down:
            verifier.verify_access_token(access_token)
        assert within_the_cool_down.value.message == "The identity provider's signing keys could not be fetched."
        assert key_set.calls == 1

        key_set.down = False
        clock.advance(10)
        verifier.verify_access_token(access_token)
        assert key_set.calls == 2

    def test_keeps_the_keys_it_has_when_the_key_set_becomes_unreachable(
        self,
        verifier: JwksTokenVerifier,
        key_set: KeySet,
        access_token: str,
        signing_key: rsa.RSAPrivateKey,
        clock: ManualClock,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        verifier.verify_access_token(access_token)
        key_set.down = True
        clock.advance(10)

        with (
            caplog.at_level(logging.WARNING, logger="cognito_auth.jwks"),
            refused("The token's signing key is unknown."),
        ):
            verifier.verify_access_token(sign(signing_key, claims(), kid="key-2"))
        verifier.verify_access_token(access_token)
        assert key_set.calls == 2
        assert [r.getMessage() for r in caplog.records if r.name == "cognito_auth.jwks"] == [
            "could not fetch the signing keys; keeping the 1 known"
        ]


class TestSharedKeySet:
    @pytest.fixture
    def shared_cache(self, clock: ManualClock) -> InMemorySharedCache:
        return InMemorySharedCache(clock)

    def verifier(self, key_set: KeySet, clock: ManualClock, shared_cache: InMemorySharedCache) -> JwksTokenVerifier:
        return JwksTokenVerifier(
            issuer=ISSUER, client_id=CLIENT_ID, jwks=key_set, clock=clock, shared_cache=shared_cache
        )

    def test_shares_the_key_set_it_fetched_for_an_hour(
        self, key_set: KeySet, clock: ManualClock, shared_cache: InMemorySharedCache, access_token: str
    ) -> None:
        self.verifier(key_set, clock, shared_cache).verify_access_token(access_token)

        shared, until = shared_cache.entries[SHARED_KEY]
        assert json.loads(shared) == {"keys": key_set.keys}
        assert until == NOW + 3600

    def test_another_process_takes_the_key_set_from_the_shared_cache(
        self, key_set: KeySet, clock: ManualClock, shared_cache: InMemorySharedCache, access_token: str
    ) -> None:
        self.verifier(key_set, clock, shared_cache).verify_access_token(access_token)
        elsewhere = KeySet(key_set.keys)

        self.verifier(elsewhere, clock, shared_cache).verify_access_token(access_token)

        assert (key_set.calls, elsewhere.calls) == (1, 0)

    def test_fetches_when_the_shared_key_set_lacks_the_key(
        self,
        key_set: KeySet,
        clock: ManualClock,
        shared_cache: InMemorySharedCache,
        access_token: str,
        other_signing_key: rsa.RSAPrivateKey,
    ) -> None:
        self.verifier(key_set, clock, shared_cache).verify_access_token(access_token)
        rotated = KeySet([jwk_of(other_signing_key, kid="key-2")])
        token = sign(other_signing_key, claims(), kid="key-2")

        self.verifier(rotated, clock, shared_cache).verify_access_token(token)
        self.verifier(KeySet([]), clock, shared_cache).verify_access_token(token)

        assert rotated.calls == 1
        assert json.loads(shared_cache.entries[SHARED_KEY][0]) == {"keys": rotated.keys}

    @pytest.mark.parametrize("shared", ["not json", "[1, 2]", '{"keys": "none"}'])
    def test_fetches_past_a_damaged_shared_key_set(
        self,
        key_set: KeySet,
        clock: ManualClock,
        shared_cache: InMemorySharedCache,
        access_token: str,
        shared: str,
    ) -> None:
        shared_cache.set(SHARED_KEY, shared, 3600)

        self.verifier(key_set, clock, shared_cache).verify_access_token(access_token)

        assert key_set.calls == 1

    def test_shares_only_the_keys_that_verify_tokens(
        self,
        clock: ManualClock,
        shared_cache: InMemorySharedCache,
        signing_key: rsa.RSAPrivateKey,
        access_token: str,
    ) -> None:
        key_set = KeySet([jwk_of(signing_key, kid="encryption", use="enc"), jwk_of(signing_key)])

        self.verifier(key_set, clock, shared_cache).verify_access_token(access_token)

        assert [key["kid"] for key in json.loads(shared_cache.entries[SHARED_KEY][0])["keys"]] == [KID]


class TestBehindACache:
    """The verifier as the service uses it, wrapped in `CachingTokenVerifier`."""

    @pytest.fixture
    def cached(self, verifier: JwksTokenVerifier, clock: ManualClock) -> CachingTokenVerifier:
        return CachingTokenVerifier(verifier, clock=clock)

    def test_a_genuine_token_signed_for_another_client_is_refused_every_time(
        self, cached: CachingTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        token = sign(signing_key, claims(client_id="other-client"))

        for _ in range(2):
            with refused("The token was issued to another client."):
                cached.verify_access_token(token)

    def test_a_remembered_access_token_is_still_no_id_token(
        self, cached: CachingTokenVerifier, access_token: str
    ) -> None:
        cached.verify_access_token(access_token)

        with refused("The token is not an id token."):
            cached.verify_id_token(access_token)

    def test_a_remembered_token_expires_with_the_leeway(
        self, cached: CachingTokenVerifier, access_token: str, clock: ManualClock
    ) -> None:
        cached.verify_access_token(access_token)

        clock.advance(3600 + 4)
        cached.verify_access_token(access_token)
        clock.advance(1)
        with pytest.raises(TokenExpired):
            cached.verify_access_token(access_token)
        assert cached.verify_access_token(access_token, allow_expired=True).username == "alice"


class TestClaims:
    def test_refuses_a_token_of_another_issuer(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        other = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool"

        with refused("The token comes from another issuer."):
            verifier.verify_access_token(sign(signing_key, claims(iss=other)))

    def test_refuses_a_token_without_token_use(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(sign(signing_key, claims(token_use=None)))

    @pytest.mark.parametrize("expiry", [None, "tomorrow", True, 10**30], ids=["none", "text", "bool", "huge"])
    def test_refuses_a_token_without_a_usable_expiry(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, expiry: Any
    ) -> None:
        with refused("The token has no valid expiry time."):
            verifier.verify_access_token(sign(signing_key, claims(exp=expiry)), allow_expired=True)

    def test_refuses_a_token_without_an_issue_time(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        with refused("The token has no valid issue time."):
            verifier.verify_access_token(sign(signing_key, claims(iat=None)))

    def test_refuses_a_token_not_valid_yet(self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey) -> None:
        with refused("The token is not valid yet."):
            verifier.verify_access_token(sign(signing_key, claims(nbf=NOW + 6)))

    def test_accepts_a_token_valid_within_the_leeway(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        verifier.verify_access_token(sign(signing_key, claims(nbf=NOW + 5)))

    def test_refuses_a_start_time_that_is_no_time(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(sign(signing_key, claims(nbf="now")))

    def test_an_invalid_token_is_never_reported_as_merely_expired(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, clock: ManualClock
    ) -> None:
        clock.advance(3 * 3600)

        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(sign(signing_key, claims(iat="yesterday")))
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(sign(signing_key, claims(nbf=NOW + 4 * 3600)))

    @pytest.mark.parametrize(
        ("missing", "refusal"),
        [("sub", "The token lacks required claims."), ("token_use", "The token is not an access token.")],
    )
    def test_refuses_a_token_missing_a_claim_the_service_needs(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, missing: str, refusal: str
    ) -> None:
        with refused(refusal):
            verifier.verify_access_token(sign(signing_key, claims(**{missing: None})))

    def test_refuses_claims_of_the_wrong_type(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(sign(signing_key, claims(sub=42)))
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(sign(signing_key, claims(auth_time="early")))


class TestMalformedTokens:
    @pytest.mark.parametrize(
        "token",
        [
            "",
            "one-part",
            "two.parts",
            "f.o.u.r",
            "!!!.###.$$$",
            f"{b64(b'not json')}.{b64_json({})}.c2ln",
            f"{b64_json(['a list'])}.{b64_json({})}.c2ln",
            f"{b64_json({'alg': 'RS256', 'kid': KID})}.{b64(b'not json')}.c2ln",
            f"{b64_json({'alg': 'RS256', 'kid': KID})}.{b64_json(['a list'])}.c2ln",
            f"{b64_json({'alg': 'RS256', 'kid': KID})}.{b64_json({})}.not*base64",
            "éé.éé.éé",
        ],
    )
    def test_refuses_what_is_not_a_jwt(self, verifier: JwksTokenVerifier, token: str) -> None:
        with pytest.raises(TokenInvalid):
            verifier.verify_access_token(token)
        with pytest.raises(TokenInvalid):
            verifier.verify_id_token(token)

    def test_refuses_an_oversized_token_without_looking_at_it(
        self, verifier: JwksTokenVerifier, key_set: KeySet, access_token: str
    ) -> None:
        header, payload, signature = access_token.split(".")
        padding = "A" * (MAX_TOKEN_LENGTH - len(access_token) + 1)

        with refused("The token is too large."):
            verifier.verify_access_token(f"{header}.{payload}{padding}.{signature}")

        assert key_set.calls == 0

    def test_never_echoes_the_token(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, other_signing_key: rsa.RSAPrivateKey
    ) -> None:
        tokens = [
            sign(other_signing_key, claims()),
            sign(signing_key, claims(iss="elsewhere")),
            "garbage.garbage.garbage",
        ]
        for token in tokens:
            with pytest.raises(TokenInvalid) as error:
                verifier.verify_access_token(token)
            assert token not in str(error.value)
            assert token.split(".")[1] not in str(error.value)


# No deadline: a loaded machine must not turn a slow example into a failure.
@settings(deadline=None)
@given(token=st.text(max_size=300))
def test_any_text_is_refused_as_invalid(signing_key: rsa.RSAPrivateKey, token: str) -> None:
    verifier = JwksTokenVerifier(
        issuer=ISSUER, client_id=CLIENT_ID, jwks=KeySet([jwk_of(signing_key)]), clock=ManualClock(NOW)
    )

    with pytest.raises(TokenInvalid):
        verifier.verify_access_token(token)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


@settings(deadline=None)
@given(
    header=st.fixed_dictionaries({"alg": st.sampled_from(["RS256", "none", "HS256"]), "kid": st.sampled_from([KID, 1])})
    | _json,
    payload=st.dictionaries(st.sampled_from(sorted(claims())), _json, max_size=8) | _json,
    signature=st.binary(max_size=300),
)
def test_any_jwt_shaped_forgery_is_refused_as_invalid_or_expired(
    signing_key: rsa.RSAPrivateKey, header: Any, payload: Any, signature: bytes
) -> None:
    verifier = JwksTokenVerifier(
        issuer=ISSUER, client_id=CLIENT_ID, jwks=KeySet([jwk_of(signing_key)]), clock=ManualClock(NOW)
    )
    token = f"{b64_json(header)}.{b64_json(payload)}.{b64(signature)}"

    with pytest.raises((TokenInvalid, TokenExpired)):
        verifier.verify_access_token(token, allow_expired=True)
    with pytest.raises((TokenInvalid, TokenExpired)):
        verifier.verify_id_token(token)


def sign_raw(key: rsa.RSAPrivateKey, header: Any, payload: Any, *, payload_bytes: bytes | None = None) -> str:
    """A validly signed compact JWS over any JSON header and payload, or over raw payload bytes."""
    body = payload_bytes if payload_bytes is not None else json.dumps(payload).encode()
    signing_input = f"{b64_json(header)}.{b64(body)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


HEADER = {"kid": KID, "alg": "RS256"}


class TestAwsJwtVerifyTypeRules:
    """What aws-jwt-verify refuses for its type rules, with the claims Cognito adds: each validly signed."""

    @pytest.mark.parametrize("algorithm", [["RS256"], {"RS256": True}, 256, None])
    def test_refuses_an_algorithm_that_is_not_a_string(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, algorithm: Any
    ) -> None:
        with refused("The token's signing algorithm is not accepted."):
            verifier.verify_access_token(sign_raw(signing_key, {"kid": KID, "alg": algorithm}, claims()))

    @pytest.mark.parametrize("kid", [[KID], {"kid": KID}, 1, ""])
    def test_refuses_a_key_id_that_is_not_a_string(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, kid: Any
    ) -> None:
        with refused("The token names no signing key."):
            verifier.verify_access_token(sign_raw(signing_key, {"kid": kid, "alg": "RS256"}, claims()))

    def test_made_up_headers_naming_a_known_key_cannot_fill_the_header_cache(
        self, verifier: JwksTokenVerifier, access_token: str
    ) -> None:
        # Anyone can send new headers: remembered, they would fill the cache for the life of the process
        # and leave the real header out of it.
        _, payload, signature = access_token.split(".")
        for n in range(100):
            with refused("The token's signature is not valid."):
                verifier.verify_access_token(f"{b64_json(HEADER | {'x': n})}.{payload}.{signature}")
        assert verifier._known_headers == {}

        verifier.verify_access_token(access_token)
        assert list(verifier._known_headers) == [access_token.split(".")[0]]

    def test_the_header_cache_keeps_at_most_sixteen_signed_headers(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        for n in range(20):
            verifier.verify_access_token(sign_raw(signing_key, HEADER | {"x": n}, claims()))

        assert len(verifier._known_headers) == 16

    def test_refuses_a_header_with_critical_extensions(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        with refused("The token's header names extensions this service does not support."):
            verifier.verify_access_token(sign_raw(signing_key, HEADER | {"crit": ["exp"]}, claims()))

    @pytest.mark.parametrize(
        ("claim", "value"),
        [
            ("scope", ["aws.cognito.signin.user.admin"]),
            ("origin_jti", {"nested": "object"}),
            ("event_id", 7),
            ("jti", None),
            ("sub", 12),
            ("iss", [ISSUER]),
            ("token_use", ["access"]),
            ("client_id", [CLIENT_ID]),
            ("username", {"name": "alice"}),
            ("cognito:groups", "admins"),
            ("cognito:groups", ["admins", 1]),
            ("aud", 5),
            ("aud", [CLIENT_ID, 5]),
        ],
    )
    def test_refuses_a_claim_of_the_wrong_type(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, claim: str, value: Any
    ) -> None:
        payload = claims() | {claim: value}

        with refused(WRONG_TYPE.get(claim, f"The token's {claim} claim is not a string.")):
            verifier.verify_access_token(sign_raw(signing_key, HEADER, payload))

    @pytest.mark.parametrize(
        ("claim", "refusal"),
        [
            ("iat", "The token has no valid issue time."),
            ("nbf", "The token's not-before time is not valid."),
            ("auth_time", "The token's authentication time is not valid."),
        ],
    )
    @pytest.mark.parametrize("value", ["1800000000", True, 10**30, 2**53, [NOW]])
    def test_refuses_a_time_that_is_not_a_number_of_seconds(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, claim: str, refusal: str, value: Any
    ) -> None:
        with refused(refusal):
            verifier.verify_access_token(sign_raw(signing_key, HEADER, claims() | {claim: value}))

    def test_refuses_a_lifetime_longer_than_cognito_issues(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        a_day = sign_raw(signing_key, HEADER, claims(exp=NOW + 24 * 3600))
        longer = sign_raw(signing_key, HEADER, claims(exp=NOW + 24 * 3600 + 1))

        assert verifier.verify_access_token(a_day).expires_at == NOW + 24 * 3600
        with refused("The token claims a longer lifetime than the identity provider issues."):
            verifier.verify_access_token(longer)

    @pytest.mark.parametrize("segment", ["header", "payload"])
    def test_refuses_a_byte_order_mark(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, segment: str
    ) -> None:
        bom = b"\xef\xbb\xbf"
        if segment == "payload":
            token = sign_raw(signing_key, HEADER, None, payload_bytes=bom + json.dumps(claims()).encode())
        else:
            signing_input = f"{b64(bom + json.dumps(HEADER).encode())}.{b64_json(claims())}"
            signature = signing_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
            token = f"{signing_input}.{b64(signature)}"

        with refused("The token is malformed."):
            verifier.verify_access_token(token)

    @pytest.mark.parametrize(
        "payload_bytes",
        [
            b'{"exp": Infinity}',
            b'{"exp": NaN}',
            b"[" * 3000 + b"]" * 3000,
            b'{"a":' * 2000 + b"1" + b"}" * 2000,
            b"\xff\xfe not utf-8",
            b"[1, 2]",
            b'"a string"',
            b"",
        ],
        ids=["infinity", "nan", "deep-array", "deep-object", "not-utf8", "array", "string", "empty"],
    )
    def test_refuses_a_payload_that_is_not_a_json_object(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, payload_bytes: bytes
    ) -> None:
        token = sign_raw(signing_key, HEADER, None, payload_bytes=payload_bytes)

        with refused("The token is malformed."):
            verifier.verify_access_token(token)

    def test_refuses_padding_and_characters_outside_base64url(
        self, verifier: JwksTokenVerifier, access_token: str
    ) -> None:
        header, payload, signature = access_token.split(".")
        for forged in (f"{header}=.{payload}.{signature}", f"{header}.{payload}.{signature}+", f"{header}.{payload}"):
            with refused("The token is malformed."):
                verifier.verify_access_token(forged)

    @pytest.mark.parametrize("stray", ["++++", "////", "====", "    ", "\n\n\n\n"])
    def test_refuses_a_signature_with_characters_a_lenient_decoder_would_skip(
        self, verifier: JwksTokenVerifier, access_token: str, stray: str
    ) -> None:
        # Four of them keep the length a multiple of four, so only a decoder that skips them reads the
        # signature as the genuine one.
        header, payload, signature = access_token.split(".")
        middle = len(signature) // 2
        with refused("The token is malformed."):
            verifier.verify_access_token(f"{header}.{payload}.{signature[:middle]}{stray}{signature[middle:]}")


class TestIssuers:
    NEW_FORM = "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool"

    def test_accepts_the_newer_issuer_form_of_the_configured_pool(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        assert verifier.verify_access_token(sign(signing_key, claims(iss=self.NEW_FORM))).sub

    def test_accepts_the_older_form_when_configured_with_the_newer(
        self, key_set: KeySet, clock: ManualClock, signing_key: rsa.RSAPrivateKey
    ) -> None:
        verifier = JwksTokenVerifier(issuer=self.NEW_FORM, client_id=CLIENT_ID, jwks=key_set, clock=clock)

        assert verifier.verify_access_token(sign(signing_key, claims(iss=ISSUER))).sub

    @pytest.mark.parametrize(
        "issuer",
        [
            "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool",
            "https://issuer-cognito-idp.eu-west-2.amazonaws.com/eu-west-1_TestPool",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool/",
            "http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool",
            "https://evil-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool",
        ],
    )
    def test_refuses_every_other_issuer(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey, issuer: str
    ) -> None:
        with refused("The token comes from another issuer."):
            verifier.verify_access_token(sign(signing_key, claims(iss=issuer)))

    def test_an_issuer_that_is_not_cognitos_is_the_only_one_accepted(
        self, key_set: KeySet, clock: ManualClock, signing_key: rsa.RSAPrivateKey
    ) -> None:
        verifier = JwksTokenVerifier(issuer="https://idp.example", client_id=CLIENT_ID, jwks=key_set, clock=clock)

        assert verifier.verify_access_token(sign(signing_key, claims(iss="https://idp.example"))).sub
        with refused("The token comes from another issuer."):
            verifier.verify_access_token(sign(signing_key, claims()))


class TestLargeTokens:
    def test_accepts_a_user_in_a_hundred_groups_of_long_names(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        groups = [f"group-{index:03d}-" + "g" * 118 for index in range(100)]
        token = sign(signing_key, claims() | {"cognito:groups": groups})

        assert len(token) > 16 * 1024
        assert verifier.verify_access_token(token).groups == tuple(groups)

    def test_refuses_a_token_over_the_limit_before_parsing_it(self, verifier: JwksTokenVerifier) -> None:
        with refused("The token is too large."):
            verifier.verify_access_token("a" * (MAX_TOKEN_LENGTH + 1))
        with refused("The token is malformed."):  # at the limit it is parsed, and found to be no JWT
            verifier.verify_access_token("a" * MAX_TOKEN_LENGTH)


_any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _varied(base: dict[str, Any], names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with some of its own and some known claim names set to arbitrary JSON, or dropped."""
    return st.dictionaries(st.sampled_from(names), _any_json | st.just(...), max_size=6).map(
        lambda changes: {name: value for name, value in (base | changes).items() if value is not ...}
    )


@settings(deadline=None, max_examples=300)
@given(
    header=_varied(HEADER, ["alg", "kid", "crit", "typ", "jku", "x5u"]) | _any_json,
    payload=_varied(claims(), [*sorted(claims()), "aud", "nbf", "cognito:groups", "scope"]) | _any_json,
    use=st.sampled_from(["access", "id"]),
)
def test_a_validly_signed_token_with_any_json_is_refused_or_yields_well_typed_claims(
    signing_key: rsa.RSAPrivateKey, header: Any, payload: Any, use: str
) -> None:
    verifier = JwksTokenVerifier(
        issuer=ISSUER, client_id=CLIENT_ID, jwks=KeySet([jwk_of(signing_key)]), clock=ManualClock(NOW)
    )
    token = sign_raw(signing_key, header, payload)
    verify = verifier.verify_access_token if use == "access" else verifier.verify_id_token

    try:
        result = verify(token)
    except (TokenInvalid, TokenExpired):
        return
    assert all(isinstance(value, str) for value in (result.sub, result.username, result.client_id, result.jti))
    assert result.origin_jti is None or isinstance(result.origin_jti, str)
    assert all(isinstance(group, str) for group in result.groups)
    assert all(isinstance(scope, str) for scope in result.scopes)
    assert 0 < result.expires_at - result.issued_at <= 24 * 3600 or result.expires_at <= result.issued_at


class TestCanonicalEncoding:
    def test_refuses_a_signature_whose_spare_bits_are_set(
        self, verifier: JwksTokenVerifier, signing_key: rsa.RSAPrivateKey
    ) -> None:
        token = sign(signing_key, claims())
        signature = token.rsplit(".", 1)[1]
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        # A 256-byte signature is 342 characters: the last one carries 2 bits of data and 4 spare.
        last = alphabet.index(signature[-1])
        others = [alphabet[last | spare] for spare in range(1, 16)]

        for other in others:
            with refused("The token is malformed."):
                verifier.verify_access_token(token[:-1] + other)
        assert verifier.verify_access_token(token).sub
