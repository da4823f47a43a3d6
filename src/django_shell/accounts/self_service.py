"""Account self-service for a signed-in user: changing the profile's attributes and verifying a new
e-mail address, changing the password and deleting the account.

Signing out of every device is `POST /auth/logout`, which already revokes every token of the user.
"""

from __future__ import annotations

import copy
from typing import Any

from dependency_injector.wiring import Provide, inject
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.account import ChangePassword, ChangePasswordCommand, DeleteAccount, DeleteAccountCommand
from application.use_cases.profile import (
    ResendAttributeCode,
    ResendAttributeCodeCommand,
    UpdateProfile,
    UpdateProfileCommand,
    VerifyAttribute,
    VerifyAttributeCommand,
)
from django_shell import openapi
from django_shell.accounts import credentials, images
from django_shell.accounts.apis import MeApi
from django_shell.accounts.fields import (
    AttributeSerializer,
    CodeField,
    NewPasswordField,
    PasswordField,
    attribute_pairs,
    validated,
)
from django_shell.accounts.users import profile_fields
from django_shell.client_ip import client_ip
from domain.values import MAX_ATTRIBUTES, UserProfile


class ChangePasswordApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]
    # Its `NotAuthorized` is a wrong old password, not a refused token: the 401 is no `invalid_token`.
    password_in_body = True

    class InputSerializer(serializers.Serializer):
        old_password = PasswordField()
        new_password = NewPasswordField()

    @openapi.operation(
        summary="Replace the signed-in user's password, proving the old one.",
        description="The user stays signed in: the pool keeps every token valid across the change. "
        "A wrong old password answers 401 `NotAuthorized`.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS, "InvalidPassword"),
        security=openapi.ACCESS,
        request_example={"old_password": openapi.EXAMPLE_PASSWORD, "new_password": "Battery-Staple-7"},
        response_example=openapi.message("Password changed."),
    )
    @inject
    def post(self, request: Request, change_password: ChangePassword = Provide["change_password"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        change_password(
            ChangePasswordCommand(
                access_token=credentials.authenticated_access_token(request),
                previous_password=data["old_password"],
                proposed_password=data["new_password"],
                client=client_ip(request),
            )
        )
        return Response({"msg": "Password changed."})


def _profile(request: Request, profile: UserProfile) -> dict[str, Any]:
    """The profile as `GET /auth/me` shows it, with the pool's answer in place of what the request's
    user (a cached copy, read-only) held before the change."""
    user = copy.copy(request.user)
    for name, value in profile_fields(profile).items():
        setattr(user, name, value)
    return MeApi.profile(user, credentials.authenticated_claims(request), images.profile_image_url(request))


class AccountApi(MeApi):
    """`GET /auth/me` reads the profile, `PATCH /auth/me` changes its attributes, `DELETE /auth/me`
    deletes the account."""

    http_method_names = ["get", "patch", "delete", "options"]

    class UpdateInputSerializer(serializers.Serializer):
        # The shape sign-up takes, so that one client-side builder serves both.
        user_attributes = serializers.ListField(child=AttributeSerializer(), min_length=1, max_length=MAX_ATTRIBUTES)

    class UpdateOutputSerializer(MeApi.OutputSerializer):
        code_deliveries = serializers.ListField(
            child=openapi.CodeDeliverySerializer(),
            help_text="Where verification codes went: one for a changed e-mail address, else none.",
        )

    @openapi.operation(
        operation_id="update_me",
        summary="Change attributes of the signed-in user's profile.",
        description="Only the attributes named change. A new `email` is unverified (`email_verified` false) "
        "until confirmed at /auth/me/verify_email with the code sent to it; `code_deliveries` says where it "
        "went. `sub` and the verified flags cannot be written, nor attributes outside the pool's schema "
        "(400 `ValidationError` naming the attribute). Answers the profile as the pool now holds it.",
        request=UpdateInputSerializer,
        responses={200: UpdateOutputSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS, "UsernameExists"),
        security=openapi.ACCESS,
        request_example={"user_attributes": [{"Name": "given_name", "Value": "Alicia"}]},
        response_example={**openapi.EXAMPLE_PROFILE, "given_name": "Alicia", "code_deliveries": []},
    )
    @inject
    def patch(self, request: Request, update_profile: UpdateProfile = Provide["update_profile"]) -> Response:
        pairs = attribute_pairs(validated(self.UpdateInputSerializer, request.data)["user_attributes"])
        result = update_profile(
            UpdateProfileCommand(
                access_token=credentials.authenticated_access_token(request),
                attributes=pairs,
                client=client_ip(request),
            )
        )
        deliveries = openapi.CodeDeliverySerializer(result.code_deliveries, many=True).data
        return Response({**_profile(request, result.profile), "code_deliveries": deliveries})

    @openapi.operation(
        operation_id="delete_me",
        summary="Delete the signed-in user's account.",
        description="The account leaves the pool and the service's mirror; every token of the user, from "
        "every sign-in, is refused at once by every process.",
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS),
        security=openapi.ACCESS,
        headers=openapi.CLEARED_COOKIES,
        response_example=openapi.message("Account deleted."),
    )
    @inject
    def delete(self, request: Request, delete_account: DeleteAccount = Provide["delete_account"]) -> Response:
        delete_account(DeleteAccountCommand(access_token=credentials.authenticated_access_token(request)))
        response = Response({"msg": "Account deleted."})
        credentials.clear_tokens(response)
        return response


class VerifyEmailApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer):
        code = CodeField()

    @openapi.operation(
        summary="Verify the signed-in user's e-mail address with the code sent to it.",
        description="Answers the profile, now with `email_verified` true. A wrong code: 400 `CodeMismatch` "
        "(a few tries, then 429); an expired one, or none sent: 400 `ExpiredCode`.",
        request=InputSerializer,
        responses={200: MeApi.OutputSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS, "CodeMismatch", "ExpiredCode"),
        security=openapi.ACCESS,
        request_example={"code": openapi.EXAMPLE_CODE},
        response_example=openapi.EXAMPLE_PROFILE,
    )
    @inject
    def post(self, request: Request, verify: VerifyAttribute = Provide["verify_attribute"]) -> Response:
        code = validated(self.InputSerializer, request.data)["code"]
        profile = verify(
            VerifyAttributeCommand(
                access_token=credentials.authenticated_access_token(request),
                attribute_name="email",
                code=code,
                client=client_ip(request),
            )
        )
        return Response(_profile(request, profile))


class ResendEmailCodeApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]

    class OutputSerializer(serializers.Serializer):
        msg = serializers.CharField()
        code_delivery = openapi.CodeDeliverySerializer()

    @openapi.operation(
        summary="Send a new code that verifies the signed-in user's e-mail address.",
        description="The new code replaces the one sent before. A user without an e-mail address: 400 "
        "`ValidationError`.",
        responses={200: OutputSerializer},
        errors=("BadRequest", "NotAcceptable", "ValidationError", *openapi.PROVIDER_ERRORS, *openapi.TOKEN_ERRORS),
        security=openapi.ACCESS,
        response_example={**openapi.message("A new code was sent."), "code_delivery": openapi.EXAMPLE_DELIVERY},
    )
    @inject
    def post(self, request: Request, resend: ResendAttributeCode = Provide["resend_attribute_code"]) -> Response:
        delivery = resend(
            ResendAttributeCodeCommand(
                access_token=credentials.authenticated_access_token(request),
                attribute_name="email",
                client=client_ip(request),
            )
        )
        return Response({"msg": "A new code was sent.", "code_delivery": openapi.CodeDeliverySerializer(delivery).data})
