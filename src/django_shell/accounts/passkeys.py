"""The signed-in user's passkeys, under `/auth/me/passkeys`: the WebAuthn registration ceremony (creation
options, then the credential the authenticator made), the list, and deleting one. Signing in with a
passkey is a challenge of `/auth/login`."""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.passkeys import (
    CompletePasskeyRegistration,
    CompletePasskeyRegistrationCommand,
    DeletePasskey,
    DeletePasskeyCommand,
    ListPasskeys,
    ListPasskeysCommand,
    StartPasskeyRegistration,
    StartPasskeyRegistrationCommand,
)
from django_shell import openapi
from django_shell.accounts import credentials, step_up
from django_shell.accounts.fields import AbsentAsNullField, validated
from django_shell.client_ip import client_ip

_TOKEN_ERRORS = (*openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS)

EXAMPLE_CREDENTIAL_ID = "hT4mPUpwo-eWf6hcbQbAMbVK3tJeFVCuaOKdHIFQ8J4"
EXAMPLE_CREATION_OPTIONS = {
    "rp": {"name": "cognito-auth", "id": "localhost"},
    "user": {
        "id": "NWYyYjhjMWUtNGQzYS00YjZm",
        "name": openapi.EXAMPLE_USERNAME,
        "displayName": openapi.EXAMPLE_USERNAME,
    },
    "challenge": "q2dzT6ZpN4w6rZ7g2F0Jw0xZ6QyGdQz9t1w3i5Yb8lE",
    "pubKeyCredParams": [{"type": "public-key", "alg": -8}, {"type": "public-key", "alg": -7}],
    "timeout": 300000,
    "excludeCredentials": [],
    "authenticatorSelection": {"residentKey": "required", "requireResidentKey": True, "userVerification": "required"},
    "attestation": "none",
}
EXAMPLE_REGISTRATION = {
    "id": EXAMPLE_CREDENTIAL_ID,
    "rawId": EXAMPLE_CREDENTIAL_ID,
    "type": "public-key",
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {},
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoicTJkelQ2WnBONHc2clo3ZzJG",
        "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikSZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NF",
        "transports": ["internal"],
    },
}
EXAMPLE_PASSKEY = {
    "credential_id": EXAMPLE_CREDENTIAL_ID,
    "name": "Passkey 1",
    "relying_party_id": "localhost",
    "authenticator_attachment": "platform",
    "transports": ["internal"],
    "created_at": "2026-01-05T09:35:00Z",
}


class PasskeyOptionsApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]

    class InputSerializer(step_up.StepUpSerializer):
        pass

    class OutputSerializer(serializers.Serializer):
        credential_creation_options = serializers.DictField(
            help_text="The WebAuthn creation options as JSON: hand them to "
            "`PublicKeyCredential.parseCreationOptionsFromJSON` and `navigator.credentials.create`."
        )

    @openapi.operation(
        operation_id="start_passkey_registration",
        summary="Start registering a passkey: the WebAuthn creation options for the signed-in user.",
        description="The options ask for a discoverable passkey (`residentKey` required) with user "
        "verification, and exclude the passkeys the user has. Their challenge is good for one answer at "
        "`POST /auth/me/passkeys` within 5 minutes; new options replace the ones open. A user with 20 passkeys "
        "(the most there may be) gets 400 `ValidationError`. A passkey signs in on its own, so registering one "
        "is a change of the ways in like an MFA change, and the options need the same proof: an access token "
        f"alone starts no registration. {step_up.DESCRIPTION}",
        request=InputSerializer,
        responses={200: OutputSerializer},
        errors=(*openapi.BODY_ERRORS, *_TOKEN_ERRORS, "StepUpRequired"),
        security=openapi.ACCESS,
        request_example=step_up.PASSWORD_EXAMPLE,
        other_request_examples=step_up.OTHER_EXAMPLES,
        response_example={"credential_creation_options": EXAMPLE_CREATION_OPTIONS},
    )
    @inject
    def post(
        self, request: Request, start: StartPasskeyRegistration = Provide["start_passkey_registration"]
    ) -> Response:
        data = validated(self.InputSerializer, request.data if request.data is not None else {})
        options = start(
            StartPasskeyRegistrationCommand(
                access_token=credentials.authenticated_access_token(request),
                proof=step_up.proof_of(data),
                client=client_ip(request),
            )
        )
        return Response({"credential_creation_options": options})


class PasskeySerializer(serializers.Serializer):
    credential_id = serializers.CharField(help_text="The passkey's id (base64url), as the authenticator made it.")
    name = AbsentAsNullField(help_text="A name to tell the user's passkeys apart (`Passkey 1`).")
    relying_party_id = serializers.CharField(help_text="The site the passkey is bound to.")
    authenticator_attachment = AbsentAsNullField(
        help_text="`platform` (built into the device) or `cross-platform` (a security key, a phone); null when "
        "the browser did not say."
    )
    transports = serializers.ListField(
        child=serializers.CharField(), help_text="How the browser reaches the authenticator: `internal`, `usb`, ..."
    )
    created_at = serializers.DateTimeField()


class PasskeysApi(APIView):
    """`GET /auth/me/passkeys` lists the passkeys, `POST /auth/me/passkeys` registers one."""

    permission_classes = (IsAuthenticated,)
    http_method_names = ["get", "post", "options"]

    class InputSerializer(serializers.Serializer):
        credential = serializers.DictField(
            help_text="What `navigator.credentials.create` resolved to, as its `toJSON()` gives it."
        )

    class OutputSerializer(serializers.Serializer):
        passkeys = PasskeySerializer(many=True, help_text="Oldest first.")

    @openapi.operation(
        operation_id="list_passkeys",
        summary="The signed-in user's passkeys.",
        responses={200: OutputSerializer},
        errors=_TOKEN_ERRORS,
        security=openapi.ACCESS,
        response_example={"passkeys": [EXAMPLE_PASSKEY]},
    )
    @inject
    def get(self, request: Request, list_passkeys: ListPasskeys = Provide["list_passkeys"]) -> Response:
        passkeys = list_passkeys(ListPasskeysCommand(access_token=credentials.authenticated_access_token(request)))
        return Response(self.OutputSerializer({"passkeys": passkeys}).data)

    @openapi.operation(
        operation_id="register_passkey",
        summary="Register the passkey that the authenticator made for the creation options.",
        description="The credential answers the options of `POST /auth/me/passkeys/options`, which it spends "
        "whether it verifies or not. One that does not verify (forged, made on another site or for other "
        "options, without user verification, or registered already) is 400 `PasskeyRejected`; each such "
        "failure spends one of the failed passkey ceremonies that the client and the account have (429 "
        "`TooManyRequests` once either has none left).",
        request=InputSerializer,
        responses={201: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *_TOKEN_ERRORS, "PasskeyRejected"),
        security=openapi.ACCESS,
        request_example={"credential": EXAMPLE_REGISTRATION},
        response_example=openapi.message("Passkey registered."),
    )
    @inject
    def post(
        self, request: Request, complete: CompletePasskeyRegistration = Provide["complete_passkey_registration"]
    ) -> Response:
        credential = validated(self.InputSerializer, request.data)["credential"]
        complete(
            CompletePasskeyRegistrationCommand(
                access_token=credentials.authenticated_access_token(request),
                credential=credential,
                client=client_ip(request),
            )
        )
        return Response({"msg": "Passkey registered."}, status=status.HTTP_201_CREATED)


class PasskeyApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["delete", "options"]

    @openapi.operation(
        operation_id="delete_passkey",
        summary="Delete one of the signed-in user's passkeys; it signs nobody in afterwards.",
        description="404 `PasskeyNotFound` when the user has no passkey with that id.",
        responses={204: None},
        errors=("ValidationError", *_TOKEN_ERRORS, "PasskeyNotFound"),
        security=openapi.ACCESS,
    )
    @inject
    def delete(
        self, request: Request, credential_id: str, delete_passkey: DeletePasskey = Provide["delete_passkey"]
    ) -> Response:
        delete_passkey(
            DeletePasskeyCommand(
                access_token=credentials.authenticated_access_token(request), credential_id=credential_id
            )
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
