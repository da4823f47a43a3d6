"""Account self-service for a signed-in user: changing the password and deleting the account.

Signing out of every device is `POST /auth/logout`, which already revokes every token of the user.
"""

from __future__ import annotations

from dependency_injector.wiring import Provide, inject
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.account import ChangePassword, ChangePasswordCommand, DeleteAccount, DeleteAccountCommand
from application.use_cases.authenticate import Authenticated
from django_shell import openapi
from django_shell.accounts import credentials
from django_shell.accounts.apis import MeApi
from django_shell.accounts.fields import StrictCharField
from domain.values import PASSWORD_MAX_LENGTH

_TOKEN_ERRORS = ("NotAuthenticated", "NotAuthorized", "TokenInvalid", "TokenExpired")


def _access_token(request: Request) -> str:
    """The access token the request was authenticated with: the fresh one when the middleware had to
    refresh an expired one, since the pool refuses the expired token."""
    authenticated: Authenticated | None = getattr(request._request, "token_authentication", None)
    if authenticated is not None and authenticated.refreshed is not None:
        return authenticated.refreshed.access_token
    token = credentials.access_token(request)
    if token is None:
        raise exceptions.NotAuthenticated()
    return token


class ChangePasswordApi(APIView):
    permission_classes = (IsAuthenticated,)
    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer):
        old_password = StrictCharField(max_length=PASSWORD_MAX_LENGTH)
        new_password = StrictCharField(max_length=PASSWORD_MAX_LENGTH)

    @openapi.operation(
        summary="Replace the signed-in user's password, proving the old one.",
        description="The user stays signed in: the pool keeps every token valid across the change. "
        "A wrong old password answers 401 `NotAuthorized`.",
        request=InputSerializer,
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.BODY_ERRORS, *openapi.PROVIDER_ERRORS, *_TOKEN_ERRORS, "InvalidPassword"),
        security=openapi.ACCESS,
        headers=openapi.ISSUED_TOKENS,
    )
    @inject
    def post(self, request: Request, change_password: ChangePassword = Provide["change_password"]) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change_password(
            ChangePasswordCommand(
                access_token=_access_token(request),
                previous_password=serializer.validated_data["old_password"],
                proposed_password=serializer.validated_data["new_password"],
            )
        )
        return Response({"msg": "Password changed."})


class AccountApi(MeApi):
    """`GET /auth/me` reads the profile; `DELETE /auth/me` deletes the account."""

    http_method_names = ["get", "delete", "options"]

    @openapi.operation(
        summary="Delete the signed-in user's account.",
        description="The account leaves the pool and the service's mirror; every token of the user, from "
        "every sign-in, is refused at once by every process.",
        responses={200: openapi.MessageSerializer},
        errors=(*openapi.PROVIDER_ERRORS, *_TOKEN_ERRORS),
        security=openapi.ACCESS,
        headers=openapi.CLEARED_COOKIES,
    )
    @inject
    def delete(self, request: Request, delete_account: DeleteAccount = Provide["delete_account"]) -> Response:
        delete_account(DeleteAccountCommand(access_token=_access_token(request)))
        response = Response({"msg": "Account deleted."})
        credentials.clear_tokens(response)
        return response
