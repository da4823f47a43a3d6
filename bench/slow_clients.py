"""Slow clients: how long a normal request waits while other clients trickle their bodies in.

Run by hand:  .venv/bin/python -m bench.slow_clients [--server granian] [--clients 20] [--seconds 20]

Starts the server (one worker per core), opens `--clients` connections that each announce a
100-byte JSON body and send it one byte a second, and meanwhile sends GET /bench/open every half
second with a 40 s deadline. It prints the slowest and the median answer time, how many normal
requests got no answer, and whether the server replaced any worker meanwhile (a worker killed for
a timeout drops what it was serving).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import threading
import time
import urllib.request

from bench.serving import SERVERS, served, worker_pids

_ANNOUNCED = 100
_HEAD = (
    "POST /auth/resend_code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    f"Content-Length: {_ANNOUNCED}\r\n\r\n"
).encode()


def trickle(port: int, clients: int, until: float) -> None:
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(clients)]
    for connection in connections:
        connection.sendall(_HEAD)
    try:
        sent = 0
        while time.monotonic() < until and sent < _ANNOUNCED - 1:
            for connection in connections:
                # A connection the server gave up on is one less slow client, not a failure.
                with contextlib.suppress(OSError):
                    connection.send(b" ")
            sent += 1
            time.sleep(1)
    finally:
        for connection in connections:
            connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", choices=SERVERS, default="gunicorn-sync")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    arguments = parser.parse_args()

    with served(arguments.workers, server=arguments.server) as service:
        workers_before = set(worker_pids(service.server.pid))
        until = time.monotonic() + arguments.seconds
        trickling = threading.Thread(target=trickle, args=(service.port, arguments.clients, until), daemon=True)
        trickling.start()
        time.sleep(1)
        answered, unanswered = [], 0
        while time.monotonic() < until:
            start = time.monotonic()
            try:
                with urllib.request.urlopen(f"{service.base_url}/bench/open", timeout=40) as response:  # noqa: S310
                    response.read()
                answered.append(time.monotonic() - start)
            except OSError:
                unanswered += 1
            time.sleep(0.5)
        trickling.join()
        replaced = workers_before - set(worker_pids(service.server.pid))

    print(
        f"{arguments.server}, {arguments.workers} workers, {arguments.clients} slow clients: "
        f"{len(answered)} answered, slowest {max(answered, default=float('nan')):.3f} s, "
        f"median {statistics.median(answered) if answered else float('nan'):.3f} s; {unanswered} unanswered; "
        f"{len(replaced)} workers replaced"
    )


if __name__ == "__main__":
    main()
