"""The pool's SQLite database: its schema, and the one transaction every operation runs in.

Every operation is one `BEGIN IMMEDIATE` transaction, so processes sharing the file see each other's
writes in order; threads of one process take turns on the instance's lock.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator

from domain.errors import DomainError, ProviderUnavailable

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
        sub TEXT PRIMARY KEY,
        username_key TEXT NOT NULL UNIQUE,
        username TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        status TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        attributes TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS codes (
        sub TEXT NOT NULL,
        purpose TEXT NOT NULL,
        code TEXT NOT NULL,
        expires_at REAL NOT NULL,
        attempts_left INTEGER NOT NULL,
        PRIMARY KEY (sub, purpose)
    )""",
    # A challenge in progress: how many more wrong MFA codes it takes, and the SMS code it sent.
    """CREATE TABLE IF NOT EXISTS sessions (
        digest TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        challenge_name TEXT NOT NULL,
        expires_at REAL NOT NULL,
        wrong_codes_left INTEGER NOT NULL,
        code TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS refresh_tokens (
        digest TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        origin_jti TEXT NOT NULL UNIQUE,
        auth_time INTEGER NOT NULL,
        expires_at REAL NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS refresh_tokens_by_sub ON refresh_tokens (sub)",
    "CREATE TABLE IF NOT EXISTS signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), pem TEXT NOT NULL)",
    # A user's TOTP authenticator; `last_step` is the time step of the last code accepted, never accepted again.
    """CREATE TABLE IF NOT EXISTS software_tokens (
        sub TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        verified INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        last_step INTEGER NOT NULL
    )""",
    # Whether SMS MFA is on, and the factor asked for at sign-in; TOTP's switch is software_tokens.enabled.
    """CREATE TABLE IF NOT EXISTS mfa_preferences (
        sub TEXT PRIMARY KEY,
        sms_enabled INTEGER NOT NULL,
        preferred TEXT
    )""",
    "CREATE TABLE IF NOT EXISTS groups (name TEXT PRIMARY KEY, description TEXT NOT NULL, created_at REAL NOT NULL)",
    """CREATE TABLE IF NOT EXISTS group_members (
        sub TEXT NOT NULL,
        group_name TEXT NOT NULL,
        PRIMARY KEY (sub, group_name)
    )""",
    # Cognito's protections (protections.py). Wrong passwords and code requests are counted by
    # username, known or not.
    """CREATE TABLE IF NOT EXISTS password_failures (
        username_key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        last_failure_at REAL NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS code_requests (username_key TEXT NOT NULL, requested_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS password_failures_by_time ON password_failures (last_failure_at)",
    "CREATE INDEX IF NOT EXISTS code_requests_by_username ON code_requests (username_key)",
    "CREATE INDEX IF NOT EXISTS code_requests_by_time ON code_requests (requested_at)",
    """CREATE TABLE IF NOT EXISTS mfa_failures (
        sub TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        locked_until REAL NOT NULL
    )""",
    # A user's passkeys (passkeys.py): the public key and sign counter that verify their assertions.
    """CREATE TABLE IF NOT EXISTS passkeys (
        credential_id TEXT PRIMARY KEY,
        sub TEXT NOT NULL,
        public_key BLOB NOT NULL,
        sign_count INTEGER NOT NULL,
        transports TEXT NOT NULL,
        authenticator_attachment TEXT,
        name TEXT,
        relying_party_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_used_at REAL
    )""",
    "CREATE INDEX IF NOT EXISTS passkeys_by_sub ON passkeys (sub)",
    # The challenge of a user's open passkey registration: one at a time, spent by its first answer.
    """CREATE TABLE IF NOT EXISTS passkey_registrations (
        sub TEXT PRIMARY KEY,
        challenge TEXT NOT NULL,
        expires_at REAL NOT NULL
    )""",
)
# Every table that holds rows of a user, the users table last.
USER_TABLES = (
    "codes",
    "sessions",
    "refresh_tokens",
    "software_tokens",
    "mfa_preferences",
    "group_members",
    "mfa_failures",
    "passkeys",
    "passkey_registrations",
    "users",
)


def delete_user_rows(db: sqlite3.Connection, sub: str) -> None:
    """Remove the user `sub` with every row that is theirs."""
    for table in USER_TABLES:
        db.execute(f"DELETE FROM {table} WHERE sub = ?", (sub,))  # noqa: S608 -- fixed table names


class PoolDatabase:
    """The pool's tables in SQLite (`database`: ":memory:" or a file path), created if missing.

    `busy_timeout` is how long a call waits for another process's transaction on a shared file.
    """

    def __init__(self, database: str, *, busy_timeout: float) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(database, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        # WAL lets readers of a shared file go on while one process writes; an in-memory database ignores it.
        self._db.execute("PRAGMA journal_mode=WAL")
        with self.transaction() as db:
            _drop_outdated_sessions(db)
            for statement in _SCHEMA:
                db.execute(statement)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` transaction under the instance lock.

        A domain error is an answer, not a failure: what the operation recorded before raising it (a
        spent code attempt) is committed. Any other exception rolls back. A database that stays locked
        or fails becomes `ProviderUnavailable`, as an unreachable Cognito would.
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except DomainError:
                    self._db.execute("COMMIT")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as error:
                raise ProviderUnavailable("The local user pool is busy or unreadable.") from error
            finally:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")


def _drop_outdated_sessions(db: sqlite3.Connection) -> None:
    """A pool file from before the sessions table counted wrong codes drops its sessions: they live
    three minutes, so signing in again costs less than a migration."""
    columns = {row["name"] for row in db.execute("PRAGMA table_info(sessions)")}
    if columns and "wrong_codes_left" not in columns:
        db.execute("DROP TABLE sessions")
