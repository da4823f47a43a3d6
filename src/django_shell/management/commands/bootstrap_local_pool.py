"""Create a user pool and app client in a Cognito emulator and print the environment that uses them."""

from __future__ import annotations

import secrets
import shlex
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from adapters.cognito.client import build_cognito_client
from adapters.cognito.local_pool import create_local_pool
from domain.errors import ValidationError
from domain.values import GroupName

_EMULATOR_KEY = "testing"


class Command(BaseCommand):
    help = (
        "Create a user pool and an app client with a secret in a Cognito emulator (e.g. moto_server) "
        "and print the export lines that point IDENTITY_PROVIDER=cognito at it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--endpoint-url", required=True, help="the emulator, e.g. http://127.0.0.1:5000")
        parser.add_argument("--region", default="us-east-1")
        parser.add_argument("--pool-name", default="cognito-auth-local")
        parser.add_argument(
            "--admin-group",
            help="also create this group in the pool and export it as COGNITO_ADMIN_GROUP (its members administer)",
        )

    def handle(
        self, *args: Any, endpoint_url: str, region: str, pool_name: str, admin_group: str | None, **options: Any
    ) -> None:
        if admin_group is not None:
            try:
                GroupName(admin_group)
            except ValidationError as error:
                raise CommandError(
                    f"--admin-group {admin_group!r} is not a group name: it {error.fields['group']}"
                ) from None
        endpoint_url = endpoint_url.rstrip("/")
        if not endpoint_url.startswith(("http://", "https://")):
            raise CommandError(f"--endpoint-url {endpoint_url!r} is not an http(s) URL")
        # An emulator takes any credentials; fixed dummies keep real ones from ever reaching it.
        client = build_cognito_client(
            region=region,
            endpoint_url=endpoint_url,
            access_key_id=_EMULATOR_KEY,
            secret_access_key=_EMULATOR_KEY,
        )
        try:
            pool = create_local_pool(client, pool_name=pool_name)
            if admin_group is not None:
                client.create_group(UserPoolId=pool.pool_id, GroupName=admin_group)
        except (BotoCoreError, ClientError) as error:
            raise CommandError(f"could not create a pool at {endpoint_url}: {error}") from error
        environment = {
            "IDENTITY_PROVIDER": "cognito",
            "AWS_REGION": region,
            "AWS_ACCESS_KEY_ID": _EMULATOR_KEY,
            "AWS_SECRET_ACCESS_KEY": _EMULATOR_KEY,
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": endpoint_url,
            "COGNITO_USER_POOL_ID": pool.pool_id,
            "COGNITO_APP_CLIENT_ID": pool.client_id,
            "COGNITO_APP_CLIENT_SECRET": pool.client_secret,
            # The emulator signs tokens with AWS's issuer but serves the keys itself.
            "COGNITO_JWKS_URL": f"{endpoint_url}/{pool.pool_id}/.well-known/jwks.json",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            **({"COGNITO_ADMIN_GROUP": admin_group} if admin_group is not None else {}),
        }
        for name, value in environment.items():
            self.stdout.write(f"export {name}={shlex.quote(value)}")
