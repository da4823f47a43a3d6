"""DjangoSharedCache over Django's local-memory cache and over Redis."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from django.test import override_settings

from adapters.circuit_breaker import CircuitBreaker
from adapters.clock import SystemClock
from django_shell.shared_cache import DjangoSharedCache
from tests.fakes import ManualClock

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request: pytest.FixtureRequest) -> Iterator[DjangoSharedCache]:
    if request.param == "redis":
        # The namespace as KEY_PREFIX: the test's keys are found and deleted afterwards.
        backend = {
            "BACKEND": REDIS_BACKEND,
            "LOCATION": request.getfixturevalue("redis_url"),
            "KEY_PREFIX": request.getfixturevalue("namespace"),
        }
    else:
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    with override_settings(CACHES={"default": backend}):
        yield DjangoSharedCache(CircuitBreaker("Redis", clock=SystemClock(), cooldown=5))


class TestDjangoSharedCache:
    def test_get_answers_what_set_stored_last(self, shared_cache):
        assert shared_cache.get("key") is None
        shared_cache.set("key", "first", ttl=60)
        assert shared_cache.get("key") == "first"
        shared_cache.set("key", "second", ttl=60)
        assert shared_cache.get("key") == "second"

    def test_add_stores_only_into_an_absent_key(self, shared_cache):
        assert shared_cache.add("key", "first", ttl=60)
        assert not shared_cache.add("key", "second", ttl=60)
        assert shared_cache.get("key") == "first"

    def test_delete_forgets_and_accepts_absent_keys(self, shared_cache):
        shared_cache.set("key", "value", ttl=60)
        shared_cache.delete("key")
        shared_cache.delete("never-set")

        assert shared_cache.get("key") is None
        assert shared_cache.add("key", "again", ttl=60)

    def test_values_vanish_after_their_lifetime(self, shared_cache):
        shared_cache.set("value", "v", ttl=1)
        shared_cache.add("lock", "1", ttl=1)

        time.sleep(1.1)
        assert shared_cache.get("value") is None
        assert shared_cache.add("lock", "1", ttl=1)

    def test_a_lifetime_under_a_second_is_not_cut_short(self, shared_cache):
        shared_cache.set("value", "v", ttl=0.2)

        assert shared_cache.get("value") == "v"

    def test_add_is_a_lock_that_one_of_many_threads_takes(self, shared_cache):
        contenders = 16
        start = threading.Barrier(contenders)
        taken: list[bool] = []

        def contend() -> None:
            start.wait()
            taken.append(shared_cache.add("lock", threading.current_thread().name, ttl=60))

        threads = [threading.Thread(target=contend) for _ in range(contenders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert taken.count(True) == 1


def test_an_unreachable_cache_behaves_as_an_empty_one(tmp_path, caplog):
    # A socket file that does not exist: Redis is unreachable, at once and without any network.
    with override_settings(
        CACHES={"default": {"BACKEND": REDIS_BACKEND, "LOCATION": f"unix://{tmp_path}/absent.sock"}}
    ):
        cache = DjangoSharedCache(CircuitBreaker("Redis", clock=SystemClock(), cooldown=5))
        cache.set("key", "value", ttl=60)
        cache.delete("key")

        assert cache.get("key") is None
        assert cache.add("lock", "1", ttl=60)
    assert "The shared cache failed" in caplog.text


def test_after_a_failure_the_cache_is_left_alone_for_the_cooldown(tmp_path, caplog, redis_url):
    clock = ManualClock()
    breaker = CircuitBreaker("Redis", clock=clock, cooldown=5)
    unreachable = {"BACKEND": REDIS_BACKEND, "LOCATION": f"unix://{tmp_path}/absent.sock"}
    reachable = {"BACKEND": REDIS_BACKEND, "LOCATION": redis_url, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    with override_settings(CACHES={"default": unreachable}):
        cache = DjangoSharedCache(breaker)
        assert cache.reachable
        cache.set("key", "value", ttl=60)
        for _ in range(5):
            assert cache.get("key") is None
            assert cache.add("lock", "1", ttl=60)

        assert caplog.text.count("The shared cache failed") == 1
        assert not cache.reachable
    with override_settings(CACHES={"default": reachable}):
        cache.set("key", "value", ttl=60)
        assert cache.get("key") is None  # still cooling down: not even tried
        clock.advance(5)
        cache.set("key", "value", ttl=60)
        assert cache.get("key") == "value"
        assert cache.reachable
        cache.delete("key")
