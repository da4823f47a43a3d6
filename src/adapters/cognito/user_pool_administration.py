"""The administrator's operations (Admin*) on a Cognito user pool."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
from botocore.exceptions import ClientError

# One error table for the whole pool: the same Cognito codes mean the same domain errors here.
from adapters.cognito.identity_provider import _translated_errors as translated_errors
from application.ports.user_pool_administration import UserPoolAdministration
from domain.errors import GroupExists, GroupNotFound, ValidationError
from domain.values import (
    Attributes,
    CodeDelivery,
    CreatedUser,
    FilterMatch,
    Group,
    GroupName,
    GroupPage,
    Password,
    PoolUser,
    UserFilter,
    Username,
    UserPage,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

_OPERATORS = {FilterMatch.EXACT: "=", FilterMatch.PREFIX: "^="}
# How Cognito says that the pool itself is missing, which is our configuration's fault, not the group's:
# both answer ResourceNotFoundException.
_MISSING_POOL = re.compile(r"User pool \S+ does not exist")


def _pool_user(
    username: str,
    status: str,
    enabled: bool,
    attributes: Sequence[AttributeTypeTypeDef],
    groups: Sequence[str] | None,
) -> PoolUser:
    values = {item["Name"]: item.get("Value", "") for item in attributes}
    return PoolUser(
        username=username, sub=values.get("sub", ""), status=status, enabled=enabled, attributes=values, groups=groups
    )


def _cognito_filter(user_filter: UserFilter) -> str:
    """ListUsers's filter syntax, `email ^= "ann"`. `UserFilter` admits no quote or backslash in the
    value, so the value cannot end the quoted string and add to the filter."""
    return f'{user_filter.attribute} {_OPERATORS[user_filter.match]} "{user_filter.value}"'


@contextlib.contextmanager
def _group_errors() -> Iterator[None]:
    """Cognito's answers about groups, which only the group operations give; the rest is left to the
    pool's common table (`translated_errors`, which must enclose this)."""
    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        code, message = str(details.get("Code", "")), str(details.get("Message", ""))
        if code == "GroupExistsException":
            raise GroupExists() from error
        if code == "ResourceNotFoundException" and not _MISSING_POOL.search(message):
            raise GroupNotFound() from error
        raise


class CognitoUserPoolAdministration(UserPoolAdministration):
    """Calls the Admin* operations of one user pool; the client's credentials must allow them."""

    def __init__(self, client: CognitoIdentityProviderClient, *, user_pool_id: str) -> None:
        self._client = client
        self._pool_id = user_pool_id

    def create_user(
        self, username: Username, temporary_password: Password, attributes: Attributes, *, send_invitation: bool = False
    ) -> CreatedUser:
        email = attributes.get("email")
        if send_invitation and email is None:
            raise ValidationError({"send_invitation": "the user has no e-mail address to receive the invitation"})
        # Cognito sends the invitation unless told to suppress it; it then says nothing of where it went,
        # which is the `email` attribute when e-mail is the only medium asked for.
        delivery: dict[str, Any] = (
            {"DesiredDeliveryMediums": ["EMAIL"]} if send_invitation else {"MessageAction": "SUPPRESS"}
        )
        with translated_errors():
            response = self._client.admin_create_user(
                UserPoolId=self._pool_id,
                Username=username.value,
                TemporaryPassword=temporary_password.value,
                UserAttributes=[{"Name": item.name, "Value": item.value} for item in attributes.items],
                **delivery,
            )
        user = response["User"]
        created = _pool_user(
            user.get("Username", username.value),
            user.get("UserStatus", ""),
            user.get("Enabled", True),
            user.get("Attributes", []),
            groups=(),
        )
        invitation = CodeDelivery.by_email(email) if send_invitation and email is not None else None
        return CreatedUser(**attrs.asdict(created, recurse=False), invitation=invitation)

    def get_user(self, username: Username) -> PoolUser:
        with translated_errors():
            response = self._client.admin_get_user(UserPoolId=self._pool_id, Username=username.value)
            groups = self._groups_of(username)
        return _pool_user(
            response["Username"],
            response.get("UserStatus", ""),
            response.get("Enabled", True),
            response.get("UserAttributes", []),
            groups,
        )

    def _groups_of(self, username: Username) -> list[str]:
        groups: list[str] = []
        request: dict[str, Any] = {"UserPoolId": self._pool_id, "Username": username.value}
        while True:
            response = self._client.admin_list_groups_for_user(**request)
            groups.extend(group["GroupName"] for group in response.get("Groups", []) if "GroupName" in group)
            if not response.get("NextToken"):
                return sorted(groups)
            request["NextToken"] = response["NextToken"]

    def list_users(self, user_filter: UserFilter | None, limit: int, page_token: str | None) -> UserPage:
        request: dict[str, Any] = {"UserPoolId": self._pool_id, "Limit": limit}
        if user_filter is not None:
            request["Filter"] = _cognito_filter(user_filter)
        if page_token is not None:
            request["PaginationToken"] = page_token
        try:
            with translated_errors():
                response = self._client.list_users(**request)
        except ValidationError as error:
            # The filter and the limit are valid by construction, so Cognito refuses the token
            # ("Paging marker ... is invalid for request").
            if page_token is None:
                raise
            raise ValidationError({"page_token": "is not a page token of this pool"}) from error
        users = [
            _pool_user(
                user.get("Username", ""),
                user.get("UserStatus", ""),
                user.get("Enabled", True),
                user.get("Attributes", []),
                groups=None,
            )
            for user in response.get("Users", [])
        ]
        return UserPage(users, response.get("PaginationToken") or None)

    def disable_user(self, username: Username) -> None:
        with translated_errors():
            self._client.admin_disable_user(UserPoolId=self._pool_id, Username=username.value)

    def enable_user(self, username: Username) -> None:
        with translated_errors():
            self._client.admin_enable_user(UserPoolId=self._pool_id, Username=username.value)

    def delete_user(self, username: Username) -> None:
        with translated_errors():
            self._client.admin_delete_user(UserPoolId=self._pool_id, Username=username.value)

    def reset_user_password(self, username: Username) -> None:
        try:
            with translated_errors():
                self._client.admin_reset_user_password(UserPoolId=self._pool_id, Username=username.value)
        except ValidationError as error:
            # "Cannot reset password for the user as there is no registered/verified email or phone_number".
            raise ValidationError(
                {"username": "the user has no verified e-mail address or phone number to receive a code"}
            ) from error

    def create_group(self, group: Group) -> None:
        request: dict[str, Any] = {"UserPoolId": self._pool_id, "GroupName": group.name.value}
        if group.description:
            request["Description"] = group.description
        with translated_errors(), _group_errors():
            self._client.create_group(**request)

    def list_groups(self, limit: int, page_token: str | None) -> GroupPage:
        request: dict[str, Any] = {"UserPoolId": self._pool_id, "Limit": limit}
        if page_token is not None:
            request["NextToken"] = page_token
        try:
            with translated_errors():
                response = self._client.list_groups(**request)
        except ValidationError as error:
            # The limit is valid by construction, so Cognito refuses the token.
            if page_token is None:
                raise
            raise ValidationError({"page_token": "is not a page token of this pool"}) from error
        groups = [
            Group(GroupName(group["GroupName"]), group.get("Description"))
            for group in response.get("Groups", [])
            if "GroupName" in group
        ]
        return GroupPage(groups, response.get("NextToken") or None)

    def add_user_to_group(self, username: Username, group: GroupName) -> None:
        with translated_errors(), _group_errors():
            self._client.admin_add_user_to_group(
                UserPoolId=self._pool_id, Username=username.value, GroupName=group.value
            )

    def remove_user_from_group(self, username: Username, group: GroupName) -> None:
        with translated_errors(), _group_errors():
            self._client.admin_remove_user_from_group(
                UserPoolId=self._pool_id, Username=username.value, GroupName=group.value
            )
