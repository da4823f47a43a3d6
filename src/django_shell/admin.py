"""Where the admin's autodiscovery looks; the registrations live beside the models."""

import django_shell.accounts.admin  # noqa: F401  (registers on import)
