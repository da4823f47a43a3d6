"""The shared cache over Django's cache framework: Redis when REDIS_URL is set, else this process's memory."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TypeVar

import attrs
from django.core.cache import BaseCache, caches

from adapters.circuit_breaker import CircuitBreaker, CircuitOpen
from application.ports.shared_cache import SharedCache

logger = logging.getLogger("cognito_auth.cache")

_T = TypeVar("_T")


@attrs.frozen
class DjangoSharedCache(SharedCache):
    """The cache named `alias` in settings.CACHES, called through `breaker`.

    Lifetimes are rounded up to whole seconds, the unit of Django's Redis backend (which would turn
    0.5 s into "delete now"); a value never vanishes before its time. A cache that cannot be reached
    behaves as an empty one, as the port says: `get` answers None, `set` and `delete` do nothing,
    and `add` answers True. So while Redis is down every process takes its own refresh lock and
    refreshes by itself: wasteful, never wrong, and better than refusing every refresh. After a
    failure the breaker skips the cache for its cool-down, so that only one operation in a
    cool-down pays the socket timeout (see the README's "When PostgreSQL or Redis fail").
    """

    breaker: CircuitBreaker
    alias: str = "default"

    @property
    def _cache(self) -> BaseCache:
        # Django keeps one backend object per thread; looking it up on each call respects that.
        return caches[self.alias]

    @property
    def reachable(self) -> bool:
        return not self.breaker.is_open

    def get(self, key: str) -> str | None:
        value = self._attempt("get", lambda: self._cache.get(key), None)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str, ttl: float) -> None:
        self._attempt("set", lambda: self._cache.set(key, value, timeout=_timeout(ttl)), None)

    def add(self, key: str, value: str, ttl: float) -> bool:
        return self._attempt("add", lambda: self._cache.add(key, value, timeout=_timeout(ttl)), True)

    def delete(self, key: str) -> None:
        self._attempt("delete", lambda: self._cache.delete(key), None)

    def _attempt(self, operation: str, call: Callable[[], _T], unreachable: _T) -> _T:
        try:
            return self.breaker.call(call)
        except CircuitOpen:
            return unreachable
        # Any backend, any failure: the port promises that the cache never raises.
        except Exception as error:
            logger.warning(
                "The shared cache failed a %s (%s: %s); carrying on without it.", operation, type(error).__name__, error
            )
            return unreachable


def _timeout(ttl: float) -> int:
    # Django reads 0 as "expire at once", and None (never) is not something the port offers.
    return max(0, math.ceil(ttl))
