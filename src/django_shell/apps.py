from __future__ import annotations

import logging
import urllib.parse
from typing import Any

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("cognito_auth")


class CognitoAuthConfig(AppConfig):
    name = "django_shell"
    label = "cognito_auth"
    verbose_name = "Cognito authentication"

    def ready(self) -> None:
        from django_shell import health
        from django_shell.accounts import administration, apis, images, mfa, passkeys, self_service
        from django_shell.containers import Container

        if hasattr(settings, "DB_DEADLINES"):
            from django_shell import database

            database.install(database.Deadlines(**settings.DB_DEADLINES))
        self.container = Container()
        self.container.config.from_dict(settings.COGNITO_AUTH)
        self.container.wire(modules=[administration, apis, health, images, mfa, passkeys, self_service])
        # Build the adapters now, so that a broken configuration stops the start rather than the first request.
        self.container.identity_provider()
        self.container.token_verifier()
        self.container.profile_image_store()
        self.container.attempt_limiter()
        logger.info("identity provider: %s", _describe(settings.COGNITO_AUTH))
        if settings.COGNITO_AUTH["identity_provider"] == "embedded":
            webauthn = settings.COGNITO_AUTH["embedded"]["webauthn"]
            origins = ", ".join(webauthn["origins"])
            logger.info("passkeys: relying party %s, used from %s", webauthn["relying_party_id"], origins)
        logger.info("profile images: %s", _describe_images(settings.COGNITO_AUTH["profile_images"]))
        logger.info("revocation and limits: %s", _describe_shared_state(settings.COGNITO_AUTH, settings.REDIS_URL))
        logger.info("database: %s", _describe_database(settings.DATABASES["default"]))
        logger.info("workers: %d (WEB_CONCURRENCY)", settings.WORKERS)


def _describe(config: dict[str, Any]) -> str:
    if config["identity_provider"] == "embedded":
        if config["embedded"]["pool_file"] == ":memory:":
            return "embedded (user pool in this process only: set LOCAL_POOL_FILE to keep and share it)"
        return f"embedded (user pool in {config['embedded']['pool_file']}, shared by this host's processes)"
    endpoint = config["cognito"]["endpoint_url"] or f"AWS region {config['aws_region']}"
    return f"cognito (user pool {config['user_pool_id']} at {endpoint})"


def _describe_images(config: dict[str, Any]) -> str:
    if config["store"] == "local":
        return f"local (files in {config['local']['directory']})"
    return f"s3 (bucket {config['s3']['bucket']} at {config['s3']['endpoint_url'] or 'AWS'})"


def _describe_shared_state(config: dict[str, Any], redis_url: str | None) -> str:
    if config["shared_state"] == "sqlite":
        return (
            f"revocations in {config['embedded']['pool_file']}, shared by this host's processes; "
            "limits per process (no REDIS_URL)"
        )
    if not redis_url:
        return "per process (no REDIS_URL): a logout or a limit holds in this process only"
    # Where, but not the password the URL may carry.
    location = urllib.parse.urlsplit(redis_url)
    if location.scheme == "unix":
        return f"shared in Redis at {location.path}"
    return f"shared in Redis at {location.hostname}:{location.port or 6379}{location.path or '/0'}"


def _describe_database(database: dict[str, Any]) -> str:
    if database["ENGINE"].endswith("sqlite3"):
        return f"SQLite file {database['NAME']}"
    return f"PostgreSQL database {database['NAME']} at {database['HOST']}:{database['PORT']}"
