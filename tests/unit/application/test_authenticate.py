from __future__ import annotations

import hashlib
import json
import threading
import time

import attrs
import pytest

from adapters.clock import SystemClock
from adapters.memory.revocation_list import InMemoryRevocationList
from application.use_cases.authenticate import (
    AuthenticateRequest,
    AuthenticateRequestCommand,
    SingleFlightRefresh,
)
from application.use_cases.sign_in import Login, LoginCommand
from application.use_cases.sign_up import ConfirmSignUp, ConfirmSignUpCommand, SignUp, SignUpCommand
from domain.errors import NotAuthenticated, NotAuthorized, ProviderUnavailable, TokenExpired, TokenInvalid
from tests.fakes import InMemorySharedCache, InMemoryUserDirectory, ample_attempt_limiter

USERNAME = "ivy@example.com"
PASSWORD = "Correct-Horse-9"


class CountingProvider:
    """Wraps a pool's provider to count refreshes and record the username each was given (with an app-client
    secret, Cognito refuses a refresh without it); the rest passes through."""

    def __init__(self, provider):
        self.provider = provider
        self.refreshes = 0
        self.usernames = []

    def refresh(self, refresh_token, username):
        self.refreshes += 1
        self.usernames.append(username)
        return self.provider.refresh(refresh_token, username)


class GatedProvider(CountingProvider):
    """Holds its first refresh until `release` is set, having set `started`; later refreshes pass at once."""

    def __init__(self, provider):
        super().__init__(provider)
        self.started, self.release = threading.Event(), threading.Event()

    def refresh(self, refresh_token, username):
        if not self.started.is_set():
            self.started.set()
            self.release.wait(5)
        return super().refresh(refresh_token, username)


def signed_in(pool, username):
    SignUp(pool.provider, ample_attempt_limiter())(SignUpCommand(username, PASSWORD))
    ConfirmSignUp(pool.provider, ample_attempt_limiter())(ConfirmSignUpCommand(username, pool.sign_up_code(username)))
    return Login(pool.provider, pool.verifier, InMemoryUserDirectory(), ample_attempt_limiter())(
        LoginCommand(username, PASSWORD)
    ).tokens


def lock_of(refresh_token):
    return "refreshing:" + hashlib.sha256(refresh_token.encode()).hexdigest()


@pytest.fixture
def tokens(pool):
    return signed_in(pool, USERNAME)


@pytest.fixture
def revocations(pool):
    return InMemoryRevocationList(pool.clock)


@pytest.fixture
def counting(pool):
    return CountingProvider(pool.provider)


@pytest.fixture
def cache(pool):
    return InMemorySharedCache(pool.clock)


@pytest.fixture
def authenticate(pool, revocations, counting, cache):
    use_case = AuthenticateRequest(pool.verifier, revocations, SingleFlightRefresh(counting, cache, pool.clock))
    return lambda access=None, refresh=None: use_case(AuthenticateRequestCommand(access, refresh))


class TestAuthenticateRequest:
    def test_a_live_access_token_names_the_user(self, authenticate, tokens):
        result = authenticate(tokens.access_token, tokens.refresh_token)
        assert result.claims.username == USERNAME
        assert result.refreshed is None
        assert (result.access_token, result.refresh_token) == (tokens.access_token, tokens.refresh_token)

    def test_needs_an_access_token(self, authenticate):
        with pytest.raises(NotAuthenticated):
            authenticate(None, "a refresh token")

    def test_an_expired_access_token_alone_is_refused(self, pool, authenticate, tokens):
        pool.clock.advance(2 * 3600)
        with pytest.raises(TokenExpired):
            authenticate(tokens.access_token)

    def test_an_expired_access_token_is_refreshed_when_a_refresh_token_comes_with_it(self, pool, authenticate, tokens):
        pool.clock.advance(2 * 3600)
        result = authenticate(tokens.access_token, tokens.refresh_token)
        assert result.refreshed is not None
        assert result.refreshed.access_token != tokens.access_token
        assert result.claims == pool.verifier.verify_access_token(result.refreshed.access_token)
        assert (result.access_token, result.refresh_token) == (
            result.refreshed.access_token,
            result.refreshed.refresh_token,
        )

    def test_a_forged_token_is_refused_even_with_a_refresh_token(self, authenticate, tokens, counting):
        with pytest.raises(TokenInvalid):
            authenticate("forged.access.token", tokens.refresh_token)
        assert counting.refreshes == 0

    def test_a_revoked_sign_in_is_refused(self, pool, authenticate, tokens, revocations):
        revocations.revoke(pool.verifier.verify_access_token(tokens.access_token), until=pool.clock.now() + 3600)
        with pytest.raises(TokenInvalid) as refused:
            authenticate(tokens.access_token)
        assert refused.value.message == "The token has been revoked."

    def test_a_revoked_sign_in_is_not_refreshed(self, pool, authenticate, tokens, revocations, counting):
        revocations.revoke(pool.verifier.verify_access_token(tokens.access_token), until=pool.clock.now() + 3 * 3600)
        pool.clock.advance(2 * 3600)
        with pytest.raises(TokenInvalid):
            authenticate(tokens.access_token, tokens.refresh_token)
        assert counting.refreshes == 0

    def test_refreshes_with_the_username_of_the_expired_token(self, pool, authenticate, tokens, counting):
        pool.clock.advance(2 * 3600)
        authenticate(tokens.access_token, tokens.refresh_token)
        assert counting.usernames == [USERNAME]

    def test_a_request_that_refreshes_by_itself_after_the_wait_gives_the_username(
        self, pool, revocations, counting, cache, tokens
    ):
        pool.clock.advance(2 * 3600)
        cache.add(lock_of(tokens.refresh_token), "1", 60)  # a holder that never publishes
        refresh = SingleFlightRefresh(counting, cache, pool.clock, wait_seconds=1)

        AuthenticateRequest(pool.verifier, revocations, refresh)(
            AuthenticateRequestCommand(tokens.access_token, tokens.refresh_token)
        )

        assert counting.usernames == [USERNAME]
        assert cache.get(lock_of(tokens.refresh_token)) == "1"  # it waited on that holder, never held the lock

    def test_a_dead_refresh_token_is_refused(self, pool, authenticate, tokens):
        pool.provider.global_sign_out(tokens.access_token)
        pool.clock.advance(2 * 3600)
        with pytest.raises(NotAuthorized):
            authenticate(tokens.access_token, tokens.refresh_token)


class TestSingleFlightRefresh:
    def test_requests_with_the_same_expired_token_share_one_refresh(self, pool, authenticate, tokens, counting):
        pool.clock.advance(2 * 3600)
        results = [authenticate(tokens.access_token, tokens.refresh_token) for _ in range(5)]
        assert counting.refreshes == 1
        assert len({result.refreshed.access_token for result in results}) == 1

    def test_users_refreshing_one_after_the_other_each_get_their_own_tokens(self, pool, authenticate, tokens, counting):
        other = signed_in(pool, "jon@example.com")
        pool.clock.advance(2 * 3600)

        ivy = authenticate(tokens.access_token, tokens.refresh_token)
        jon = authenticate(other.access_token, other.refresh_token)

        assert (ivy.claims.username, jon.claims.username) == (USERNAME, "jon@example.com")
        assert ivy.refreshed.access_token != jon.refreshed.access_token
        assert counting.usernames == [USERNAME, "jon@example.com"]

    def test_a_waiter_takes_the_result_the_lock_holder_publishes(self, pool, tokens, counting, cache):
        # Real waiting here: the waiter must poll while the holder, in another thread, is still busy.
        refresh = SingleFlightRefresh(counting, cache, SystemClock())
        gated = GatedProvider(pool.provider)
        holder_has_lock, release = gated.started, gated.release

        slow = SingleFlightRefresh(gated, cache, SystemClock())
        holder = threading.Thread(target=slow, args=(tokens.refresh_token, USERNAME))
        holder.start()
        assert holder_has_lock.wait(5)
        waiter_result = []
        waiter = threading.Thread(target=lambda: waiter_result.append(refresh(tokens.refresh_token, USERNAME)))
        waiter.start()
        release.set()
        holder.join(5)
        waiter.join(5)
        assert counting.refreshes == 0
        assert waiter_result

    def test_a_result_published_just_before_the_lock_is_taken_is_used(self, pool, tokens, counting, cache):
        published = SingleFlightRefresh(pool.provider, InMemorySharedCache(pool.clock), pool.clock)(
            tokens.refresh_token, USERNAME
        )

        class HolderFinishesFirst(InMemorySharedCache):
            """Another holder publishes and releases the lock between our look and our lock."""

            def add(self, key, value, ttl):
                self.set(key.replace("refreshing:", "refreshed:"), json.dumps(attrs.asdict(published)), 30)
                return super().add(key, value, ttl)

        result = SingleFlightRefresh(counting, HolderFinishesFirst(pool.clock), pool.clock)(
            tokens.refresh_token, USERNAME
        )
        assert counting.refreshes == 0
        assert result == published

    def test_a_waiter_refreshes_by_itself_when_no_result_comes(self, pool, tokens, counting, cache):
        lock_of_a_crashed_holder = "refreshing:" + hashlib.sha256(tokens.refresh_token.encode()).hexdigest()
        cache.add(lock_of_a_crashed_holder, "1", 60)
        before = pool.clock.now()
        tokens_after = SingleFlightRefresh(counting, cache, pool.clock, wait_seconds=1, poll_seconds=0.25)(
            tokens.refresh_token, USERNAME
        )
        assert counting.refreshes == 1
        assert tokens_after.access_token
        assert pool.clock.now() - before == 1  # it waited `wait_seconds`, and not one poll longer

    def test_a_result_already_published_is_taken_at_once_while_another_holds_the_lock(
        self, pool, tokens, counting, cache
    ):
        published = SingleFlightRefresh(pool.provider, cache, pool.clock)(tokens.refresh_token, USERNAME)
        cache.add(lock_of(tokens.refresh_token), "1", 60)  # a later holder, still at work
        before = pool.clock.now()

        result = SingleFlightRefresh(counting, cache, pool.clock)(tokens.refresh_token, USERNAME)

        assert result == published
        assert counting.refreshes == 0
        assert pool.clock.now() == before  # no poll: the result was there before the lock was tried

    def test_the_refresh_a_waiter_made_by_itself_serves_the_next_request(self, pool, tokens, counting, cache):
        cache.add(lock_of(tokens.refresh_token), "1", 60)  # a holder that never publishes
        refresh = SingleFlightRefresh(counting, cache, pool.clock, wait_seconds=1)
        waiters_tokens = refresh(tokens.refresh_token, USERNAME)

        next_tokens = SingleFlightRefresh(counting, cache, pool.clock, wait_seconds=1)(tokens.refresh_token, USERNAME)

        assert next_tokens == waiters_tokens
        assert counting.refreshes == 1

    def test_the_lock_is_let_go_when_a_refresh_fails(self, pool, tokens, cache):
        class FailsOnce(CountingProvider):
            def refresh(self, refresh_token, username):
                if self.refreshes == 0:
                    self.refreshes += 1
                    raise ProviderUnavailable()
                return super().refresh(refresh_token, username)

        provider = FailsOnce(pool.provider)
        refresh = SingleFlightRefresh(provider, cache, pool.clock)
        with pytest.raises(ProviderUnavailable):
            refresh(tokens.refresh_token, USERNAME)
        before = pool.clock.now()

        assert refresh(tokens.refresh_token, USERNAME).access_token
        assert provider.usernames == [USERNAME]
        assert pool.clock.now() == before  # it took the lock at once rather than wait for a result

    def test_a_waiter_in_this_process_whose_wait_runs_out_refreshes_with_the_username(self, pool, tokens):
        slow = GatedProvider(pool.provider)  # holds the holder's refresh, not the waiter's
        started, release = slow.started, slow.release
        refresh = SingleFlightRefresh(
            slow, InMemorySharedCache(SystemClock()), SystemClock(), wait_seconds=0.1, poll_seconds=0.01
        )
        holder = threading.Thread(target=refresh, args=(tokens.refresh_token, USERNAME))
        holder.start()
        assert started.wait(5)
        try:
            waiter_tokens = refresh(tokens.refresh_token, USERNAME)
            # Another process, while the holder is still at work: the waiter's own refresh was published
            # under this refresh token, and serves it.
            next_tokens = SingleFlightRefresh(
                slow, refresh.shared_cache, SystemClock(), wait_seconds=0.1, poll_seconds=0.01
            )(tokens.refresh_token, USERNAME)
        finally:
            release.set()
            holder.join(5)

        assert waiter_tokens.access_token
        assert next_tokens == waiter_tokens
        assert slow.usernames == [USERNAME, USERNAME]

    def test_a_waiter_whose_cache_stops_answering_refreshes_at_once(self, pool, tokens, counting, cache):
        lock_of_a_holder = "refreshing:" + hashlib.sha256(tokens.refresh_token.encode()).hexdigest()
        cache.add(lock_of_a_holder, "1", 60)
        cache.reachable = False  # the holder's result could not reach us now
        before = pool.clock.now()

        tokens_after = SingleFlightRefresh(counting, cache, pool.clock)(tokens.refresh_token, USERNAME)

        assert counting.refreshes == 1
        assert tokens_after.access_token
        assert pool.clock.now() == before  # it never slept on the manual clock

    def test_concurrent_requests_of_one_process_share_one_refresh_without_the_cache(self, pool, tokens, counting):
        class Down(InMemorySharedCache):
            """Redis down: an empty cache whose every lock is "taken" by whoever asks."""

            reachable = False

            def get(self, key):
                return None

            def add(self, key, value, ttl):
                return True

        slow = GatedProvider(pool.provider)
        started, release = slow.started, slow.release
        refresh = SingleFlightRefresh(slow, Down(SystemClock()), SystemClock())
        results = []
        threads = [
            threading.Thread(target=lambda: results.append(refresh(tokens.refresh_token, USERNAME))) for _ in range(5)
        ]
        threads[0].start()
        assert started.wait(5)
        for thread in threads[1:]:
            thread.start()
        time.sleep(0.2)  # the others reach their wait while the first is still refreshing
        release.set()
        for thread in threads:
            thread.join(5)

        assert slow.refreshes == 1
        assert len(results) == 5
        assert len({result.access_token for result in results}) == 1

    def test_the_others_get_the_refusal_the_first_got(self, pool, tokens, counting):
        pool.provider.global_sign_out(tokens.access_token)
        slow = GatedProvider(pool.provider)
        started, release = slow.started, slow.release
        refresh = SingleFlightRefresh(slow, InMemorySharedCache(SystemClock()), SystemClock())
        outcomes = []

        def attempt():
            try:
                refresh(tokens.refresh_token, USERNAME)
            except NotAuthorized as error:
                outcomes.append(error)

        threads = [threading.Thread(target=attempt) for _ in range(3)]
        threads[0].start()
        assert started.wait(5)
        for thread in threads[1:]:
            thread.start()
        time.sleep(0.2)  # the others reach their wait while the first is still refreshing
        release.set()
        for thread in threads:
            thread.join(5)

        assert slow.refreshes == 1
        assert len(outcomes) == 3
