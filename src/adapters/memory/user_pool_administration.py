"""The administrator's side of the embedded user pool."""

from __future__ import annotations

from adapters.memory.identity_provider import InMemoryIdentityProvider
from application.ports.user_pool_administration import UserPoolAdministration
from domain.values import Attributes, Password, PoolUser, Username


class InMemoryUserPoolAdministration(UserPoolAdministration):
    """Administers the pool of an `InMemoryIdentityProvider`, which keeps the users."""

    def __init__(self, pool: InMemoryIdentityProvider) -> None:
        self._pool = pool

    def create_user(self, username: Username, temporary_password: Password, attributes: Attributes) -> PoolUser:
        self._pool.admin_create_user(username, temporary_password, attributes)
        return self._pool.admin_get_user(username)

    def get_user(self, username: Username) -> PoolUser:
        return self._pool.admin_get_user(username)

    def disable_user(self, username: Username) -> None:
        self._pool.admin_disable_user(username)

    def enable_user(self, username: Username) -> None:
        self._pool.admin_enable_user(username)

    def delete_user(self, username: Username) -> None:
        self._pool.admin_delete_user(username)
