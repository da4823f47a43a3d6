"""A circuit breaker: once a dependency has failed, callers skip it for a cool-down rather than each
paying its timeout. Why not pybreaker: see docs/decisions.md ("When PostgreSQL or Redis fail")."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from application.ports.clock import Clock

logger = logging.getLogger("cognito_auth.breaker")

_T = TypeVar("_T")


class CircuitOpen(Exception):
    """The call was not made: the dependency failed less than a cool-down ago."""


class CircuitBreaker:
    """Closed, every call goes through. A call that raises one of `failures` opens the circuit for
    `cooldown` seconds, during which calls raise `CircuitOpen` without being made. After the
    cool-down a single call, the probe, goes through while the others still fail fast: its success
    closes the circuit, its failure opens it for another cool-down. Any success closes it.

    The lock guards the state only, never a call, so concurrent calls run concurrently: one slow
    call holds no other caller. Exceptions outside `failures` pass through and change nothing.
    """

    def __init__(
        self, name: str, *, clock: Clock, cooldown: float, failures: tuple[type[BaseException], ...] = (Exception,)
    ) -> None:
        self._name = name
        self._clock = clock
        self._cooldown = cooldown
        self._failures = failures
        self._lock = threading.Lock()
        # 0 while closed; else the time from which a probe may go through.
        self._open_until = 0.0
        self._probing = False

    @property
    def is_open(self) -> bool:
        """Whether calls are being skipped now (a probe in flight counts as open)."""
        with self._lock:
            return bool(self._open_until) and (self._probing or self._clock.now() < self._open_until)

    def call(self, operation: Callable[[], _T]) -> _T:
        probe = self._admit()
        try:
            result = operation()
        except self._failures as error:
            self._failed(error)
            raise
        except BaseException:
            if probe:
                with self._lock:
                    self._probing = False
            raise
        self._succeeded()
        return result

    def _admit(self) -> bool:
        """Whether the call is the probe; raises `CircuitOpen` when it may not be made at all."""
        with self._lock:
            if not self._open_until:
                return False
            if self._probing or self._clock.now() < self._open_until:
                raise CircuitOpen(f"{self._name} failed less than {self._cooldown:g} s ago; not trying it meanwhile.")
            self._probing = True
            return True

    def _failed(self, error: BaseException) -> None:
        with self._lock:
            was_closed = not self._open_until
            self._open_until = self._clock.now() + self._cooldown
            self._probing = False
        if was_closed:
            logger.warning(
                "%s failed (%s: %s); not trying it for %g s.", self._name, type(error).__name__, error, self._cooldown
            )

    def _succeeded(self) -> None:
        with self._lock:
            was_open = bool(self._open_until)
            self._open_until = 0.0
            self._probing = False
        if was_open:
            logger.warning("%s answers again.", self._name)
