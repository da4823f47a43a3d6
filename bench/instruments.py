"""The instruments that count what a request costs outside its process, shared by the request-costs
benchmark and the test that keeps its figures true (tests/integration/api/test_hot_path.py)."""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import redis


class Counting:
    """Hands every call on to `inner`, counting it by method name: the record that none was made."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attribute(*args, **kwargs)

        return counted


@contextlib.contextmanager
def redis_commands(url: str, client_name: str) -> Iterator[Counter[str]]:
    """The commands that the connections named `client_name` (CLIENT SETNAME) send while the block
    runs, by name, as the server executes them (MONITOR). The server's total_commands_processed would
    count every other client of a shared server too."""
    seen: Counter[str] = Counter()
    with redis.Redis.from_url(url, socket_timeout=10) as client, client.monitor() as monitor:
        yield seen
        # After the block, so that connections opened during it count too.
        ours = {entry["addr"] for entry in client.client_list() if entry["name"] == client_name}
        # The server runs commands in order: once this one shows, every earlier one has.
        marker = f"end-of-block-{uuid.uuid4().hex}"
        client.echo(marker)
        for command in monitor.listen():
            if marker in command["command"]:
                break
            if f"{command['client_address']}:{command['client_port']}" in ours:
                seen[command["command"].partition(" ")[0].upper()] += 1
