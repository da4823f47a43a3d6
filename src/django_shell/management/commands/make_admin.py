"""Make an existing pool user an administrator of the service: the first one, or any later one."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from application.use_cases.administration import SetAdministratorCommand
from domain.errors import DomainError, UserNotFound, ValidationError


class Command(BaseCommand):
    help = (
        "Make a user of the pool an administrator (staff and superuser: the Django admin at /admin/ and "
        "/admin-api/), before or after their first sign-in; --revoke takes it back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user's username in the pool")
        parser.add_argument("--revoke", action="store_true", help="make the user an ordinary user again")

    def handle(self, *args: Any, username: str, revoke: bool, **options: Any) -> None:
        set_administrator = apps.get_app_config("cognito_auth").container.set_administrator()  # type: ignore[attr-defined]
        try:
            user = set_administrator(SetAdministratorCommand(username, administrator=not revoke))
        except UserNotFound:
            raise CommandError(f"the pool has no user {username!r}{_where_the_pool_is()}") from None
        except ValidationError as error:
            raise CommandError(f"{username!r} is not a username: {'; '.join(error.fields.values())}") from None
        except DomainError as error:
            raise CommandError(f"the pool could not be asked: {error.message}") from None
        if revoke:
            self.stdout.write(f"{user.username} is no longer an administrator.")
        else:
            self.stdout.write(
                f"{user.username} is an administrator: staff and superuser in the mirror (sub {user.sub})."
            )


def _where_the_pool_is() -> str:
    """The likely reason for a user the server knows: the command looked at another pool."""
    config = settings.COGNITO_AUTH
    if config["identity_provider"] != "embedded":
        return f" (user pool {config['user_pool_id']})"
    if config["embedded"]["pool_file"] == ":memory:":
        return (
            "; the embedded pool is the one in LOCAL_POOL_FILE, which is not set: "
            "set it as the server has it (make run: LOCAL_POOL_FILE=.local/pool.sqlite3)"
        )
    return f" (embedded pool in {config['memory']['pool_file']})"
