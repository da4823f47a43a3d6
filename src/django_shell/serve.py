"""`python -m django_shell.serve` (what `make serve` runs): the production server.

Applies the migrations, then becomes granian serving the WSGI application with WEB_CONCURRENCY
worker processes (one per core unless set) on HOST:PORT (127.0.0.1:8000 unless set). Why granian,
and its measured rivals, are in docs/benchmarks.md and docs/decisions.md. The workers learn how
many they are from WEB_CONCURRENCY, which the settings check: several workers with per-process
state stop the start in one line, here already at the migration step.
"""

from __future__ import annotations

import os
import subprocess
import sys


def granian_arguments(host: str, port: int, workers: int) -> list[str]:
    """The arguments to python that start granian as the service's production server."""
    return [
        *("-m", "granian", "--interface", "wsgi", "django_shell.wsgi:application"),
        *("--host", host, "--port", str(port), "--workers", str(workers)),
        # Granian never kills a busy worker (it has no request timeout), so no request goes unanswered
        # that way; one that dies on its own is replaced.
        "--respawn-failed-workers",
        # Plain HTTP/1.1 behind a load balancer; WSGI has no websockets.
        *("--http", "1", "--no-ws"),
    ]


def main() -> None:
    environment = dict(os.environ)
    environment.setdefault("DJANGO_SETTINGS_MODULE", "django_shell.settings.production")
    workers = environment.setdefault("WEB_CONCURRENCY", str(os.cpu_count() or 1))
    host, port = environment.get("HOST", "127.0.0.1"), environment.get("PORT", "8000")
    if not (workers.isdigit() and port.isdigit()):
        sys.exit(f"configuration error: WEB_CONCURRENCY={workers!r} and PORT={port!r} must be whole numbers.")
    migrate = [sys.executable, "-m", "django_shell.manage", "migrate", "--no-input", "--verbosity", "0"]
    if (returncode := subprocess.run(migrate, env=environment, check=False).returncode) != 0:  # noqa: S603
        sys.exit(returncode)
    os.execve(sys.executable, [sys.executable, *granian_arguments(host, int(port), int(workers))], environment)  # noqa: S606


if __name__ == "__main__":
    main()
