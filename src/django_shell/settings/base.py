"""Settings shared by every deployment, read from the environment (see the README's table)."""

from __future__ import annotations

import importlib.metadata
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
        "max_attempts": env.integer("COGNITO_MAX_ATTEMPTS", 2, minimum=1, maximum=3),
    },
    "memory": {
        # Unset: the pool lives in this process only. Set: a SQLite file that survives restarts and
        # is shared by every worker process.
        "pool_file": env.optional("LOCAL_POOL_FILE") or ":memory:",
        # Cognito lets an app client choose 5 minutes to a day; shorter helps to watch a refresh.
        "access_token_seconds": env.integer("LOCAL_POOL_ACCESS_TOKEN_SECONDS", 3600, minimum=1, maximum=86400),
    },
}

# How long a process serves a user from its memory before reading the mirror again.
COGNITO_AUTH["user_cache_seconds"] = env.integer("USER_CACHE_SECONDS", 60, minimum=1, maximum=3600)

# Members of this pool group administer users under /admin-api/ as staff do; unset, no group does.
COGNITO_ADMIN_GROUP = env.group_name("COGNITO_ADMIN_GROUP")

DEBUG = env.boolean("DJANGO_DEBUG", False)
# A production pool needs a stable key; the embedded default signs nothing that outlives the process.
SECRET_KEY = (
    env.required("DJANGO_SECRET_KEY", _WHY_COGNITO) if _COGNITO else env.optional("DJANGO_SECRET_KEY")
) or secrets.token_urlsafe(50)
ALLOWED_HOSTS = [host.strip() for host in (env.optional("DJANGO_ALLOWED_HOSTS") or "127.0.0.1,localhost").split(",")]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's scripts and styles as static files: /api/docs needs no CDN.
    "drf_spectacular_sidecar",
    "django_shell.apps.CognitoAuthConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's and Swagger UI's assets in every mode, runserver without DEBUG included.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After Django's: a request that carries tokens is the token's user, whatever its session says.
    "django_shell.accounts.middleware.TokenAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "static/"
# Assets come straight from the installed apps: nothing to collect before a start.
WHITENOISE_USE_FINDERS = True

# The mirror of the pool's users, keyed by Cognito's immutable `sub`.
AUTH_USER_MODEL = "cognito_auth.User"
# Staff sign in to the admin with their pool password; nobody has a local password.
AUTHENTICATION_BACKENDS = ["django_shell.accounts.backends.IdentityProviderBackend"]

ROOT_URLCONF = "django_shell.urls"
WSGI_APPLICATION = "django_shell.wsgi.application"
APPEND_SLASH = False

if env.optional("DB_NAME"):
    DB_CONNECT_TIMEOUT_SECONDS = env.integer("DB_CONNECT_TIMEOUT_SECONDS", 2, minimum=1, maximum=60)
    DB_STATEMENT_TIMEOUT_SECONDS = env.integer("DB_STATEMENT_TIMEOUT_SECONDS", 2, minimum=1, maximum=3600)
    _DB_KEEPALIVE_SECONDS = env.integer("DB_KEEPALIVE_SECONDS", 30, minimum=1, maximum=7200)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env.optional("DB_NAME"),
            "USER": env.required("DB_USERNAME", "with DB_NAME"),
            "PASSWORD": env.optional("DB_PASSWORD") or "",
            "HOST": env.optional("DB_HOST") or "127.0.0.1",
            "PORT": env.integer("DB_PORT", 5432, minimum=1, maximum=65535),
            "CONN_MAX_AGE": 60,
            # A kept connection is tried (SELECT 1) before its first use in each request, so one
            # that died with a database restart is replaced instead of failing the request.
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "connect_timeout": DB_CONNECT_TIMEOUT_SECONDS,
                "options": f"-c statement_timeout={DB_STATEMENT_TIMEOUT_SECONDS * 1000}",
                # An idle kept connection whose peer vanished is noticed by the kernel within
                # about twice this, rather than by the next request.
                "keepalives": 1,
                "keepalives_idle": _DB_KEEPALIVE_SECONDS,
                "keepalives_interval": max(1, _DB_KEEPALIVE_SECONDS // 3),
                "keepalives_count": 3,
            },
        }
    }
    # The client's own deadlines on every wait (django_shell/database.py), from the same settings.
    DB_DEADLINES = {"connect": DB_CONNECT_TIMEOUT_SECONDS, "statement": DB_STATEMENT_TIMEOUT_SECONDS}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.optional("SQLITE_PATH") or str(BASE_DIR / ".local" / "db.sqlite3"),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.url_of("REDIS_URL", ("redis://", "rediss://", "unix://"))
# How long one Redis operation may wait, and how long Redis is left alone after one failed.
REDIS_TIMEOUT_SECONDS = env.decimal("REDIS_TIMEOUT_SECONDS", 1.0, minimum=0.1, maximum=30.0)
COGNITO_AUTH["shared_state"] = "redis" if REDIS_URL else "memory"
COGNITO_AUTH["redis_url"] = REDIS_URL
COGNITO_AUTH["redis_timeout_seconds"] = REDIS_TIMEOUT_SECONDS
COGNITO_AUTH["redis_cooldown_seconds"] = env.decimal("REDIS_COOLDOWN_SECONDS", 5.0, minimum=0.1, maximum=300.0)
# The shared cache holds JWKS, refresh locks and results; Redis makes it shared between processes.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A cache that stalls must not stall requests: past these, it counts as empty. redis-py
            # retries nothing here (no `retry` given), so one operation waits at most this once.
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

S3_BUCKET = env.optional("S3_BUCKET")
PROFILE_IMAGE_STORE = env.choice("PROFILE_IMAGE_STORE", {"s3", "local"}, "s3" if S3_BUCKET else "local")
COGNITO_AUTH["profile_images"] = {
    "store": PROFILE_IMAGE_STORE,
    # How long a profile's image URL works. S3 caps presigned URLs at 7 days, and at the lifetime of
    # the credentials that signed them (an IAM role's last hours).
    "url_seconds": env.integer("PROFILE_IMAGE_URL_SECONDS", 300, minimum=1, maximum=7 * 24 * 3600),
    "s3": {
        "bucket": env.required("S3_BUCKET", "with PROFILE_IMAGE_STORE=s3") if PROFILE_IMAGE_STORE == "s3" else None,
        # None lets boto3 take its usual chain, AWS_ENDPOINT_URL_S3 included.
        "endpoint_url": env.url("AWS_ENDPOINT_URL_S3"),
        "access_key_id": env.optional("AWS_ACCESS_KEY_ID"),
        "secret_access_key": env.optional("AWS_SECRET_ACCESS_KEY"),
    },
    "local": {"directory": env.optional("LOCAL_MEDIA_DIR") or str(BASE_DIR / ".local" / "media")},
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_TZ = True

# Requests are JSON documents of a few hundred bytes; anything past this is refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["django_shell.accounts.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "django_shell.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "django_shell.openapi.AutoSchema",
}

# The OpenAPI schema at /api/schema and Swagger UI at /api/docs; see docs/openapi.md.
SPECTACULAR_SETTINGS = {
    "TITLE": "cognito-auth",
    "VERSION": importlib.metadata.version("cognito-auth"),
    "DESCRIPTION": (
        "REST user authentication backed by AWS Cognito User Pools. A sign-in returns the tokens as the "
        "`AccessToken`, `RefreshToken` and `IdToken` headers and as HttpOnly cookies; protected endpoints "
        "take the access token as the `AccessToken` header, `Authorization: Bearer` or the cookie. Every "
        'error is `{"error", "code"}` (plus `fields` for validation errors).'
    ),
    # Views describe their operations in `extend_schema`; their docstrings are for maintainers.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    # spectacular assumes DRF's partial validation for PATCH and drops every `required`; the views
    # validate PATCH bodies in full (`PATCH /auth/me` needs `user_attributes`).
    "COMPONENT_SPLIT_PATCH": False,
    # Served to anyone: a stale or forged token must not hide the documentation.
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "django_shell.openapi.add_components"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
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
