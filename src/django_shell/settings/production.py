"""What `manage.py` and the WSGI entry point use: the shared settings with deployment hardening."""

from django_shell.settings.base import *  # noqa: F403

SECURE_CONTENT_TYPE_NOSNIFF = True
# Nothing to other sites. Not `no-referrer`: under it a browser posts a form with `Origin: null`, which
# Django's CSRF check refuses, so no form of the admin or the account pages could be sent.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
