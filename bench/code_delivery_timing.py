"""Whether the endpoints that send codes tell by their time which accounts exist:
`.venv/bin/python -m bench.code_delivery_timing`.

Serves the production settings in this process through Django's test client, with the embedded
user pool (the only identity provider whose time this service decides; Cognito's own is Cognito's).
Signs up one account and confirms it, another left unconfirmed, then sends `--calls` interleaved
pairs of requests for an existing and an unknown account, in random order within each pair:
POST /auth/forgot_password (the confirmed account) and POST /auth/resend_code (the unconfirmed one).
Prints each side's median time and their ratio, once with the floor the settings give
(CODE_DELIVERY_MIN_MILLISECONDS, 100 by default) and once with no floor, to show what the floor hides.
The budgets of code deliveries are raised for the run: it measures time, not limits.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import platform
import random
import re
import statistics
import time

import django

_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "django_shell.settings.production",
    "IDENTITY_PROVIDER": "embedded",
    "SQLITE_PATH": ":memory:",
    "DJANGO_ALLOWED_HOSTS": "testserver",
    "RATE_LIMIT_CODE_DELIVERY_PER_IP": "1000000/minute",
    "RATE_LIMIT_CODE_DELIVERY_PER_ACCOUNT": "1000000/minute",
}
PASSWORD = "Correct-Horse-9"  # noqa: S105 -- a throwaway account of the bench's own pool
EXISTING_CONFIRMED = "ada@example.com"
EXISTING_UNCONFIRMED = "bea@example.com"
UNKNOWN = "nobody@example.com"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="pairs of requests per endpoint and floor")
    arguments = parser.parse_args()
    for name, value in _ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    django.setup()

    from django.apps import apps
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    container = apps.get_app_config("cognito_auth").container  # type: ignore[attr-defined]
    client = Client()
    codes = _Codes()
    for username in (EXISTING_CONFIRMED, EXISTING_UNCONFIRMED):
        credentials = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
        reply = client.post("/auth/signup", content_type="application/json", HTTP_AUTHORIZATION=f"Basic {credentials}")
        assert reply.status_code == 201, reply.content
    code = codes.last(EXISTING_CONFIRMED)
    assert _post(client, "/auth/confirm_signup", {"username": EXISTING_CONFIRMED, "code": code}) == 200

    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; {arguments.calls} pairs")
    floor = settings.COGNITO_AUTH["limits"]["code_delivery_seconds"]
    for label, seconds in ((f"floor {floor * 1000:.0f} ms", floor), ("no floor", 0.0)):
        with container.config.limits.code_delivery_seconds.override(seconds):
            for path, field, existing in (
                ("/auth/forgot_password", "email", EXISTING_CONFIRMED),
                ("/auth/resend_code", "username", EXISTING_UNCONFIRMED),
            ):
                known, unknown = _interleaved(client, path, field, existing, arguments.calls)
                ratio = statistics.median(known) / statistics.median(unknown)
                print(
                    f"{label:>13}  {path:<22} existing {statistics.median(known) * 1000:8.3f} ms  "
                    f"unknown {statistics.median(unknown) * 1000:8.3f} ms  ratio {ratio:.4f}  "
                    f"{'within' if abs(ratio - 1) <= 0.05 else 'OUTSIDE'} 5 %"
                )


def _interleaved(client, path: str, field: str, existing: str, calls: int) -> tuple[list[float], list[float]]:
    times: dict[str, list[float]] = {existing: [], UNKNOWN: []}
    for _ in range(calls):
        pair = [existing, UNKNOWN]
        random.shuffle(pair)
        for username in pair:
            started = time.perf_counter()
            status = _post(client, path, {field: username})
            times[username].append(time.perf_counter() - started)
            assert status == 200, status
    return times[existing], times[UNKNOWN]


def _post(client, path: str, body: dict[str, str]) -> int:
    return client.post(path, data=json.dumps(body), content_type="application/json").status_code


class _Codes(logging.Handler):
    """The codes the embedded pool "delivers", read from its log lines (which it keeps off the console)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        logger = logging.getLogger("cognito_auth")
        logger.handlers = [self]
        logger.propagate = False

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def last(self, username: str) -> str:
        pattern = re.compile(rf"code for {re.escape(username)}: (\d+)")
        return [match.group(1) for line in self.lines if (match := pattern.search(line))][-1]


if __name__ == "__main__":
    main()
