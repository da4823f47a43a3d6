"""Whether the service can serve: every dependency checked at once, the answer within a deadline."""

from __future__ import annotations

import concurrent.futures
import contextvars
import time
from collections.abc import Mapping

import attrs

from application.ports.dependency_check import DependencyCheck


@attrs.frozen
class CheckResult:
    ok: bool
    seconds: float
    error: str | None = None
    """Why it failed, as a name (an exception's class, `Timeout`), safe to show anyone."""
    detail: str | None = attrs.field(default=None, repr=False)
    """What the failure said, for the log: it may name hosts and ports."""


@attrs.frozen
class Readiness:
    checks: Mapping[str, CheckResult]

    @property
    def ready(self) -> bool:
        return all(result.ok for result in self.checks.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, result in self.checks.items() if not result.ok]


@attrs.frozen
class CheckReadiness:
    """Runs every check in `executor` at once and answers within `deadline` seconds whatever they do.

    In: nothing. Out: `Readiness`, with each check's result under its name; a check that raised
    failed with the exception's class name, one still running at the deadline failed with
    `Timeout` (it is left to finish in its thread; one not yet started never starts). Raises nothing.
    The executor's threads are shared by every call, so a dependency that hangs ties up a bounded
    number of them, for as long as its check takes to give up by itself.
    """

    checks: Mapping[str, DependencyCheck]
    executor: concurrent.futures.Executor
    deadline: float

    def __call__(self) -> Readiness:
        started = time.perf_counter()
        # Each in a copy of the caller's context, so that what a check logs carries the request's id.
        futures = {
            name: self.executor.submit(contextvars.copy_context().run, _timed, check)
            for name, check in self.checks.items()
        }
        concurrent.futures.wait(futures.values(), timeout=self.deadline)
        results: dict[str, CheckResult] = {}
        for name, future in futures.items():
            if future.done():
                results[name] = future.result()
            else:
                future.cancel()
                elapsed = round(time.perf_counter() - started, 3)
                results[name] = CheckResult(False, elapsed, "Timeout", f"no answer within {self.deadline} s")
        return Readiness(results)


def _timed(check: DependencyCheck) -> CheckResult:
    started = time.perf_counter()
    try:
        check()
    # Whatever a dependency's client raises means the same thing here: it did not answer as it should.
    except Exception as error:
        return CheckResult(False, round(time.perf_counter() - started, 3), type(error).__name__, str(error))
    return CheckResult(True, round(time.perf_counter() - started, 3))
