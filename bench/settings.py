"""The service's settings plus two tiny endpoints to measure what authentication costs."""

from django_shell.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
