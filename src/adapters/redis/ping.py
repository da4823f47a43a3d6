"""Whether Redis answers: one PING on a client of its own, with short timeouts and no retries."""

from __future__ import annotations

import attrs
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


@attrs.frozen
class RedisPing:
    """A `DependencyCheck`: returns when Redis answers PING, raises `redis.RedisError` otherwise."""

    client: redis.Redis

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 1.0) -> RedisPing:
        return cls(
            redis.Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=Retry(NoBackoff(), retries=0)
            )
        )

    def __call__(self) -> None:
        self.client.ping()
