"""What the code flows share: one answer for every code that does not confirm an account, and
answers that take as long whether or not the account exists."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from application.ports.clock import Clock
from domain.errors import CodeMismatch, ExpiredCode, NotAuthorized

REFUSED_CODE_MESSAGE = "The code is wrong or has expired; ask for a new one if it keeps failing."


@contextlib.contextmanager
def one_answer_for_refused_codes() -> Iterator[None]:
    """Answer `CodeMismatch` with one message whatever the provider said: a wrong code, an expired,
    spent or never sent one, an unknown, confirmed or disabled account. Told apart, those answers
    would tell which accounts exist (Cognito's PreventUserExistenceErrors answers alike too).

    `TooManyRequests` passes: it is the provider's throttling as well as its lock-out after wrong
    codes, which the port does not tell apart, and a throttled client must hear to wait."""
    try:
        yield
    except (CodeMismatch, ExpiredCode, NotAuthorized) as error:
        raise CodeMismatch(REFUSED_CODE_MESSAGE) from error


@contextlib.contextmanager
def taking_at_least(clock: Clock, seconds: float) -> Iterator[None]:
    """Make the block last `seconds` at least, on success and failure alike, so that an answer's
    time does not tell whether the provider found an account and sent it a code; the floor must
    exceed the provider's slower answer to hide the difference."""
    started = clock.now()
    try:
        yield
    finally:
        clock.sleep(max(0.0, started + seconds - clock.now()))
