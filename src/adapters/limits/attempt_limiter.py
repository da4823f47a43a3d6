"""Attempt budgets on the `limits` library: a moving window per client and per account, kept in
Redis when the service has one (every process spends one budget), else in this process's memory."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Mapping, Sequence

import attrs
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from application.ports.attempt_limiter import Attempt, AttemptLimiter, Budget, Rate
from application.ports.clock import Clock
from domain.errors import TooManyRequests

logger = logging.getLogger("cognito_auth.limits")

# After Redis failed, this process counts in its own memory for this long before trying Redis again,
# so that a Redis that hangs costs one request its socket timeout, not every request.
_REDIS_RETRY_SECONDS = 5.0
# What a request waits for Redis at most (connecting, then each answer), as for the cache.
_REDIS_TIMEOUT_SECONDS = 1.0

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
    this process counts in its own memory (and says so in the log) until Redis answers again: the
    limits still hold, per process, rather than every sign-in failing with the cache (see
    docs/decisions.md, "Limits").
    """

    budgets: Mapping[Attempt, Budget]
    clock: Clock
    shared: MovingWindowRateLimiter
    local: MovingWindowRateLimiter = attrs.field(factory=lambda: MovingWindowRateLimiter(MemoryStorage()))
    _shared_down_until: float = attrs.field(default=0.0, init=False)

    @classmethod
    def from_url(cls, redis_url: str | None, budgets: BudgetsConfig, clock: Clock) -> LimitsAttemptLimiter:
        """Counting in Redis at `redis_url` (`redis://`, `rediss://` or `unix://`), or in this
        process when it is None."""
        if redis_url is None:
            return cls(budgets_from_config(budgets), clock, MovingWindowRateLimiter(MemoryStorage()))
        storage = RedisStorage(
            # limits spells a socket path redis+unix://, redis-py unix://.
            "redis+" + redis_url if redis_url.startswith("unix://") else redis_url,
            key_prefix="cognito_auth:attempts",
            wrap_exceptions=True,
            socket_timeout=_REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
        )
        return cls(budgets_from_config(budgets), clock, MovingWindowRateLimiter(storage))

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
        limiter = self._limiter()
        try:
            refused = [window for window in self._windows(attempt, client, account) if not allowed(limiter, *window)]
            retry_after = [self._seconds_until_free(limiter, window) for window in refused]
        except StorageError as error:
            self._shared_down(error)
            limiter = self.local
            refused = [window for window in self._windows(attempt, client, account) if not allowed(limiter, *window)]
            retry_after = [self._seconds_until_free(limiter, window) for window in refused]
        if refused:
            raise TooManyRequests(retry_after=max(retry_after))

    def _limiter(self) -> MovingWindowRateLimiter:
        return self.local if self.clock.now() < self._shared_down_until else self.shared

    def _shared_down(self, error: StorageError) -> None:
        self._shared_down_until = self.clock.now() + _REDIS_RETRY_SECONDS
        logger.warning(
            "The attempt counters' storage failed (%s); this process counts alone for %.0f s.",
            type(error.storage_error).__name__,
            _REDIS_RETRY_SECONDS,
        )

    def _windows(self, attempt: Attempt, client: str | None, account: str) -> list[_Window]:
        budget = self.budgets[attempt]
        windows: list[_Window] = [(_item(budget.per_account), (attempt.value, "account", _digest(account)))]
        if client is not None:
            windows.append((_item(budget.per_client), (attempt.value, "client", _digest(client))))
        return windows

    def _seconds_until_free(self, limiter: MovingWindowRateLimiter, window: _Window) -> int:
        item, identifiers = window
        reset_at = limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset_at - self.clock.now()))


def _item(rate: Rate) -> RateLimitItem:
    return RateLimitItemPerSecond(rate.limit, rate.seconds)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
