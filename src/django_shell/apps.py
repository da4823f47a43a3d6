from __future__ import annotations

import logging
from typing import Any

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("cognito_auth")


class CognitoAuthConfig(AppConfig):
    name = "django_shell"
    label = "cognito_auth"
    verbose_name = "Cognito authentication"

    def ready(self) -> None:
        from django_shell.accounts import administration, apis, images, mfa, self_service
        from django_shell.containers import Container

        if hasattr(settings, "DB_DEADLINES"):
            from django_shell import database

            database.install(database.Deadlines(**settings.DB_DEADLINES))
        self.container = Container()
        self.container.config.from_dict(settings.COGNITO_AUTH)
        self.container.wire(modules=[administration, apis, images, mfa, self_service])
        # Build the adapters now, so that a broken configuration stops the start rather than the first request.
        self.container.identity_provider()
        self.container.token_verifier()
        self.container.profile_image_store()
        logger.info("identity provider: %s", _describe(settings.COGNITO_AUTH))
        logger.info("profile images: %s", _describe_images(settings.COGNITO_AUTH["profile_images"]))


def _describe(config: dict[str, Any]) -> str:
    if config["identity_provider"] == "memory":
        return f"memory (embedded user pool in {config['memory']['pool_file']})"
    endpoint = config["cognito"]["endpoint_url"] or f"AWS region {config['aws_region']}"
    return f"cognito (user pool {config['user_pool_id']} at {endpoint})"


def _describe_images(config: dict[str, Any]) -> str:
    if config["store"] == "local":
        return f"local (files in {config['local']['directory']})"
    return f"s3 (bucket {config['s3']['bucket']} at {config['s3']['endpoint_url'] or 'AWS'})"
