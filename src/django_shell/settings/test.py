"""Settings of the test suite: the embedded pool in process, SQLite, a fixed key."""

import os

os.environ.setdefault("IDENTITY_PROVIDER", "embedded")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")

from django_shell.settings.base import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
COGNITO_AUTH["embedded"]["pool_file"] = ":memory:"  # noqa: F405
