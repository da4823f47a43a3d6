"""The administrator's side of the embedded user pool."""

from __future__ import annotations

import attrs

from adapters.embedded_pool.identity_provider import EmbeddedIdentityProvider
from application.ports.user_pool_administration import UserPoolAdministration
from domain.values import (
    Attributes,
    CodeDelivery,
    CreatedUser,
    Group,
    GroupName,
    GroupPage,
    Password,
    PoolUser,
    UserFilter,
    Username,
    UserPage,
)


class EmbeddedUserPoolAdministration(UserPoolAdministration):
    """Administers the pool of an `EmbeddedIdentityProvider`, which keeps the users."""

    def __init__(self, pool: EmbeddedIdentityProvider) -> None:
        self._pool = pool

    def create_user(
        self, username: Username, temporary_password: Password, attributes: Attributes, *, send_invitation: bool = False
    ) -> CreatedUser:
        self._pool.admin_create_user(username, temporary_password, attributes, send_invitation=send_invitation)
        email = attributes.get("email")
        # The pool has refused an invitation without an address, so `email` is there when one was sent.
        invitation = CodeDelivery.by_email(email) if send_invitation and email is not None else None
        return CreatedUser(**attrs.asdict(self._pool.admin_get_user(username), recurse=False), invitation=invitation)

    def get_user(self, username: Username) -> PoolUser:
        return self._pool.admin_get_user(username)

    def list_users(self, user_filter: UserFilter | None, limit: int, page_token: str | None) -> UserPage:
        return self._pool.admin_list_users(user_filter, limit, page_token)

    def disable_user(self, username: Username) -> None:
        self._pool.admin_disable_user(username)

    def enable_user(self, username: Username) -> None:
        self._pool.admin_enable_user(username)

    def delete_user(self, username: Username) -> None:
        self._pool.admin_delete_user(username)

    def reset_user_password(self, username: Username) -> None:
        self._pool.admin_reset_user_password(username)

    def create_group(self, group: Group) -> None:
        self._pool.admin_create_group(group)

    def list_groups(self, limit: int, page_token: str | None) -> GroupPage:
        return self._pool.admin_list_groups(limit, page_token)

    def add_user_to_group(self, username: Username, group: GroupName) -> None:
        self._pool.admin_add_user_to_group(username, group)

    def remove_user_from_group(self, username: Username, group: GroupName) -> None:
        self._pool.admin_remove_user_from_group(username, group)
