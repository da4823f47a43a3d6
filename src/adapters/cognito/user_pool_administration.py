"""The administrator's operations (Admin*) on a Cognito user pool."""

from __future__ import annotations

from typing import TYPE_CHECKING

# One error table for the whole pool: the same Cognito codes mean the same domain errors here.
from adapters.cognito.identity_provider import _translated_errors as translated_errors
from application.ports.user_pool_administration import UserPoolAdministration
from domain.values import Attributes, Password, PoolUser, Username

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef


def _pool_user(username: str, status: str, enabled: bool, attributes: Sequence[AttributeTypeTypeDef]) -> PoolUser:
    values = {item["Name"]: item.get("Value", "") for item in attributes}
    return PoolUser(username=username, sub=values.get("sub", ""), status=status, enabled=enabled, attributes=values)


class CognitoUserPoolAdministration(UserPoolAdministration):
    """Calls the Admin* operations of one user pool; the client's credentials must allow them."""

    def __init__(self, client: CognitoIdentityProviderClient, *, user_pool_id: str) -> None:
        self._client = client
        self._pool_id = user_pool_id

    def create_user(self, username: Username, temporary_password: Password, attributes: Attributes) -> PoolUser:
        with translated_errors():
            response = self._client.admin_create_user(
                UserPoolId=self._pool_id,
                Username=username.value,
                TemporaryPassword=temporary_password.value,
                UserAttributes=[{"Name": item.name, "Value": item.value} for item in attributes.items],
                MessageAction="SUPPRESS",
            )
        user = response["User"]
        return _pool_user(
            user.get("Username", username.value),
            user.get("UserStatus", ""),
            user.get("Enabled", True),
            user.get("Attributes", []),
        )

    def get_user(self, username: Username) -> PoolUser:
        with translated_errors():
            response = self._client.admin_get_user(UserPoolId=self._pool_id, Username=username.value)
        return _pool_user(
            response["Username"],
            response.get("UserStatus", ""),
            response.get("Enabled", True),
            response.get("UserAttributes", []),
        )

    def disable_user(self, username: Username) -> None:
        with translated_errors():
            self._client.admin_disable_user(UserPoolId=self._pool_id, Username=username.value)

    def enable_user(self, username: Username) -> None:
        with translated_errors():
            self._client.admin_enable_user(UserPoolId=self._pool_id, Username=username.value)

    def delete_user(self, username: Username) -> None:
        with translated_errors():
            self._client.admin_delete_user(UserPoolId=self._pool_id, Username=username.value)
