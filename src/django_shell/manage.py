"""`python -m django_shell.manage`: Django's command line, with configuration errors in one line."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_shell.settings.production")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.exit(f"configuration error: {error}")


if __name__ == "__main__":
    main()
