from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

import pytest

from application.use_cases.readiness import CheckReadiness
from domain.errors import ProviderUnavailable
from tests.fakes import FailingCheck, HangingCheck

# Short, so that the suite is quick: the rule under test is the same for any deadline.
DEADLINE = 0.2

_caller = contextvars.ContextVar("caller", default="none")


@pytest.fixture
def executor():
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield pool


@pytest.fixture
def hanging():
    check = HangingCheck()
    yield check
    check.release()


def answers() -> None:
    """A dependency that answers."""


class TestCheckReadiness:
    def test_is_ready_when_every_check_answers(self, executor):
        readiness = CheckReadiness({"database": answers, "jwks": answers}, executor, DEADLINE)()

        assert readiness.ready
        assert readiness.failed == []
        assert set(readiness.checks) == {"database", "jwks"}
        assert all(result.ok and result.error is None for result in readiness.checks.values())

    def test_names_the_check_that_failed_and_why_in_a_word(self, executor):
        failing = FailingCheck(ProviderUnavailable("keys at 10.0.0.7:443 unreachable"))

        readiness = CheckReadiness({"database": answers, "jwks": failing}, executor, DEADLINE)()

        assert not readiness.ready
        assert readiness.failed == ["jwks"]
        assert readiness.checks["jwks"].error == "ProviderUnavailable"
        assert "10.0.0.7" in readiness.checks["jwks"].detail
        assert "10.0.0.7" not in repr(readiness.checks["jwks"])
        assert readiness.checks["database"].ok

    def test_answers_at_the_deadline_while_a_check_hangs(self, executor, hanging):
        readiness = CheckReadiness({"cache": hanging, "database": answers}, executor, DEADLINE)()

        assert readiness.failed == ["cache"]
        assert readiness.checks["cache"].error == "Timeout"
        assert readiness.checks["cache"].seconds >= DEADLINE
        assert readiness.checks["database"].ok

    def test_checks_that_never_got_a_thread_time_out_and_never_start(self, hanging):
        with ThreadPoolExecutor(max_workers=1) as executor:
            waiting = HangingCheck()
            readiness = CheckReadiness({"cache": hanging, "database": waiting}, executor, DEADLINE)()
            hanging.release()

        assert readiness.failed == ["cache", "database"]
        assert waiting.calls == 0

    def test_a_check_runs_in_the_callers_context(self, executor):
        seen: list[str] = []
        token = _caller.set("request 42")
        try:
            CheckReadiness({"database": lambda: seen.append(_caller.get())}, executor, DEADLINE)()
        finally:
            _caller.reset(token)

        assert seen == ["request 42"]
