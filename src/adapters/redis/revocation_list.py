"""Revoked sign-ins and users shared by every process through Redis, answered from each process's memory.

Redis holds the durable list: a sorted set (`key`) whose members are sign-in ids and, for users,
`user:<issued_before>:<sub>`, each scored with the epoch time until which its tokens are refused.
A user's `issued_before` lives in the member rather than in a companion hash so that one sorted set
stays the whole list: pruning by score, loading and the atomic write cover users as they cover
sign-ins. Revoking a user again with another `issued_before` adds another member; loading merges
them. `revoke` and `revoke_user` prune the expired members, add the new one and publish it on
`channel`, all in one transaction. Every process keeps the live entries in two dicts filled by a
daemon thread, the listener: it subscribes to `channel` and, each time the subscription is
confirmed (at start and after every reconnection, redis-py's own included), loads the sorted set.
Subscribing before loading means an entry published during the load is received, not lost; entries
arrive twice at worst, and merging keeps the later `until` (and the later `issued_before`).

`is_revoked` reads only those dicts, and refuses to answer (`ProviderUnavailable`) until the first
load has succeeded: a process that starts while Redis is unreachable knows nothing of the tokens
revoked before, and must not accept them. Once loaded, while Redis is unreachable the listener
retries with a growing back-off and the dicts keep answering with what they had; `revoke` and
`revoke_user` raise `ProviderUnavailable`, since a logout must not claim that every process refuses
the tokens when none but this one was told. Writes go through a circuit breaker shared with the
cache on the same Redis: after one failure they fail at once for its cool-down.

Needs Redis 6.2 or later (`ZADD GT`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import cast

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from adapters.circuit_breaker import CircuitBreaker, CircuitOpen
from application.ports.clock import Clock
from application.ports.revocation_list import RevocationList
from domain.errors import ProviderUnavailable
from domain.revocations import Revocations
from domain.values import Claims

logger = logging.getLogger("cognito_auth.revocations")

DEFAULT_KEY = "cognito-auth:revoked"
DEFAULT_CHANNEL = "cognito-auth:revocations"

# Sign-in ids are Cognito's origin_jti (a UUID) or `sub@auth_time`, so they never start with this.
_USER_PREFIX = "user:"

# How often the listener looks at its stop flag between messages: the most `close()` waits.
_POLL_SECONDS = 0.25
_FIRST_RETRY_SECONDS = 0.5
_LAST_RETRY_SECONDS = 30.0
# Until the first load every authenticated request is refused: the listener tries more often.
_LAST_RETRY_SECONDS_UNLOADED = 2.0

_INSTANCES: weakref.WeakSet[RedisRevocationList] = weakref.WeakSet()


class RedisRevocationList(RevocationList):
    """The revocation list of a deployment with several processes or hosts (see the module's doc).

    The listener starts on first use, not on construction: a server that forks its workers after
    loading the application (gunicorn) would otherwise leave them without one, since a thread does
    not survive a fork. In a forked child it starts again on first use. That first call waits up to
    `startup_timeout` seconds for the listener's first load; after that no call waits, and
    `is_revoked` raises `ProviderUnavailable` until the list is loaded.

    `revoke` and `revoke_user` raise `ProviderUnavailable` when Redis cannot store the entry (this
    process refuses the tokens all the same), at once while `breaker` is open. `close()` stops the
    listener and closes the client's connections.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        clock: Clock,
        key: str = DEFAULT_KEY,
        channel: str = DEFAULT_CHANNEL,
        startup_timeout: float = 1.0,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._client = client
        self._breaker = breaker or CircuitBreaker("Redis", clock=clock, cooldown=5.0)
        self._clock = clock
        self._key = key
        self._channel = channel
        self._startup_timeout = startup_timeout
        self._revocations = Revocations()
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
        breaker: CircuitBreaker | None = None,
        socket_timeout: float = 1.0,
    ) -> RedisRevocationList:
        client = redis.Redis.from_url(
            url,
            # A logout waits for `revoke`: an unreachable Redis must fail it within a second or two.
            socket_connect_timeout=socket_timeout,
            socket_timeout=socket_timeout,
            # One immediate retry on a connection that turns out dead (Redis restarted since it was
            # pooled), none after a timeout: a second wait would only double the first.
            retry=Retry(NoBackoff(), retries=1, supported_errors=(redis.ConnectionError,)),
            # Makes the listener's idle subscription notice a connection that died silently.
            health_check_interval=15,
        )
        return cls(client, clock=clock, key=key, channel=channel, startup_timeout=startup_timeout, breaker=breaker)

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
        self._merge(sign_ins=[(claims.sign_in_id, until)])
        self._store(claims.sign_in_id, until, {"id": claims.sign_in_id, "until": until})

    def revoke_user(self, sub: str, issued_before: float, until: float) -> None:
        self._listen()
        self._merge(users=[(sub, (issued_before, until))])
        message = {"user": sub, "issued_before": issued_before, "until": until}
        self._store(f"{_USER_PREFIX}{issued_before!r}:{sub}", until, message)

    def is_revoked(self, claims: Claims) -> bool:
        self._listen()
        if not self._loaded.is_set():
            raise ProviderUnavailable("The list of revoked tokens could not be loaded yet; try again.")
        return self._revocations.refuses(claims, self._clock.now())

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join()
        self._client.close()

    def _store(self, member: str, until: float, message: Mapping[str, object]) -> None:
        """Adds `member` to the sorted set and publishes `message`, after pruning what has expired."""

        def store() -> None:
            with self._client.pipeline(transaction=True) as pipeline:
                pipeline.zremrangebyscore(self._key, "-inf", f"({self._clock.now()}")
                pipeline.zadd(self._key, {member: until}, gt=True)
                pipeline.publish(self._channel, json.dumps(message))
                pipeline.execute()

        try:
            self._breaker.call(store)
        except (redis.RedisError, CircuitOpen) as error:
            raise ProviderUnavailable("The revocation could not reach the other servers; try again.") from error

    def _merge(
        self,
        sign_ins: Iterable[tuple[str, float]] = (),
        users: Iterable[tuple[str, tuple[float, float]]] = (),
    ) -> None:
        """Adds entries, as `Revocations.merged` does."""
        with self._merge_lock:
            # Swapped in whole, so that `is_revoked` reads without the lock.
            self._revocations = self._revocations.merged(self._clock.now(), sign_ins, users)

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
                logger.warning("Revocations could not be loaded from Redis yet; refusing authenticated requests.")
            self._listener = listener

    def _follow(self, stop: threading.Event, loaded: threading.Event) -> None:
        delay = _FIRST_RETRY_SECONDS
        while not stop.is_set():
            pubsub = self._client.pubsub()
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
            delay = min(delay * 2, _LAST_RETRY_SECONDS if loaded.is_set() else _LAST_RETRY_SECONDS_UNLOADED)

    def _load(self) -> None:
        # With scores the answer is (member, score) pairs; redis-py's return type covers every form.
        entries = cast(
            "list[tuple[bytes | str, float]]",
            self._client.zrangebyscore(self._key, f"({self._clock.now()}", "+inf", withscores=True),
        )
        sign_ins: list[tuple[str, float]] = []
        users: list[tuple[str, tuple[float, float]]] = []
        for raw_member, until in entries:
            member = _text(raw_member)
            if not member.startswith(_USER_PREFIX):
                sign_ins.append((member, until))
            elif (user := _user_member(member)) is not None:
                # A user revoked more than once has several members: merging widens one entry.
                sub, issued_before = user
                users.append((sub, (issued_before, until)))
            else:
                logger.warning("Ignored a malformed member of the revocation list %s.", self._key)
        self._merge(sign_ins, users)

    def _receive(self, data: bytes | str) -> None:
        try:
            entry = json.loads(data)
            if "user" in entry:
                self._merge(users=[(str(entry["user"]), (float(entry["issued_before"]), float(entry["until"])))])
            else:
                self._merge(sign_ins=[(str(entry["id"]), float(entry["until"]))])
        except (ValueError, TypeError, KeyError):
            logger.warning("Ignored a malformed message on the revocation channel %s.", self._channel)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _user_member(member: str) -> tuple[str, float] | None:
    """The sub and `issued_before` of a `user:<issued_before>:<sub>` member; None if it is not one."""
    issued_before, separator, sub = member.removeprefix(_USER_PREFIX).partition(":")
    if not separator or not sub:
        return None
    try:
        return sub, float(issued_before)
    except ValueError:
        return None


def _restart_in_child() -> None:
    for instance in list(_INSTANCES):
        instance._start_process_state()


# Rather than compare process ids on every call: the hook also replaces the inherited locks.
os.register_at_fork(after_in_child=_restart_in_child)
