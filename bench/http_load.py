"""HTTP load: a WSGI server serving one small JSON endpoint with and without authentication.

Run by hand (needs `wrk`, Debian's package):
    .venv/bin/python -m bench.http_load [--seconds 3] [--rounds 40] [--server gunicorn-sync|gunicorn-gthread|granian]

Starts the server (gunicorn's sync workers unless told, one worker per core) on a loopback port with
the embedded user pool in a temporary SQLite file, signs a user in over HTTP, then runs wrk in rounds
against /bench/open, against it again with a header as long as the token that nothing reads (`padded`), against
/bench/protected (the same view behind token authentication) with the token, and against GET /auth/me
(`me`) with it, in an order that rotates. It prints, for each round and as medians, requests/s, p50,
p99 and the CPU time the server's workers spent per request, and the ratios auth/open (the issue's
comparison), auth/padded (what using the token costs beyond carrying it) and me/open, each as the
median of the rounds' ratios with its 95 % confidence interval. On a shared 2-core machine
throughput moves with whatever else runs, from
round to round by as much as authentication costs: many short rounds, each of runs seconds apart,
and the interval say how far one sitting can be trusted.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path

from bench.serving import SERVERS, served, worker_pids


def workers_cpu_seconds(master: int) -> float:
    """User and system CPU time of the server master's workers (Linux /proc)."""
    ticks = 0
    for child in worker_pids(master):
        # Fields after the parenthesised command name; utime and stime are the 12th and 13th.
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(url: str, headers: dict[str, str], master: int, seconds: int) -> dict[str, float]:
    cpu_before = workers_cpu_seconds(master)
    command = ["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx[1]} failed responses\n{output}")
    requests = int(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    cpu_micros = (workers_cpu_seconds(master) - cpu_before) / requests * 1e6
    return {"rps": rate, "p50": _millis(output, "50%"), "p99": _millis(output, "99%"), "cpu": cpu_micros}


def _millis(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def median_interval(values: list[float], confidence: float = 0.95) -> tuple[float, float] | None:
    """Order statistics between which the median of what `values` sample lies with at least
    `confidence`, whatever their distribution: the k-th smallest and k-th largest, for the largest k
    with P(Binomial(n, 1/2) < k) at most (1 - confidence) / 2. None when there are too few values."""
    ordered, n = sorted(values), len(values)
    tail, k = 0.0, 0
    while tail + math.comb(n, k) / 2**n <= (1 - confidence) / 2:
        tail += math.comb(n, k) / 2**n
        k += 1
    return (ordered[k - 1], ordered[n - k]) if k else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--server", choices=SERVERS, default="gunicorn-sync")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    with served(arguments.workers, server=arguments.server) as service:
        master = service.server.pid
        requests = {kind: (service.base_url + path, headers) for kind, (path, headers) in service.requests().items()}
        # Warm every worker: each verifies the token once, then serves it from its cache.
        for url, headers in requests.values():
            wrk(url, headers, master, seconds=2)
        # Each kind runs first, second and last equally often, so that a machine slowing down or
        # speeding up during a round favours none.
        orders = list(itertools.permutations(requests))
        rounds = []
        for number in range(arguments.rounds):
            measured = {
                kind: wrk(*requests[kind], master, seconds=arguments.seconds) for kind in orders[number % len(orders)]
            }
            rounds.append(measured)

    _report(list(requests), rounds)


def _report(kinds: list[str], rounds: list[dict[str, dict[str, float]]]) -> None:
    columns = [f"{kind} {what}" for what in ("rps", "p50", "p99", "cpu") for kind in kinds]
    print(f"{'round':>5} " + " ".join(f"{column:>11}" for column in columns) + f" {'auth/open':>9} {'auth/padded':>11}")
    units = {"rps": "", "p50": "ms", "p99": "ms", "cpu": "us"}
    for number, measured in enumerate(rounds, 1):
        cells = [
            f"{measured[kind][what]:>{11 - len(unit)}.{2 if unit == 'ms' else 0}f}{unit}"
            for what, unit in units.items()
            for kind in kinds
        ]
        print(
            f"{number:>5} " + " ".join(cells) + f" {measured['auth']['rps'] / measured['open']['rps']:>9.3f}"
            f" {measured['auth']['rps'] / measured['padded']['rps']:>11.3f}"
        )
    medians = {kind: {what: statistics.median(m[kind][what] for m in rounds) for what in units} for kind in kinds}
    print(
        "median requests/s: "
        + ", ".join(f"{kind} {medians[kind]['rps']:.0f}" for kind in kinds)
        + "; worker CPU per request: "
        + ", ".join(f"{kind} {medians[kind]['cpu']:.0f} us" for kind in kinds)
    )
    for kind, baseline in (("auth", "open"), ("auth", "padded"), ("me", "open")):
        ratios = [m[kind]["rps"] / m[baseline]["rps"] for m in rounds]
        interval = median_interval(ratios)
        print(
            f"{kind}/{baseline}: ratio of the medians {medians[kind]['rps'] / medians[baseline]['rps']:.3f}; "
            f"median of the rounds' ratios {statistics.median(ratios):.3f}, 95 % confidence interval "
            + (f"{interval[0]:.3f} to {interval[1]:.3f}" if interval else "needs at least 6 rounds")
        )


if __name__ == "__main__":
    main()
