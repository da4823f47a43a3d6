"""The OpenAPI schema's shared parts: security schemes, the error body, token headers, success shapes.

Each view states its own operation with `operation(...)` (a thin `extend_schema`) from these parts;
`add_components` puts the security schemes and the `Error` body into every generated schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status

from django_shell.accounts.credentials import ACCESS_COOKIE, REFRESH_COOKIE
from django_shell.errors import ERROR_STATUSES

_F = TypeVar("_F", bound=Callable[..., Any])

# Security schemes, by the names operations refer to them.
BASIC_AUTH = "basicAuth"
ACCESS_HEADER = "AccessToken"
BEARER_AUTH = "bearerAuth"
ACCESS_COOKIE_AUTH = "accessTokenCookie"
REFRESH_HEADER = "RefreshToken"
REFRESH_COOKIE_AUTH = "refreshTokenCookie"

SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    BASIC_AUTH: {
        "type": "http",
        "scheme": "basic",
        "description": "`Authorization: Basic base64(username:password)` of the pool account.",
    },
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
    ACCESS_COOKIE_AUTH: {
        "type": "apiKey",
        "in": "cookie",
        "name": ACCESS_COOKIE,
        "description": "The access token in the HttpOnly cookie a sign-in set.",
    },
    REFRESH_HEADER: {
        "type": "apiKey",
        "in": "header",
        "name": "RefreshToken",
        "description": "The refresh token, as the `RefreshToken` response header of a sign-in gave it.",
    },
    REFRESH_COOKIE_AUTH: {
        "type": "apiKey",
        "in": "cookie",
        "name": REFRESH_COOKIE,
        "description": "The refresh token in the HttpOnly cookie a sign-in set.",
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
# Not required: a challenge answers without tokens, and a protected view sends the id token, the
# seed's names and the cookies only after a transparent refresh.
ISSUED_TOKENS = [
    _header("AccessToken", "The access token.", _OK),
    _header("RefreshToken", "The refresh token.", _OK),
    _header("IdToken", "The id token.", _OK),
    _header("HTTP_ACCESSTOKEN", "The access token under the original service's name, when issued.", _OK),
    _header("HTTP_REFRESHTOKEN", "The refresh token under the original service's name, when issued.", _OK),
    _header(
        "Set-Cookie",
        f"`{ACCESS_COOKIE}`, `{REFRESH_COOKIE}` and `id_token`: HttpOnly, SameSite=Lax, Secure outside DEBUG.",
        _OK,
    ),
]
CLEARED_COOKIES = [
    _header("Set-Cookie", f"Expires the `{ACCESS_COOKIE}`, `{REFRESH_COOKIE}` and `id_token` cookies.", _OK),
]


class MessageSerializer(serializers.Serializer):
    msg = serializers.CharField()


class CodeDeliverySerializer(serializers.Serializer):
    """A `CodeDelivery` as every answer that says where a code went shows it."""

    destination = serializers.CharField(help_text="Where the code went, masked (`a***@e***`).")
    delivery_medium = serializers.CharField(source="medium", help_text="`EMAIL` or `SMS`.")
    attribute_name = serializers.CharField(help_text="The attribute that holds the destination.")


class SignUpResultSerializer(serializers.Serializer):
    msg = serializers.CharField()
    user_sub = serializers.CharField(help_text="The user's immutable id in the pool.")
    user_confirmed = serializers.BooleanField()
    code_delivery = CodeDeliverySerializer(allow_null=True, help_text="Null when the pool sent no code.")


class ChallengeSerializer(serializers.Serializer):
    challenge = serializers.CharField(
        help_text="The challenge to answer: `NEW_PASSWORD_REQUIRED`, `SMS_MFA` or `SOFTWARE_TOKEN_MFA` "
        "(Cognito may name others, passed on as they are)."
    )
    session = serializers.CharField(
        help_text="Send it back with the answer to /auth/confirm_login; good for 3 minutes and one successful "
        "answer, and spent by the third wrong MFA code."
    )
    parameters = serializers.DictField(
        child=serializers.CharField(),
        help_text="What the challenge tells: for `SMS_MFA`, `CODE_DELIVERY_DESTINATION` (the masked phone "
        "number, `+*******0123`) and `CODE_DELIVERY_DELIVERY_MEDIUM` (`SMS`); for `NEW_PASSWORD_REQUIRED`, "
        "`userAttributes` and `requiredAttributes` (JSON texts); for `SOFTWARE_TOKEN_MFA`, nothing.",
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


def error_responses(codes: Iterable[str]) -> dict[int, OpenApiResponse]:
    """One response per status among `codes`, its body the `Error` with `code` narrowed to them."""
    by_status: dict[int, list[str]] = {}
    # Groups of codes overlap (a pool call's and a token's `ProviderUnavailable`): each once.
    for code in dict.fromkeys(codes):
        by_status.setdefault(ERROR_STATUSES[code], []).append(code)
    return {
        status_code: OpenApiResponse(
            {"allOf": [_ERROR_REF, {"type": "object", "properties": {"code": {"enum": sorted(status_codes)}}}]},
            description=", ".join(f"`{code}`" for code in sorted(status_codes)),
        )
        for status_code, status_codes in sorted(by_status.items())
    }


def operation(
    *,
    summary: str,
    description: str = "",
    request: Any = None,
    responses: dict[int, Any],
    errors: Iterable[str],
    security: list[dict[str, list[str]]],
    headers: Sequence[OpenApiParameter] = (),
    query: type[serializers.Serializer] | None = None,
    operation_id: str | None = None,
) -> Callable[[_F], _F]:
    """`extend_schema` for one endpoint: its success responses, the error responses of `errors` (with
    `Retry-After` where they have one), its security requirements (`NONE` for a public one) and the
    query parameters that the fields of `query` describe. `operation_id` replaces the generated one
    where two would collide (a list and a retrieve are both `GET`s of plain views)."""
    error_statuses = error_responses(errors)
    retry_statuses = [code for code in _RETRY_STATUSES if code in error_statuses]
    retry_after = _header(
        "Retry-After", "Seconds to wait before trying again.", retry_statuses, schema=OpenApiTypes.INT, required=True
    )
    decorator: Callable[[_F], _F] = extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        request=request,
        responses={**responses, **error_statuses},
        # spectacular types `auth` as scheme names, but uses it as the list of requirement objects.
        auth=security,  # type: ignore[arg-type]
        parameters=[*([query] if query else []), *headers, *([retry_after] if retry_statuses else [])],
    )
    return decorator


class AutoSchema(SpectacularAutoSchema):
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


def add_components(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A spectacular post-processing hook: the security schemes that no authentication class
    registers (Basic, the refresh token) and the `Error` body that responses refer to."""
    components = result.setdefault("components", {})
    for name, scheme in SECURITY_SCHEMES.items():
        components.setdefault("securitySchemes", {}).setdefault(name, scheme)
    components.setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    return result
