"""The TOTP set-up endpoints of a signed-in user, under `/auth/mfa/`; the sign-in challenge that
follows is answered at `/auth/confirm_login`."""

from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.authenticate import Authenticated
from application.use_cases.mfa import (
    AssociateSoftwareToken,
    AssociateSoftwareTokenCommand,
    SetMfaPreference,
    SetMfaPreferenceCommand,
    VerifySoftwareToken,
    VerifySoftwareTokenCommand,
)
from django_shell import openapi
from django_shell.accounts import credentials
from django_shell.accounts.fields import StrictBooleanField, StrictCharField
from domain.values import CODE_MAX_LENGTH

# What any request with a token may be refused for, the refresh of an expired one included.
_TOKEN_ERRORS = (
    *openapi.PROVIDER_ERRORS,
    "NotAuthenticated",
    "NotAuthorized",
    "TokenInvalid",
    "TokenExpired",
)


def _access_token(request: Request) -> str:
    """The access token the request was authenticated with: the refreshed one when the middleware
    had to refresh, since the pool refuses the expired one it replaced."""
    authenticated: Authenticated | None = getattr(request, "token_authentication", None)
    if authenticated is not None and authenticated.refreshed is not None:
        return authenticated.refreshed.access_token
    token = credentials.access_token(request)
    if token is None:
        raise exceptions.NotAuthenticated()
    return token


def _validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TotpApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]

    class OutputSerializer(serializers.Serializer):
        secret = serializers.CharField()
        otpauth_uri = serializers.CharField()

    @openapi.operation(
        summary="Start a TOTP authenticator: its secret, and the otpauth:// URI to show as a QR code.",
        description="A new authenticator replaces the previous one, which stops counting until the new one is "
        "verified at `/auth/mfa/totp/verify`.",
        responses={200: OutputSerializer},
        errors=("BadRequest", "NotAcceptable", *_TOKEN_ERRORS),
        security=openapi.ACCESS,
        headers=openapi.ISSUED_TOKENS,
    )
    @inject
    def post(
        self, request: Request, associate: AssociateSoftwareToken = Provide["associate_software_token"]
    ) -> Response:
        result = associate(AssociateSoftwareTokenCommand(access_token=_access_token(request)))
        return Response(self.OutputSerializer({"secret": result.secret, "otpauth_uri": result.otpauth_uri}).data)


class VerifyTotpApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer):
        code = StrictCharField(max_length=CODE_MAX_LENGTH)

    @openapi.operation(
        summary="Verify the new authenticator with a code it shows.",
        description="Verifying does not turn MFA on: `PUT /auth/mfa/preference` does.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *_TOKEN_ERRORS, "CodeMismatch"),
        security=openapi.ACCESS,
        headers=openapi.ISSUED_TOKENS,
    )
    @inject
    def post(self, request: Request, verify: VerifySoftwareToken = Provide["verify_software_token"]) -> Response:
        data = _validated(self.InputSerializer, request.data)
        verify(VerifySoftwareTokenCommand(access_token=_access_token(request), code=data["code"]))
        return Response({"msg": "Authenticator verified."})


class MfaPreferenceApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["put", "options"]

    class InputSerializer(serializers.Serializer):
        totp = StrictBooleanField()

    @openapi.operation(
        summary="Turn TOTP MFA on (as the preferred factor) or off.",
        description="While it is on, `/auth/login` answers the `SOFTWARE_TOKEN_MFA` challenge; "
        "turning it on needs a verified authenticator.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *_TOKEN_ERRORS),
        security=openapi.ACCESS,
        headers=openapi.ISSUED_TOKENS,
    )
    @inject
    def put(self, request: Request, set_preference: SetMfaPreference = Provide["set_mfa_preference"]) -> Response:
        data = _validated(self.InputSerializer, request.data)
        set_preference(SetMfaPreferenceCommand(access_token=_access_token(request), totp_enabled=data["totp"]))
        return Response({"msg": "TOTP MFA is on." if data["totp"] else "TOTP MFA is off."})
