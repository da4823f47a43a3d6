"""HTTP load: gunicorn serving one small JSON endpoint with and without authentication.

Run by hand (needs `wrk`, Debian's package):  .venv/bin/python -m bench.http_load [--seconds 3] [--rounds 40]

Starts gunicorn (sync workers, one per core) on a loopback port with the embedded user pool in a
temporary SQLite file, signs a user in over HTTP, then alternates wrk runs against /bench/open
and /bench/protected (the same view behind token authentication), the first of each round
taking turns, and prints requests/s, p50, p99 and the ratio authenticated / open for each round,
their medians and the median of the rounds' ratios with its 95 % confidence interval, beside the
CPU time gunicorn's workers spent per request. On a shared 2-core machine throughput moves with
whatever else runs, from round to round by as much as authentication costs: many short rounds,
each a pair of runs seconds apart, and the interval say how far one sitting can be trusted.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path

from bench.serving import served, worker_pids


def workers_cpu_seconds(master: int) -> float:
    """User and system CPU time of the gunicorn master's workers (Linux /proc)."""
    ticks = 0
    for child in worker_pids(master):
        # Fields after the parenthesised command name; utime and stime are the 12th and 13th.
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(url: str, seconds: int, headers: dict[str, str], master: int) -> dict[str, float]:
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
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    with served(arguments.workers) as service:
        base, master, token = service.base_url, service.server.pid, service.access_token
        # Warm every worker: each verifies the token once, then serves it from its cache.
        wrk(f"{base}/bench/protected", 2, {"AccessToken": token}, master)
        wrk(f"{base}/bench/open", 2, {}, master)
        runs = {
            "open": lambda: wrk(f"{base}/bench/open", arguments.seconds, {}, master),
            "auth": lambda: wrk(f"{base}/bench/protected", arguments.seconds, {"AccessToken": token}, master),
        }
        rounds = []
        for number in range(arguments.rounds):
            # Which goes first alternates, so that a machine slowing down or speeding up during a
            # round favours neither endpoint.
            order = ("open", "auth") if number % 2 == 0 else ("auth", "open")
            measured = {name: runs[name]() for name in order}
            rounds.append((measured["open"], measured["auth"]))

    print(
        f"{'round':>5} {'open rps':>10} {'auth rps':>10} {'ratio':>6} {'open p50':>9} {'auth p50':>9} "
        f"{'open p99':>9} {'auth p99':>9} {'open cpu':>9} {'auth cpu':>9}"
    )
    for number, (open_run, auth_run) in enumerate(rounds, 1):
        print(
            f"{number:>5} {open_run['rps']:>10.0f} {auth_run['rps']:>10.0f} {auth_run['rps'] / open_run['rps']:>6.3f} "
            f"{open_run['p50']:>8.2f}m {auth_run['p50']:>8.2f}m {open_run['p99']:>8.2f}m {auth_run['p99']:>8.2f}m "
            f"{open_run['cpu']:>7.0f}us {auth_run['cpu']:>7.0f}us"
        )
    open_rps = statistics.median(run["rps"] for run, _ in rounds)
    auth_rps = statistics.median(run["rps"] for _, run in rounds)
    ratios = [auth_run["rps"] / open_run["rps"] for open_run, auth_run in rounds]
    print(
        f"median: open {open_rps:.0f} rps, authenticated {auth_rps:.0f} rps, "
        f"ratio of the medians {auth_rps / open_rps:.3f}"
    )
    interval = median_interval(ratios)
    print(
        f"median of the rounds' ratios: {statistics.median(ratios):.3f}, 95 % confidence interval "
        + (f"{interval[0]:.3f} to {interval[1]:.3f}" if interval else "needs at least 6 rounds")
    )
    open_cpu = statistics.median(run["cpu"] for run, _ in rounds)
    auth_cpu = statistics.median(run["cpu"] for _, run in rounds)
    print(f"median worker CPU per request: open {open_cpu:.0f} us, authenticated {auth_cpu:.0f} us")


if __name__ == "__main__":
    main()
