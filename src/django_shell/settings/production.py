"""What `manage.py` and the WSGI entry point use: the shared settings with deployment hardening."""

from django_shell.settings.base import *  # noqa: F403

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"
