"""The `limits` attempt limiter on a real Redis: limiters built apart, as processes build theirs,
spend one budget; concurrent spending never overspends; a Redis that fails leaves each process
counting alone rather than failing requests."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.circuit_breaker import CircuitBreaker
from adapters.limits.attempt_limiter import LimitsAttemptLimiter
from application.ports.attempt_limiter import Attempt, AttemptLimiter
from domain.errors import TooManyRequests
from tests.fakes import ManualClock

CONFIG = {attempt.value: {"per_client": (8, 60), "per_account": (5, 60)} for attempt in Attempt}


@pytest.fixture
def account() -> str:
    """An account no other test (or earlier run within the window) has spent from."""
    return f"{uuid.uuid4().hex}@example.com"


def spent(limiter: AttemptLimiter, account: str, client: str | None = None) -> bool:
    try:
        limiter.spend(Attempt.CODE, client, account)
    except TooManyRequests:
        return False
    return True


def test_limiters_built_apart_spend_one_budget(redis_url, account):
    first = LimitsAttemptLimiter.from_url(redis_url, CONFIG)
    second = LimitsAttemptLimiter.from_url(redis_url, CONFIG)
    answers = [spent(first if n % 2 else second, account) for n in range(8)]
    assert answers == [True] * 5 + [False] * 3
    with pytest.raises(TooManyRequests) as refused:
        first.check(Attempt.CODE, None, account)
    assert 1 <= refused.value.retry_after <= 60


def test_concurrent_spending_never_overspends(redis_url, account):
    limiters = [LimitsAttemptLimiter.from_url(redis_url, CONFIG) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda n: spent(limiters[n % 4], account), range(32)))
    assert answers.count(True) == 5


def test_a_failing_redis_leaves_each_process_counting_alone(proxied_redis_url, account, caplog):
    url, proxy = proxied_redis_url
    clock = ManualClock()
    breaker = CircuitBreaker("Redis", clock=clock, cooldown=5)
    limiter = LimitsAttemptLimiter.from_url(url, CONFIG, breaker=breaker)
    assert spent(limiter, account)
    proxy.refuse()
    # Still limited, by this process's own count: the attempt Redis holds is not known here.
    assert [spent(limiter, account) for _ in range(6)] == [True] * 5 + [False]
    assert "this process counts alone" in caplog.text
    assert breaker.is_open
    proxy.restore()
    clock.advance(5)
    # Redis is asked again, and still holds the one attempt counted before the cut.
    assert [spent(limiter, account) for _ in range(5)] == [True] * 4 + [False]
