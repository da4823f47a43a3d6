"""Revoked sign-ins and users kept in a SQLite file, answered from each process's memory.

The deployment it serves is the embedded default without Redis (`make run`): the list lives in two
tables of the embedded pool's file (`LOCAL_POOL_FILE`), so revocations outlive a restart and every
process on that file refuses the same tokens. `revoke` and `revoke_user` merge the entry into this
process's `Revocations` first, then write it with the expired entries pruned, in one transaction.
`is_revoked` asks SQLite whether any other connection has committed since it last looked
(`PRAGMA data_version`, a local read of the file's header, never a network round trip) and reloads the
live entries only then; otherwise it answers from memory.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable

from application.ports.clock import Clock
from application.ports.revocation_list import RevocationList
from domain.errors import ProviderUnavailable
from domain.revocations import Revocations
from domain.values import Claims

logger = logging.getLogger("cognito_auth.revocations")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS revoked_sign_ins (sign_in_id TEXT PRIMARY KEY, until REAL NOT NULL)",
    """CREATE TABLE IF NOT EXISTS revoked_users (
        sub TEXT PRIMARY KEY,
        issued_before REAL NOT NULL,
        until REAL NOT NULL
    )""",
)


class SqliteRevocationList(RevocationList):
    """The revocation list in `database` (a file path; ":memory:" keeps it in this connection only).

    `revoke` and `revoke_user` raise `ProviderUnavailable` when the file cannot store the entry within
    `busy_timeout` seconds (this process refuses the tokens all the same). A process forked after
    construction opens a connection of its own on first use.
    """

    def __init__(self, database: str, *, clock: Clock, busy_timeout: float = 5.0) -> None:
        self._database = database
        self._clock = clock
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._revocations = Revocations()
        self._pid = -1
        self._seen_version: int | None = None
        self._loaded = False
        with self._lock:
            self._connect()

    def revoke(self, claims: Claims, until: float) -> None:
        self._add(sign_ins=[(claims.sign_in_id, until)])

    def revoke_user(self, sub: str, issued_before: float, until: float) -> None:
        self._add(users=[(sub, (issued_before, until))])

    def is_revoked(self, claims: Claims) -> bool:
        with self._lock:
            self._catch_up()
            return self._revocations.refuses(claims, self._clock.now())

    def _add(
        self, sign_ins: Iterable[tuple[str, float]] = (), users: Iterable[tuple[str, tuple[float, float]]] = ()
    ) -> None:
        sign_ins, users = list(sign_ins), list(users)
        with self._lock:
            now = self._clock.now()
            self._revocations = self._revocations.merged(now, sign_ins, users)
            try:
                db = self._connection()
                db.execute("BEGIN IMMEDIATE")
                try:
                    db.execute("DELETE FROM revoked_sign_ins WHERE until <= ?", (now,))
                    db.execute("DELETE FROM revoked_users WHERE until <= ?", (now,))
                    db.executemany(
                        "INSERT INTO revoked_sign_ins VALUES (?, ?) ON CONFLICT (sign_in_id) "
                        "DO UPDATE SET until = max(until, excluded.until)",
                        sign_ins,
                    )
                    db.executemany(
                        "INSERT INTO revoked_users VALUES (?, ?, ?) ON CONFLICT (sub) DO UPDATE SET issued_before "
                        "= max(issued_before, excluded.issued_before), until = max(until, excluded.until)",
                        [(sub, issued_before, until) for sub, (issued_before, until) in users],
                    )
                    db.execute("COMMIT")
                finally:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
            except sqlite3.Error as error:
                raise ProviderUnavailable(
                    "The revocation could not be stored; it holds in this process only."
                ) from error

    def _catch_up(self) -> None:
        """Load the file's live entries if another connection has written since the last look. A file
        that cannot be read leaves the entries known so far in force, as an unreachable Redis does;
        before the first load there are none to trust, so it raises `ProviderUnavailable`."""
        try:
            db = self._connection()
            version: int = db.execute("PRAGMA data_version").fetchone()[0]
            if version == self._seen_version:
                return
            now = self._clock.now()
            sign_ins = db.execute("SELECT sign_in_id, until FROM revoked_sign_ins WHERE until > ?", (now,)).fetchall()
            users = db.execute("SELECT sub, issued_before, until FROM revoked_users WHERE until > ?", (now,)).fetchall()
        except sqlite3.Error as error:
            if not self._loaded:
                raise ProviderUnavailable("The list of revoked tokens could not be loaded yet; try again.") from error
            logger.warning("revocations: %s is unreadable; answering with the entries already known", self._database)
            return
        self._revocations = self._revocations.merged(
            now, [(row[0], row[1]) for row in sign_ins], [(row[0], (row[1], row[2])) for row in users]
        )
        self._seen_version = version
        self._loaded = True

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            self._connect()
        return self._db

    def _connect(self) -> None:
        self._db = sqlite3.connect(
            self._database, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._pid = os.getpid()
        self._seen_version = None
