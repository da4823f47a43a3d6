"""Attempt budgets on the `limits` library: a moving window per client and per account, kept in
Redis when the service has one (every process spends one budget), else in this process's memory."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence

import attrs
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from adapters.circuit_breaker import CircuitBreaker, CircuitOpen
from application.ports.attempt_limiter import Attempt, AttemptLimiter, Budget, Rate
from domain.errors import TooManyRequests

logger = logging.getLogger("cognito_auth.limits")

BudgetsConfig = Mapping[str, Mapping[str, Sequence[int]]]
"""`{"password": {"per_client": (10, 60), "per_account": (5, 300)}, ...}`: limit and seconds."""


def budgets_from_config(config: BudgetsConfig) -> dict[Attempt, Budget]:
    """The settings' budgets as the port's values; every kind of attempt must have its budgets."""
    return {
        attempt: Budget(
            per_client=Rate(*config[attempt.value]["per_client"]),
            per_account=Rate(*config[attempt.value]["per_account"]),
        )
        for attempt in Attempt
    }


_Window = tuple[RateLimitItem, tuple[str, ...]]


@attrs.define
class LimitsAttemptLimiter(AttemptLimiter):
    """Moving windows: at most `limit` attempts in any `seconds` long stretch, not per calendar
    minute, so no burst at a window's edge buys twice the budget. A hit is one atomic step in the
    storage (a Lua script in Redis), so concurrent requests in several processes cannot overspend.

    Keys hold SHA-256 digests of the client and the account, never a username. When Redis fails,
    this process counts in its own memory while `breaker` (the one every Redis client of the process
    shares) keeps Redis alone, and asks Redis again once it lets a call through: the limits still
    hold, per process, rather than every sign-in failing with the cache (see docs/decisions.md,
    "Limits").
    """

    budgets: Mapping[Attempt, Budget]
    shared: MovingWindowRateLimiter
    breaker: CircuitBreaker | None = None
    local: MovingWindowRateLimiter = attrs.field(factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    @classmethod
    def from_url(
        cls,
        redis_url: str | None,
        budgets: BudgetsConfig,
        *,
        breaker: CircuitBreaker | None = None,
        socket_timeout: float = 1.0,
    ) -> LimitsAttemptLimiter:
        """Counting in Redis at `redis_url` (`redis://`, `rediss://` or `unix://`), each wait at most
        `socket_timeout` seconds, or in this process when it is None."""
        if redis_url is None:
            return cls(budgets_from_config(budgets), MovingWindowRateLimiter(MemoryStorage()))
        storage = RedisStorage(
            # limits spells a socket path redis+unix://, redis-py unix://.
            "redis+" + redis_url if redis_url.startswith("unix://") else redis_url,
            key_prefix="cognito_auth:attempts",
            wrap_exceptions=True,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
        )
        return cls(budgets_from_config(budgets), MovingWindowRateLimiter(storage), breaker)

    def check(self, attempt: Attempt, client: str | None, account: str) -> None:
        self._refuse_if_any(attempt, client, account, lambda limiter, item, ids: limiter.test(item, *ids))

    def spend(self, attempt: Attempt, client: str | None, account: str) -> None:
        self._refuse_if_any(attempt, client, account, lambda limiter, item, ids: limiter.hit(item, *ids))

    def _refuse_if_any(
        self,
        attempt: Attempt,
        client: str | None,
        account: str,
        allowed: Callable[[MovingWindowRateLimiter, RateLimitItem, tuple[str, ...]], bool],
    ) -> None:
        windows = self._windows(attempt, client, account)

        def refusals(limiter: MovingWindowRateLimiter) -> list[int]:
            refused = [window for window in windows if not allowed(limiter, *window)]
            return [_seconds_until_free(limiter, window) for window in refused]

        try:
            retry_after = self.breaker.call(lambda: refusals(self.shared)) if self.breaker else refusals(self.shared)
        except (StorageError, CircuitOpen) as error:
            if isinstance(error, StorageError):
                logger.warning("The attempt counters' storage failed; this process counts alone meanwhile.")
            retry_after = refusals(self.local)
        if retry_after:
            raise TooManyRequests(retry_after=max(retry_after))

    def _windows(self, attempt: Attempt, client: str | None, account: str) -> list[_Window]:
        budget = self.budgets[attempt]
        windows: list[_Window] = [(_item(budget.per_account), (attempt.value, "account", _digest(account)))]
        if client is not None:
            windows.append((_item(budget.per_client), (attempt.value, "client", _digest(client))))
        return windows


def _seconds_until_free(limiter: MovingWindowRateLimiter, window: _Window) -> int:
    item, identifiers = window
    # `limits` keeps its windows on the wall clock, in Redis and in memory alike.
    reset_at = limiter.get_window_stats(item, *identifiers).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def _item(rate: Rate) -> RateLimitItem:
    return RateLimitItemPerSecond(rate.limit, rate.seconds)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
