"""The MFA endpoints of a signed-in user, under `/auth/mfa/`: TOTP set-up, and turning SMS and TOTP
on or off. The sign-in challenges that follow are answered at `/auth/confirm_login`."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.mfa import (
    FACTORS,
    AssociateSoftwareToken,
    AssociateSoftwareTokenCommand,
    SetMfaPreference,
    SetMfaPreferenceCommand,
    VerifySoftwareToken,
    VerifySoftwareTokenCommand,
)
from django_shell import openapi
from django_shell.accounts import credentials, step_up
from django_shell.accounts.fields import CodeField, StrictBooleanField, validated
from django_shell.client_ip import client_ip
from domain.values import MfaFactor, MfaPreference

_LABELS = {MfaFactor.SMS: "SMS", MfaFactor.TOTP: "TOTP"}

# What any request with a token may be refused for, the refresh of an expired one included.
_TOKEN_ERRORS = (*openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS)


class TotpApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]

    class InputSerializer(step_up.StepUpSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        secret = serializers.CharField()
        otpauth_uri = serializers.CharField()

    @openapi.operation(
        operation_id="set_up_totp",
        summary="Start a TOTP authenticator: its secret, and the otpauth:// URI to show as a QR code.",
        description="A new authenticator replaces the previous one, which stops counting until the new one is "
        f"verified at `/auth/mfa/totp/verify`. {step_up.DESCRIPTION}",
        request=InputSerializer,
        responses={200: OutputSerializer},
        errors=(*openapi.BODY_ERRORS, *_TOKEN_ERRORS, "StepUpRequired"),
        security=openapi.ACCESS,
        request_example=step_up.PASSWORD_EXAMPLE,
        other_request_examples=step_up.OTHER_EXAMPLES,
        response_example={
            "secret": "JBSWY3DPEHPK3PXP",
            "otpauth_uri": "otpauth://totp/cognito-auth:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=cognito-auth",
        },
    )
    @inject
    def post(
        self, request: Request, associate: AssociateSoftwareToken = Provide["associate_software_token"]
    ) -> Response:
        data = validated(self.InputSerializer, request.data if request.data is not None else {})
        result = associate(
            AssociateSoftwareTokenCommand(
                access_token=credentials.authenticated_access_token(request),
                proof=step_up.proof_of(data),
                client=client_ip(request),
            )
        )
        return Response(self.OutputSerializer({"secret": result.secret, "otpauth_uri": result.otpauth_uri}).data)


class VerifyTotpApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer):
        code = CodeField()

    @openapi.operation(
        summary="Verify the new authenticator with a code it shows.",
        description="Verifying does not turn MFA on: `PUT /auth/mfa/preference` does.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *_TOKEN_ERRORS, "CodeMismatch"),
        security=openapi.ACCESS,
        request_example={"code": openapi.EXAMPLE_CODE},
        response_example=openapi.message("Authenticator verified."),
    )
    @inject
    def post(self, request: Request, verify: VerifySoftwareToken = Provide["verify_software_token"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        verify(
            VerifySoftwareTokenCommand(
                access_token=credentials.authenticated_access_token(request),
                code=data["code"],
                client=client_ip(request),
            )
        )
        return Response({"msg": "Authenticator verified."})


class MfaPreferenceApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["put", "options"]

    class InputSerializer(step_up.StepUpSerializer):
        sms = StrictBooleanField(required=False, help_text="Turn SMS MFA on or off; left out, it stays as it is.")
        totp = StrictBooleanField(required=False, help_text="Turn TOTP MFA on or off; left out, it stays as it is.")
        preferred = serializers.ChoiceField(
            choices=tuple(FACTORS),
            required=False,
            help_text="The factor asked for at sign-in when both are on; naming it turns it on.",
        )

    @openapi.operation(
        operation_id="set_mfa_preference",
        summary="Turn SMS and TOTP MFA on or off, and choose the one asked for at sign-in.",
        description="Name at least one of `sms`, `totp` and `preferred`. The one factor a request turns on "
        'becomes the preferred one (`{"totp": true}` turns TOTP on as the preferred factor); a request '
        "turning both on names `preferred`, and naming `preferred` turns that factor on; turning the preferred "
        "factor off makes the other one, if on, preferred. While a factor is on, `/auth/login` answers its "
        "challenge: `SMS_MFA` (a code sent by SMS; "
        "`parameters` say where: `CODE_DELIVERY_DESTINATION`, the masked number, and "
        "`CODE_DELIVERY_DELIVERY_MEDIUM`) or `SOFTWARE_TOKEN_MFA`. TOTP needs a verified authenticator, SMS a "
        f"phone number. {step_up.DESCRIPTION}",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *_TOKEN_ERRORS, "StepUpRequired"),
        security=openapi.ACCESS,
        request_example={"totp": True, **step_up.PASSWORD_EXAMPLE},
        other_request_examples={name: {"totp": True, **body} for name, body in step_up.OTHER_EXAMPLES.items()},
        response_example=openapi.message("TOTP MFA is on. Sign-in asks for the TOTP code."),
    )
    @inject
    def put(self, request: Request, set_preference: SetMfaPreference = Provide["set_mfa_preference"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        preference = set_preference(
            SetMfaPreferenceCommand(
                access_token=credentials.authenticated_access_token(request),
                sms=data.get("sms"),
                totp=data.get("totp"),
                preferred=data.get("preferred"),
                proof=step_up.proof_of(data),
                client=client_ip(request),
            )
        )
        return Response({"msg": _described(preference)})


def _described(preference: MfaPreference) -> str:
    """`SMS MFA is on. TOTP MFA is off. Sign-in asks for the SMS code.`"""
    sentences = [f"{_LABELS[factor]} MFA is {'on' if on else 'off'}." for factor, on in preference.changes().items()]
    if preference.preferred_factor is not None:
        sentences.append(f"Sign-in asks for the {_LABELS[preference.preferred_factor]} code.")
    return " ".join(sentences)
