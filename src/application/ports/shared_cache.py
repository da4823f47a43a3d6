"""The shared cache port: short-lived values that every process of the service sees."""

from __future__ import annotations

import abc


class SharedCache(abc.ABC):
    """Strings under string keys, each with a lifetime in seconds. Failures of the cache never
    raise: a cache that cannot be reached behaves as an empty one."""

    @property
    @abc.abstractmethod
    def reachable(self) -> bool:
        """False while the cache is known to be failing, so that nobody waits for a value to
        appear in it (what it answers meanwhile is an empty cache's answer)."""

    @abc.abstractmethod
    def get(self, key: str) -> str | None:
        """The value, or None when absent or expired."""

    @abc.abstractmethod
    def set(self, key: str, value: str, ttl: float) -> None:
        """Store `value` for `ttl` seconds, replacing any value."""

    @abc.abstractmethod
    def add(self, key: str, value: str, ttl: float) -> bool:
        """Store `value` only if `key` is absent; True when this call stored it (a lock taken)."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Forget `key`; absent keys are fine."""
