"""The dependency check port: reaching one thing the service needs, once, to tell whether it answers."""

from __future__ import annotations

from typing import Protocol


class DependencyCheck(Protocol):
    def __call__(self) -> object:
        """Reach the dependency once. Returns (anything) when it answered as it should; raises any
        exception when it did not. May block: the caller bounds how long it waits for the answer,
        though a check should also give up by itself within seconds, so that no thread waits forever."""
