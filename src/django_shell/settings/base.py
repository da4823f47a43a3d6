"""Settings shared by every deployment, read from the environment (see the README's table)."""

from __future__ import annotations

import importlib.metadata
import secrets
from pathlib import Path
from typing import Any

from corsheaders import defaults as corsheaders_defaults
from django.core.exceptions import ImproperlyConfigured

from adapters.embedded_pool.passkeys import default_origins
from django_shell.settings import environment as env

BASE_DIR = Path(__file__).resolve().parents[3]

# `memory` is the embedded pool's first name, still accepted: the pool lives in SQLite, in memory or in a file.
IDENTITY_PROVIDER = env.choice(
    "IDENTITY_PROVIDER",
    {"cognito", "embedded"},
    "cognito" if env.optional("COGNITO_USER_POOL_ID") else "embedded",
    aliases={"memory": "embedded"},
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
    "embedded": {
        # Unset: the pool lives in this process only. Set: a SQLite file that survives restarts and
        # is shared by every worker process.
        "pool_file": env.optional("LOCAL_POOL_FILE") or ":memory:",
        # Cognito lets an app client choose 5 minutes to a day; shorter helps to watch a refresh.
        "access_token_seconds": env.integer("LOCAL_POOL_ACCESS_TOKEN_SECONDS", 3600, minimum=1, maximum=86400),
    },
}
# Passkeys of the embedded pool (a Cognito pool has its own, set on the pool): bound to the relying
# party id, the site's domain, and used from the origins listed; the defaults serve `make run`.
_RELYING_PARTY_ID = env.relying_party_id("WEBAUTHN_RELYING_PARTY_ID", "localhost")
COGNITO_AUTH["embedded"]["webauthn"] = {
    "relying_party_id": _RELYING_PARTY_ID,
    "relying_party_name": env.optional("WEBAUTHN_RELYING_PARTY_NAME") or "cognito-auth",
    "origins": env.passkey_origins("WEBAUTHN_ORIGINS", _RELYING_PARTY_ID) or list(default_origins(_RELYING_PARTY_ID)),
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

# Behind a reverse proxy (see the README): which header says the client came over TLS, the origins
# that may POST forms (the admin's login) when the proxy's differs from the one Django sees, and
# whether the proxy's X-Forwarded-Host names the site.
SECURE_PROXY_SSL_HEADER = env.proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")
USE_X_FORWARDED_HOST = env.boolean("USE_X_FORWARDED_HOST", False)

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
    "corsheaders",
    "django_shell.apps.CognitoAuthConfig",
    # After the service's own app, whose container the pages use.
    "django_shell.pages.apps.AccountPagesConfig",
]

MIDDLEWARE = [
    # Outermost: it times the whole request and gives every line logged meanwhile the request's id.
    "django_shell.logs.RequestLogMiddleware",
    # Next: a preflight is answered before anything else sees it, and every answer, errors included,
    # carries the CORS headers its origin is allowed.
    "corsheaders.middleware.CorsMiddleware",
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
    # Innermost: it answers what the views that are not DRF's raise when the database fails.
    "django_shell.errors.DatabaseFailureMiddleware",
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
# Where revoked tokens are kept: Redis when there is one; else beside the embedded pool in its file, so
# that they outlive a restart and every process on the file refuses them; else in this process.
_POOL_FILE = COGNITO_AUTH["embedded"]["pool_file"] if IDENTITY_PROVIDER == "embedded" else ":memory:"
COGNITO_AUTH["shared_state"] = "redis" if REDIS_URL else "sqlite" if _POOL_FILE != ":memory:" else "memory"
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

# Budgets of attempts per client IP and per account, shared by every process through REDIS_URL
# (README, "Limits"); the defaults are at least as strict as django-allauth's.
COGNITO_AUTH["limits"] = {
    "budgets": {
        attempt: {
            "per_client": env.rate(f"RATE_LIMIT_{attempt.upper()}_PER_IP", per_client),
            "per_account": env.rate(f"RATE_LIMIT_{attempt.upper()}_PER_ACCOUNT", per_account),
        }
        for attempt, per_client, per_account in (
            ("password", "10/minute", "5 per 5 minutes"),
            ("code", "20/minute", "5/minute"),
            ("code_delivery", "20/minute", "5/minute"),
            ("password_change", "10/minute", "5/minute"),
            ("passkey", "10/minute", "5/minute"),
        )
    },
    # Sending a code, or finding no account to send it to, takes at least this long, so that the
    # answer's time does not tell which accounts exist.
    "code_delivery_seconds": env.integer("CODE_DELIVERY_MIN_MILLISECONDS", 100, maximum=5000) / 1000,
}
# How many proxies in front of the service append to X-Forwarded-For; 0 trusts none of it.
TRUSTED_PROXY_HOPS = env.integer("TRUSTED_PROXY_HOPS", 0, maximum=10)

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
    "DEFAULT_PARSER_CLASSES": ["django_shell.parsers.JsonParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["django_shell.accounts.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "EXCEPTION_HANDLER": "django_shell.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "django_shell.negotiation.ContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "django_shell.openapi.AutoSchema",
}

# The OpenAPI schema at /api/schema and Swagger UI at /api/docs; see docs/openapi.md.
SPECTACULAR_SETTINGS = {
    "TITLE": "cognito-auth",
    "VERSION": importlib.metadata.version("cognito-auth"),
    "DESCRIPTION": (
        "REST user authentication backed by AWS Cognito User Pools. A sign-in returns the tokens as the "
        "`AccessToken`, `RefreshToken` and `IdToken` headers and as HttpOnly cookies; protected endpoints "
        "take the access token as the `AccessToken` header, `Authorization: Bearer` or the cookie; with the "
        "cookie, a request other than GET, HEAD or OPTIONS also sends the CSRF token (`GET /auth/csrf`) as "
        "`X-CSRFToken`. Every "
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

# How many worker processes serve this deployment: `make serve` (django_shell.serve) says so to its
# workers through WEB_CONCURRENCY, the variable gunicorn and most platforms read too. Several
# processes must share what one process would keep to itself, or each answers from its own copy.
WORKERS = env.integer("WEB_CONCURRENCY", 1, minimum=1, maximum=1024)
_PER_PROCESS = [
    *(
        ["LOCAL_POOL_FILE (the embedded pool of one worker is unknown to the others)"]
        if IDENTITY_PROVIDER == "embedded" and COGNITO_AUTH["embedded"]["pool_file"] == ":memory:"
        else []
    ),
    *([] if REDIS_URL else ["REDIS_URL (a logout or a limit reaches one worker only)"]),
    *([] if env.optional("DJANGO_SECRET_KEY") else ["DJANGO_SECRET_KEY (each worker signs with a key of its own)"]),
]
if WORKERS > 1 and _PER_PROCESS:
    raise ImproperlyConfigured(
        f"WEB_CONCURRENCY={WORKERS} workers need shared state: set "
        + "; ".join(_PER_PROCESS)
        + ", or WEB_CONCURRENCY=1."
    )

AUTH_COOKIE_SECURE = env.boolean("AUTH_COOKIE_SECURE", not DEBUG)
# Cognito's default refresh-token lifetime; the cookie should not outlive the token.
AUTH_REFRESH_COOKIE_MAX_AGE = env.integer("AUTH_REFRESH_COOKIE_MAX_AGE", 30 * 24 * 3600, minimum=60)
# The CSRF cookie travels where the token cookies do. It stays readable by scripts (Django's default):
# a page of this site reads it to echo it in X-CSRFToken; pages elsewhere get it from GET /auth/csrf.
CSRF_COOKIE_SECURE = AUTH_COOKIE_SECURE
# A form posted without the token (the account pages', the admin's) gets a page that says what to do.
CSRF_FAILURE_VIEW = "django_shell.pages.views.csrf_failure"

# Browser apps on other origins (django-cors-headers): only the listed ones get any CORS header, and
# with it the right to send cookies and the token headers and to read the tokens from the answers.
CORS_ALLOWED_ORIGINS = env.origins("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = (*corsheaders_defaults.default_headers, "accesstoken", "refreshtoken", "idtoken")
CORS_EXPOSE_HEADERS = ["AccessToken", "RefreshToken", "IdToken", "Retry-After"]

# Text for people at a terminal (`make run`); JSON, one object per line, for a log pipeline.
LOG_FORMAT = env.choice("LOG_FORMAT", {"text", "json"}, "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "django_shell.logs.RequestContextFilter"}},
    "formatters": {
        "text": {"()": "django_shell.logs.text_formatter"},
        "json": {"()": "django_shell.logs.json_formatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request"]},
        "discard": {"class": "logging.NullHandler"},
    },
    # One handler, on the root: every library's lines come out in the one format, with the request id.
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "cognito_auth": {"level": env.optional("LOG_LEVEL") or "INFO"},
        "django": {"handlers": [], "level": "WARNING"},
        # runserver's own line per request: the access line (cognito_auth.access) replaces it.
        "django.server": {"handlers": ["discard"], "propagate": False},
    },
}
