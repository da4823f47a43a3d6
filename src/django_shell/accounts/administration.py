"""The administration endpoints under /admin-api/users/: staff only, one thin view per operation."""

from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.administration import (
    CreateUser,
    CreateUserCommand,
    DeleteUser,
    DisableUser,
    EnableUser,
    GetUser,
    UserCommand,
)
from django_shell import openapi
from django_shell.accounts.fields import StrictCharField
from domain.values import (
    ATTRIBUTE_NAME_MAX_LENGTH,
    ATTRIBUTE_VALUE_MAX_LENGTH,
    MAX_ATTRIBUTES,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    PoolUser,
)


class IsPoolAdministrator(BasePermission):
    """Signed in, and staff in the mirror (`is_staff`, set in Django's admin)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


class PoolUserSerializer(serializers.Serializer):
    username = serializers.CharField()
    sub = serializers.CharField()
    status = serializers.CharField(help_text="Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD, ...")
    enabled = serializers.BooleanField()
    attributes = serializers.DictField(child=serializers.CharField())


def _user_response(user: PoolUser, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(PoolUserSerializer(user).data, status=status_code)


# What every administration endpoint can answer besides its own errors.
_ADMIN_ERRORS = (
    "NotAcceptable",
    *openapi.PROVIDER_ERRORS,
    "NotAuthenticated",
    "NotAuthorized",
    "TokenInvalid",
    "TokenExpired",
    "PermissionDenied",
)


class _AdminApi(APIView):
    permission_classes = (IsPoolAdministrator,)


class AdminUsersApi(_AdminApi):
    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer):
        class AttributeSerializer(serializers.Serializer):
            Name = StrictCharField(max_length=ATTRIBUTE_NAME_MAX_LENGTH)
            Value = StrictCharField(max_length=ATTRIBUTE_VALUE_MAX_LENGTH, allow_blank=True)

        username = StrictCharField(max_length=USERNAME_MAX_LENGTH)
        temporary_password = StrictCharField(max_length=PASSWORD_MAX_LENGTH)
        user_attributes = serializers.ListField(child=AttributeSerializer(), required=False, max_length=MAX_ATTRIBUTES)

    @openapi.operation(
        summary="Create a user who must choose a new password at first sign-in; no invitation is sent.",
        description="Signing in with the temporary password answers a `NEW_PASSWORD_REQUIRED` challenge.",
        request=InputSerializer,
        responses={201: PoolUserSerializer},
        errors=(*openapi.BODY_ERRORS, *_ADMIN_ERRORS, "InvalidPassword", "UsernameExists"),
        security=openapi.ACCESS,
    )
    @inject
    def post(self, request: Request, create_user: CreateUser = Provide["create_user"]) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = create_user(
            CreateUserCommand(
                username=data["username"],
                temporary_password=data["temporary_password"],
                attributes=tuple((item["Name"], item["Value"]) for item in data.get("user_attributes", [])),
            )
        )
        return _user_response(user, status.HTTP_201_CREATED)


class AdminUserApi(_AdminApi):
    http_method_names = ["get", "delete", "options"]

    @openapi.operation(
        summary="A user as the pool holds them.",
        responses={200: PoolUserSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound"),
        security=openapi.ACCESS,
    )
    @inject
    def get(self, request: Request, username: str, get_user: GetUser = Provide["get_user"]) -> Response:
        return _user_response(get_user(UserCommand(username)))

    @openapi.operation(
        summary="Delete a user from the pool and the mirror.",
        description="Every token of the user, from every sign-in, is refused at once by every process.",
        responses={204: None},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound"),
        security=openapi.ACCESS,
    )
    @inject
    def delete(self, request: Request, username: str, delete_user: DeleteUser = Provide["delete_user"]) -> Response:
        delete_user(UserCommand(username))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminDisableUserApi(_AdminApi):
    http_method_names = ["post", "options"]

    @openapi.operation(
        summary="Refuse the user at sign-in and their tokens on every request.",
        description="Every token the user holds is refused at once by every process (401 `TokenInvalid`), "
        "and stays refused after the user is enabled again.",
        request=None,
        responses={200: PoolUserSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound"),
        security=openapi.ACCESS,
    )
    @inject
    def post(self, request: Request, username: str, disable_user: DisableUser = Provide["disable_user"]) -> Response:
        return _user_response(disable_user(UserCommand(username)))


class AdminEnableUserApi(_AdminApi):
    http_method_names = ["post", "options"]

    @openapi.operation(
        summary="Let a disabled user sign in again.",
        description="The tokens the user held when disabled stay refused. Answers after up to a second: "
        "token times count whole seconds, and a sign-in must not fall in the second the user was disabled.",
        request=None,
        responses={200: PoolUserSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound"),
        security=openapi.ACCESS,
    )
    @inject
    def post(self, request: Request, username: str, enable_user: EnableUser = Provide["enable_user"]) -> Response:
        return _user_response(enable_user(UserCommand(username)))
