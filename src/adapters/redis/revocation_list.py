"""Revoked sign-ins shared by every process through Redis, answered from each process's memory.

Redis holds the durable list: a sorted set (`key`) whose members are sign-in ids, each scored with
the epoch time until which its tokens are refused. `revoke` prunes the expired members, adds the new
one and publishes it on `channel`, all in one transaction. Every process keeps the live entries in a
dict filled by a daemon thread, the listener: it subscribes to `channel` and, each time the
subscription is confirmed (at start and after every reconnection, redis-py's own included), loads
the sorted set. Subscribing before loading means an entry published during the load is received,
not lost; entries arrive twice at worst, and merging keeps the later expiry.

`is_revoked` reads only that dict. While Redis is unreachable the listener retries with a growing
back-off and the dict keeps answering with what it had; `revoke` raises `ProviderUnavailable`, since
a logout must not claim that every process refuses the tokens when none but this one was told.

Needs Redis 6.2 or later (`ZADD GT`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import weakref
from collections.abc import Mapping
from typing import cast

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from application.ports.clock import Clock
from application.ports.revocation_list import RevocationList
from domain.errors import ProviderUnavailable
from domain.values import Claims

logger = logging.getLogger("cognito_auth.revocations")

DEFAULT_KEY = "cognito-auth:revoked"
DEFAULT_CHANNEL = "cognito-auth:revocations"

# How often the listener looks at its stop flag between messages: the most `close()` waits.
_POLL_SECONDS = 0.25
_FIRST_RETRY_SECONDS = 0.5
_LAST_RETRY_SECONDS = 30.0

_INSTANCES: weakref.WeakSet[RedisRevocationList] = weakref.WeakSet()


class RedisRevocationList(RevocationList):
    """The revocation list of a deployment with several processes or hosts (see the module's doc).

    The listener starts on first use, not on construction: a server that forks its workers after
    loading the application (gunicorn) would otherwise leave them without one, since a thread does
    not survive a fork. In a forked child it starts again on first use. That first call waits up to
    `startup_timeout` seconds for the listener's first load, so that a fresh worker does not accept
    a token revoked before it started; after that no call waits.

    `revoke` raises `ProviderUnavailable` when Redis cannot store the entry (this process refuses
    the tokens all the same). `close()` stops the listener and closes the client's connections.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        clock: Clock,
        key: str = DEFAULT_KEY,
        channel: str = DEFAULT_CHANNEL,
        startup_timeout: float = 1.0,
    ) -> None:
        self._client = client
        self._clock = clock
        self._key = key
        self._channel = channel
        self._startup_timeout = startup_timeout
        self._until: dict[str, float] = {}
        self._start_process_state()
        _INSTANCES.add(self)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        clock: Clock,
        key: str = DEFAULT_KEY,
        channel: str = DEFAULT_CHANNEL,
        startup_timeout: float = 1.0,
    ) -> RedisRevocationList:
        client = redis.Redis.from_url(
            url,
            # A logout waits for `revoke`: an unreachable Redis must fail it in seconds, not minutes.
            socket_connect_timeout=1.0,
            socket_timeout=2.0,
            retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), retries=2),
            # Makes the listener's idle subscription notice a connection that died silently.
            health_check_interval=15,
        )
        return cls(client, clock=clock, key=key, channel=channel, startup_timeout=startup_timeout)

    def _start_process_state(self) -> None:
        """Fresh synchronisation state, on construction and in a forked child: a lock that a thread
        of the parent held at the moment of the fork stays held forever in the child."""
        self._merge_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._stop = threading.Event()
        self._loaded = threading.Event()
        self._listener: threading.Thread | None = None

    def revoke(self, claims: Claims, until: float) -> None:
        self._listen()
        self._merge({claims.sign_in_id: until})
        entry = json.dumps({"id": claims.sign_in_id, "until": until})
        try:
            with self._client.pipeline(transaction=True) as pipeline:
                pipeline.zremrangebyscore(self._key, "-inf", f"({self._clock.now()}")
                pipeline.zadd(self._key, {claims.sign_in_id: until}, gt=True)
                pipeline.publish(self._channel, entry)
                pipeline.execute()
        except redis.RedisError as error:
            raise ProviderUnavailable("The sign-out could not reach the other servers; try again.") from error

    def is_revoked(self, claims: Claims) -> bool:
        self._listen()
        until = self._until.get(claims.sign_in_id)
        return until is not None and until > self._clock.now()

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join()
        self._client.close()

    def _merge(self, entries: Mapping[str, float]) -> None:
        with self._merge_lock:
            now = self._clock.now()
            # A new dict, swapped in whole, so `is_revoked` reads without the lock; dropping what has
            # expired keeps it as small as the live sign-outs.
            merged = {sign_in_id: until for sign_in_id, until in self._until.items() if until > now}
            for sign_in_id, until in entries.items():
                if until > now:
                    merged[sign_in_id] = max(until, merged.get(sign_in_id, until))
            self._until = merged

    def _listen(self) -> None:
        if self._listener is not None or self._stop.is_set():
            return
        with self._start_lock:
            if self._listener is not None:
                return
            listener = threading.Thread(
                target=self._follow, args=(self._stop, self._loaded), name="revocation-listener", daemon=True
            )
            listener.start()
            if not self._loaded.wait(self._startup_timeout):
                logger.warning("Revocations could not be loaded from Redis yet; only this process's are refused.")
            self._listener = listener

    def _follow(self, stop: threading.Event, loaded: threading.Event) -> None:
        delay = _FIRST_RETRY_SECONDS
        while not stop.is_set():
            pubsub = self._client.pubsub()  # type: ignore[no-untyped-call]  # unannotated in redis-py
            try:
                pubsub.subscribe(self._channel)
                while not stop.is_set():
                    message = pubsub.get_message(timeout=_POLL_SECONDS)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self._load()
                        loaded.set()
                        delay = _FIRST_RETRY_SECONDS
                    elif message["type"] == "message":
                        self._receive(message["data"])
            # Anything at all: a listener that died would leave this process deaf to revocations.
            except Exception as error:
                logger.warning(
                    "Revocations from other processes are not arriving (%s); retrying in %.1f s.",
                    error,
                    delay,
                    exc_info=not isinstance(error, redis.RedisError),
                )
            finally:
                pubsub.close()
            stop.wait(delay)
            delay = min(delay * 2, _LAST_RETRY_SECONDS)

    def _load(self) -> None:
        # With scores the answer is (member, score) pairs; redis-py's return type covers every form.
        entries = cast(
            "list[tuple[bytes | str, float]]",
            self._client.zrangebyscore(self._key, f"({self._clock.now()}", "+inf", withscores=True),
        )
        self._merge({_text(sign_in_id): until for sign_in_id, until in entries})

    def _receive(self, data: bytes | str) -> None:
        try:
            entry = json.loads(data)
            self._merge({str(entry["id"]): float(entry["until"])})
        except (ValueError, TypeError, KeyError):
            logger.warning("Ignored a malformed message on the revocation channel %s.", self._channel)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _restart_in_child() -> None:
    for instance in list(_INSTANCES):
        instance._start_process_state()


# Rather than compare process ids on every call: the hook also replaces the inherited locks.
os.register_at_fork(after_in_child=_restart_in_child)
