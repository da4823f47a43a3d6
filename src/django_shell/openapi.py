"""The OpenAPI schema's shared parts: security schemes, the error body, token headers, success shapes.

Each view states its own operation with `operation(...)` (a thin `extend_schema`) from these parts;
`add_components` puts the security schemes and the `Error` body into every generated schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status

from django_shell.accounts.credentials import ACCESS_COOKIE, REFRESH_COOKIE
from django_shell.accounts.fields import AbsentAsNullField
from django_shell.errors import ERROR_MESSAGES, ERROR_STATUSES, error_body

_F = TypeVar("_F", bound=Callable[..., Any])

# Security schemes, by the names operations refer to them.
BASIC_AUTH = "basicAuth"
ACCESS_HEADER = "AccessToken"
BEARER_AUTH = "bearerAuth"
ACCESS_COOKIE_AUTH = "accessTokenCookie"
REFRESH_HEADER = "RefreshToken"
REFRESH_COOKIE_AUTH = "refreshTokenCookie"

# In the order Swagger UI's Authorize dialog shows them: the access token header first, the cookies
# (which a browser sends by itself, and the dialog cannot set) last.
SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    ACCESS_HEADER: {
        "type": "apiKey",
        "in": "header",
        "name": "AccessToken",
        "description": "The access token, as the `AccessToken` response header of a sign-in gave it.",
    },
    BEARER_AUTH: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The access token as `Authorization: Bearer <access token>`.",
    },
    REFRESH_HEADER: {
        "type": "apiKey",
        "in": "header",
        "name": "RefreshToken",
        "description": "The refresh token, as the `RefreshToken` response header of a sign-in gave it.",
    },
    BASIC_AUTH: {
        "type": "http",
        "scheme": "basic",
        "description": "`Authorization: Basic base64(username:password)` of the pool account.",
    },
    ACCESS_COOKIE_AUTH: {
        "type": "apiKey",
        "in": "cookie",
        "name": ACCESS_COOKIE,
        "description": "The access token in the HttpOnly cookie a sign-in set. A request with it that is not "
        "GET, HEAD or OPTIONS also sends the `csrftoken` cookie's value (see `GET /auth/csrf`) as `X-CSRFToken` "
        "and passes Django's Origin checks, or gets 403 `CsrfFailed`.",
    },
    REFRESH_COOKIE_AUTH: {
        "type": "apiKey",
        "in": "cookie",
        "name": REFRESH_COOKIE,
        "description": "The refresh token in the HttpOnly cookie a sign-in set; without an access token in a "
        "header, as CSRF-bound as the access token's cookie.",
    },
}

# Security requirements: a list is OpenAPI's "any one of these"; `{}` means "or none at all".
BASIC: list[dict[str, list[str]]] = [{BASIC_AUTH: []}]
ACCESS: list[dict[str, list[str]]] = [{ACCESS_HEADER: []}, {BEARER_AUTH: []}, {ACCESS_COOKIE_AUTH: []}]
REFRESH: list[dict[str, list[str]]] = [{REFRESH_HEADER: []}, {REFRESH_COOKIE_AUTH: []}]
NONE: list[dict[str, list[str]]] = []

# Error codes that any endpoint taking a JSON body can answer with, and any that calls the pool.
BODY_ERRORS = ("BadRequest", "ValidationError", "PayloadTooLarge", "UnsupportedMediaType", "NotAcceptable")
PROVIDER_ERRORS = ("TooManyRequests", "ProviderUnavailable")
# What writes the user mirror may fail with.
MIRROR_ERRORS = ("DatabaseUnavailable",)
# What a request may be refused for by its access token; 503s while the revocation list is not
# loaded, or the user cannot be read from the mirror.
TOKEN_ERRORS = (
    "NotAuthenticated",
    "NotAuthorized",
    "TokenInvalid",
    "TokenExpired",
    "ProviderUnavailable",
    *MIRROR_ERRORS,
)
# Methods that a request authenticated by a token cookie makes only with the CSRF token.
_CSRF_METHODS = frozenset({"post", "put", "patch", "delete"})

ERROR_COMPONENT = "Error"
_ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "What went wrong, for people; the wording may change."},
        "code": {
            "type": "string",
            "enum": sorted(ERROR_STATUSES),
            "description": "What went wrong, for programs; stable.",
        },
        "fields": {
            "type": "object",
            "description": "With `ValidationError`: each offending field and why (nested fields as objects; "
            "errors that concern no single field under `body`).",
            "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "object"}]},
        },
    },
    "required": ["error", "code"],
}
_JSON = "application/json"
_EXAMPLE_FIELDS = {"ValidationError": {"username": "This field is required."}}
_RETRY_STATUSES = (status.HTTP_429_TOO_MANY_REQUESTS, status.HTTP_503_SERVICE_UNAVAILABLE)


def _header(
    name: str,
    description: str,
    statuses: Sequence[int],
    *,
    schema: OpenApiTypes = OpenApiTypes.STR,
    required: bool = False,
) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        schema,
        OpenApiParameter.HEADER,
        required=required,
        description=description,
        response=list(statuses),
    )


_OK = [status.HTTP_200_OK]


def token_headers(statuses: Sequence[int]) -> list[OpenApiParameter]:
    """The token headers of a sign-in's answer, or of any answer to a request with tokens: none is
    required, since a challenge answers without tokens, and a protected view sends the id token, the
    seed's names and the cookies only after a transparent refresh."""
    return [
        _header("AccessToken", "The access token.", statuses),
        _header("RefreshToken", "The refresh token.", statuses),
        _header("IdToken", "The id token.", statuses),
        _header("HTTP_ACCESSTOKEN", "The access token under the original service's name, when issued.", statuses),
        _header("HTTP_REFRESHTOKEN", "The refresh token under the original service's name, when issued.", statuses),
        _header(
            "Set-Cookie",
            f"`{ACCESS_COOKIE}`, `{REFRESH_COOKIE}` and `id_token`: HttpOnly, SameSite=Lax, Secure outside DEBUG.",
            statuses,
        ),
    ]


ISSUED_TOKENS = token_headers(_OK)
CLEARED_COOKIES = [
    _header("Set-Cookie", f"Expires the `{ACCESS_COOKIE}`, `{REFRESH_COOKIE}` and `id_token` cookies.", _OK),
]


# Example values the operations' examples share: one user, Alice, throughout.
EXAMPLE_USERNAME = "alice@example.com"
EXAMPLE_PASSWORD = "Correct-Horse-9"  # noqa: S105 -- an example in the documentation
EXAMPLE_CODE = "123456"
EXAMPLE_SESSION = "AYABeC1-the-session-of-the-challenge"
EXAMPLE_DELIVERY = {"destination": "a***@e***", "delivery_medium": "EMAIL", "attribute_name": "email"}
EXAMPLE_ATTRIBUTES = [{"Name": "given_name", "Value": "Alice"}, {"Name": "family_name", "Value": "Liddell"}]
EXAMPLE_PROFILE = {
    "sub": "5f2b8c1e-4d3a-4b6f-9e7d-2a1c0b9f8e7d",
    "username": EXAMPLE_USERNAME,
    "email": EXAMPLE_USERNAME,
    "given_name": "Alice",
    "family_name": "Liddell",
    "email_verified": True,
    "phone_number": None,
    "attributes": {
        "email": EXAMPLE_USERNAME,
        "email_verified": "true",
        "given_name": "Alice",
        "family_name": "Liddell",
    },
    "groups": [],
    "is_staff": False,
    "date_joined": "2026-01-05T09:30:00Z",
    "last_login": "2026-01-05T09:31:12Z",
    "image_url": None,
}
EXAMPLE_POOL_USER = {
    "username": EXAMPLE_USERNAME,
    "sub": EXAMPLE_PROFILE["sub"],
    "status": "CONFIRMED",
    "enabled": True,
    "attributes": EXAMPLE_PROFILE["attributes"],
    "groups": ["editors"],
}


def message(text: str) -> dict[str, str]:
    return {"msg": text}


class MessageSerializer(serializers.Serializer):
    msg = serializers.CharField()


class CodeDeliverySerializer(serializers.Serializer):
    """A `CodeDelivery` as every answer that says where a code went shows it."""

    destination = AbsentAsNullField(
        help_text="Where the code went, masked (`a***@e***`); null if the pool did not say."
    )
    delivery_medium = AbsentAsNullField(source="medium", help_text="`EMAIL` or `SMS`; null if the pool did not say.")
    attribute_name = AbsentAsNullField(
        help_text="The attribute that holds the destination; null if the pool did not say."
    )


class SignUpResultSerializer(serializers.Serializer):
    msg = serializers.CharField()
    user_sub = serializers.CharField(help_text="The user's immutable id in the pool.")
    user_confirmed = serializers.BooleanField()
    code_delivery = CodeDeliverySerializer(allow_null=True, help_text="Null when the pool sent no code.")


class ChallengeSerializer(serializers.Serializer):
    challenge = serializers.CharField(
        help_text="The challenge to answer: `NEW_PASSWORD_REQUIRED`, `SMS_MFA` or `SOFTWARE_TOKEN_MFA`; for "
        "choice-based sign-in `EMAIL_OTP`, `SMS_OTP`, `PASSWORD`, `WEB_AUTHN` or `SELECT_CHALLENGE` (Cognito "
        "may name others, passed on as they are)."
    )
    session = serializers.CharField(
        help_text="Send it back with the answer to /auth/confirm_login; good for 3 minutes and one successful "
        "answer, and spent by the third wrong MFA code."
    )
    parameters = serializers.DictField(
        help_text="What the challenge tells, as texts but for two: for `SMS_MFA` and `SMS_OTP`, "
        "`CODE_DELIVERY_DESTINATION` (the masked phone number, `+*******0123`) and "
        "`CODE_DELIVERY_DELIVERY_MEDIUM` (`SMS`); for `EMAIL_OTP` the same with the masked address (`a***@e***`) "
        "and `EMAIL`; for `NEW_PASSWORD_REQUIRED`, `userAttributes` and `requiredAttributes` (JSON texts); for "
        "`SELECT_CHALLENGE`, `available_challenges`, a list of the ways this user may go on (`EMAIL_OTP`, "
        "`SMS_OTP`, `WEB_AUTHN`, `PASSWORD`); for `WEB_AUTHN`, `credential_request_options`, an object for "
        "`PublicKeyCredential.parseRequestOptionsFromJSON`; for `SOFTWARE_TOKEN_MFA` and `PASSWORD`, nothing.",
    )


SIGN_IN_RESULT = OpenApiResponse(
    PolymorphicProxySerializer(
        component_name="SignInResult",
        serializers=[MessageSerializer, ChallengeSerializer],
        resource_type_field_name=None,
    ),
    description='Signed in: `{"msg": "Welcome <email>"}` with the tokens in headers and cookies. '
    "Or a challenge to answer at /auth/confirm_login, without tokens.",
)


def error_responses(codes: Iterable[str]) -> dict[tuple[int, str], OpenApiResponse]:
    """One response per status among `codes`: the one `Error` body, its description and examples
    naming the codes that this operation answers with that status. Always JSON, whatever the view
    renders otherwise (the schema's YAML)."""
    by_status: dict[int, set[str]] = {}
    for code in codes:
        by_status.setdefault(ERROR_STATUSES[code], set()).add(code)
    return {
        (status_code, _JSON): OpenApiResponse(
            _ERROR_REF,
            description="`code` is " + " or ".join(f"`{code}`" for code in sorted(status_codes)) + ".",
            examples=[
                OpenApiExample(code, error_body(ERROR_MESSAGES[code], code, _EXAMPLE_FIELDS.get(code)))
                for code in sorted(status_codes)
            ],
        )
        for status_code, status_codes in sorted(by_status.items())
    }


def operation(
    *,
    summary: str,
    description: str = "",
    request: Any = None,
    responses: dict[Any, Any],
    errors: Iterable[str],
    security: list[dict[str, list[str]]],
    headers: Sequence[OpenApiParameter] = (),
    query: type[serializers.Serializer] | None = None,
    operation_id: str | None = None,
    request_example: dict[str, Any] | None = None,
    other_request_examples: Mapping[str, dict[str, Any]] | None = None,
    response_example: Any = None,
) -> Callable[[_F], _F]:
    """`extend_schema` for one endpoint: its success responses, the error responses of `errors` (with
    `Retry-After` where they have one), its security requirements (`NONE` for a public one) and the
    query parameters that the fields of `query` describe. `operation_id` replaces the one named after
    the view. `request_example` is the body Swagger UI's "Try it out" starts from, `other_request_examples`
    other bodies by name (a request of another shape); `response_example`
    the body of the first success status. An unsafe method that takes a token cookie can answer
    `CsrfFailed` too, without saying so."""
    takes_cookies = any(ACCESS_COOKIE_AUTH in item or REFRESH_COOKIE_AUTH in item for item in security)
    # Every answer to a request authenticated by the token middleware carries the current tokens.
    protected = any(ACCESS_HEADER in requirement for requirement in security)
    successes = sorted({key[0] if isinstance(key, tuple) else key for key in responses})
    echoed = token_headers(successes) if protected else []
    examples = [
        *([OpenApiExample("request", request_example, request_only=True)] if request_example is not None else []),
        *(OpenApiExample(name, body, request_only=True) for name, body in (other_request_examples or {}).items()),
        *(
            [OpenApiExample("success", response_example, response_only=True, status_codes=[str(successes[0])])]
            if response_example is not None
            else []
        ),
    ]

    def decorate(view_method: _F) -> _F:
        csrf_bound = takes_cookies and view_method.__name__ in _CSRF_METHODS
        # Any request can be refused for its query string (`?format=xml`, over 1000 parameters) or its
        # Host header, whatever else the operation does.
        error_statuses = error_responses(
            [*errors, "BadRequest", "NotAcceptable", *(["CsrfFailed"] if csrf_bound else [])]
        )
        retry_statuses = [code for code in _RETRY_STATUSES if (code, _JSON) in error_statuses]
        retry_after = _header(
            "Retry-After",
            "Seconds to wait before trying again.",
            retry_statuses,
            schema=OpenApiTypes.INT,
            required=True,
        )
        challenge = _header(
            "WWW-Authenticate",
            '`Basic realm="cognito-auth", charset="UTF-8"` where a username and password would help; else '
            '`Bearer realm="cognito-auth"`, with `error="invalid_token"` and `error_description` when a token '
            "was sent and refused.",
            [status.HTTP_401_UNAUTHORIZED],
            required=True,
        )
        decorator: Callable[[_F], _F] = extend_schema(
            operation_id=operation_id,
            examples=examples,
            summary=summary,
            description=description,
            request=request,
            responses={**responses, **error_statuses},
            # spectacular types `auth` as scheme names, but uses it as the list of requirement objects.
            auth=security,  # type: ignore[arg-type]
            parameters=[
                *([query] if query else []),
                *echoed,
                *headers,
                *([retry_after] if retry_statuses else []),
                *([challenge] if (status.HTTP_401_UNAUTHORIZED, _JSON) in error_statuses else []),
            ],
        )
        return decorator(view_method)

    return decorate


class AutoSchema(SpectacularAutoSchema):
    def get_tags(self) -> list[str]:
        return [_TAG_OF[self.get_operation_id()]]

    def get_operation_id(self) -> str:
        # The view's name, as generated clients call it: `SignUpApi` is `sign_up`, not
        # `auth_signup_create`. A view with several methods names each in its `operation`.
        name = type(self.view).__name__.removesuffix("Api")
        return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    def get_serializer_name(self, serializer: serializers.Serializer, direction: str) -> str:
        # Every view nests an `InputSerializer` or `OutputSerializer`, so the class name repeats; the
        # qualified name does not: `SignUpApi.InputSerializer` becomes the component `SignUpInput`.
        return "".join(
            part.removesuffix("Api").removesuffix("Serializer") for part in type(serializer).__qualname__.split(".")
        )


# spectacular registers extensions in an untyped `__init_subclass__`.
class TokenAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Any one of the access token's three carriers authenticates a request to a protected view."""

    target_class = "django_shell.accounts.authentication.TokenAuthentication"
    name = [ACCESS_HEADER, BEARER_AUTH, ACCESS_COOKIE_AUTH]

    def get_security_requirement(self, auto_schema: SpectacularAutoSchema) -> list[dict[str, list[Any]]]:
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema: SpectacularAutoSchema) -> list[dict[str, str]]:
        return [SECURITY_SCHEMES[name] for name in self.name]


# Untyped in spectacular, like `_map_serializer_field` below.
class NonBlankCharField(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """DRF refuses "" where `allow_blank` is off, though no validator says so; the schema says it."""

    target_class = "rest_framework.serializers.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: SpectacularAutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(  # type: ignore[no-untyped-call]
            self.target, direction, bypass_extensions=True
        )
        if direction == "request" and not self.target.allow_blank:
            schema.setdefault("minLength", 1)
        return schema


# Untyped in spectacular, as above.
class ValueFieldSchema(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """A field checked against a value object states the value's lengths and characters."""

    target_class = "django_shell.accounts.fields.ValueField"
    match_subclasses = True
    priority = 1  # over `NonBlankCharField`, which matches every CharField

    def map_serializer_field(self, auto_schema: SpectacularAutoSchema, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer_field(  # type: ignore[no-untyped-call]
            self.target, direction, bypass_extensions=True
        )
        schema.update(minLength=self.target.min_value_length, pattern=self.target.pattern)
        return schema


# Operations grouped as a user meets them, in that order: Swagger UI lists the tags so.
TAGS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "sign-up",
        "Create an account, with or without a password, and confirm it with the code it was sent.",
        ("sign_up", "confirm_sign_up", "resend_code"),
    ),
    (
        "sign-in",
        "Sign in (with a password, a one-time code, or the way the user chooses), answer a challenge, refresh "
        "the tokens, sign out everywhere.",
        ("login", "confirm_login", "refresh", "logout", "csrf"),
    ),
    (
        "password",
        "Reset a forgotten password, or change a known one.",
        ("forgot_password", "confirm_forgot_password", "change_password"),
    ),
    (
        "profile",
        "The signed-in user's profile, e-mail verification, image and account.",
        (
            "get_me",
            "update_me",
            "verify_email",
            "resend_email_code",
            "upload_profile_image",
            "delete_profile_image",
            "get_profile_image",
            "delete_me",
        ),
    ),
    (
        "mfa",
        "Second factors: a TOTP authenticator, SMS, and which one sign-in asks for.",
        ("set_up_totp", "verify_totp", "set_mfa_preference"),
    ),
    (
        "passkeys",
        "The signed-in user's passkeys (WebAuthn): register one, list them, delete one.",
        ("start_passkey_registration", "register_passkey", "list_passkeys", "delete_passkey"),
    ),
    ("operations", "Probes for an orchestrator: liveness and readiness.", ("health", "readiness")),
    (
        "administration",
        "Administrators only: the pool's users and groups.",
        (
            "list_users",
            "create_user",
            "get_user",
            "disable_user",
            "enable_user",
            "reset_user_password",
            "delete_user",
            "list_groups",
            "create_group",
            "add_user_to_group",
            "remove_user_from_group",
        ),
    ),
    ("documentation", "This schema.", ("get_schema",)),
]
_TAG_OF = {operation_id: tag for tag, _, operation_ids in TAGS for operation_id in operation_ids}
_PLACE_OF = {operation_id: place for place, operation_id in enumerate(_TAG_OF)}


def add_components(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A spectacular post-processing hook: the security schemes in the order of `SECURITY_SCHEMES`
    (Basic and the refresh token, which no authentication class registers, among them), the `Error`
    body that responses refer to, and the tags in the order a user meets them."""
    components = result.setdefault("components", {})
    components["securitySchemes"] = dict(SECURITY_SCHEMES)
    components.setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    result["tags"] = [{"name": tag, "description": description} for tag, description, _ in TAGS]
    # Within a tag too: sign-up before its confirmation, not after it as the alphabet has it.
    result["paths"] = dict(
        sorted(
            result["paths"].items(),
            key=lambda item: min(_PLACE_OF[operation["operationId"]] for operation in item[1].values()),
        )
    )
    return result
