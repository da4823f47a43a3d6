"""Spending the attempt limiter's budgets where only failures count."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from application.ports.attempt_limiter import Attempt, AttemptLimiter
from domain.errors import TooManyRequests


@contextlib.contextmanager
def spending_on_failure(
    limiter: AttemptLimiter,
    attempt: Attempt,
    failures: tuple[type[Exception], ...],
    client: str | None,
    account: str,
) -> Iterator[None]:
    """Refuse (`TooManyRequests`) once the budget of `attempt` of the client or the account (its
    key) is spent, and spend one when the block fails with one of `failures`."""
    limiter.check(attempt, client, account)
    try:
        yield
    except failures:
        # Only failures count, so a user who succeeds often is never locked out. Requests checked
        # at the same moment may spend past the budget by as many as ran at once; the answer to
        # this one is the failure either way.
        with contextlib.suppress(TooManyRequests):
            limiter.spend(attempt, client, account)
        raise
