"""Cognito's own protections against guessing and flooding, so that what holds here holds on AWS:

- a temporary lock-out after 5 wrong passwords for a username, 2^(n-5) s after the n-th, at most 15
  minutes; tries during a lock-out are refused with "Password attempts exceeded" and do not count; a
  successful sign-in, or 15 minutes without a try once any lock-out is over, starts the count afresh.
  Unknown usernames are counted alike, so the lock-out tells nobody which accounts exist;
- at most 5 codes requested per username per hour (resent sign-up codes, reset codes, attribute
  verification codes asked for again), refused as Cognito's LimitExceededException is; requests for
  unknown usernames count alike, so the refusal tells nobody which accounts exist;
- a lock-out of the user's MFA challenges for 15 minutes after 5 wrong MFA codes, whichever sessions
  they came in, so that signing in again buys no fresh guesses.

The counts live in the pool's database, so every process on one pool file shares them.
"""

from __future__ import annotations

import math
import sqlite3

from adapters.embedded_pool.users import User
from domain.errors import TooManyRequests
from domain.values import Username

PASSWORD_FAILURES_BEFORE_LOCKOUT = 5
MAX_PASSWORD_LOCKOUT = 15 * 60
# Without a try for this long after the lock-out (if any) is over, the count of wrong passwords starts again.
_PASSWORD_FAILURES_FORGOTTEN_AFTER = 15 * 60

CODE_REQUESTS_PER_HOUR = 5

WRONG_MFA_CODES_BEFORE_LOCKOUT = 5
MFA_LOCKOUT = 15 * 60

# Cognito's own messages.
PASSWORD_ATTEMPTS_EXCEEDED = "Password attempts exceeded"  # noqa: S105 -- a message, not a secret
_ATTEMPT_LIMIT_EXCEEDED = "Attempt limit exceeded, please try after some time."
_MFA_ATTEMPTS_EXCEEDED = "Too many failed attempts for the user's MFA code, please try after some time."


def password_lockout(failures: int) -> int:
    """Seconds of lock-out after the `failures`-th wrong password in a row: none before the fifth."""
    if failures < PASSWORD_FAILURES_BEFORE_LOCKOUT:
        return 0
    lockout: int = 2 ** (failures - PASSWORD_FAILURES_BEFORE_LOCKOUT)
    return min(lockout, MAX_PASSWORD_LOCKOUT)


def refuse_locked_password(db: sqlite3.Connection, username: Username, now: float) -> None:
    """Raise `TooManyRequests` while wrong passwords keep the username locked out."""
    row = db.execute("SELECT * FROM password_failures WHERE username_key = ?", (username.key,)).fetchone()
    if row is None:
        return
    locked_until = row["last_failure_at"] + password_lockout(row["failures"])
    if now - locked_until >= _PASSWORD_FAILURES_FORGOTTEN_AFTER:
        db.execute("DELETE FROM password_failures WHERE username_key = ?", (username.key,))
    elif now < locked_until:
        raise TooManyRequests(PASSWORD_ATTEMPTS_EXCEEDED, retry_after=_seconds_until(locked_until, now))


def count_wrong_password(db: sqlite3.Connection, username: Username, now: float) -> None:
    # Counts are kept for any username tried, so those past every lock-out and quiet period go, lest
    # guesses at made-up usernames fill the file.
    forgotten = now - MAX_PASSWORD_LOCKOUT - _PASSWORD_FAILURES_FORGOTTEN_AFTER
    db.execute("DELETE FROM password_failures WHERE last_failure_at <= ?", (forgotten,))
    db.execute(
        "INSERT INTO password_failures VALUES (?, 1, ?) ON CONFLICT (username_key) "
        "DO UPDATE SET failures = failures + 1, last_failure_at = excluded.last_failure_at",
        (username.key, now),
    )


def forget_wrong_passwords(db: sqlite3.Connection, username: Username) -> None:
    db.execute("DELETE FROM password_failures WHERE username_key = ?", (username.key,))


def count_code_request(db: sqlite3.Connection, username: Username, now: float) -> None:
    """Record a request for a code, or raise `TooManyRequests` past the hourly cap."""
    key = username.key
    db.execute("DELETE FROM code_requests WHERE requested_at <= ?", (now - 3600,))
    row = db.execute(
        "SELECT count(*) AS requests, min(requested_at) AS oldest FROM code_requests WHERE username_key = ?", (key,)
    ).fetchone()
    if row["requests"] >= CODE_REQUESTS_PER_HOUR:
        raise TooManyRequests(_ATTEMPT_LIMIT_EXCEEDED, retry_after=_seconds_until(row["oldest"] + 3600, now))
    db.execute("INSERT INTO code_requests VALUES (?, ?)", (key, now))


def refuse_locked_mfa(db: sqlite3.Connection, user: User, now: float) -> None:
    """Raise `TooManyRequests` while wrong MFA codes keep the user's challenges locked."""
    row = db.execute("SELECT locked_until FROM mfa_failures WHERE sub = ?", (user.sub,)).fetchone()
    if row is not None and now < row["locked_until"]:
        raise TooManyRequests(_MFA_ATTEMPTS_EXCEEDED, retry_after=_seconds_until(row["locked_until"], now))


def count_wrong_mfa_code(db: sqlite3.Connection, user: User, now: float) -> None:
    """Count a wrong MFA code; the fifth in a row locks the user's challenges and starts the count again."""
    db.execute(
        "INSERT INTO mfa_failures VALUES (?, 1, 0) ON CONFLICT (sub) DO UPDATE SET failures = failures + 1",
        (user.sub,),
    )
    db.execute(
        "UPDATE mfa_failures SET failures = 0, locked_until = ? WHERE sub = ? AND failures >= ?",
        (now + MFA_LOCKOUT, user.sub, WRONG_MFA_CODES_BEFORE_LOCKOUT),
    )


def forget_wrong_mfa_codes(db: sqlite3.Connection, user: User) -> None:
    db.execute("DELETE FROM mfa_failures WHERE sub = ?", (user.sub,))


def _seconds_until(moment: float, now: float) -> int:
    return max(math.ceil(moment - now), 1)
