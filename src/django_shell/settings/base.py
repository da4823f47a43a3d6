"""Settings shared by every deployment, read from the environment (see the README's table)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django_shell.settings import environment as env

BASE_DIR = Path(__file__).resolve().parents[3]

IDENTITY_PROVIDER = env.choice(
    "IDENTITY_PROVIDER", {"cognito", "memory"}, "cognito" if env.optional("COGNITO_USER_POOL_ID") else "memory"
)
_COGNITO = IDENTITY_PROVIDER == "cognito"
_WHY_COGNITO = "with IDENTITY_PROVIDER=cognito"

AWS_REGION = env.required("AWS_REGION", _WHY_COGNITO) if _COGNITO else env.optional("AWS_REGION") or "us-east-1"

# The embedded pool takes the same ids as a real one, so tokens look alike; its defaults need no setup.
COGNITO_USER_POOL_ID = (
    env.required("COGNITO_USER_POOL_ID", _WHY_COGNITO)
    if _COGNITO
    else env.optional("COGNITO_USER_POOL_ID") or f"{AWS_REGION}_local"
)
COGNITO_APP_CLIENT_ID = (
    env.required("COGNITO_APP_CLIENT_ID", _WHY_COGNITO)
    if _COGNITO
    else env.optional("COGNITO_APP_CLIENT_ID") or "local-app-client"
)
COGNITO_ISSUER = env.url("COGNITO_ISSUER") or f"https://cognito-idp.{AWS_REGION}.amazonaws.com/{COGNITO_USER_POOL_ID}"

COGNITO_AUTH: dict[str, Any] = {
    "identity_provider": IDENTITY_PROVIDER,
    "aws_region": AWS_REGION,
    "user_pool_id": COGNITO_USER_POOL_ID,
    "app_client_id": COGNITO_APP_CLIENT_ID,
    "issuer": COGNITO_ISSUER,
    "token_leeway_seconds": env.integer("COGNITO_TOKEN_LEEWAY_SECONDS", 5, maximum=300),
    "cognito": {
        "app_client_secret": env.optional("COGNITO_APP_CLIENT_SECRET"),
        # None lets boto3 take its usual chain, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER included.
        "endpoint_url": env.url("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"),
        "access_key_id": env.optional("AWS_ACCESS_KEY_ID"),
        "secret_access_key": env.optional("AWS_SECRET_ACCESS_KEY"),
        "jwks_url": env.url("COGNITO_JWKS_URL") or f"{COGNITO_ISSUER}/.well-known/jwks.json",
        "connect_timeout": env.integer("COGNITO_CONNECT_TIMEOUT_SECONDS", 3, minimum=1, maximum=60),
        "read_timeout": env.integer("COGNITO_READ_TIMEOUT_SECONDS", 5, minimum=1, maximum=60),
        "max_attempts": env.integer("COGNITO_MAX_ATTEMPTS", 2, minimum=1, maximum=10),
    },
    "memory": {
        # Unset: the pool lives in this process only. Set: a SQLite file that survives restarts and
        # is shared by every worker process.
        "pool_file": env.optional("LOCAL_POOL_FILE") or ":memory:",
    },
}

DEBUG = env.boolean("DJANGO_DEBUG", False)
# A production pool needs a stable key; the embedded default signs nothing that outlives the process.
SECRET_KEY = (
    env.required("DJANGO_SECRET_KEY", _WHY_COGNITO) if _COGNITO else env.optional("DJANGO_SECRET_KEY")
) or secrets.token_urlsafe(50)
ALLOWED_HOSTS = [host.strip() for host in (env.optional("DJANGO_ALLOWED_HOSTS") or "127.0.0.1,localhost").split(",")]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "django_shell.apps.CognitoAuthConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "django_shell.urls"
WSGI_APPLICATION = "django_shell.wsgi.application"
APPEND_SLASH = False

if env.optional("DB_NAME"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env.optional("DB_NAME"),
            "USER": env.required("DB_USERNAME", "with DB_NAME"),
            "PASSWORD": env.optional("DB_PASSWORD") or "",
            "HOST": env.optional("DB_HOST") or "127.0.0.1",
            "PORT": env.integer("DB_PORT", 5432, minimum=1, maximum=65535),
            "CONN_MAX_AGE": 60,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.optional("SQLITE_PATH") or str(BASE_DIR / ".local" / "db.sqlite3"),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_TZ = True

# Requests are JSON documents of a few hundred bytes; anything past this is refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "django_shell.errors.exception_handler",
}

AUTH_COOKIE_SECURE = env.boolean("AUTH_COOKIE_SECURE", not DEBUG)
# Cognito's default refresh-token lifetime; the cookie should not outlive the token.
AUTH_REFRESH_COOKIE_MAX_AGE = env.integer("AUTH_REFRESH_COOKIE_MAX_AGE", 30 * 24 * 3600, minimum=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "cognito_auth": {"handlers": ["console"], "level": env.optional("LOG_LEVEL") or "INFO"},
        "django": {"handlers": ["console"], "level": "WARNING"},
    },
}
