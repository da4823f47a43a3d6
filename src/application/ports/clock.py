"""The clock port, so that tests decide what time it is and how long a wait lasts."""

from __future__ import annotations

import abc


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> float:
        """Seconds since the Unix epoch."""

    @abc.abstractmethod
    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass."""
