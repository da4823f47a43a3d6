"""Instructions a gunicorn worker executes per request, open and authenticated: the load test's
comparison without the machine's noise. Run by hand (needs valgrind, Debian's package):

    .venv/bin/python -m bench.worker_instructions [--requests 300] [--windows 3]

Serves `bench.settings` as `bench.http_load` does, but with one sync worker running under
callgrind, which counts the instructions the worker executes in user space: Python, Django,
gunicorn, OpenSSL, not the kernel's. For each kind of request (`open`: GET /bench/open; `padded`:
the same with a 1 KB `X-Pad` header, as long as the access token; `auth`: GET /bench/protected
with the `AccessToken` header) it sends a few requests to warm the worker, zeroes the counters,
sends `--requests` requests one connection each, as wrk does with sync workers, and reads the
count; kinds take turns for `--windows` windows, and the median window is printed. Valgrind
executes no two runs differently enough to matter (repeated windows agree within 0.5%), but the
cyclic garbage collector runs when allocations say so: a window that holds a full collection
counts it, which the median of several windows leaves out.
"""

from __future__ import annotations

import argparse
import http.client
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.serving import Served, served, worker_pids

# Valgrind runs the worker some fifty times slower: starting and signing in take that much longer.
START_SECONDS = 600.0


def request(service: Served, path: str, headers: dict[str, str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=START_SECONDS)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
    finally:
        connection.close()


def instructions(service: Served, worker: int, dumps: Path, name: str, send: list[tuple[str, dict[str, str]]]) -> int:
    """Instructions the worker executed while serving `send`, counted from zero."""
    _callgrind_control("--zero", worker)
    for path, headers in send:
        request(service, path, headers)
    # The dump's name must not start with a digit: callgrind_control would take it for a process id.
    _callgrind_control(f"--dump={name}", worker)
    for dump in dumps.glob(f"callgrind.{worker}.*"):
        text = dump.read_text()
        if f"desc: Trigger: dump {name}\n" in text:
            return int(re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)[1])  # type: ignore[index]
    raise SystemExit(f"callgrind wrote no dump named {name} in {dumps}")


def _callgrind_control(action: str, worker: int) -> None:
    subprocess.run(["callgrind_control", action, str(worker)], check=True, capture_output=True)  # noqa: S603, S607


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--windows", type=int, default=3)
    arguments = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed: apt-get install valgrind")

    with tempfile.TemporaryDirectory() as scratch:
        dumps = Path(scratch)
        wrapper = ["valgrind", "--tool=callgrind", "--trace-children=yes", f"--callgrind-out-file={dumps}/callgrind.%p"]
        with served(workers=1, wrapper=wrapper, start_seconds=START_SECONDS) as service:
            (worker,) = worker_pids(service.server.pid)
            kinds = service.requests()
            counts: dict[str, list[float]] = {kind: [] for kind in kinds}
            for window in range(arguments.windows):
                for kind, (path, headers) in kinds.items():
                    for _ in range(20):
                        request(service, path, headers)
                    send = [(path, headers)] * arguments.requests
                    total = instructions(service, worker, dumps, f"{kind}{window}", send)
                    counts[kind].append(total / arguments.requests)

    print(f"access token: {len(service.access_token)} characters; {arguments.requests} requests a window")
    print(f"{'kind':>6} {'instructions/request (median)':>30} {'vs open':>8}   windows")
    open_median = statistics.median(counts["open"])
    for kind, values in counts.items():
        median = statistics.median(values)
        windows = " ".join(f"{value / 1000:.0f}k" for value in values)
        print(f"{kind:>6} {median:>30,.0f} {median / open_median - 1:>+8.1%}   {windows}")


if __name__ == "__main__":
    main()
