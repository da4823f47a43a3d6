"""The revocation list in a SQLite file: the port's contract, and what the file adds to it (revocations
that outlive a restart, shared by every process on the file, pruned once expired)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from adapters.sqlite.revocation_list import SqliteRevocationList
from domain.errors import ProviderUnavailable
from tests.fakes import ManualClock
from tests.unit.adapters.test_revocation_lists import HOUR, RevocationListContract, claims_of


@pytest.fixture
def path(tmp_path: Path) -> str:
    return str(tmp_path / "pool.sqlite3")


class TestSqliteRevocationList(RevocationListContract):
    @pytest.fixture
    def revocations(self, path, clock):
        return SqliteRevocationList(path, clock=clock)


class TestSqliteRevocationListOnAFile:
    def test_a_revoked_sign_in_stays_refused_after_a_restart(self, path: str, clock: ManualClock) -> None:
        SqliteRevocationList(path, clock=clock).revoke(claims_of(clock), until=clock.now() + HOUR)

        restarted = SqliteRevocationList(path, clock=clock)

        assert restarted.is_revoked(claims_of(clock))
        assert not restarted.is_revoked(claims_of(clock, origin_jti="origin-2"))

    def test_a_revoked_user_stays_refused_after_a_restart(self, path: str, clock: ManualClock) -> None:
        SqliteRevocationList(path, clock=clock).revoke_user(
            "user-1", issued_before=clock.now(), until=clock.now() + HOUR
        )

        restarted = SqliteRevocationList(path, clock=clock)

        assert restarted.is_revoked(claims_of(clock, issued_ago=1))
        assert not restarted.is_revoked(claims_of(clock, sub="user-2", issued_ago=1))

    def test_a_process_refuses_what_another_revoked_after_it_started(self, path: str, clock: ManualClock) -> None:
        first, second = SqliteRevocationList(path, clock=clock), SqliteRevocationList(path, clock=clock)
        assert not second.is_revoked(claims_of(clock))

        first.revoke(claims_of(clock), until=clock.now() + HOUR)
        first.revoke_user("user-2", issued_before=clock.now(), until=clock.now() + HOUR)

        assert second.is_revoked(claims_of(clock))
        assert second.is_revoked(claims_of(clock, origin_jti="origin-2", sub="user-2", issued_ago=1))

    def test_an_entry_ends_when_its_tokens_would_have_expired(self, path: str, clock: ManualClock) -> None:
        SqliteRevocationList(path, clock=clock).revoke(claims_of(clock), until=clock.now() + 100)
        clock.advance(100)

        assert not SqliteRevocationList(path, clock=clock).is_revoked(claims_of(clock))

    def test_expired_entries_leave_the_file(self, path: str, clock: ManualClock) -> None:
        revocations = SqliteRevocationList(path, clock=clock)
        revocations.revoke(claims_of(clock, origin_jti="origin-expired"), until=clock.now() + 10)
        revocations.revoke_user("user-expired", issued_before=clock.now(), until=clock.now() + 10)
        clock.advance(11)

        revocations.revoke(claims_of(clock), until=clock.now() + HOUR)

        with sqlite3.connect(path) as db:
            assert db.execute("SELECT sign_in_id FROM revoked_sign_ins").fetchall() == [("origin-1",)]
            assert db.execute("SELECT count(*) FROM revoked_users").fetchone() == (0,)

    def test_a_revocation_the_file_cannot_store_is_reported_yet_refused_here(
        self, path: str, clock: ManualClock
    ) -> None:
        revocations = SqliteRevocationList(path, clock=clock, busy_timeout=0.05)
        other_process = sqlite3.connect(path, isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ProviderUnavailable):
                revocations.revoke(claims_of(clock), until=clock.now() + HOUR)
            assert revocations.is_revoked(claims_of(clock))
        finally:
            other_process.execute("ROLLBACK")

        assert not SqliteRevocationList(path, clock=clock).is_revoked(claims_of(clock))

    def test_a_list_it_could_never_read_vouches_for_no_token(self, path: str, clock: ManualClock) -> None:
        SqliteRevocationList(path, clock=clock).revoke(claims_of(clock), until=clock.now() + HOUR)
        restarted = SqliteRevocationList(path, clock=clock)
        with sqlite3.connect(path) as db:
            db.execute("ALTER TABLE revoked_sign_ins RENAME TO unreadable")

        with pytest.raises(ProviderUnavailable):
            restarted.is_revoked(claims_of(clock))

        with sqlite3.connect(path) as db:
            db.execute("ALTER TABLE unreadable RENAME TO revoked_sign_ins")
        assert restarted.is_revoked(claims_of(clock))

    def test_once_read_an_unreadable_file_leaves_the_known_entries_in_force(
        self, path: str, clock: ManualClock
    ) -> None:
        revocations = SqliteRevocationList(path, clock=clock)
        revocations.revoke(claims_of(clock), until=clock.now() + HOUR)
        assert revocations.is_revoked(claims_of(clock))
        with sqlite3.connect(path) as db:
            db.execute("ALTER TABLE revoked_sign_ins RENAME TO unreadable")

        assert revocations.is_revoked(claims_of(clock))
        assert not revocations.is_revoked(claims_of(clock, origin_jti="origin-2"))
