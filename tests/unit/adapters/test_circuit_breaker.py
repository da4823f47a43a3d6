"""The circuit breaker on a manual clock; one test with real threads for the probe and the lock."""

from __future__ import annotations

import threading

import pytest

from adapters.circuit_breaker import CircuitBreaker, CircuitOpen
from tests.fakes import ManualClock

COOLDOWN = 5.0


class Unreachable(Exception):
    pass


class Dependency:
    """Counts the calls that were really made; fails while `down`."""

    def __init__(self) -> None:
        self.calls = 0
        self.down = False

    def __call__(self) -> str:
        self.calls += 1
        if self.down:
            raise Unreachable("no answer")
        return "answer"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def breaker(clock: ManualClock) -> CircuitBreaker:
    return CircuitBreaker("Redis", clock=clock, cooldown=COOLDOWN, failures=(Unreachable,))


@pytest.fixture
def dependency() -> Dependency:
    return Dependency()


class TestCircuitBreaker:
    def test_calls_go_through_while_the_dependency_answers(self, breaker, dependency):
        assert [breaker.call(dependency) for _ in range(3)] == ["answer"] * 3
        assert dependency.calls == 3
        assert not breaker.is_open

    def test_one_failure_opens_the_circuit_for_the_cooldown(self, breaker, dependency, clock):
        dependency.down = True
        with pytest.raises(Unreachable):
            breaker.call(dependency)

        clock.advance(COOLDOWN - 0.1)
        for _ in range(3):
            with pytest.raises(CircuitOpen):
                breaker.call(dependency)
        assert dependency.calls == 1
        assert breaker.is_open

    def test_after_the_cooldown_a_successful_probe_closes_it(self, breaker, dependency, clock):
        dependency.down = True
        with pytest.raises(Unreachable):
            breaker.call(dependency)
        dependency.down = False
        clock.advance(COOLDOWN)

        assert breaker.call(dependency) == "answer"
        assert breaker.call(dependency) == "answer"
        assert dependency.calls == 3
        assert not breaker.is_open

    def test_a_failed_probe_opens_it_for_another_cooldown(self, breaker, dependency, clock):
        dependency.down = True
        with pytest.raises(Unreachable):
            breaker.call(dependency)
        clock.advance(COOLDOWN)
        with pytest.raises(Unreachable):
            breaker.call(dependency)

        clock.advance(COOLDOWN - 0.1)
        with pytest.raises(CircuitOpen):
            breaker.call(dependency)
        assert dependency.calls == 2

    def test_other_errors_pass_through_and_change_nothing(self, breaker, clock):
        def broken() -> str:
            raise KeyError("a bug, not an outage")

        with pytest.raises(KeyError):
            breaker.call(broken)
        assert not breaker.is_open

    def test_only_one_probe_goes_through_while_the_others_fail_fast(self, breaker, dependency, clock):
        dependency.down = True
        with pytest.raises(Unreachable):
            breaker.call(dependency)
        clock.advance(COOLDOWN)
        probe_started, release = threading.Event(), threading.Event()

        def slow_probe() -> str:
            probe_started.set()
            release.wait(5)
            return "answer"

        outcome: list[str] = []
        probe = threading.Thread(target=lambda: outcome.append(breaker.call(slow_probe)))
        probe.start()
        try:
            assert probe_started.wait(5)
            # The probe is in flight and the lock is free: the others are refused at once.
            with pytest.raises(CircuitOpen):
                breaker.call(dependency)
        finally:
            release.set()
            probe.join(5)
        assert outcome == ["answer"]
        dependency.down = False
        assert breaker.call(dependency) == "answer"
        assert dependency.calls == 2

    def test_a_slow_call_holds_no_other_call(self, breaker, dependency):
        started, release = threading.Event(), threading.Event()

        def slow() -> str:
            started.set()
            release.wait(5)
            return "slow"

        slow_caller = threading.Thread(target=breaker.call, args=(slow,))
        slow_caller.start()
        try:
            assert started.wait(5)
            assert breaker.call(dependency) == "answer"
        finally:
            release.set()
            slow_caller.join(5)
