"""A TCP proxy on a free loopback port whose faults a test switches on and off: the network between
the service and PostgreSQL or Redis, failing the ways networks and servers fail.

- `refuse()`: every connection is reset, and every new one too (a server that is down).
- `blackhole()`: connections stay open and everything sent is swallowed (a hung server, a route
  that drops packets after the last hop acknowledged them).
- `freeze()`: nothing moves, but nothing is lost either (a stopped process); `restore()` lets the
  held bytes through.
- `reset_connections()`: the open connections are reset and new ones work (a server restart).
- `restore()`: pass everything again; connections that lost bytes to the black hole are reset.

Threads of the test process, stdlib only; `close()` (or the `with` block) stops them all.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import struct
import threading
from collections.abc import Iterator

_HOST = "127.0.0.1"


class Mode(enum.Enum):
    PASS = "pass"
    REFUSE = "refuse"
    BLACKHOLE = "blackhole"
    FREEZE = "freeze"


class _Pair:
    def __init__(self, client: socket.socket, upstream: socket.socket | None) -> None:
        self.client = client
        self.upstream = upstream
        # A connection accepted into the black hole never reached the server: nothing to resume.
        self.swallowed = upstream is None

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            if sock is not None:
                _reset(sock)


class FaultyProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._server = socket.create_server((_HOST, 0))
        self.port: int = self._server.getsockname()[1]
        self._changed = threading.Condition()
        self._mode = Mode.PASS
        self._pairs: list[_Pair] = []
        self._closed = False
        self._accepting = threading.Thread(target=self._accept, name="faulty-proxy", daemon=True)
        self._accepting.start()

    @property
    def mode(self) -> Mode:
        return self._mode

    def refuse(self) -> None:
        self._switch(Mode.REFUSE)
        self.reset_connections()

    def blackhole(self) -> None:
        self._switch(Mode.BLACKHOLE)

    def freeze(self) -> None:
        self._switch(Mode.FREEZE)

    def restore(self) -> None:
        with self._changed:
            swallowed = [pair for pair in self._pairs if pair.swallowed]
            self._pairs = [pair for pair in self._pairs if not pair.swallowed]
        for pair in swallowed:
            pair.close()
        self._switch(Mode.PASS)

    def reset_connections(self) -> None:
        with self._changed:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            pair.close()

    def close(self) -> None:
        with self._changed:
            self._closed = True
        self._switch(Mode.REFUSE)
        self.reset_connections()
        _reset(self._server)
        self._accepting.join(5)

    def _switch(self, mode: Mode) -> None:
        with self._changed:
            self._mode = mode
            self._changed.notify_all()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._changed:
                mode, closed = self._mode, self._closed
            if closed or mode is Mode.REFUSE:
                _reset(client)
                continue
            upstream = None
            if mode is not Mode.BLACKHOLE:
                try:
                    upstream = socket.create_connection(self._upstream, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    _reset(client)
                    continue
            pair = _Pair(client, upstream)
            with self._changed:
                self._pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair, client, upstream), daemon=True).start()
            if upstream is not None:
                threading.Thread(target=self._pump, args=(pair, upstream, client), daemon=True).start()

    def _pump(self, pair: _Pair, source: socket.socket, target: socket.socket | None) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                with self._changed:
                    self._changed.wait_for(lambda: self._mode is not Mode.FREEZE)
                    swallow = self._mode is Mode.BLACKHOLE or target is None
                if swallow:
                    pair.swallowed = True
                    continue
                assert target is not None
                target.sendall(data)
        pair.close()


@contextlib.contextmanager
def running_proxy(upstream: tuple[str, int]) -> Iterator[FaultyProxy]:
    proxy = FaultyProxy(upstream)
    try:
        yield proxy
    finally:
        proxy.close()


def _reset(sock: socket.socket) -> None:
    """Close with a reset (RST), as a crashed peer does, and wake any thread blocked on the socket."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
