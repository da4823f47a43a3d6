"""Fixtures for the tests against a real Redis (`redis_url` lives in tests/integration/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import attrs
import pytest
import redis

from adapters.clock import SystemClock
from adapters.redis.revocation_list import RedisRevocationList
from application.ports.clock import Clock
from tests.fakes import ManualClock


@pytest.fixture
def namespace(redis_url: str) -> Iterator[str]:
    """A key and channel prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@attrs.define
class RevocationLists:
    """Builds revocation lists on one key and channel, as the processes of one deployment share
    them, and closes them all at the end of the test."""

    url: str
    key: str
    channel: str
    built: list[RedisRevocationList] = attrs.field(factory=list)

    def __call__(
        self, *, clock: Clock | None = None, url: str | None = None, client: redis.Redis | None = None
    ) -> RedisRevocationList:
        clock = clock or SystemClock()
        if client is None:
            built = RedisRevocationList.from_url(url or self.url, clock=clock, key=self.key, channel=self.channel)
        else:
            built = RedisRevocationList(client, clock=clock, key=self.key, channel=self.channel)
        self.built.append(built)
        return built

    def close_all(self) -> None:
        for built in self.built:
            built.close()


@pytest.fixture
def revocation_lists(redis_url: str, namespace: str) -> Iterator[RevocationLists]:
    lists = RevocationLists(redis_url, key=f"{namespace}:revoked", channel=f"{namespace}:revocations")
    yield lists
    lists.close_all()
