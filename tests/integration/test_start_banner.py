"""The start banner's descriptions: where state lives, and never a password from a URL."""

from __future__ import annotations

from django_shell.apps import _describe_database, _describe_shared_state


def test_redis_is_described_by_where_it_is_not_by_its_password():
    described = _describe_shared_state({"shared_state": "redis"}, "redis://:hunter2-secret@cache.internal:6380/3")
    assert described == "shared in Redis at cache.internal:6380/3"


def test_no_redis_is_described_as_per_process():
    assert _describe_shared_state({"shared_state": "memory"}, None).startswith("per process (no REDIS_URL)")


def test_revocations_in_the_pool_file_are_described_as_shared_by_the_host():
    config = {"shared_state": "sqlite", "embedded": {"pool_file": ".local/pool.sqlite3"}}
    assert _describe_shared_state(config, None) == (
        "revocations in .local/pool.sqlite3, shared by this host's processes; limits per process (no REDIS_URL)"
    )


def test_postgresql_is_described_without_its_password():
    database = {"ENGINE": "django.db.backends.postgresql", "NAME": "auth", "HOST": "db", "PORT": 5432, "PASSWORD": "pw"}
    assert _describe_database(database) == "PostgreSQL database auth at db:5432"
