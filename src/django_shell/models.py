"""Where Django looks for the app's models; they live beside the code that uses them."""

from django_shell.accounts.models import User

__all__ = ["User"]
