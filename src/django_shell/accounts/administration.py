"""The administration endpoints under /admin-api/: administrators only, one thin view per operation."""

from __future__ import annotations

from typing import Any

from dependency_injector.wiring import Provide, inject
from django.conf import settings
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from application.use_cases.administration import (
    AddUserToGroup,
    CreateGroup,
    CreateGroupCommand,
    CreateUser,
    CreateUserCommand,
    DeleteUser,
    DisableUser,
    EnableUser,
    GetUser,
    GroupMembershipCommand,
    ListGroups,
    ListGroupsCommand,
    ListUsers,
    ListUsersCommand,
    RemoveUserFromGroup,
    ResetUserPassword,
    UserCommand,
)
from django_shell import openapi
from django_shell.accounts.fields import (
    AbsentAsNullField,
    AttributeSerializer,
    GroupNameField,
    NewPasswordField,
    StrictBooleanField,
    StrictCharField,
    UsernameField,
    attribute_pairs,
    validated,
)
from domain.values import (
    FILTER_VALUE_MAX_LENGTH,
    FILTERABLE_ATTRIBUTES,
    GROUP_DESCRIPTION_MAX_LENGTH,
    GROUP_PAGE_MAX_SIZE,
    MAX_ATTRIBUTES,
    USER_PAGE_MAX_SIZE,
    Claims,
    FilterMatch,
    PoolUser,
)

# Cognito's pagination tokens are opaque and a few hundred characters long.
_PAGE_TOKEN_MAX_LENGTH = 4096


class IsPoolAdministrator(BasePermission):
    """Signed in, and either staff in the mirror (`is_staff`, set in Django's admin) or a member of
    the pool group that the `COGNITO_ADMIN_GROUP` setting names (unset: no group makes anyone an
    administrator) by the verified access token's `cognito:groups`. Rights follow the token in hand:
    a user added to the group is an administrator from their next sign-in or refresh on, and a
    removal through this service refuses every token that still names the group."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_staff:
            return True
        group: str | None = settings.COGNITO_ADMIN_GROUP
        claims = request.auth
        return group is not None and isinstance(claims, Claims) and group in claims.groups


class ListedUserSerializer(serializers.Serializer):
    username = serializers.CharField()
    sub = serializers.CharField()
    status = serializers.CharField(help_text="Cognito's UserStatus: CONFIRMED, FORCE_CHANGE_PASSWORD, ...")
    enabled = serializers.BooleanField()
    attributes = serializers.DictField(child=serializers.CharField())


class PoolUserSerializer(ListedUserSerializer):
    groups = serializers.ListField(child=serializers.CharField(), help_text="The pool groups the user is in.")


def _user_response(user: PoolUser, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(PoolUserSerializer(user).data, status=status_code)


# What every administration endpoint can answer besides its own errors.
_ADMIN_ERRORS = (
    "NotAcceptable",
    *openapi.PROVIDER_ERRORS,
    *openapi.TOKEN_ERRORS,
    "PermissionDenied",
)


class _AdminApi(APIView):
    permission_classes = (IsPoolAdministrator,)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The validated query string. A parameter the operation does not know, or one given twice, is
    refused rather than ignored: `?filter=...` silently listing every user would mislead."""
    fields = serializer_class().fields
    unknown = sorted(name for name in request.query_params if name not in fields)
    repeated = sorted(name for name, values in request.query_params.lists() if len(values) > 1)
    if unknown or repeated:
        raise serializers.ValidationError(
            dict.fromkeys(unknown, "is not a parameter of this operation")
            | dict.fromkeys(repeated, "must be given once")
        )
    return validated(serializer_class, request.query_params.dict())


class AdminUsersApi(_AdminApi):
    http_method_names = ["get", "post", "options"]

    class QuerySerializer(serializers.Serializer):
        attribute = serializers.ChoiceField(
            choices=FILTERABLE_ATTRIBUTES, required=False, help_text="The attribute to filter on, with `value`."
        )
        match = serializers.ChoiceField(
            choices=[match.value for match in FilterMatch],
            required=False,
            help_text="`exact` (the default) or `prefix`.",
        )
        value = StrictCharField(
            max_length=FILTER_VALUE_MAX_LENGTH,
            required=False,
            help_text="What the attribute equals or starts with; no double quotes or backslashes. "
            "`status` is `Enabled` or `Disabled`; `cognito:user_status` ignores case.",
        )
        limit = serializers.IntegerField(min_value=1, max_value=USER_PAGE_MAX_SIZE, default=USER_PAGE_MAX_SIZE)
        page_token = StrictCharField(
            max_length=_PAGE_TOKEN_MAX_LENGTH, required=False, help_text="The `next_page_token` of the page before."
        )

    class ListOutputSerializer(serializers.Serializer):
        users = ListedUserSerializer(many=True)
        next_page_token = serializers.CharField(
            allow_null=True, help_text="Send it as `page_token` for the next page; null after the last one."
        )

    class InputSerializer(serializers.Serializer):
        username = UsernameField()
        temporary_password = NewPasswordField()
        user_attributes = serializers.ListField(child=AttributeSerializer(), required=False, max_length=MAX_ATTRIBUTES)
        send_invitation = StrictBooleanField(
            required=False,
            default=False,
            help_text="E-mail the user their username and temporary password (the `email` attribute must be set).",
        )

    class CreatedOutputSerializer(PoolUserSerializer):
        invitation = openapi.CodeDeliverySerializer(allow_null=True, help_text="Null when no invitation was sent.")

    @openapi.operation(
        operation_id="list_users",
        summary="One page of the pool's users, optionally filtered on one attribute.",
        description="A page may hold fewer users than `limit`, even none, and still have a next page. "
        "Users' groups are not listed: get the user for them.",
        responses={200: ListOutputSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError"),
        security=openapi.ACCESS,
        query=QuerySerializer,
        response_example={
            "users": [
                {key: openapi.EXAMPLE_POOL_USER[key] for key in ("username", "sub", "status", "enabled", "attributes")}
            ],
            "next_page_token": None,
        },
    )
    @inject
    def get(self, request: Request, list_users: ListUsers = Provide["list_users"]) -> Response:
        query = _query(self.QuerySerializer, request)
        page = list_users(
            ListUsersCommand(
                attribute=query.get("attribute"),
                match=query.get("match"),
                value=query.get("value"),
                limit=query["limit"],
                page_token=query.get("page_token"),
            )
        )
        return Response(
            {"users": ListedUserSerializer(page.users, many=True).data, "next_page_token": page.next_page_token}
        )

    @openapi.operation(
        operation_id="create_user",
        summary="Create a user who must choose a new password at first sign-in.",
        description="Signing in with the temporary password answers a `NEW_PASSWORD_REQUIRED` challenge. With "
        '`"send_invitation": true` the pool e-mails the user their username and temporary password, and '
        "`invitation` says where it went; by default nothing is sent.",
        request=InputSerializer,
        responses={201: CreatedOutputSerializer},
        errors=(*openapi.BODY_ERRORS, *_ADMIN_ERRORS, "InvalidPassword", "UsernameExists"),
        security=openapi.ACCESS,
        request_example={
            "username": "lee@example.com",
            "temporary_password": "Temp0rary-pass",
            "user_attributes": [{"Name": "email", "Value": "lee@example.com"}],
            "send_invitation": False,
        },
        response_example={
            **openapi.EXAMPLE_POOL_USER,
            "username": "lee@example.com",
            "status": "FORCE_CHANGE_PASSWORD",
            "attributes": {"email": "lee@example.com"},
            "groups": [],
            "invitation": None,
        },
    )
    @inject
    def post(self, request: Request, create_user: CreateUser = Provide["create_user"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        created = create_user(
            CreateUserCommand(
                username=data["username"],
                temporary_password=data["temporary_password"],
                attributes=attribute_pairs(data.get("user_attributes", [])),
                send_invitation=data["send_invitation"],
            )
        )
        return Response(self.CreatedOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class AdminUserApi(_AdminApi):
    http_method_names = ["get", "delete", "options"]

    @openapi.operation(
        operation_id="get_user",
        summary="A user as the pool holds them.",
        responses={200: PoolUserSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound"),
        security=openapi.ACCESS,
        response_example=openapi.EXAMPLE_POOL_USER,
    )
    @inject
    def get(self, request: Request, username: str, get_user: GetUser = Provide["get_user"]) -> Response:
        return _user_response(get_user(UserCommand(username)))

    @openapi.operation(
        operation_id="delete_user",
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
        operation_id="disable_user",
        summary="Refuse the user at sign-in and their tokens on every request.",
        description="Every token the user holds is refused at once by every process (401 `TokenInvalid`), "
        "and stays refused after the user is enabled again.",
        request=None,
        responses={200: PoolUserSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound"),
        security=openapi.ACCESS,
        response_example={**openapi.EXAMPLE_POOL_USER, "enabled": False},
    )
    @inject
    def post(self, request: Request, username: str, disable_user: DisableUser = Provide["disable_user"]) -> Response:
        return _user_response(disable_user(UserCommand(username)))


class AdminEnableUserApi(_AdminApi):
    http_method_names = ["post", "options"]

    @openapi.operation(
        operation_id="enable_user",
        summary="Let a disabled user sign in again.",
        description="The tokens the user held when disabled stay refused. Answers after up to a second: "
        "token times count whole seconds, and a sign-in must not fall in the second the user was disabled.",
        request=None,
        responses={200: PoolUserSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound"),
        security=openapi.ACCESS,
        response_example=openapi.EXAMPLE_POOL_USER,
    )
    @inject
    def post(self, request: Request, username: str, enable_user: EnableUser = Provide["enable_user"]) -> Response:
        return _user_response(enable_user(UserCommand(username)))


class AdminResetPasswordApi(_AdminApi):
    http_method_names = ["post", "options"]

    @openapi.operation(
        operation_id="reset_user_password",
        summary="Withdraw the user's password and send them a reset code.",
        description="Until the user sets a new password at `/auth/confirm_forgot_password` with the code, logging in "
        "answers 403 `PasswordResetRequired`. Their tokens stay valid. A user who is disabled or never chose a "
        "password is 409 `UserStatusConflict`; one without a verified e-mail address 400 `ValidationError`.",
        request=None,
        responses={200: PoolUserSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound", "UserStatusConflict"),
        security=openapi.ACCESS,
        response_example={**openapi.EXAMPLE_POOL_USER, "status": "RESET_REQUIRED"},
    )
    @inject
    def post(
        self, request: Request, username: str, reset_password: ResetUserPassword = Provide["reset_user_password"]
    ) -> Response:
        return _user_response(reset_password(UserCommand(username)))


class GroupSerializer(serializers.Serializer):
    name = serializers.CharField(source="name.value")
    description = AbsentAsNullField(help_text="Null without one.")


class AdminGroupsApi(_AdminApi):
    http_method_names = ["get", "post", "options"]

    class QuerySerializer(serializers.Serializer):
        limit = serializers.IntegerField(min_value=1, max_value=GROUP_PAGE_MAX_SIZE, default=GROUP_PAGE_MAX_SIZE)
        page_token = StrictCharField(
            max_length=_PAGE_TOKEN_MAX_LENGTH, required=False, help_text="The `next_page_token` of the page before."
        )

    class ListOutputSerializer(serializers.Serializer):
        groups = GroupSerializer(many=True)
        next_page_token = serializers.CharField(
            allow_null=True, help_text="Send it as `page_token` for the next page; null after the last one."
        )

    class InputSerializer(serializers.Serializer):
        name = GroupNameField()
        description = StrictCharField(max_length=GROUP_DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)

    @openapi.operation(
        summary="One page of the pool's groups.",
        responses={200: ListOutputSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError"),
        security=openapi.ACCESS,
        query=QuerySerializer,
        operation_id="list_groups",
        response_example={
            "groups": [{"name": "editors", "description": "May edit every article."}],
            "next_page_token": None,
        },
    )
    @inject
    def get(self, request: Request, list_groups: ListGroups = Provide["list_groups"]) -> Response:
        query = _query(self.QuerySerializer, request)
        page = list_groups(ListGroupsCommand(limit=query["limit"], page_token=query.get("page_token")))
        return Response(self.ListOutputSerializer(page).data)

    @openapi.operation(
        operation_id="create_group",
        summary="Create a group in the pool, which users can then be added to.",
        description="An empty or missing description is none: null in the answer.",
        request=InputSerializer,
        responses={201: GroupSerializer},
        errors=(*openapi.BODY_ERRORS, *_ADMIN_ERRORS, "GroupExists"),
        security=openapi.ACCESS,
        request_example={"name": "editors", "description": "May edit every article."},
        response_example={"name": "editors", "description": "May edit every article."},
    )
    @inject
    def post(self, request: Request, create_group: CreateGroup = Provide["create_group"]) -> Response:
        data = validated(self.InputSerializer, request.data)
        group = create_group(CreateGroupCommand(name=data["name"], description=data.get("description")))
        return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)


class AdminUserGroupsApi(_AdminApi):
    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer):
        group = GroupNameField()

    @openapi.operation(
        operation_id="add_user_to_group",
        summary="Add the user to an existing group.",
        description="The user's tokens name the group (`cognito:groups`) from their next login or refresh on; "
        "the mirror at once. Being a member already is no error.",
        request=InputSerializer,
        responses={200: PoolUserSerializer},
        errors=(*openapi.BODY_ERRORS, *_ADMIN_ERRORS, "UserNotFound", "GroupNotFound"),
        security=openapi.ACCESS,
        request_example={"group": "editors"},
        response_example=openapi.EXAMPLE_POOL_USER,
    )
    @inject
    def post(
        self, request: Request, username: str, add_to_group: AddUserToGroup = Provide["add_user_to_group"]
    ) -> Response:
        data = validated(self.InputSerializer, request.data)
        return _user_response(add_to_group(GroupMembershipCommand(username, data["group"])))


class AdminUserGroupApi(_AdminApi):
    http_method_names = ["delete", "options"]

    @openapi.operation(
        operation_id="remove_user_from_group",
        summary="Take the user out of a group.",
        description="The mirror follows at once, the user's tokens from their next login or refresh on. Not being "
        "a member is no error.",
        responses={200: PoolUserSerializer},
        errors=(*_ADMIN_ERRORS, "ValidationError", "UserNotFound", "GroupNotFound"),
        security=openapi.ACCESS,
        response_example={**openapi.EXAMPLE_POOL_USER, "groups": []},
    )
    @inject
    def delete(
        self,
        request: Request,
        username: str,
        group: str,
        remove_from_group: RemoveUserFromGroup = Provide["remove_user_from_group"],
    ) -> Response:
        return _user_response(remove_from_group(GroupMembershipCommand(username, group)))
