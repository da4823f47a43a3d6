"""The WSGI entry point (`granian --interface wsgi django_shell.wsgi:application`, or gunicorn's
`django_shell.wsgi`): configuration errors stop it in one line."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_shell.settings.production")

try:
    django_application = get_wsgi_application()
except ImproperlyConfigured as error:
    sys.exit(f"configuration error: {error}")

# Imported once Django is set up: the wrapper shapes its refusal with the service's error body.
from django_shell.request_bodies import ChunkedBodies
from domain.values import PROFILE_IMAGE_MAX_BYTES

# The largest body any endpoint takes is a profile image; JSON endpoints refuse past 64 KiB themselves.
application = ChunkedBodies(django_application, PROFILE_IMAGE_MAX_BYTES)
