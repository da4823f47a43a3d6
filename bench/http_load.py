"""HTTP load: gunicorn serving one small JSON endpoint with and without authentication.

Run by hand (needs `wrk`, Debian's package):  .venv/bin/python bench/http_load.py [--seconds 10] [--rounds 3]

Starts gunicorn (sync workers, one per core) on a loopback port with the embedded user pool in a
temporary SQLite file, signs a user in over HTTP, then alternates wrk runs against /bench/open
and /bench/protected (the same view behind token authentication) and prints requests/s, p50,
p99 and the ratio authenticated / open for each round and for the medians, beside the CPU time
gunicorn's workers spent per request: on a shared 2-core machine throughput moves with whatever
else runs, while CPU per request says what the service itself costs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USERNAME, PASSWORD = "bench@example.com", "Bench-Pass-42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not start on port {port}")


def post(url: str, body: object = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(  # noqa: S310 -- loopback
        url, data=json.dumps(body).encode() if body is not None else b"", method="POST", headers=headers or {}
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, dict(response.headers)


def sign_in(base: str, log_path: Path) -> str:
    basic = {"Authorization": "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()}
    post(f"{base}/auth/signup", headers=basic)
    code = re.findall(rf"sign-up confirmation code for {re.escape(USERNAME)}: (\d+)", log_path.read_text())[-1]
    post(f"{base}/auth/confirm_signup", {"username": USERNAME, "code": code})
    _, headers = post(f"{base}/auth/login", headers=basic)
    return headers["AccessToken"]


def workers_cpu_seconds(master: int) -> float:
    """User and system CPU time of the gunicorn master's children, its workers (Linux /proc)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = 0
    for child in children:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as scratch:
        log_path = Path(scratch) / "gunicorn.log"
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("COGNITO_", "AWS_", "DB_", "IDENTITY_PROVIDER", "REDIS_URL"))
        } | {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
            "LOCAL_POOL_FILE": f"{scratch}/pool.sqlite3",
            "SQLITE_PATH": f"{scratch}/db.sqlite3",
            "DJANGO_SECRET_KEY": "bench-only",
            "LOG_LEVEL": "INFO",
        }
        subprocess.run(
            [sys.executable, "-m", "django_shell.manage", "migrate", "--no-input", "--verbosity", "0"],
            env=environment,
            check=True,
        )
        with log_path.open("w") as log:
            server = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "django_shell.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(arguments.workers),
                    "--worker-class",
                    "sync",
                    "--error-logfile",
                    "-",
                    "--log-level",
                    "warning",
                ],
                env=environment | {"LOG_LEVEL": "INFO"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(port)
            token = sign_in(base, log_path)
            # Warm every worker: each verifies the token once, then serves it from its cache.
            wrk(f"{base}/bench/protected", 2, {"AccessToken": token}, server.pid)
            wrk(f"{base}/bench/open", 2, {}, server.pid)
            rounds = []
            for _ in range(arguments.rounds):
                open_run = wrk(f"{base}/bench/open", arguments.seconds, {}, server.pid)
                auth_run = wrk(f"{base}/bench/protected", arguments.seconds, {"AccessToken": token}, server.pid)
                rounds.append((open_run, auth_run))
        finally:
            server.terminate()
            server.wait(10)

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
    print(f"median: open {open_rps:.0f} rps, authenticated {auth_rps:.0f} rps, ratio {auth_rps / open_rps:.3f}")
    open_cpu = statistics.median(run["cpu"] for run, _ in rounds)
    auth_cpu = statistics.median(run["cpu"] for _, run in rounds)
    print(f"median worker CPU per request: open {open_cpu:.0f} us, authenticated {auth_cpu:.0f} us")


if __name__ == "__main__":
    main()
