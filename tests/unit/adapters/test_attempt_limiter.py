"""The attempt limiter's contract, run against the test fake (on a manual clock) and the `limits`
adapter (in process memory; tests/integration/redis runs it on Redis), and the moving window on
the fake's clock."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.circuit_breaker import CircuitBreaker
from adapters.limits.attempt_limiter import LimitsAttemptLimiter, budgets_from_config
from application.ports.attempt_limiter import Attempt, AttemptLimiter, Budget, Rate
from domain.errors import TooManyRequests
from tests.fakes import InMemoryAttemptLimiter, ManualClock

CONFIG = {attempt.value: {"per_client": (4, 60), "per_account": (3, 300)} for attempt in Attempt}


def limits_limiter() -> AttemptLimiter:
    return LimitsAttemptLimiter.from_url(None, CONFIG)


def fake_limiter() -> AttemptLimiter:
    return InMemoryAttemptLimiter(ManualClock(), budgets_from_config(CONFIG))


@pytest.fixture(params=[fake_limiter, limits_limiter], ids=["fake", "limits-memory"])
def limiter(request: pytest.FixtureRequest) -> AttemptLimiter:
    return request.param()  # type: ignore[no-any-return]


def spent(limiter: AttemptLimiter, attempt: Attempt, client: str | None, account: str) -> bool:
    """True when the attempt was counted, False when it was refused."""
    try:
        limiter.spend(attempt, client, account)
    except TooManyRequests:
        return False
    return True


class TestContract:
    def test_an_account_gets_its_budget_and_then_a_refusal_with_the_wait(self, limiter):
        assert [spent(limiter, Attempt.CODE, f"10.0.0.{n}", "dana") for n in range(4)] == [True, True, True, False]
        with pytest.raises(TooManyRequests) as refused:
            limiter.check(Attempt.CODE, "10.0.0.9", "dana")
        assert 1 <= refused.value.retry_after <= 300

    def test_a_client_gets_its_budget_across_accounts(self, limiter):
        assert [spent(limiter, Attempt.CODE, "10.0.0.1", f"user{n}") for n in range(5)] == [True] * 4 + [False]
        with pytest.raises(TooManyRequests) as refused:
            limiter.spend(Attempt.CODE, "10.0.0.1", "someone-else")
        assert 1 <= refused.value.retry_after <= 60

    def test_without_a_client_the_account_budget_still_holds(self, limiter):
        assert [spent(limiter, Attempt.PASSWORD, None, "dana") for _ in range(4)] == [True, True, True, False]

    def test_check_counts_nothing(self, limiter):
        for _ in range(10):
            limiter.check(Attempt.PASSWORD, "10.0.0.1", "dana")
        assert spent(limiter, Attempt.PASSWORD, "10.0.0.1", "dana")

    def test_kinds_of_attempt_have_budgets_of_their_own(self, limiter):
        for _ in range(3):
            limiter.spend(Attempt.CODE, "10.0.0.1", "dana")
        assert not spent(limiter, Attempt.CODE, "10.0.0.1", "dana")
        assert spent(limiter, Attempt.CODE_DELIVERY, "10.0.0.1", "dana")
        assert spent(limiter, Attempt.PASSWORD, "10.0.0.1", "dana")

    def test_accounts_do_not_share_budgets(self, limiter):
        for n in range(3):
            limiter.spend(Attempt.CODE, f"10.0.0.{n}", "dana")
        assert spent(limiter, Attempt.CODE, "10.0.1.1", "erin")


STORAGE_FAILED = "The attempt counters' storage failed; this process counts alone meanwhile."


def limits_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "cognito_auth.limits"]


class TestLimitsAdapter:
    """What the `limits` adapter adds to the contract: the wait it tells, and its fallback when Redis fails
    (tests/integration/redis runs it on a real Redis)."""

    def test_the_wait_is_until_the_first_attempt_leaves_the_account_window(self):
        limiter = limits_limiter()
        for _ in range(3):
            limiter.spend(Attempt.CODE, None, "dana")
        with pytest.raises(TooManyRequests) as refused:
            limiter.spend(Attempt.CODE, None, "dana")
        assert refused.value.retry_after == 300

    def test_check_refuses_a_client_out_of_budget_on_an_account_it_never_tried(self):
        limiter = limits_limiter()
        for n in range(4):
            limiter.spend(Attempt.CODE, "10.0.0.1", f"user{n}")
        with pytest.raises(TooManyRequests) as refused:
            limiter.check(Attempt.CODE, "10.0.0.1", "someone-else")
        assert refused.value.retry_after == 60

    def test_the_wait_counts_from_the_oldest_attempt(self):
        limiter = limits_limiter()
        limiter.spend(Attempt.CODE, None, "dana")
        time.sleep(1.1)  # `limits` keeps its windows on the wall clock
        for _ in range(2):
            limiter.spend(Attempt.CODE, None, "dana")
        with pytest.raises(TooManyRequests) as refused:
            limiter.spend(Attempt.CODE, None, "dana")
        assert 290 <= refused.value.retry_after <= 299  # not the 300 of a window that starts now

    def test_a_redis_that_stops_answering_holds_an_attempt_up_for_the_socket_timeout_only(self, caplog):
        with socket.create_server(("127.0.0.1", 0), backlog=8) as silent:  # accepts, never answers
            host, port = silent.getsockname()
            limiter = LimitsAttemptLimiter.from_url(f"redis://{host}:{port}/0", CONFIG, socket_timeout=0.2)
            started = time.monotonic()
            with caplog.at_level(logging.WARNING, logger="cognito_auth.limits"):
                assert spent(limiter, Attempt.CODE, "10.0.0.1", "dana")
        assert time.monotonic() - started < 3
        assert limits_warnings(caplog) == [STORAGE_FAILED]

    @pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "unix:///nonexistent/redis.sock"])
    def test_a_redis_out_of_reach_leaves_the_budgets_to_this_process(self, url, caplog):
        limiter = LimitsAttemptLimiter.from_url(url, CONFIG)
        with caplog.at_level(logging.WARNING, logger="cognito_auth.limits"):
            assert [spent(limiter, Attempt.CODE, "10.0.0.1", "dana") for _ in range(4)] == [True, True, True, False]
        assert limits_warnings(caplog) == [STORAGE_FAILED] * 4

    def test_with_a_breaker_a_failed_redis_is_left_alone_until_the_cool_down_ends(self, caplog):
        clock = ManualClock()
        breaker = CircuitBreaker("Redis", clock=clock, cooldown=30)
        limiter = LimitsAttemptLimiter.from_url("redis://127.0.0.1:1/0", CONFIG, breaker=breaker)
        with caplog.at_level(logging.WARNING, logger="cognito_auth.limits"):
            assert [spent(limiter, Attempt.CODE, "10.0.0.1", "dana") for _ in range(4)] == [True, True, True, False]
        # Redis was asked once; the other attempts were counted here without trying it.
        assert limits_warnings(caplog) == [STORAGE_FAILED]
        assert breaker.is_open


class TestMovingWindow:
    """On the fake's manual clock: what the window lets through as time passes."""

    @pytest.fixture
    def clock(self):
        return ManualClock()

    @pytest.fixture
    def fake(self, clock):
        return InMemoryAttemptLimiter(clock, budgets_from_config(CONFIG))

    def test_an_attempt_comes_back_when_the_oldest_leaves_the_window(self, fake, clock):
        for pause in (0, 100, 100):
            clock.advance(pause)
            fake.spend(Attempt.CODE, None, "dana")
        with pytest.raises(TooManyRequests) as refused:
            fake.spend(Attempt.CODE, None, "dana")
        assert refused.value.retry_after == 100
        clock.advance(100)
        # The first attempt was 300 s ago: it leaves the window now, the others later.
        fake.spend(Attempt.CODE, None, "dana")
        with pytest.raises(TooManyRequests) as refused:
            fake.spend(Attempt.CODE, None, "dana")
        assert refused.value.retry_after == 100

    def test_retry_after_is_the_wait_for_the_later_of_both_budgets(self, fake, clock):
        for account in ("user0", "user0", "user0", "user1"):
            fake.spend(Attempt.CODE, "10.0.0.1", account)
        with pytest.raises(TooManyRequests) as refused:
            fake.spend(Attempt.CODE, "10.0.0.1", "user0")
        assert refused.value.retry_after == 300


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["10.0.0.1", "10.0.0.2", None]), st.floats(min_value=0, max_value=120)),
        max_size=60,
    )
)
def test_no_stretch_of_one_window_lets_an_account_spend_more_than_its_budget(steps):
    """Whatever the clients and the pauses between them, the attempts counted against one account in
    any window-long stretch are at most its budget."""
    clock = ManualClock()
    budget = Budget(per_client=Rate(100, 60), per_account=Rate(3, 300))
    fake = InMemoryAttemptLimiter(clock, dict.fromkeys(Attempt, budget))
    counted: list[float] = []
    for client, pause in steps:
        clock.advance(pause)
        if spent(fake, Attempt.CODE, client, "dana"):
            counted.append(clock.now())
    for start in counted:
        assert len([time for time in counted if start <= time < start + 300]) <= 3
