"""The client's deadlines on PostgreSQL (django_shell/database.py), against the real server behind a
proxy that hangs; the suite's own settings give 2 s to connect and 2 s (+0.5) to a statement."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg2
import pytest
from django.core.signals import request_finished, request_started
from django.db import connection

from tests.tcp_proxy import FaultyProxy, running_proxy


@pytest.fixture
def proxy(postgresql: None) -> Iterator[FaultyProxy]:
    settings = connection.settings_dict
    with running_proxy((settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))) as proxy:
        yield proxy


def connect(proxy: FaultyProxy) -> psycopg2.extensions.connection:
    settings = connection.settings_dict
    return psycopg2.connect(
        host="127.0.0.1", port=proxy.port, user=settings["USER"], password=settings["PASSWORD"], dbname="postgres"
    )


@contextlib.contextmanager
def in_a_request() -> Iterator[None]:
    request_started.send(sender=None)
    try:
        yield
    finally:
        request_finished.send(sender=None)


class TestDeadlines:
    def test_a_statement_a_hung_server_never_answers_fails_and_closes_the_connection(self, proxy):
        kept = connect(proxy)
        proxy.blackhole()

        with in_a_request(), pytest.raises(psycopg2.OperationalError, match="did not answer in time"):
            kept.cursor().execute("SELECT 1")
        assert kept.closed

    def test_the_waits_of_one_request_share_one_budget(self, proxy):
        kept = connect(proxy)
        proxy.freeze()

        with in_a_request():
            with pytest.raises(psycopg2.OperationalError):
                kept.cursor().execute("SELECT 1")
            # 2.5 s of the 4 s are spent: connecting anew gets what is left, not its own 2 s.
            with pytest.raises(psycopg2.OperationalError, match="could not be reached in time"):
                connect(proxy)
            # Nothing is left: even a server that answers again is not waited for in this request.
            proxy.restore()
            with pytest.raises(psycopg2.OperationalError, match="could not be reached in time"):
                connect(proxy)

        # The next request has a budget of its own.
        with in_a_request(), contextlib.closing(connect(proxy)) as fresh, fresh.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)

    def test_outside_requests_connecting_is_bounded(self, proxy):
        proxy.blackhole()

        with pytest.raises(psycopg2.OperationalError, match="could not be reached in time"):
            connect(proxy)
