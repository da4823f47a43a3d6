"""The shared cache over Django's cache framework: Redis when REDIS_URL is set, else this process's memory."""

from __future__ import annotations

import logging
import math

import attrs
from django.core.cache import BaseCache, caches

from application.ports.shared_cache import SharedCache

logger = logging.getLogger("cognito_auth.cache")


@attrs.frozen
class DjangoSharedCache(SharedCache):
    """The cache named `alias` in settings.CACHES.

    Lifetimes are rounded up to whole seconds, the unit of Django's Redis backend (which would turn
    0.5 s into "delete now"); a value never vanishes before its time. A cache that cannot be reached
    behaves as an empty one, as the port says: `get` answers None, `set` and `delete` do nothing,
    and `add` answers True. So while Redis is down every process takes its own refresh lock and
    refreshes by itself: wasteful, never wrong, and better than refusing every refresh.
    """

    alias: str = "default"

    @property
    def _cache(self) -> BaseCache:
        # Django keeps one backend object per thread; looking it up on each call respects that.
        return caches[self.alias]

    def get(self, key: str) -> str | None:
        try:
            value = self._cache.get(key)
        # Any backend, any failure: the port promises that the cache never raises.
        except Exception as error:
            _unreachable("get", error)
            return None
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str, ttl: float) -> None:
        try:
            self._cache.set(key, value, timeout=_timeout(ttl))
        except Exception as error:
            _unreachable("set", error)

    def add(self, key: str, value: str, ttl: float) -> bool:
        try:
            return self._cache.add(key, value, timeout=_timeout(ttl))
        except Exception as error:
            _unreachable("add", error)
            return True

    def delete(self, key: str) -> None:
        try:
            self._cache.delete(key)
        except Exception as error:
            _unreachable("delete", error)


def _timeout(ttl: float) -> int:
    # Django reads 0 as "expire at once", and None (never) is not something the port offers.
    return max(0, math.ceil(ttl))


def _unreachable(operation: str, error: Exception) -> None:
    logger.warning(
        "The shared cache failed a %s (%s: %s); carrying on without it.", operation, type(error).__name__, error
    )
