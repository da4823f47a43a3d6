"""The WSGI entry point (`gunicorn django_shell.wsgi`): configuration errors stop it in one line."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_shell.settings.production")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    sys.exit(f"configuration error: {error}")
