"""Settings of the test suite: the embedded pool in process, SQLite, a fixed key."""

import os

os.environ.setdefault("IDENTITY_PROVIDER", "embedded")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")

from django_shell.settings.base import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
COGNITO_AUTH["embedded"]["pool_file"] = ":memory:"  # noqa: F405

# Many tests sign in again and again: they get budgets no test reaches, and the tests of the limits
# put the production budgets back (tests/integration/limits).
PRODUCTION_ATTEMPT_BUDGETS = COGNITO_AUTH["limits"]["budgets"]  # noqa: F405
COGNITO_AUTH["limits"] = {  # noqa: F405
    **COGNITO_AUTH["limits"],  # noqa: F405
    "budgets": {
        attempt: {"per_client": (10**6, 60), "per_account": (10**6, 60)} for attempt in PRODUCTION_ATTEMPT_BUDGETS
    },
    # The timing of code deliveries is measured by hand (bench/), not slept through in every test.
    "code_delivery_seconds": 0,
}
