"""Signing out of every device."""

from __future__ import annotations

import attrs

from application.ports.identity_provider import IdentityProvider
from application.ports.token_verifier import TokenVerifier
from domain.errors import NotAuthenticated, NotAuthorized


@attrs.frozen
class LogoutCommand:
    access_token: str | None = attrs.field(default=None, repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class Logout:
    """Revoke every token of the user, on every device.

    An expired access token is no obstacle while the refresh token still works: a user must always
    be able to sign out. Raises `NotAuthenticated` without tokens, `TokenInvalid` for a forged
    access token, `NotAuthorized` when no token works any more.
    """

    identity_provider: IdentityProvider
    token_verifier: TokenVerifier

    def __call__(self, command: LogoutCommand) -> None:
        username = None
        if command.access_token:
            username = self.token_verifier.verify_access_token(command.access_token, allow_expired=True).username
            try:
                self.identity_provider.global_sign_out(command.access_token)
                return
            except NotAuthorized:
                if not command.refresh_token:
                    raise
        if not command.refresh_token:
            raise NotAuthenticated()
        fresh = self.identity_provider.refresh(command.refresh_token, username)
        self.identity_provider.global_sign_out(fresh.access_token)
